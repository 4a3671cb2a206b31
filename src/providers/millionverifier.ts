/**
 * MillionVerifier (developer.millionverifier.com, checked Nov 2026). Single-email check:
 * GET /api/v3/?api=KEY&email=EMAIL&timeout=S; its answer's `credits` is the balance left (kept as this
 * service's remaining quota). Credits alone: GET /api/v3/credits?api=KEY (the provider check).
 * It reports a bad key or exhausted credits as HTTP 200 with a non-empty `error` string, so a 2xx is
 * not yet a success here.
 */
import { z } from 'zod';
import type { ServiceConfig } from './config';
import { callJson, expectShape } from './http';
import { DataError, type EmailVerdict, type LeadProviders, type LimitsObserver, ServiceError } from './types';

const VERDICTS = ['ok', 'catch_all', 'unknown', 'invalid', 'disposable'] as const satisfies readonly EmailVerdict[];

const verifyResponseSchema = z.object({
  email: z.string().nullish(),
  result: z.enum([...VERDICTS, 'error']),
  error: z.string().nullish(),
  credits: z.number().nullish(),
});

/** MillionVerifier's own SMTP wait, in seconds (it accepts 2..60): kept inside our deadline. */
export function serverTimeoutSeconds(clientTimeoutMs: number): number {
  return Math.min(10, Math.max(2, Math.floor(clientTimeoutMs / 1000) - 1));
}

export function createMillionVerifierClient(config: ServiceConfig, observe?: LimitsObserver): Pick<LeadProviders, 'verifyEmail'> {
  return {
    async verifyEmail(email) {
      const query = new URLSearchParams({ api: config.apiKey, email, timeout: String(serverTimeoutSeconds(config.timeoutMs)) });
      const json = await callJson({
        service: 'millionverifier',
        method: 'GET',
        baseUrl: config.baseUrl,
        path: `/api/v3/?${query.toString()}`,
        describePath: '/api/v3/', // the query carries the API key
        timeoutMs: config.timeoutMs,
      });
      // The error string decides before the shape does: error answers carry result "error".
      const errorText = readErrorText(json);
      if (errorText) throw classifyErrorText(errorText);
      const result = expectShape('millionverifier', verifyResponseSchema, json, 'verification response');
      if (typeof result.credits === 'number') observe?.({ service: 'millionverifier', remaining: { credits: result.credits }, observedAt: new Date() });
      if (result.result === 'error') {
        throw new ServiceError('millionverifier', 'server_error', 'millionverifier: result "error" without an explanation');
      }
      return { verdict: result.result, deliverable: result.result === 'ok' };
    },
  };
}

function readErrorText(json: unknown): string | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const error = (json as { error?: unknown }).error;
  return typeof error === 'string' && error.trim() !== '' ? error.trim() : undefined;
}

/** An error answered with HTTP 200: a key problem, no credits, a fault on their side, or a refusal of this email. */
export function classifyErrorText(errorText: string): ServiceError | DataError {
  const message = `millionverifier: ${errorText}`;
  if (/credit/i.test(errorText)) return new ServiceError('millionverifier', 'quota', message, 200);
  if (/api ?key|unauthori[sz]ed|not allowed|forbidden/i.test(errorText)) {
    return new ServiceError('millionverifier', 'auth', message, 200);
  }
  if (/server|internal|temporar|try again|unavailable/i.test(errorText)) {
    return new ServiceError('millionverifier', 'server_error', message, 200);
  }
  // Anything else refuses this request's input (a missing or malformed parameter).
  return new DataError('millionverifier', message, 200);
}
