/**
 * Simulated OpenAI: POST /v1/chat/completions with Bearer auth, JSON mode, OpenAI's error envelope, and
 * GET /v1/models. Completions carry x-ratelimit-{limit,remaining,reset}-{requests,tokens} (tier 1 for
 * gpt-4o-mini: 500 requests and 200,000 tokens a minute).
 */
import { z } from 'zod';
import { issuesText } from '../validation';
import { hashInt, pick } from '../fake-data';
import { bearerToken, labelledValue, messagesLength, type SimService } from '../service';
import { type ChatMessages, chatMessagesSchema, completionBody, lastUserText, openAiStyleError } from './chat';

const MAX_PROMPT_CHARS = 200_000;
const KNOWN_MODEL = /^(gpt-|o\d|chatgpt-)/;
const OPENERS = ['Saw the recent news', 'Congrats on the momentum', 'Quick thought after reading about your team', 'Noticed what you are building'];

const requestSchema = z.looseObject({
  model: z.string().min(1),
  messages: chatMessagesSchema,
  response_format: z.looseObject({ type: z.enum(['text', 'json_object', 'json_schema']) }).optional(),
});

const REQUESTS_PER_MINUTE = 500;
const TOKENS_PER_MINUTE = 200_000;

export function createOpenAiService(seed: string): SimService {
  let minute = { start: 0, requests: 0, tokens: 0 };
  const limitHeaders = (tokens: number): Record<string, string> => {
    const now = Date.now();
    if (now - minute.start >= 60_000) minute = { start: now, requests: 0, tokens: 0 };
    minute.requests += 1;
    minute.tokens += tokens;
    const reset = `${Math.max(0, Math.ceil((minute.start + 60_000 - now) / 1000))}s`;
    return {
      'x-ratelimit-limit-requests': String(REQUESTS_PER_MINUTE),
      'x-ratelimit-limit-tokens': String(TOKENS_PER_MINUTE),
      'x-ratelimit-remaining-requests': String(Math.max(0, REQUESTS_PER_MINUTE - minute.requests)),
      'x-ratelimit-remaining-tokens': String(Math.max(0, TOKENS_PER_MINUTE - minute.tokens)),
      'x-ratelimit-reset-requests': reset,
      'x-ratelimit-reset-tokens': reset,
    };
  };
  const completion = (model: string, messages: ChatMessages, content: string) =>
    completionBody({ seed, idPrefix: 'chatcmpl-', model, messages, content, extra: { system_fingerprint: 'fp_simulator' } });
  return {
    name: 'openai',
    errorReply: (status, message) => openAiStyleError(status, message, status >= 500 ? 'server_error' : 'invalid_request_error'),
    quotaReply: () =>
      openAiStyleError(429, 'You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', 'insufficient_quota'),
    // JSON mode was asked for, but the model wrote prose.
    malformedReply: () => ({ status: 200, body: completion('gpt-4o-mini', [{ role: 'user', content: '' }], 'Sure! Here is a great email for your prospect.') }),
    reset() {
      minute = { start: 0, requests: 0, tokens: 0 };
    },
    routes: [
      {
        method: 'get',
        path: '/v1/models',
        handle({ headers }) {
          if (!bearerToken(headers)) return openAiStyleError(401, "You didn't provide an API key.", 'invalid_request_error', 'invalid_api_key');
          return { status: 200, body: { object: 'list', data: ['gpt-4o-mini', 'gpt-4o', 'gpt-5-mini'].map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'openai' })) } };
        },
      },
      {
        method: 'post',
        path: '/v1/chat/completions',
        handle({ headers, body }) {
          if (!bearerToken(headers)) {
            return openAiStyleError(401, "You didn't provide an API key. Provide it in the Authorization header (Bearer auth).", 'invalid_request_error', 'invalid_api_key');
          }
          const parsed = requestSchema.safeParse(body ?? {});
          if (!parsed.success) return openAiStyleError(400, issuesText(parsed.error), 'invalid_request_error');
          const { model, messages, response_format: format } = parsed.data;
          if (!KNOWN_MODEL.test(model)) {
            return openAiStyleError(404, `The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found', 'model');
          }
          const jsonMode = format?.type === 'json_object';
          if (jsonMode && !messages.some((message) => /json/i.test(JSON.stringify(message.content)))) {
            return openAiStyleError(400, "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", 'invalid_request_error', null, 'messages');
          }
          if (messagesLength(messages) > MAX_PROMPT_CHARS) {
            return openAiStyleError(400, "This model's maximum context length is 128000 tokens. Please reduce the length of the messages.", 'invalid_request_error', 'context_length_exceeded', 'messages');
          }
          const copy = emailCopy(seed, lastUserText(messages));
          const content = format === undefined || format.type === 'text' ? `Subject: ${copy.subject}\n\n${copy.body}` : JSON.stringify(copy);
          const answer = completion(model, messages, content);
          return { status: 200, body: answer, headers: limitHeaders(answer.usage.total_tokens) };
        },
      },
    ],
  };
}

function emailCopy(seed: string, prompt: string): { subject: string; body: string } {
  const firstName = labelledValue(prompt, 'Name')?.split(' ')[0] ?? 'there';
  const company = labelledValue(prompt, 'Company') ?? 'your team';
  const n = hashInt(seed, 'copy', prompt);
  return {
    subject: `${pick(['An idea for', 'Quick question for', 'Helping'], n)} ${company}`,
    body: `Hi ${firstName},\n\n${pick(OPENERS, n >>> 4)} at ${company}. We help teams like yours book more qualified meetings without adding headcount.\n\nWorth a 15-minute chat next week?\n\nBest,\nAlex`,
  };
}
