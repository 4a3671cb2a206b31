/**
 * What the drill saw: events on one timeline, the violations of its invariants, and the figures of each
 * trip/reset/resume cycle. Times are epoch milliseconds; PostgreSQL runs on this machine, so its clock and
 * ours are the same clock.
 */

export interface Violation {
  at: string;
  invariant: string;
  detail: string;
  rows?: unknown[];
}

export interface KillRecord {
  at: string;
  /** plain | pause-cascade | resume-fan-out */
  kind: string;
  /** Where the kill landed, as far as the database and the API showed at that moment. */
  landed: string;
  /** Milliseconds from the trigger (decision seen, or resume sent) to the kill. */
  afterTriggerMs?: number;
  restartReadyMs?: number;
}

export interface CycleRecord {
  index: number;
  service: string;
  outageAt?: number;
  /** The breaker's own decision time (its opened_at), as the API or system_state reported it. */
  decidedAt?: number;
  /** opened_at as the breaker reported it (its workflow clock, which lags when its workflow tasks are retried). */
  reportedOpenedAt?: number;
  /** When the drill first saw the breaker open (API or database). */
  decisionSeenAt?: number;
  /** First database poll that saw system_state PAUSED (clock_timestamp of that poll): the pause had committed by then. */
  pauseCommittedSeenAt?: number;
  /** First poll after the commit with no campaign RUNNING. */
  allPausedSeenAt?: number;
  resetSentAt?: number;
  resetAnswer?: { status: number; ms: number; detail?: string };
  resumeSentAt?: number;
  resumeAnswer?: { status: number; ms: number; body?: unknown };
  convergedMs?: number | null;
  killA?: KillRecord;
  killB?: KillRecord;
  /** Jobs claimed more than the gate allowance after the breaker decided, before the pause committed. */
  claimsAfterDecision: number;
  latestClaimAfterDecisionMs: number | null;
  propagationMs: number | null;
}

export class Recorder {
  readonly startedAt = Date.now();
  readonly violations: Violation[] = [];
  readonly events: { at: string; t: number; kind: string; detail: string }[] = [];
  readonly warnings: string[] = [];
  readonly kills: KillRecord[] = [];
  readonly cycles: CycleRecord[] = [];
  readonly unexpectedExits: { at: string; process: string; code: number | null; signal: string | null }[] = [];
  readonly restarts: { what: string; at: string; downMs: number; detail?: string }[] = [];
  /** Periods the invariant checker could not read the database (PostgreSQL restarting). */
  readonly checkerBlind: { from: string; ms: number }[] = [];

  elapsed(at = Date.now()): string {
    return `+${((at - this.startedAt) / 1000).toFixed(1)}s`;
  }

  event(kind: string, detail: string): void {
    const t = Date.now();
    this.events.push({ at: new Date(t).toISOString(), t, kind, detail });
    log(`${this.elapsed(t)} ${kind}: ${detail}`);
  }

  violation(invariant: string, detail: string, rows?: unknown[]): void {
    this.violations.push({ at: new Date().toISOString(), invariant, detail, ...(rows?.length ? { rows } : {}) });
    log(`${this.elapsed()} VIOLATION [${invariant}] ${detail}${rows?.length ? `\n    ${rows.slice(0, 5).map((row) => JSON.stringify(row)).join('\n    ')}` : ''}`);
  }

  warn(message: string): void {
    this.warnings.push(message);
    log(`${this.elapsed()} WARNING: ${message}`);
  }

  newCycle(service: string): CycleRecord {
    const cycle: CycleRecord = { index: this.cycles.length + 1, service, claimsAfterDecision: 0, latestClaimAfterDecisionMs: null, propagationMs: null };
    this.cycles.push(cycle);
    return cycle;
  }
}

export function log(line: string): void {
  process.stdout.write(`[chaos] ${line}\n`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` returns something truthy, or undefined after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined | false | null> | T | undefined | false | null, timeoutMs: number, intervalMs = 250): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T | undefined | false | null;
    try {
      value = await probe();
    } catch {
      value = undefined;
    }
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(intervalMs);
  }
}
