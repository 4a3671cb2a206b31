/**
 * Perplexity research on the person and company through the Agent API (docs.perplexity.ai, "Agent API"
 * and "OpenAI compatibility", checked Nov 2026): POST /v1/agent (`/v1/responses` is an alias) in OpenAI's
 * Responses format, Bearer auth. The Sonar chat-completions API it replaces was retired on 27 Sep 2026.
 *
 * Answer: `output[]` items; those of type `message` hold `content[]` parts of type `output_text` whose
 * `annotations` cite URLs (`url_citation`); `usage` carries tokens and `cost.total_cost` in USD.
 */
import { z } from 'zod';
import { describeLead } from './chat';
import { DEFAULT_MODELS, type ModelServiceConfig } from './config';
import { callJson, expectShape } from './http';
import { DataError, type LeadForOutreach, type LeadProviders, type LimitsObserver, type ResearchSource } from './types';

const INSTRUCTIONS =
  'You research B2B prospects for a sales team. Answer with a concise factual summary (at most 150 words) ' +
  'of the person and their company: what the company does, recent news, and anything useful for a personal opening line. ' +
  'Cite your sources.';

const annotationSchema = z.looseObject({ type: z.string(), url: z.string().nullish(), title: z.string().nullish() });
const contentPartSchema = z.looseObject({ type: z.string(), text: z.string().nullish(), annotations: z.array(annotationSchema).nullish() });
const outputItemSchema = z.looseObject({ type: z.string(), content: z.array(contentPartSchema).nullish() });

export const agentResponseSchema = z.object({
  status: z.string().nullish(),
  output: z.array(outputItemSchema),
  usage: z
    .looseObject({ cost: z.looseObject({ total_cost: z.number().nullish() }).nullish() })
    .nullish(),
  error: z.looseObject({ message: z.string().nullish() }).nullish(),
});

export function researchPrompt(lead: LeadForOutreach): string {
  return `Research this prospect.\n${describeLead(lead)}`;
}

export function createPerplexityClient(config: ModelServiceConfig, observe?: LimitsObserver): Pick<LeadProviders, 'enrichLead'> {
  return {
    async enrichLead(lead) {
      const json = await callJson({
        service: 'perplexity',
        method: 'POST',
        baseUrl: config.baseUrl,
        path: '/v1/agent',
        headers: { authorization: `Bearer ${config.apiKey}` },
        body: {
          model: config.model ?? DEFAULT_MODELS.perplexity,
          instructions: INSTRUCTIONS,
          input: researchPrompt(lead),
          tools: [{ type: 'web_search' }],
        },
        timeoutMs: config.timeoutMs,
        observe,
      });
      const response = expectShape('perplexity', agentResponseSchema, json, 'agent response');
      const parts = response.output.filter((item) => item.type === 'message').flatMap((item) => item.content ?? []);
      const texts = parts.filter((part) => part.type === 'output_text');
      const summary = texts.map((part) => part.text ?? '').join('').trim();
      // The model answered, but with nothing we can use for this lead.
      if (summary === '') throw new DataError('perplexity', `perplexity: empty research answer for lead ${lead.leadId}`);
      return { summary, sources: citedSources(texts.flatMap((part) => part.annotations ?? [])), costUsd: response.usage?.cost?.total_cost ?? null };
    },
  };
}

/** Unique cited URLs, in the order they are first cited. */
function citedSources(annotations: Array<z.infer<typeof annotationSchema>>): ResearchSource[] {
  const seen = new Map<string, ResearchSource>();
  for (const annotation of annotations) {
    if (annotation.type !== 'url_citation' || !annotation.url || seen.has(annotation.url)) continue;
    seen.set(annotation.url, { url: annotation.url, title: annotation.title ?? null });
  }
  return [...seen.values()];
}
