/**
 * The one place that talks HTTP to third-party services: undici's request with a per-request timeout, and the
 * classification of every failure into ServiceError (trips the breaker) or DataError (fails the job),
 * following SPEC rule 1. All five clients go through `callJson`.
 *
 * undici's `request` rather than `fetch` (the same library underneath): a call costs the worker a third of
 * fetch's CPU (0.10-0.16 ms against 0.24-0.47 ms on the bench machine) and far less garbage, with nothing
 * fetch adds that these APIs need (no redirects to follow, no compressed bodies asked for).
 */
import { type Dispatcher, request } from 'undici';
import type { z } from 'zod';
import { measureProviderCall } from '../metrics/providers';
import { storableText } from '../util/storable-text';
import { DataError, type LimitsObservation, type LimitsObserver, ServiceError, type ServiceName } from './types';

export interface HttpCall {
  service: ServiceName;
  method: 'GET' | 'POST';
  baseUrl: string;
  /** Path (and query) below baseUrl. Never put it in error messages when it carries a key. */
  path: string;
  /** Path to name in errors; defaults to `path`. */
  describePath?: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  /** Told the rate-limit headers of every answer, errors included. */
  observe?: LimitsObserver;
}

/** Calls the service and returns its parsed JSON body, or throws ServiceError / DataError. */
export function callJson(call: HttpCall): Promise<unknown> {
  return measureProviderCall(call.service, () => send(call));
}

/** Response headers as the classification reads them: by name, and all of them (WHATWG `Headers` is one). */
export type HeaderReader = Pick<Headers, 'get'> & Iterable<[string, string]>;

/** undici's plain header object (lower-case names; a repeated header as an array) read like `Headers`. */
function headerReader(raw: Dispatcher.ResponseData['headers']): HeaderReader {
  const joined = (value: string | string[] | undefined) => (value === undefined ? null : Array.isArray(value) ? value.join(', ') : value);
  return {
    get: (name) => joined(raw[name.toLowerCase()]),
    *[Symbol.iterator]() {
      for (const [name, value] of Object.entries(raw)) {
        const text = joined(value);
        if (text !== null) yield [name, text];
      }
    },
  };
}

// Some APIs' edges refuse requests without one.
const USER_AGENT = 'leadgen-orchestrator';

async function send(call: HttpCall): Promise<unknown> {
  const where = `${call.service} ${call.method} ${call.describePath ?? call.path}`;
  let status: number;
  let headers: HeaderReader;
  let text: string;
  try {
    const response = await request(joinUrl(call.baseUrl, call.path), {
      method: call.method,
      headers: {
        accept: 'application/json',
        'user-agent': USER_AGENT,
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...call.headers,
      },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      // Covers connecting, waiting for headers and reading the body.
      signal: AbortSignal.timeout(call.timeoutMs),
    });
    status = response.statusCode;
    headers = headerReader(response.headers);
    text = await response.body.text();
  } catch (error) {
    throw classifyNetworkFailure(call.service, where, call.timeoutMs, error);
  }
  if (call.observe) {
    const observation = readLimitHeaders(call.service, headers);
    if (observation) call.observe(observation);
  }

  if (status < 200 || status >= 300) throw classifyHttpFailure(call.service, where, status, headers, text);
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A 2xx that is not JSON (a proxy's HTML page, a truncated body) is the service misbehaving.
    throw new ServiceError(call.service, 'server_error', `${where}: answered ${status} with a body that is not JSON`, status);
  }
}

