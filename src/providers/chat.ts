/** OpenAI's chat completion: request and answer shapes (Perplexity moved to the Responses format). */
import { z } from 'zod';
import { callJson, expectShape } from './http';
import type { LeadForOutreach, LimitsObserver, ServiceName } from './types';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export const chatCompletionSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullish(), refusal: z.string().nullish() }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
});

export type ChatCompletion = z.infer<typeof chatCompletionSchema>;

export async function chatCompletion(options: {
  service: ServiceName;
  baseUrl: string;
  path: string;
  apiKey: string;
  timeoutMs: number;
  observe?: LimitsObserver;
  body: { model: string; messages: ChatMessage[] } & Record<string, unknown>;
}): Promise<ChatCompletion['choices'][number]> {
  const json = await callJson({
    service: options.service,
    method: 'POST',
    baseUrl: options.baseUrl,
    path: options.path,
    headers: { authorization: `Bearer ${options.apiKey}` },
    body: options.body,
    timeoutMs: options.timeoutMs,
    observe: options.observe,
  });
  const completion = expectShape(options.service, chatCompletionSchema, json, 'chat completion');
  // .min(1) above guarantees a first choice.
  return completion.choices[0]!;
}

/** The lead's facts as labelled lines, leaving out what we do not know. */
export function describeLead(lead: Pick<LeadForOutreach, 'firstName' | 'lastName' | 'title' | 'companyName' | 'companyDomain'>): string {
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ');
  const lines: Array<[string, string | null]> = [
    ['Name', name || null],
    ['Title', lead.title],
    ['Company', lead.companyName],
    ['Company website', lead.companyDomain],
  ];
  return lines
    .filter((line): line is [string, string] => line[1] !== null && line[1] !== '')
    .map(([label, value]) => `${label}: ${value}`)
    .join('\n');
}
