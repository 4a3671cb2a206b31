/**
 * Invariants checked while the drill runs, every `intervalMs`, on a PostgreSQL connection of its own:
 *
 * - gate: while the queue is PAUSED in system_state, no job is claimed. A job whose started_at (set by the
 *   claim) is later than a poll that already saw system_state PAUSED was claimed after the pause committed:
 *   that poll's clock_timestamp() is an upper bound of the commit, so the check has no false positives.
 *   The window ends when the drill sends resume-queue.
 * - propagation: once system_state says PAUSED, no campaign is RUNNING in the database `propagationMs` later.
 * - decision: once the breaker has decided to open (its opened_at), the pause is in the database (system_state
 *   PAUSED, no campaign RUNNING) within `decisionDeadlineMs`.
 *   Both deadlines count only time with a worker ready: while the drill has it killed and restarting, nothing
 *   can move (the raw times are printed too).
 * - gate latency (a figure; an invariant with --strict-gate): jobs claimed more than `gateMs` after the
 *   breaker decided, before the pause committed.
 */
import { Client as PgClient } from 'pg';
import type { CycleRecord, Recorder } from './record';
import { sleep } from './record';

export interface CheckerOptions {
  databaseUrl: string;
  intervalMs: number;
  propagationMs: number;
  decisionDeadlineMs: number;
  gateMs: number;
  strictGate: boolean;
  /** Milliseconds without a ready worker between two moments: nothing can propagate then, so deadlines do not run. */
  workerDownMs: (from: number, to: number) => number;
}

interface SystemRow {
  /** clock_timestamp(): read after the statement's snapshot, so later than any commit the row shows. */
  at: Date;
  /** statement_timestamp(): before the snapshot, so earlier than any commit the row does not show yet. */
  started: Date;
  breaker_state: string;
  queue_state: string;
  opened_at: Date | null;
  running: number;
  paused: number;
}

interface PauseWindow {
  cycle: CycleRecord | undefined;
  /** Clock of the first poll that saw system_state PAUSED. */
  committedSeenAt: number;
  /** When the drill sent resume-queue: claims from then on are allowed. */
  closesAt?: number;
  /** Start of the last poll that still saw PAUSED: the resume had not committed by then. */
  lastPausedSeenAt: number;
  propagationMeasured: boolean;
  propagationViolated: boolean;
  reportedJobs: Set<string>;
}

export class InvariantChecker {
  private client: PgClient | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private window: PauseWindow | undefined;
  private blindSince: number | undefined;
  private decisionViolated = new Set<number>();
  /** The cycle the drill is in (set by the drill), so a pause can be matched to the trip that caused it. */
  activeCycle: CycleRecord | undefined;
  worstPropagationMs = 0;
  worstDecisionToPausedMs = 0;
  polls = 0;
  /** Pauses of system_state that no cycle of the drill caused. */
  unexpectedPauses = 0;
  lastRow: SystemRow | undefined;

  constructor(
    private readonly options: CheckerOptions,
    private readonly recorder: Recorder,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.client?.end().catch(() => {});
  }

  /** Resume-queue was sent for this cycle: claims are allowed from `at` on. */
  resumeSent(cycle: CycleRecord, at: number): void {
    if (this.window && (this.window.cycle === cycle || this.window.cycle === undefined)) this.window.closesAt = at;
  }

  /** The drill recovered a pause it did not cause as this cycle. */
  adopt(cycle: CycleRecord): void {
    if (this.window && this.window.cycle === undefined) {
      this.window.cycle = cycle;
      cycle.pauseCommittedSeenAt = this.window.committedSeenAt;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      const started = Date.now();
      try {
        await this.poll();
        if (this.blindSince !== undefined) {
          this.recorder.checkerBlind.push({ from: new Date(this.blindSince).toISOString(), ms: Date.now() - this.blindSince });
          this.recorder.event('checker', `database readable again after ${Date.now() - this.blindSince} ms`);
          this.blindSince = undefined;
        }
      } catch (error) {
        if (this.blindSince === undefined) {
          this.blindSince = started;
          this.recorder.event('checker', `cannot read the database: ${error instanceof Error ? error.message : String(error)}`);
        }
        await this.client?.end().catch(() => {});
        this.client = undefined;
      }
      await sleep(Math.max(0, this.options.intervalMs - (Date.now() - started)));
    }
  }

