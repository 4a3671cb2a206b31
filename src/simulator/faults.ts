/**
 * Faults an operator or a test injects per service over HTTP, and what each one does to the next call.
 * Deterministic on purpose: error_rate fails exactly that fraction of calls, evenly spread.
 */
import { z } from 'zod';

const errorStatus = z.number().int().min(400).max(599);
const retryAfter = {
  /** Sent as Retry-After; a 429 without it gets 1 s. */
  retry_after_s: z.number().int().min(0).max(86_400).optional(),
  retry_after_format: z.enum(['seconds', 'http-date']).default('seconds'),
};
/** The call is processed first, then its answer is replaced (outage, error_rate) or delayed (latency): a lost response. */
const loseResponse = { lose_response: z.boolean().default(false) };

export const faultSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('none') }),
  z.strictObject({ mode: z.literal('outage'), status: errorStatus.default(503), ...retryAfter, ...loseResponse }),
  z.strictObject({ mode: z.literal('error_rate'), rate: z.number().gt(0).lte(1), status: errorStatus.default(503), ...retryAfter, ...loseResponse }),
  z.strictObject({ mode: z.literal('latency'), latency_ms: z.number().int().min(0).max(120_000), ...loseResponse }),
  /** The service's own out-of-credits answer. */
  z.strictObject({ mode: z.literal('quota') }),
  /** A 2xx whose body is not what the API promises (for the LLMs: an unusable model answer). */
  z.strictObject({ mode: z.literal('malformed') }),
]);

export type Fault = z.output<typeof faultSchema>;
export type FaultInput = z.input<typeof faultSchema>;

export type FaultAction =
  | { kind: 'pass' }
  | { kind: 'delay'; ms: number }
  | { kind: 'fail'; status: number; headers: Record<string, string> }
  | { kind: 'quota' }
  | { kind: 'malformed' };

const RATE_SCALE = 1_000_000;

/** One service's fault and counters. */
export class ServiceFaults {
  fault: Fault = { mode: 'none' };
  calls = 0;
  failures = 0;
  private callsUnderFault = 0;

  set(fault: Fault): void {
    this.fault = fault;
    this.callsUnderFault = 0;
  }

  reset(): void {
    this.set({ mode: 'none' });
    this.calls = 0;
    this.failures = 0;
  }

  /** What the fault does to the call being answered now. */
  next(now: number = Date.now()): { action: FaultAction; loseResponse: boolean } {
    const fault = this.fault;
    this.callsUnderFault += 1;
    switch (fault.mode) {
      case 'none':
        return { action: { kind: 'pass' }, loseResponse: false };
      case 'quota':
      case 'malformed':
        return { action: { kind: fault.mode }, loseResponse: false };
      case 'latency':
        return { action: { kind: 'delay', ms: fault.latency_ms }, loseResponse: fault.lose_response };
      case 'outage':
        return { action: failAction(fault, now), loseResponse: fault.lose_response };
      case 'error_rate': {
        // Call n fails when floor(n * rate) steps up: exactly `rate` of the calls, evenly spread.
        const rate = Math.round(fault.rate * RATE_SCALE);
        const n = this.callsUnderFault;
        const fails = Math.floor((n * rate) / RATE_SCALE) > Math.floor(((n - 1) * rate) / RATE_SCALE);
        return { action: fails ? failAction(fault, now) : { kind: 'pass' }, loseResponse: fault.lose_response };
      }
    }
  }
}

function failAction(
  fault: { status: number; retry_after_s?: number | undefined; retry_after_format: 'seconds' | 'http-date' },
  now: number,
): FaultAction {
  const seconds = fault.retry_after_s ?? (fault.status === 429 ? 1 : undefined);
  const headers: Record<string, string> = {};
  if (seconds !== undefined) {
    headers['retry-after'] = fault.retry_after_format === 'http-date' ? new Date(now + seconds * 1000).toUTCString() : String(seconds);
  }
  return { kind: 'fail', status: fault.status, headers };
}
