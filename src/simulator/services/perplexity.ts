/**
 * Simulated Perplexity Agent API: POST /v1/agent (and its alias /v1/responses) in OpenAI's Responses format,
 * Bearer auth: `output[]` with a search_results item and a `message` whose `output_text` cites its sources
 * as `url_citation` annotations; `usage` with tokens and `cost`. GET /v1/models lists models. The retired
 * Sonar chat completions (POST /chat/completions) answer 410 Gone, pointing at the Agent API.
 */
import { z } from 'zod';
import { issuesText } from '../validation';
import { hashHex, hashInt, pick } from '../fake-data';
import { bearerToken, labelledValue, type SimReply, type SimService } from '../service';
import { openAiStyleError } from './chat';

const MODELS = ['perplexity/sonar', 'perplexity/sonar-pro', 'openai/gpt-5-mini', 'anthropic/claude-sonnet-4-6'];
const PRESETS = ['fast-search', 'pro-search', 'deep-research'];
const MAX_INPUT_CHARS = 100_000;
const NEWS = [
  'recently announced a new funding round',
  'opened an office in a new region this year',
  'launched a product line aimed at mid-market customers',
  'is hiring across its sales and engineering teams',
  'was featured in an industry report on fast-growing companies',
];

const inputItemSchema = z.looseObject({ role: z.string().optional(), content: z.union([z.string(), z.array(z.unknown())]).optional() });
const requestSchema = z.looseObject({
  model: z.string().min(1).optional(),
  preset: z.string().min(1).optional(),
  input: z.union([z.string().min(1), z.array(inputItemSchema).min(1)]),
  instructions: z.string().optional(),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
  stream: z.boolean().optional(),
});

export function createPerplexityService(seed: string): SimService {
  const errorReply = (status: number, message: string): SimReply =>
    openAiStyleError(status, message, status >= 500 ? 'server_error' : 'invalid_request_error', status);

  const agent = ({ headers, body }: { headers: Parameters<typeof bearerToken>[0]; body: unknown }): SimReply => {
    if (!bearerToken(headers)) return openAiStyleError(401, 'Missing or invalid API key.', 'authentication_error', 401);
    const parsed = requestSchema.safeParse(body ?? {});
    if (!parsed.success) return errorReply(400, issuesText(parsed.error));
    const request = parsed.data;
    if (!request.model && !request.preset) return errorReply(400, 'One of model, models or preset is required.');
    if (request.model && !MODELS.includes(request.model)) return errorReply(400, `Invalid model '${request.model}'. Models are written provider/model, e.g. perplexity/sonar.`);
    if (request.preset && !PRESETS.includes(request.preset)) return errorReply(400, `Unknown preset '${request.preset}'.`);
    const input = typeof request.input === 'string' ? request.input : JSON.stringify(request.input);
    if (input.length + (request.instructions?.length ?? 0) > MAX_INPUT_CHARS) return errorReply(400, 'Input exceeds the maximum context length.');
    return { status: 200, body: agentResponse(seed, request.model ?? 'perplexity/sonar', input, request.instructions ?? '') };
  };

  return {
    name: 'perplexity',
    errorReply,
    quotaReply: () => openAiStyleError(402, 'Insufficient credits: add credits to your API account to continue.', 'insufficient_credits', 402),
    // A 200 whose answer has no text: nothing usable for the lead.
    malformedReply: () => ({ status: 200, body: { ...agentResponse(seed, 'perplexity/sonar', '', ''), output: [{ type: 'message', role: 'assistant', content: [] }] } }),
    reset() {},
    routes: [
      { method: 'post', path: '/v1/agent', handle: agent },
      { method: 'post', path: '/v1/responses', handle: agent },
      {
        method: 'get',
        path: '/v1/models',
        handle({ headers }) {
          if (!bearerToken(headers)) return openAiStyleError(401, 'Missing or invalid API key.', 'authentication_error', 401);
          return { status: 200, body: { object: 'list', data: MODELS.map((id) => ({ id, object: 'model', owned_by: id.split('/')[0] })) } };
        },
      },
      {
        method: 'post',
        path: '/chat/completions',
        handle: () =>
          openAiStyleError(
            410,
            'The Sonar Chat Completions API was retired on September 27, 2026. Use the Agent API: POST /v1/agent (or /v1/responses) in the Responses format.',
            'endpoint_retired',
            410,
          ),
      },
    ],
  };
}

function agentResponse(seed: string, model: string, input: string, instructions: string) {
  const name = labelledValue(input, 'Name') ?? 'The prospect';
  const title = labelledValue(input, 'Title');
  const company = labelledValue(input, 'Company') ?? 'their company';
  const domain = labelledValue(input, 'Company website') ?? 'example.com';
  const n = hashInt(seed, 'research', input);
  const sources = [
    { url: `https://${domain}/about`, title: `About ${company}` },
    { url: `https://news.example.com/${hashHex(seed, 'news', company).slice(0, 10)}`, title: `${company} news` },
  ];
  const first = `${name}${title ? `, ${title},` : ''} works at ${company}. `;
  const second = `${company} ${pick(NEWS, n)}. `;
  const third = `Public posts suggest ${name.split(' ')[0]} cares about ${pick(['pipeline quality', 'team productivity', 'customer retention', 'faster onboarding'], n >>> 8)}.`;
  const text = input === '' ? '' : first + second + third;
  const inputTokens = Math.ceil((input.length + instructions.length) / 4);
  const outputTokens = Math.ceil(text.length / 4);
  const inputCost = (inputTokens * 1) / 1_000_000;
  const outputCost = (outputTokens * 1) / 1_000_000;
  const requestCost = 0.005;
  const cite = (start: number, end: number, source: (typeof sources)[number]) => ({ type: 'url_citation', start_index: start, end_index: end, ...source });
  return {
    id: `resp_${hashHex(seed, 'response', input).slice(0, 24)}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    model,
    status: 'completed',
    output: [
      { type: 'search_results', results: sources.map((source, index) => ({ id: index + 1, ...source, snippet: '' })) },
      {
        type: 'message',
        id: `msg_${hashHex(seed, 'message', input).slice(0, 24)}`,
        role: 'assistant',
        status: 'completed',
        content: [
          {
            type: 'output_text',
            text,
            annotations:
              text === ''
                ? []
                : [cite(first.length, first.length + second.length, sources[1]!), cite(0, first.length, sources[0]!), cite(first.length + second.length, text.length, sources[0]!)],
          },
        ],
      },
    ],
    usage: {
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      total_tokens: inputTokens + outputTokens,
      cost: { currency: 'USD', input_cost: inputCost, output_cost: outputCost, request_cost: requestCost, total_cost: inputCost + outputCost + requestCost },
    },
  };
}
