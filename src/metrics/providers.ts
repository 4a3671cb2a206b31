import { DataError, ServiceError } from '../providers/types';
import { counter, histogram } from './registry';

/** `ok`, a ServiceError kind (timeout, connection, server_error, rate_limited, auth, quota), or `data_error`. */
export type CallOutcome = string;

const calls = counter(
  'leadgen_provider_calls_total',
  'Calls to third-party services, by service and outcome (ok, data_error, or the failure type)',
  ['service', 'outcome'],
);

const latency = histogram(
  'leadgen_provider_call_duration_seconds',
  'Time from sending a request to a third-party service to its full answer (or the failure)',
  ['service', 'outcome'],
  // Services answer in tens of milliseconds (verification) to a minute (LLMs).
  [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60],
);

const tooManyRequests = counter(
  'leadgen_provider_http_429_total',
  'HTTP 429 answers from third-party services (rate limits and, for some services, exhausted quota)',
  ['service'],
);

const rateLimitWait = histogram(
  'leadgen_provider_rate_limit_wait_seconds',
  'How long a rate-limited service asked us to wait (Retry-After), which the job retry honours',
  ['service'],
  [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
);

/**
 * Runs one call to a service and records it: outcome, latency, a 429, the wait a rate limit asked for.
 * src/providers/http.ts wraps every call in it, so all five services are measured in one place.
 */
export async function measureProviderCall<T>(service: string, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const result = await call();
    observe(service, 'ok', seconds());
    return result;
  } catch (error) {
    if (error instanceof ServiceError) {
      observe(service, error.kind, seconds(), error.status);
      if (error.retryAfterMs !== undefined) rateLimitWait.observe({ service }, error.retryAfterMs / 1000);
    } else {
      observe(service, error instanceof DataError ? 'data_error' : 'error', seconds(), (error as { status?: number }).status);
    }
    throw error;
  }
}

function observe(service: string, outcome: CallOutcome, seconds: number, httpStatus?: number): void {
  calls.inc({ service, outcome });
  latency.observe({ service, outcome }, seconds);
  if (httpStatus === 429) tooManyRequests.inc({ service });
}
