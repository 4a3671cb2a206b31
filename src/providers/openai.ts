/**
 * OpenAI (platform.openai.com API reference, checked Nov 2026) writes the email: POST /v1/chat/completions in JSON mode, answer validated as {subject, body}.
 * A model answer that is not that JSON is a DataError: it concerns this lead's copy, not the service.
 * Every answer carries x-ratelimit-remaining-{requests,tokens} and x-ratelimit-reset-*, kept per service.
 */
import { z } from 'zod';
import { chatCompletion, describeLead } from './chat';
import { DEFAULT_MODELS, type ModelServiceConfig } from './config';
import { DataError, type EmailCopy, type LeadForOutreach, type LeadProviders, type LimitsObserver } from './types';

// JSON mode requires the word "JSON" in the messages; OpenAI answers 400 otherwise.
const SYSTEM_PROMPT =
  'You write short, personal cold emails for B2B outreach. Reply with a JSON object ' +
  '{"subject": string, "body": string} and nothing else. The body is plain text, under 120 words.';

export const emailCopySchema = z.object({
  subject: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1),
});

export function copyPrompt(lead: LeadForOutreach, research: string, prompt: string): string {
  return [`Instructions from the campaign: ${prompt}`, `Prospect:\n${describeLead(lead)}`, `Research:\n${research}`].join('\n\n');
}

export function createOpenAiClient(config: ModelServiceConfig, observe?: LimitsObserver): Pick<LeadProviders, 'writeCopy'> {
  return {
    async writeCopy(lead, research, prompt) {
      const choice = await chatCompletion({
        service: 'openai',
        baseUrl: config.baseUrl,
        path: '/v1/chat/completions',
        apiKey: config.apiKey,
        timeoutMs: config.timeoutMs,
        observe,
        body: {
          model: config.model ?? DEFAULT_MODELS.openai,
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: copyPrompt(lead, research, prompt) },
          ],
          response_format: { type: 'json_object' },
        },
      });
      if (choice.message.refusal) throw new DataError('openai', `openai: model refused lead ${lead.leadId}: ${choice.message.refusal}`);
      return parseEmailCopy(choice.message.content ?? '', lead.leadId);
    },
  };
}

export function parseEmailCopy(content: string, leadId: string): EmailCopy {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    throw new DataError('openai', `openai: answer for lead ${leadId} is not JSON`);
  }
  const parsed = emailCopySchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'answer'}: ${issue.message}`).join('; ');
    throw new DataError('openai', `openai: answer for lead ${leadId} is not {subject, body}: ${problems}`);
  }
  return parsed.data;
}
