/** Simulated Perplexity: POST /chat/completions with Bearer auth, "sonar" models, citations. */
import { z } from 'zod';
import { issuesText } from '../validation';
import { hashInt, pick } from '../fake-data';
import { bearerToken, labelledValue, messagesLength, type SimService } from '../service';
import { chatMessagesSchema, completionBody, lastUserText, openAiStyleError } from './chat';

const MODELS = new Set(['sonar', 'sonar-pro', 'sonar-reasoning', 'sonar-reasoning-pro', 'sonar-deep-research']);
const MAX_PROMPT_CHARS = 100_000;
const NEWS = [
  'recently announced a new funding round',
  'opened an office in a new region this year',
  'launched a product line aimed at mid-market customers',
  'is hiring across its sales and engineering teams',
  'was featured in an industry report on fast-growing companies',
];

const requestSchema = z.looseObject({ model: z.string(), messages: chatMessagesSchema });

export function createPerplexityService(seed: string): SimService {
  const completion = (model: string, messages: z.output<typeof chatMessagesSchema>, content: string) =>
    completionBody({
      seed,
      idPrefix: '',
      model,
      messages,
      content,
      extra: { citations: ['https://example.com/news', 'https://example.com/about'] },
    });
  return {
    name: 'perplexity',
    errorReply: (status, message) => openAiStyleError(status, message, status >= 500 ? 'server_error' : 'invalid_request_error', status),
    quotaReply: () => openAiStyleError(402, 'Insufficient credits: add credits to your API account to continue.', 'insufficient_credits', 402),
    // A 200 whose answer is empty: nothing usable for the lead.
    malformedReply: () => ({ status: 200, body: completion('sonar', [{ role: 'user', content: '' }], '') }),
    reset() {},
    routes: [
      {
        method: 'post',
        path: '/chat/completions',
        handle({ headers, body }) {
          if (!bearerToken(headers)) return openAiStyleError(401, 'Missing or invalid API key.', 'authentication_error', 401);
          const parsed = requestSchema.safeParse(body ?? {});
          if (!parsed.success) return openAiStyleError(400, issuesText(parsed.error), 'invalid_request_error', 400);
          const { model, messages } = parsed.data;
          if (!MODELS.has(model)) return openAiStyleError(400, `Invalid model '${model}'. Permitted models: ${[...MODELS].join(', ')}.`, 'invalid_model', 400);
          if (messages.at(-1)?.role !== 'user') return openAiStyleError(400, 'Last message must have role `user`.', 'invalid_message', 400);
          if (messagesLength(messages) > MAX_PROMPT_CHARS) return openAiStyleError(400, 'Prompt exceeds the maximum context length.', 'invalid_request_error', 400);
          return { status: 200, body: completion(model, messages, research(seed, lastUserText(messages))) };
        },
      },
    ],
  };
}

function research(seed: string, prompt: string): string {
  const name = labelledValue(prompt, 'Name') ?? 'The prospect';
  const title = labelledValue(prompt, 'Title');
  const company = labelledValue(prompt, 'Company') ?? 'their company';
  const n = hashInt(seed, 'research', prompt);
  return [
    `${name}${title ? `, ${title},` : ''} works at ${company}.`,
    `${company} ${pick(NEWS, n)} [1].`,
    `Public posts suggest ${name.split(' ')[0]} cares about ${pick(['pipeline quality', 'team productivity', 'customer retention', 'faster onboarding'], n >>> 8)} [2].`,
  ].join(' ');
}
