/**
 * The provider check: one cheap call per service telling whether it answers, how fast, and what allowance is
 * left where the service tells. Usage or credit endpoints where they exist (no credits spent); otherwise the
 * smallest real request (listing models, listing one lead).
 */
import { z } from 'zod';
import type { ProvidersConfig } from './config';
import { callJson, expectShape, type HttpCall } from './http';
import { type LimitsObservation, SERVICES, type ServiceName } from './types';

export interface ProbeResult {
  service: ServiceName;
  reachable: boolean;
  /** The call that was made, without any key. */
  probe: string;
  latency_ms: number;
  /** Remaining quota where the service reports it (headers or body), else null. */
  remaining: Record<string, number> | null;
  error: string | null;
}

export type ProviderProbes = Record<ServiceName, () => Promise<ProbeResult>>;

const usageWindowSchema = z.looseObject({ left_over: z.number().nullish() });
const apolloUsageSchema = z.record(z.string(), z.looseObject({ minute: usageWindowSchema.nullish(), hour: usageWindowSchema.nullish(), day: usageWindowSchema.nullish() }).or(z.unknown()));
const millionVerifierCreditsSchema = z.looseObject({ credits: z.number(), error: z.string().nullish() });

/** Apollo's usage stats are keyed by endpoint ('["api/v1", "mixed_people", "api_search"]'): the two we call. */
function apolloRemaining(json: unknown): Record<string, number> {
  const stats = expectShape('apollo', apolloUsageSchema, json, 'usage stats response');
  const remaining: Record<string, number> = {};
  for (const [endpoint, windows] of Object.entries(stats)) {
    const name = /api_search/.test(endpoint) ? 'api_search' : /bulk_match/.test(endpoint) ? 'bulk_match' : undefined;
    if (!name || windows === null || typeof windows !== 'object') continue;
    for (const window of ['minute', 'hour', 'day'] as const) {
      const left = (windows as Record<string, { left_over?: number | null } | null | undefined>)[window]?.left_over;
      if (typeof left === 'number') remaining[`${name}_${window}`] = left;
    }
  }
  return remaining;
}

export function createProviderProbes(config: ProvidersConfig): ProviderProbes {
  const probe =
    (service: ServiceName, describe: string, call: Omit<HttpCall, 'service' | 'baseUrl' | 'timeoutMs' | 'observe'>, remainingOf?: (json: unknown) => Record<string, number>) =>
    async (): Promise<ProbeResult> => {
      const started = performance.now();
      let fromHeaders: LimitsObservation | undefined;
      try {
        const json = await callJson({
          ...call,
          service,
          baseUrl: config[service].baseUrl,
          // A check should not hang the operator's page for an LLM's full timeout.
          timeoutMs: Math.min(config[service].timeoutMs, 10_000),
          observe: (observation) => (fromHeaders = observation),
        });
        const remaining = { ...fromHeaders?.remaining, ...remainingOf?.(json) };
        return { service, reachable: true, probe: describe, latency_ms: elapsed(started), remaining: Object.keys(remaining).length > 0 ? remaining : null, error: null };
      } catch (error) {
        return {
          service,
          reachable: false,
          probe: describe,
          latency_ms: elapsed(started),
          remaining: fromHeaders?.remaining ?? null,
          error: error instanceof Error ? error.message : String(error),
        };
      }
    };
  const bearer = (service: ServiceName) => ({ authorization: `Bearer ${config[service].apiKey}` });
  return {
    apollo: probe(
      'apollo',
      'POST /api/v1/usage_stats/api_usage_stats',
      { method: 'POST', path: '/api/v1/usage_stats/api_usage_stats', headers: { 'x-api-key': config.apollo.apiKey }, body: {} },
      apolloRemaining,
    ),
    millionverifier: probe(
      'millionverifier',
      'GET /api/v3/credits',
      {
        method: 'GET',
        path: `/api/v3/credits?${new URLSearchParams({ api: config.millionverifier.apiKey }).toString()}`,
        describePath: '/api/v3/credits',
      },
      (json) => {
        // Like its verification, it reports a bad key as HTTP 200 with an `error`.
        const error = (json as { error?: unknown } | null)?.error;
        if (typeof error === 'string' && error.trim() !== '') throw new Error(`millionverifier: ${error}`);
        return { credits: expectShape('millionverifier', millionVerifierCreditsSchema, json, 'credits response').credits };
      },
    ),
    perplexity: probe('perplexity', 'GET /v1/models', { method: 'GET', path: '/v1/models', headers: bearer('perplexity') }),
    openai: probe('openai', 'GET /v1/models', { method: 'GET', path: '/v1/models', headers: bearer('openai') }),
    instantly: probe('instantly', 'POST /api/v2/leads/list (limit 1)', {
      method: 'POST',
      path: '/api/v2/leads/list',
      headers: bearer('instantly'),
      body: { limit: 1 },
    }),
  };
}

/** Every service's probe at once, in SERVICES order. */
export async function checkProviders(probes: ProviderProbes): Promise<ProbeResult[]> {
  return Promise.all(SERVICES.map((service) => probes[service]()));
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
