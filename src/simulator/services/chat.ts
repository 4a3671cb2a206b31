/** Shapes shared by the two simulated chat APIs (Perplexity answers in OpenAI's format). */
import { z } from 'zod';
import { hashHex } from '../fake-data';
import { messagesLength, type SimReply } from '../service';

export const chatMessagesSchema = z
  .array(
    z.looseObject({
      role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
      content: z.union([z.string(), z.array(z.unknown())]).nullable(),
    }),
  )
  .min(1);

export type ChatMessages = z.output<typeof chatMessagesSchema>;

/** OpenAI's error envelope, which Perplexity uses as well. */
export function openAiStyleError(status: number, message: string, type: string, code: string | number | null = null, param: string | null = null): SimReply {
  return { status, body: { error: { message, type, param, code } } };
}

export function lastUserText(messages: ChatMessages): string {
  const last = [...messages].reverse().find((message) => message.role === 'user');
  return typeof last?.content === 'string' ? last.content : '';
}

export function completionBody(options: { seed: string; idPrefix: string; model: string; messages: ChatMessages; content: string; extra?: Record<string, unknown> }) {
  const promptTokens = Math.ceil(messagesLength(options.messages) / 4);
  const completionTokens = Math.ceil(options.content.length / 4);
  return {
    id: `${options.idPrefix}${hashHex(options.seed, 'completion', JSON.stringify(options.messages)).slice(0, 24)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: options.model,
    choices: [{ index: 0, message: { role: 'assistant', content: options.content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    ...options.extra,
  };
}