  private async connection(): Promise<PgClient> {
    if (this.client) return this.client;
    const client = new PgClient({ connectionString: this.options.databaseUrl, connectionTimeoutMillis: 2_000, statement_timeout: 5_000 });
    client.on('error', () => {
      // A dropped connection is noticed by the next query.
    });
    await client.connect();
    this.client = client;
    return client;
  }

  private async poll(): Promise<void> {
    const db = await this.connection();
    const { rows } = await db.query<SystemRow>(`
      SELECT clock_timestamp() AS at, statement_timestamp() AS started, breaker_state, queue_state, opened_at,
             (SELECT count(*)::int FROM campaigns WHERE status = 'RUNNING') AS running,
             (SELECT count(*)::int FROM campaigns WHERE status = 'PAUSED') AS paused
      FROM system_state WHERE id = 1`);
    const row = rows[0];
    if (!row) return;
    this.polls++;
    this.lastRow = row;
    const now = row.at.getTime();
    const cycle = this.activeCycle;

    if (row.queue_state === 'PAUSED' && !this.window) {
      // A pause has committed: the drill's trip (perhaps a late cascade, after resume was sent), or one it did not cause.
      const open = (windowCycle: CycleRecord | undefined, seenAt: number): PauseWindow => ({
        cycle: windowCycle, committedSeenAt: seenAt, lastPausedSeenAt: row.started.getTime(), propagationMeasured: false, propagationViolated: false, reportedJobs: new Set(),
      });
      if (cycle && cycle.resumeSentAt === undefined) {
        cycle.pauseCommittedSeenAt = Math.min(cycle.pauseCommittedSeenAt ?? now, now);
        this.window = open(cycle, cycle.pauseCommittedSeenAt);
      } else if (cycle) {
        cycle.pauseCommittedSeenAt ??= now;
        this.recorder.event('checker', `cycle ${cycle.index}: the pause committed only after resume-queue was sent`);
        this.window = open(cycle, now);
      } else {
        this.unexpectedPauses++;
        this.recorder.event('checker', 'system_state PAUSED without a trip by the drill');
        this.window = open(undefined, now);
      }
    } else if (row.queue_state === 'PAUSED' && this.window) {
      this.window.lastPausedSeenAt = row.started.getTime();
    } else if (row.queue_state === 'ACTIVE' && this.window) {
      if (this.window.closesAt === undefined && this.window.cycle?.resumeSentAt === undefined) {
        this.recorder.event('checker', 'system_state ACTIVE again before the drill sent resume-queue');
      }
      await this.checkClaims(db, this.window, this.window.lastPausedSeenAt);
      this.window = undefined;
    }

    if (cycle?.decidedAt !== undefined && cycle.resumeSentAt === undefined) await this.checkDecision(db, cycle, row, now);
    if (this.window) {
      const window = this.window;
      if (window.cycle?.pauseCommittedSeenAt !== undefined) window.committedSeenAt = Math.min(window.committedSeenAt, window.cycle.pauseCommittedSeenAt);
      await this.checkClaims(db, window, row.started.getTime());
      if (window.closesAt === undefined && window.cycle?.resumeSentAt === undefined) await this.checkPropagation(db, window, row, now);
    }
  }

  /** Jobs claimed after the pause committed and before resume was sent (or, failing that, while still PAUSED). */
  private async checkClaims(db: PgClient, window: PauseWindow, pausedUntil: number): Promise<void> {
    // started_at is stored to the millisecond: one millisecond of rounding allowed.
    const from = new Date(window.committedSeenAt + 1).toISOString();
    const until = new Date(Math.min(window.closesAt ?? pausedUntil, pausedUntil) - 1).toISOString();
    const { rows } = await db.query(
      `SELECT id, campaign_id, lead_id, type, status, attempts, started_at FROM jobs
       WHERE started_at > $1::timestamptz AND started_at < $2::timestamptz ORDER BY started_at LIMIT 50`,
      [from, until],
    );
    const fresh = rows.filter((job) => !window.reportedJobs.has(`${job.id}@${(job.started_at as Date).toISOString()}`));
    if (fresh.length === 0) return;
    for (const job of fresh) window.reportedJobs.add(`${job.id}@${(job.started_at as Date).toISOString()}`);
    this.recorder.violation(
      'gate: no job claimed while the queue is PAUSED',
      `${fresh.length} job(s) claimed after the pause committed (seen at ${new Date(window.committedSeenAt).toISOString()}${window.cycle ? `, cycle ${window.cycle.index}` : ''})`,
      fresh.map((job) => ({ ...job, claimed_after_commit_ms: (job.started_at as Date).getTime() - window.committedSeenAt })),
    );
  }