/** Checks a successful answer's shape; a service that answers in an unexpected shape is broken, not our data. */
export function expectShape<T>(service: ServiceName, schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const at = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new ServiceError(service, 'server_error', `${service}: unexpected ${what} shape${at}: ${issue?.message ?? 'invalid'}`);
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The request rejected: either our own deadline fired, or the connection failed (refused, reset, DNS...). */
export function classifyNetworkFailure(service: ServiceName, where: string, timeoutMs: number, error: unknown): ServiceError {
  const name = errorName(error);
  const code = errorCode(error);
  // Checked by name, not instanceof: under Jest's VM contexts the timeout's DOMException comes from another realm.
  if (name === 'TimeoutError' || name === 'AbortError' || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new ServiceError(service, 'timeout', `${where}: no answer within ${timeoutMs} ms`);
  }
  const detail = code ?? (error instanceof Error ? error.message : String(error));
  return new ServiceError(service, 'connection', `${where}: connection failed (${detail})`);
}

/** A non-2xx answer: which side is at fault. */
export function classifyHttpFailure(
  service: ServiceName,
  where: string,
  status: number,
  headers: HeaderReader,
  bodyText: string,
  now: number = Date.now(),
): ServiceError | DataError {
  const message = `${where}: HTTP ${status}${describeErrorBody(bodyText)}`;
  // Quota first: services signal exhausted credits with 402, 429 (OpenAI) or 403.
  if (status === 402 || (status >= 400 && status < 500 && signalsQuota(bodyText))) {
    return new ServiceError(service, 'quota', message, status);
  }
  if (status === 401 || status === 403) return new ServiceError(service, 'auth', message, status);
  if (status === 429) return new ServiceError(service, 'rate_limited', message, status, retryAfterMs(headers, now));
  // 408: the service gave up waiting; nothing about our data.
  if (status === 408) return new ServiceError(service, 'timeout', message, status);
  if (status >= 500) return new ServiceError(service, 'server_error', message, status);
  if (status >= 400) return new DataError(service, message, status);
  // 1xx/3xx we did not follow: the service is not answering the way its API says.
  return new ServiceError(service, 'server_error', message, status);
}

const QUOTA_PATTERN =
  /insufficient[_ ]quota|insufficient[_ ]credits?|not enough credits|out of credits|credits? (?:exhausted|depleted)|exceeded your current quota/i;

/** True when an error text says the account ran out of credits or quota (not a per-minute rate limit). */
export function signalsQuota(text: string): boolean {
  return QUOTA_PATTERN.test(text);
}

/** Retry-After (seconds or HTTP-date), or OpenAI's retry-after-ms, as milliseconds from now. */
export function retryAfterMs(headers: Pick<Headers, 'get'>, now: number = Date.now()): number | undefined {
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds !== null && /^\s*\d+(\.\d+)?\s*$/.test(milliseconds)) return Math.round(Number(milliseconds));
  return parseRetryAfter(headers.get('retry-after'), now);
}

/** RFC 9110 Retry-After: delay-seconds or an HTTP-date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP-date always names a month; without letters Date.parse would read "-5" as a year.
  if (!/[a-z]{3}/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** The service's own error message, whichever of the common envelopes it uses, kept short. */
export function describeErrorBody(bodyText: string): string {
  const trimmed = bodyText.trim();
  if (trimmed === '') return '';
  let text = trimmed;
  try {
    const json = JSON.parse(trimmed) as unknown;
    text = pickMessage(json) ?? trimmed;
  } catch {
    // not JSON: keep the raw text
  }
  const shown = text.length > 300 ? `${text.slice(0, 300)}...` : text;
  // It ends up in the database (job error, breaker metadata), which refuses NUL and lone surrogates (a cut pair too).
  return `: ${storableText(shown)}`;
}

function pickMessage(json: unknown): string | undefined {
  if (typeof json === 'string') return json;
  if (json === null || typeof json !== 'object') return undefined;
  const record = json as Record<string, unknown>;
  for (const key of ['error', 'message', 'detail', 'error_message']) {
    const value = record[key];
    if (typeof value === 'string' && value !== '') return value;
    if (value !== null && typeof value === 'object') {
      const nested = pickMessage(value);
      if (nested !== undefined) return nested;
    }
  }
  return undefined;
}

/**
 * The remaining-allowance headers the providers send: Apollo's x-{minute,hourly,24-hour}-requests-left and
 * OpenAI's x-ratelimit-remaining-{requests,tokens} with x-ratelimit-reset-*. Undefined when there are none.
 */
export function readLimitHeaders(service: ServiceName, headers: HeaderReader, now: Date = new Date()): LimitsObservation | undefined {
  const remaining: Record<string, number> = {};
  const resets: Record<string, string> = {};
  for (const [name, value] of headers) {
    const apollo = /^x-(minute|hourly|24-hour)-requests-left$/.exec(name);
    const openAi = /^x-ratelimit-remaining-(.+)$/.exec(name);
    const reset = /^x-ratelimit-reset-(.+)$/.exec(name);
    const key = apollo ? `${apollo[1] === '24-hour' ? 'daily' : apollo[1]}_requests` : openAi?.[1];
    if (key !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(value)) remaining[key] = Number(value);
    else if (reset) resets[reset[1]!] = value.trim();
  }
  if (Object.keys(remaining).length === 0) return undefined;
  return { service, remaining, ...(Object.keys(resets).length > 0 ? { resets } : {}), observedAt: now };
}

export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function errorName(error: unknown): string | undefined {
  return error !== null && typeof error === 'object' && 'name' in error ? String(error.name) : undefined;
}

/** The socket error's code, on the error itself or on its `cause` (sometimes an AggregateError of per-address errors). */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth += 1) {
    const record = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof record.code === 'string') return record.code;
    if (Array.isArray(record.errors) && record.errors.length > 0) current = record.errors[0];
    else current = record.cause;
  }
  return undefined;
}
