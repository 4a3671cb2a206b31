/** Perplexity research on the person and company: POST /chat/completions (OpenAI-style), Bearer auth. */
import { chatCompletion, describeLead } from './chat';
import { DEFAULT_MODELS, type ModelServiceConfig } from './config';
import { DataError, type LeadForOutreach, type LeadProviders } from './types';

const SYSTEM_PROMPT =
  'You research B2B prospects for a sales team. Answer with a concise factual summary (at most 150 words) ' +
  'of the person and their company: what the company does, recent news, and anything useful for a personal opening line.';

export function researchPrompt(lead: LeadForOutreach): string {
  return `Research this prospect.\n${describeLead(lead)}`;
}

export function createPerplexityClient(config: ModelServiceConfig): Pick<LeadProviders, 'enrichLead'> {
  return {
    async enrichLead(lead) {
      const choice = await chatCompletion({
        service: 'perplexity',
        baseUrl: config.baseUrl,
        path: '/chat/completions',
        apiKey: config.apiKey,
        timeoutMs: config.timeoutMs,
        body: {
          model: config.model ?? DEFAULT_MODELS.perplexity,
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: researchPrompt(lead) },
          ],
        },
      });
      const summary = choice.message.content?.trim() ?? '';
      // The model answered, but with nothing we can use for this lead.
      if (summary === '') throw new DataError('perplexity', `perplexity: empty research answer for lead ${lead.leadId}`);
      return { summary };
    },
  };
}