  private async checkPropagation(db: PgClient, window: PauseWindow, row: SystemRow, now: number): Promise<void> {
    const since = now - window.committedSeenAt;
    const withWorker = since - this.options.workerDownMs(window.committedSeenAt, now);
    if (row.running === 0 && !window.propagationMeasured) {
      window.propagationMeasured = true;
      this.worstPropagationMs = Math.max(this.worstPropagationMs, since);
      if (window.cycle) {
        window.cycle.propagationMs = since;
        window.cycle.allPausedSeenAt = now;
      }
      return;
    }
    if (row.running > 0 && withWorker > this.options.propagationMs && !window.propagationViolated) {
      window.propagationViolated = true;
      const { rows } = await db.query(`SELECT id, status, status_reason, updated_at FROM campaigns WHERE status = 'RUNNING' ORDER BY updated_at LIMIT 20`);
      this.recorder.violation(
        'propagation: queue PAUSED implies no campaign RUNNING',
        `${row.running} campaign(s) still RUNNING in the database ${since} ms after the pause committed (${withWorker} ms of it with a worker running)${window.cycle ? `, cycle ${window.cycle.index}` : ''}`,
        rows,
      );
    }
    if (row.running > 0) this.worstPropagationMs = Math.max(this.worstPropagationMs, since);
  }

  /** From the breaker's decision to the pause in the database, and who got claimed in between. */
  private async checkDecision(db: PgClient, cycle: CycleRecord, row: SystemRow, now: number): Promise<void> {
    const decidedAt = cycle.decidedAt!;
    const pausedInDb = cycle.pauseCommittedSeenAt !== undefined && cycle.allPausedSeenAt !== undefined;
    const elapsed = now - decidedAt;
    const withWorker = elapsed - this.options.workerDownMs(decidedAt, now);
    if (pausedInDb) this.worstDecisionToPausedMs = Math.max(this.worstDecisionToPausedMs, cycle.allPausedSeenAt! - decidedAt);
    else this.worstDecisionToPausedMs = Math.max(this.worstDecisionToPausedMs, elapsed);
    if (!pausedInDb && withWorker > this.options.decisionDeadlineMs && !this.decisionViolated.has(cycle.index)) {
      this.decisionViolated.add(cycle.index);
      this.recorder.violation(
        'decision: the breaker opening reaches the database in time',
        `cycle ${cycle.index}: ${elapsed} ms after the breaker decided to open (${withWorker} ms of it with a worker running), system_state is ${row.breaker_state}/${row.queue_state} and ${row.running} campaign(s) are RUNNING in the database`,
      );
    }
    // Claims the gate let through after the decision (up to the commit, or now while it has not committed).
    const from = new Date(decidedAt + this.options.gateMs).toISOString();
    const until = new Date(cycle.pauseCommittedSeenAt ?? now).toISOString();
    const { rows } = await db.query<{ count: number; latest: Date | null }>(
      `SELECT count(*)::int AS count, max(started_at) AS latest FROM jobs WHERE started_at > $1::timestamptz AND started_at <= $2::timestamptz`,
      [from, until],
    );
    const found = rows[0]!;
    if (found.count > cycle.claimsAfterDecision) {
      const first = cycle.claimsAfterDecision === 0;
      cycle.claimsAfterDecision = found.count;
      cycle.latestClaimAfterDecisionMs = found.latest ? found.latest.getTime() - decidedAt : null;
      if (this.options.strictGate && first) {
        this.recorder.violation('gate latency: no claim later than the allowance after the breaker decides', `cycle ${cycle.index}: jobs claimed more than ${this.options.gateMs} ms after the decision`);
      }
    }
  }
}
