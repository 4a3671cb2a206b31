/**
 * How fast the fleet may call each service, shared by every worker process.
 *
 * The rate is enforced by the Temporal server (each service has an activity task queue of its own whose
 * `maxTaskQueueActivitiesPerSecond` caps dispatch across all workers polling it); the concurrency cap is per
 * worker process (`maxConcurrentActivityTaskExecutions`). Configured as {SERVICE}_RATE_LIMIT ("50/min",
 * "5/s", "0.5/s", "3000/h") and {SERVICE}_MAX_CONCURRENCY; defaults are each provider's entry tier as its
 * documentation stated it in November 2026 (see README, "Configuration").
 */
import { SERVICES, type ServiceName } from './types';

export interface ServiceLimit {
  /** Calls per second across the fleet (fractions allowed: 50/min = 0.8333/s). */
  ratePerSecond: number;
  /** As written in the environment or the default, for logs and the status page. */
  rate: string;
  /** Calls in flight at once on one worker process. */
  maxConcurrency: number;
}

export type ServiceLimits = Record<ServiceName, ServiceLimit>;

/** Entry-tier limits and where they come from (README's configuration table repeats these). */
export const DEFAULT_LIMITS: Record<ServiceName, { rate: string; maxConcurrency: number; source: string }> = {
  // One queue serves api_search and people enrichment; the Free plan's enrichment limit (50/min) is the lower.
  apollo: { rate: '50/min', maxConcurrency: 5, source: 'docs.apollo.io/reference/rate-limits (2026-07-28), Free plan' },
  // No published request limit; a conservative rate that keeps its SMTP checks from queueing on their side.
  millionverifier: { rate: '10/s', maxConcurrency: 10, source: 'no published limit (millionverifier.com API docs); conservative' },
  perplexity: { rate: '50/min', maxConcurrency: 10, source: 'docs.perplexity.ai rate limits, Agent API tier 0 (Nov 2026)' },
  openai: { rate: '500/min', maxConcurrency: 20, source: 'platform.openai.com rate limits, gpt-4o-mini usage tier 1' },
  // 100/s and 6,000/min per workspace: the minute limit is the sustained one.
  instantly: { rate: '6000/min', maxConcurrency: 10, source: 'developer.instantly.ai rate limits: 100/s and 6,000/min per workspace' },
};

/**
 * A service the local simulator stands in for (no API key) is not the provider: its entry-tier limit would only
 * slow the demo down. Used when {SERVICE}_RATE_LIMIT / _MAX_CONCURRENCY are not set.
 */
export const SIMULATED_DEFAULT_LIMIT = { rate: '100/s', maxConcurrency: 20 } as const;

/** Default cap on a 429's Retry-After we wait out; a longer one is a service failure at once. */
export const DEFAULT_RETRY_AFTER_CAP_MS = 30_000;

const UNIT_SECONDS: Record<string, number> = { s: 1, sec: 1, second: 1, m: 60, min: 60, minute: 60, h: 3600, hour: 3600 };

/** "50/min" -> 0.8333 calls per second. Throws with the accepted forms on anything else. */
export function parseRate(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*\/\s*([a-z]+)\s*$/i.exec(text);
  const seconds = match ? UNIT_SECONDS[match[2]!.toLowerCase()] : undefined;
  const count = match ? Number(match[1]) : NaN;
  if (seconds === undefined || !(count > 0)) {
    throw new Error(`"${text}" is not a rate: write calls per unit, e.g. "50/min", "5/s", "0.5/s" or "3000/h"`);
  }
  return count / seconds;
}

/**
 * Reads {SERVICE}_RATE_LIMIT and {SERVICE}_MAX_CONCURRENCY for every service; one error names every bad
 * variable. `simulated` services default to SIMULATED_DEFAULT_LIMIT instead of the provider's tier.
 */
export function serviceLimitsFromEnv(env: NodeJS.ProcessEnv = process.env, { simulated = [] }: { simulated?: readonly ServiceName[] } = {}): ServiceLimits {
  const problems: string[] = [];
  const limits = {} as ServiceLimits;
  for (const service of SERVICES) {
    const prefix = service.toUpperCase();
    const defaults = simulated.includes(service) ? SIMULATED_DEFAULT_LIMIT : DEFAULT_LIMITS[service];
    const rate = env[`${prefix}_RATE_LIMIT`]?.trim() || defaults.rate;
    let ratePerSecond = NaN;
    try {
      ratePerSecond = parseRate(rate);
    } catch (error) {
      problems.push(`${prefix}_RATE_LIMIT: ${(error as Error).message}`);
    }
    const concurrencyText = env[`${prefix}_MAX_CONCURRENCY`]?.trim();
    const maxConcurrency = concurrencyText ? Number(concurrencyText) : defaults.maxConcurrency;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 1000) {
      problems.push(`${prefix}_MAX_CONCURRENCY: "${concurrencyText}" is not a whole number between 1 and 1000`);
    }
    limits[service] = { ratePerSecond, rate, maxConcurrency };
  }
  if (problems.length > 0) throw new Error(`Invalid rate limits:\n  ${problems.join('\n  ')}`);
  return limits;
}

/**
 * The Worker options that put one service's limits in force, for the worker polling that service's task
 * queue: the rate is the server's (shared by every worker), the concurrency this process's.
 */
export function workerOptionsForService(limits: ServiceLimits, service: ServiceName) {
  const { ratePerSecond, maxConcurrency } = limits[service];
  return { maxTaskQueueActivitiesPerSecond: ratePerSecond, maxConcurrentActivityTaskExecutions: maxConcurrency };
}
