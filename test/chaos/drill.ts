/**
 * npm run chaos [-- --campaigns 120]
 *
 * The chaos drill (issue 9): the product as it runs in production (a Temporal dev server of its own,
 * PostgreSQL, `npm run api`, `npm run worker` and the simulator with 150 ms latency, each its own process),
 * campaigns created and started through the REST API, and, while they run: the worker SIGKILLed at least 8
 * times (two of them while the pause cascade runs, two while resume-queue fans out), the Temporal dev server
 * restarted once, PostgreSQL restarted once, and two openai outages, each tripping the breaker and recovered
 * with reset + one resume-queue. An invariant checker polls throughout (see checker.ts); at the end every
 * campaign must be COMPLETED in the database and in its workflow, every lead pushed exactly once, every
 * transition audited once (final-checks.ts). Prints the figures and a final JSON line; exits 1 on any
 * violation, 2 if the drill itself could not run.
 *
 * Needs DATABASE_URL (a role that may CREATE DATABASE: the drill works in a throw-away database and drops it).
 */
import { parseArgs } from 'node:util';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { settleWithConcurrency } from '../../src/util/concurrency';
import { InvariantChecker } from './checker';
import { DrillDb, snapshot } from './db';
import { type FinalFigures, runFinalChecks, workflowStatuses } from './final-checks';
import { type Answer, ProductApi, Simulator } from './http';
import { killAllProcessGroups } from './process';
import { type CycleRecord, type KillRecord, log, Recorder, sleep, waitFor } from './record';
import { ChaosStack } from './stack';

const { values: args } = parseArgs({
  options: {
    campaigns: { type: 'string', default: '120' },
    leads: { type: 'string', default: '6' },
    'latency-ms': { type: 'string', default: '150' },
    // 'auto': pg_ctlcluster as root, else pg_ctl with PGDATA; 'off'; or the shell command that restarts the server.
    'pg-restart': { type: 'string', default: process.env.CHAOS_PG_RESTART ?? 'auto' },
    'poll-ms': { type: 'string', default: '150' },
    'propagation-ms': { type: 'string', default: '2000' },
    'decision-deadline-ms': { type: 'string', default: '30000' },
    'gate-ms': { type: 'string', default: '300' },
    'strict-gate': { type: 'boolean', default: false },
    'cycle-deadline-s': { type: 'string', default: '120' },
    'final-deadline-s': { type: 'string', default: '300' },
    'stall-s': { type: 'string', default: '120' },
    // The whole run; a healthy system finishes well inside it, a wedged one is cut off here.
    'budget-s': { type: 'string', default: '540' },
    'keep-logs': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  process.stdout.write(`npm run chaos -- [--campaigns 120] [--leads 6] [--latency-ms 150] [--pg-restart auto|off|"<command>"]
  [--poll-ms 150] [--propagation-ms 2000] [--decision-deadline-ms 30000] [--gate-ms 300] [--strict-gate]
  [--cycle-deadline-s 120] [--final-deadline-s 300] [--stall-s 120] [--budget-s 540] [--keep-logs]
`);
  process.exit(0);
}

const N = Number(args.campaigns);
const LEADS = Number(args.leads);
const CYCLE_DEADLINE_MS = Number(args['cycle-deadline-s']) * 1000;
const FINAL_DEADLINE_MS = Number(args['final-deadline-s']) * 1000;
const STALL_MS = Number(args['stall-s']) * 1000;
const BUDGET_MS = Number(args['budget-s']) * 1000;
/** Kept for the final wait and checks when the budget runs short. */
const FINAL_RESERVE_MS = 60_000;
/** Kill (a): this long after the trip is seen, once the pause has committed; at the latest at the upper bound. */
const KILL_A_MS = [100, 300] as const;
/** Kill (b): this long after resume-queue is sent, once the resume has committed; at the latest at the upper bound. */
const KILL_B_MS = [100, 500] as const;
/** Campaigns started before the first chaos step; the rest are spread over the steps, so work is always under way. */
const FIRST_WAVE = 0.4;
/** Fresh campaigns started right before a trip, so openai calls are certain to come. */
const FRESH_BEFORE_TRIP = 8;

class Drill {
  readonly api: ProductApi;
  readonly sim: Simulator;
  readonly db: DrillDb;
  /** A connection of its own for the tight loops around the kills. */
  readonly watchDb: DrillDb;
  readonly checker: InvariantChecker;
  temporal!: TemporalClient;
  private temporalConnection: Connection | undefined;
  readonly campaignIds: string[] = [];
  private pool: string[] = [];
  private lastResumeAt: number | undefined;
  finalConvergeMs: number | null = null;
  readonly stepErrors: string[] = [];
  figures: FinalFigures | undefined;

  constructor(
    readonly stack: ChaosStack,
    readonly recorder: Recorder,
  ) {
    this.api = new ProductApi(stack.apiUrl, stack.operatorKey);
    this.sim = new Simulator(stack.simulatorUrl);
    this.db = new DrillDb(stack.dbUrl!.toString());
    this.watchDb = new DrillDb(stack.dbUrl!.toString());
    this.checker = new InvariantChecker(
      {
        databaseUrl: stack.dbUrl!.toString(),
        intervalMs: Number(args['poll-ms']),
        propagationMs: Number(args['propagation-ms']),
        decisionDeadlineMs: Number(args['decision-deadline-ms']),
        gateMs: Number(args['gate-ms']),
        strictGate: args['strict-gate'],
        workerDownMs: (from, to) => stack.worker.notReadyMs(from, to),
      },
      recorder,
    );
  }

  async run(): Promise<void> {
    this.temporalConnection = await Connection.connect({ address: this.stack.temporalAddress });
    this.temporal = new TemporalClient({ connection: this.temporalConnection });
    this.checker.start();
    await this.createCampaigns();

    // The first trip early, so both fit in the budget even when a recovery drags on; every kill and restart before
    // the last trip, whose resume also brings back any campaign they paused.
    const steps: { name: string; trip?: boolean; run: () => Promise<void> }[] = [
      { name: 'plain kill', run: () => this.plainKill() },
      { name: 'trip cycle', trip: true, run: () => this.tripCycle('openai') },
      { name: 'Temporal dev server restart', run: () => this.restartTemporal() },
      { name: 'plain kill', run: () => this.plainKill() },
      { name: 'PostgreSQL restart', run: () => this.restartPostgres() },
      { name: 'plain kill', run: () => this.plainKill() },
      { name: 'plain kill', run: () => this.plainKill() },
      { name: 'trip cycle', trip: true, run: () => this.tripCycle('openai') },
    ];
    await this.startCampaigns(Math.ceil(N * FIRST_WAVE), 'first wave');
    for (const [i, step] of steps.entries()) {
      if (this.remainingMs() < FINAL_RESERVE_MS + (step.trip ? 90_000 : 30_000)) {
        const skipped = steps.slice(i).map((s) => s.name);
        this.recorder.violation('run within budget', `${this.recorder.elapsed()} of a ${BUDGET_MS / 1000} s budget used; steps not run: ${skipped.join(', ')}`);
        break;
      }
      await this.recoverUnexpectedPause();
      // Spread the pool over the steps, keeping fresh campaigns back for every trip still to come.
      const tripsLeft = steps.slice(i).filter((s) => s.trip).length;
      const reserve = (tripsLeft - (step.trip ? 1 : 0)) * FRESH_BEFORE_TRIP;
      const share = Math.ceil(Math.max(0, this.pool.length - reserve) / (steps.length - i + 1));
      await this.startCampaigns(step.trip ? Math.max(share, FRESH_BEFORE_TRIP) : share, `before step ${i + 1}`);
      await this.waitBusy();
      this.recorder.event('step', `${i + 1}/${steps.length}: ${step.name}`);
      try {
        await step.run();
      } catch (error) {
        // Carry on to the end state: it is the evidence. The run still counts as not completed.
        this.stepErrors.push(`step ${i + 1} (${step.name}): ${error instanceof Error ? error.message : String(error)}`);
        this.recorder.warn(`step ${i + 1} (${step.name}) failed: ${error instanceof Error ? error.message : String(error)}`);
        this.checker.activeCycle = undefined;
      }
    }
    await this.recoverUnexpectedPause();
    // The rest, tried again while starts are refused (a 503 while the worker comes back), for up to 60 s.
    const startDeadline = Date.now() + 60_000;
    while (this.pool.length > 0 && Date.now() < startDeadline) {
      await this.startCampaigns(this.pool.length, 'the rest');
      if (this.pool.length > 0) await sleep(3_000);
    }
    if (this.pool.length > 0) this.recorder.violation('every campaign COMPLETED', `${this.pool.length} campaign(s) could not be started within 60 s (the start kept being refused)`, this.pool);
    await this.waitAllCompleted();
    this.figures = await runFinalChecks({ db: this.db, temporal: this.temporal, simulator: this.sim, recorder: this.recorder, campaignIds: this.campaignIds, leadLimit: LEADS });
  }

  private remainingMs(): number {
    return this.recorder.startedAt + BUDGET_MS - Date.now();
  }

  async close(): Promise<void> {
    await this.checker.stop();
    await this.db.close();
    await this.watchDb.close();
    await this.temporalConnection?.close().catch(() => {});
  }

  // ---- campaigns ------------------------------------------------------------------------------

  private async createCampaigns(): Promise<void> {
    const run = Date.now().toString(36);
    const created = await settleWithConcurrency(Array.from({ length: N }, (_, i) => i), 8, async (i) => {
      const answer = await this.api.call('POST', '/campaigns', {
        body: {
          name: `chaos ${i}`,
          search_criteria: { titles: ['CTO', 'VP Engineering'], keywords: `chaos-${run}-${i}` },
          lead_limit: LEADS,
          copy_prompt: 'Two short sentences, friendly.',
          instantly_campaign_id: `chaos-${run}-${i}`,
        },
      });
      if (answer.status !== 201) throw new Error(`POST /campaigns answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body.data.id as string;
    });
    for (const result of created) {
      if (result.status === 'rejected') throw result.reason;
      this.campaignIds.push(result.value);
    }
    this.pool = [...this.campaignIds];
    this.recorder.event('campaigns', `${N} campaigns of ${LEADS} leads created through the API`);
  }

  /** Starts up to `count` campaigns from the pool, while the queue is ACTIVE (a start while paused is refused). */
  private async startCampaigns(count: number, why: string): Promise<void> {
    if (count <= 0 || this.pool.length === 0) return;
    const state = await snapshot(this.db);
    if (state.queue_state !== 'ACTIVE' || state.breaker_state !== 'CLOSED') {
      this.recorder.warn(`not starting campaigns (${why}): system_state is ${state.breaker_state}/${state.queue_state}`);
      return;
    }
    const batch = this.pool.splice(0, count);
    const answers = await settleWithConcurrency(batch, 8, (id) => this.api.call('POST', `/campaigns/${id}/start`));
    const refused: string[] = [];
    const refusals: Record<string, number> = {};
    answers.forEach((result, i) => {
      const answer = result.status === 'fulfilled' ? result.value : undefined;
      // A start that answered 503 may have gone through: its retry finds it started.
      const alreadyStarted = answer?.status === 409 && /already started/.test(detailOf(answer));
      if (answer?.status !== 202 && !alreadyStarted) {
        refused.push(batch[i]!);
        const key = `${answer?.status ?? 'no answer'} ${answer ? detailOf(answer) : ''}`;
        refusals[key] = (refusals[key] ?? 0) + 1;
      }
    });
    for (const [answer, count] of Object.entries(refusals)) this.recorder.warn(`${count} campaign start(s) (${why}) answered ${answer}; tried again later`);
    this.pool.unshift(...refused);
    this.recorder.event('campaigns', `started ${batch.length - refused.length} (${why}); ${N - this.pool.length}/${N} started`);
  }

  /** Until the worker is up and jobs complete again (at most 20 s: the work may be done, or stuck). */
  private async waitBusy(): Promise<void> {
    await this.ensureWorkerReady();
    const before = (await snapshot(this.db)).jobs_completed;
    await waitFor(async () => (await snapshot(this.db)).jobs_completed >= before + 10, 20_000, 200);
  }

  // ---- the worker ---------------------------------------------------------------------------

  private async ensureWorkerReady(): Promise<void> {
    const worker = this.stack.worker;
    if (worker.isReady) return;
    if (!worker.running) {
      await worker.start();
      return;
    }
    // Restarting already (after a crash): wait for it.
    if (!(await waitFor(() => worker.isReady, 120_000, 100))) throw new Error('worker did not become ready within 120 s');
  }

  private async killWorker(kind: string, trigger: number | undefined, landed: (at: number) => Promise<string>): Promise<KillRecord> {
    const at = Date.now();
    await this.stack.worker.kill();
    const record: KillRecord = { at: new Date(at).toISOString(), kind, landed: '', ...(trigger !== undefined ? { afterTriggerMs: at - trigger } : {}) };
    this.recorder.kills.push(record);
    record.landed = await landed(at).catch((error: unknown) => `unknown (${String(error)})`);
    this.recorder.event('kill', `worker SIGKILLed, #${this.recorder.kills.length} (${kind}${trigger !== undefined ? `, ${at - trigger} ms after the trigger` : ''}): ${record.landed}`);
    return record;
  }

  private async restartWorker(record: KillRecord): Promise<void> {
    record.restartReadyMs = await this.stack.worker.start();
    this.recorder.event('worker', `restarted, ready in ${record.restartReadyMs} ms`);
  }

  private async plainKill(): Promise<void> {
    await this.ensureWorkerReady();
    const record = await this.killWorker('plain', undefined, async () => {
      const s = await snapshot(this.db);
      return `${s.jobs_processing} job(s) PROCESSING, ${s.campaigns_running} campaign(s) RUNNING`;
    });
    await this.restartWorker(record);
  }

  // ---- restarts -------------------------------------------------------------------------------

  private async restartTemporal(): Promise<void> {
    await this.stack.restartTemporal();
  }

  private async restartPostgres(): Promise<void> {
    await this.stack.restartPostgres();
  }

  // ---- trip / reset / resume ------------------------------------------------------------------

  /**
   * An outage trips the breaker; the worker is killed while the pause cascade runs; once paused, the fault is
   * cleared, the breaker reset, and resume-queue sent once, the worker killed while it fans out.
   */
  private async tripCycle(service: string): Promise<void> {
    const cycle = this.recorder.newCycle(service);
    this.checker.activeCycle = cycle;
    cycle.outageAt = Date.now();
    await this.sim.setFault(service, { mode: 'outage', status: 500 });
    this.recorder.event('outage', `cycle ${cycle.index}: ${service} answers 500 to every call`);

    const seenAt = await this.watchTrip(cycle, 60_000);
    if (seenAt === undefined) {
      this.recorder.violation('trip', `cycle ${cycle.index}: the breaker did not open within 60 s of the ${service} outage (no ${service} call made: campaigns stuck or finished?)`);
      await this.sim.setFault(service, { mode: 'none' });
      this.checker.activeCycle = undefined;
      return;
    }
    this.recorder.event('trip', `cycle ${cycle.index}: breaker seen open ${seenAt - cycle.outageAt} ms after the outage began (decided at ${iso(cycle.decidedAt)})`);
    if (cycle.reportedOpenedAt !== undefined && cycle.reportedOpenedAt < cycle.outageAt) {
      const status = await this.api.call('GET', '/queue-management/status');
      // The API may be unable to answer right now (its breaker query needs a worker): the projection says the same.
      const stored = await this.watchDb.one<{ metadata: { service?: string; error?: string } | null }>(`SELECT metadata FROM system_state WHERE id = 1`);
      const breaker = status.body?.data?.circuit_breaker ?? { metadata: stored?.metadata };
      if (breaker?.metadata?.service === service && /Simulated/.test(String(breaker.metadata.error ?? ''))) {
        // Tripped by our outage, yet dated before it: the breaker workflow's clock lagged (its tasks were retried).
        this.recorder.warn(`cycle ${cycle.index}: the breaker reports opened_at ${iso(cycle.reportedOpenedAt)}, ${cycle.outageAt - cycle.reportedOpenedAt} ms before the outage that tripped it: its workflow clock lags (workflow tasks retried); the outage time is taken as the decision`);
      } else {
        this.recorder.violation(
          'no trip the drill did not cause',
          `cycle ${cycle.index}: the breaker had opened at ${iso(cycle.reportedOpenedAt)}, ${cycle.outageAt - cycle.reportedOpenedAt} ms before the drill's outage, for a cause the drill did not inject`,
          [breaker ?? status.body],
        );
      }
    }

    // Kill (a): inside the pause cascade.
    await this.waitForCommitOrTimeout(cycle, seenAt);
    const killA = await this.killWorker('pause-cascade', seenAt, async (at) => {
      const s = await snapshot(this.db);
      const committed = cycle.pauseCommittedSeenAt !== undefined ? `pause committed (seen ${at - cycle.pauseCommittedSeenAt} ms before the kill)` : 'before the pause committed';
      return `${committed}; system_state ${s.breaker_state}/${s.queue_state}, ${s.campaigns_running} campaign(s) RUNNING and ${s.campaigns_paused} PAUSED in the database`;
    });
    cycle.killA = killA;
    await this.restartWorker(killA);

    await this.recoverFromTrip(cycle, { killDuringResume: true });
    this.checker.activeCycle = undefined;
  }

  /** First sight of the breaker open, through the status API (the breaker's own state) or system_state. */
  private async watchTrip(cycle: CycleRecord, timeoutMs: number): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    let seenAt: number | undefined;
    let apiBusy = false;
    let lastApi = 0;
    while (seenAt === undefined && Date.now() < deadline) {
      if (!apiBusy && Date.now() - lastApi >= 50) {
        apiBusy = true;
        lastApi = Date.now();
        void this.api.breaker(2_000).then((breaker) => {
          apiBusy = false;
          if (breaker?.state === 'open' && seenAt === undefined) {
            seenAt = Date.now();
            cycle.decisionSeenAt = seenAt;
            const decided = Date.parse(breaker.openedAt ?? breaker.pausedAt ?? '');
            if (!Number.isNaN(decided)) {
              cycle.reportedOpenedAt ??= decided;
              // It cannot have decided before the outage began: an earlier opened_at is a lagging workflow clock.
              cycle.decidedAt ??= Math.max(decided, cycle.outageAt ?? decided);
            }
          }
        });
      }
      await this.pollPauseCommit(cycle);
      if (seenAt === undefined && cycle.pauseCommittedSeenAt !== undefined) {
        seenAt = Date.now();
        cycle.decisionSeenAt = seenAt;
      }
      if (seenAt === undefined) await sleep(20);
    }
    return seenAt;
  }

  /** One look at system_state: records when the pause is first seen committed, and the breaker's decision time. */
  private async pollPauseCommit(cycle: CycleRecord): Promise<void> {
    try {
      const row = await this.watchDb.one<{ at: Date; breaker_state: string; queue_state: string; opened_at: Date | null }>(
        `SELECT clock_timestamp() AS at, breaker_state, queue_state, opened_at FROM system_state WHERE id = 1`,
        [],
        0,
      );
      if (row.queue_state === 'PAUSED' && cycle.pauseCommittedSeenAt === undefined) {
        cycle.pauseCommittedSeenAt = row.at.getTime();
        if (row.opened_at) {
          cycle.reportedOpenedAt ??= row.opened_at.getTime();
          cycle.decidedAt ??= Math.max(row.opened_at.getTime(), cycle.outageAt ?? 0);
        }
      }
    } catch {
      // The checker records database outages.
    }
  }

  private async waitForCommitOrTimeout(cycle: CycleRecord, seenAt: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      if (now >= seenAt + KILL_A_MS[1]) return;
      if (now >= seenAt + KILL_A_MS[0] && cycle.pauseCommittedSeenAt !== undefined) return;
      await this.pollPauseCommit(cycle);
      await sleep(5);
    }
  }

  /** The operator's two steps after a trip: wait for the pause, clear the fault, reset, resume once. */
  private async recoverFromTrip(cycle: CycleRecord, { killDuringResume }: { killDuringResume: boolean }): Promise<void> {
    const settleDeadline = Math.min(Number(args['decision-deadline-ms']) + 5_000, Math.max(5_000, this.remainingMs() - FINAL_RESERVE_MS));
    const settled = await waitFor(async () => {
      const s = await snapshot(this.db);
      return s.queue_state === 'PAUSED' && s.campaigns_running === 0;
    }, settleDeadline, 200);
    this.recorder.event('pause', settled ? `cycle ${cycle.index}: database paused (no campaign RUNNING)` : `cycle ${cycle.index}: the database did not show the pause within ${settleDeadline} ms; the operator goes on`);
    await sleep(1_000);
    await this.sim.setFault(cycle.service === 'unexpected' ? 'openai' : cycle.service, { mode: 'none' });

    await this.reset(cycle);
    await this.ensureWorkerReady();
    await this.resume(cycle, killDuringResume);

    const converged = await this.waitConverged(cycle.resumeSentAt!, Math.min(CYCLE_DEADLINE_MS, Math.max(10_000, this.remainingMs() - FINAL_RESERVE_MS)));
    if ('ms' in converged) {
      cycle.convergedMs = converged.ms;
      this.recorder.event('converged', `cycle ${cycle.index}: converged ${converged.ms} ms after resume-queue was sent`);
    } else {
      cycle.convergedMs = null;
      this.recorder.violation('resume converges without a second call', `cycle ${cycle.index}: ${converged.why}`, converged.rows);
    }
  }

  private async reset(cycle: CycleRecord): Promise<void> {
    const service = cycle.service === 'unexpected' ? 'openai' : cycle.service;
    cycle.resetSentAt = Date.now();
    for (;;) {
      const answer = await this.api.call('POST', `/queue-management/circuit-breakers/${service}/reset`, { timeoutMs: 90_000 });
      if (!cycle.resetAnswer) {
        cycle.resetAnswer = { status: answer.status, ms: answer.ms, ...(answer.status === 200 ? {} : { detail: detailOf(answer) }) };
        this.recorder.event('reset', `cycle ${cycle.index}: reset answered ${answer.status} in ${answer.ms} ms${answer.status === 200 ? '' : `: ${detailOf(answer)}`}`);
        if (answer.status !== 200) this.recorder.violation('reset answers 200', `cycle ${cycle.index}: reset answered ${answer.status} after ${answer.ms} ms: ${detailOf(answer)}`);
      }
      if (answer.status === 200) return;
      // The update may have landed anyway: an operator looks at the status before trying again.
      const breaker = await waitFor(() => this.api.breaker(5_000), 15_000, 500);
      if (breaker?.state === 'closed') {
        this.recorder.event('reset', `cycle ${cycle.index}: the status shows the breaker closed; no second reset`);
        return;
      }
      if (Date.now() - cycle.resetSentAt > 240_000) throw new Error(`cycle ${cycle.index}: the breaker could not be reset within 240 s`);
      this.recorder.event('reset', `cycle ${cycle.index}: breaker still ${breaker?.state ?? 'unknown'}; reset again`);
      await sleep(2_000);
    }
  }

  /** One resume-queue, never a second; with kill (b) inside its fan-out. */
  private async resume(cycle: CycleRecord, kill: boolean): Promise<void> {
    // The resume has committed once its audit row is there, or the queue went from PAUSED to ACTIVE.
    const resumeMark = () =>
      this.watchDb.one<{ queue_state: string; resumed: number }>(
        `SELECT queue_state, (SELECT count(*)::int FROM breaker_events WHERE type = 'QUEUE_RESUMED') AS resumed FROM system_state WHERE id = 1`,
        [],
        0,
      );
    const before = await resumeMark().catch(() => undefined);
    const sentAt = Date.now();
    cycle.resumeSentAt = sentAt;
    this.lastResumeAt = sentAt;
    this.checker.resumeSent(cycle, sentAt);
    let answer: Answer | undefined;
    const answered = this.api.call('POST', '/queue-management/resume-queue', { timeoutMs: 150_000 }).then((a) => (answer = a));
    let commitSeenAt: number | undefined;
    if (kill) {
      for (;;) {
        const now = Date.now();
        if (answer || now >= sentAt + KILL_B_MS[1] || (now >= sentAt + KILL_B_MS[0] && commitSeenAt !== undefined)) break;
        try {
          const mark = await resumeMark();
          if (before && (mark.resumed > before.resumed || (before.queue_state === 'PAUSED' && mark.queue_state === 'ACTIVE'))) commitSeenAt ??= Date.now();
        } catch {
          // The checker records database outages.
        }
        await sleep(10);
      }
      const record = await this.killWorker('resume-fan-out', sentAt, async (at) => {
        const s = await snapshot(this.db);
        const where = answer
          ? `after resume-queue had answered ${answer.status} (${answer.ms} ms): too late for the fan-out`
          : commitSeenAt !== undefined
            ? `resume committed (seen ${at - commitSeenAt} ms before the kill), answer not yet sent`
            : 'before the resume committed, answer not yet sent';
        return `${where}; ${s.campaigns_running} campaign(s) RUNNING, ${s.campaigns_paused} PAUSED, ${s.jobs_paused} job(s) PAUSED in the database`;
      });
      cycle.killB = record;
      if (answer) this.recorder.warn(`cycle ${cycle.index}: resume-queue answered before kill (b) could land in its fan-out`);
      await this.restartWorker(record);
    }
    await answered;
    const final = answer!;
    cycle.resumeAnswer = { status: final.status, ms: final.ms, body: final.body };
    const succeeded = final.status === 200 || (final.status === 202 && final.body?.data?.in_progress === true);
    this.recorder.event('resume', `cycle ${cycle.index}: resume-queue answered ${final.status} after ${final.ms} ms: ${succeeded ? final.body?.data?.message : detailOf(final)}`);
    if (!succeeded && final.status !== 503) {
      this.recorder.violation('resume-queue answers 200, 202 under way, or a retryable 503', `cycle ${cycle.index}: answered ${final.status} after ${final.ms} ms: ${detailOf(final)}`);
    }
  }

  /**
   * Converged after a resume: breaker CLOSED and queue ACTIVE, no campaign or job PAUSED in the database, and
   * every campaign RUNNING in the database RUNNING in its workflow too.
   */
  private async waitConverged(from: number, deadlineMs: number): Promise<{ ms: number } | { why: string; rows?: unknown[] }> {
    const deadline = from + deadlineMs;
    let lastMark = '';
    let lastChange = Date.now();
    let why = 'nothing read yet';
    let rows: unknown[] | undefined;
    for (;;) {
      try {
        const s = await snapshot(this.db);
        const mark = `${s.jobs_changed_at?.getTime()}/${s.campaigns_running}/${s.campaigns_paused}/${s.campaigns_completed}`;
        if (mark !== lastMark) {
          lastMark = mark;
          lastChange = Date.now();
        }
        if (s.breaker_state !== 'CLOSED' || s.queue_state !== 'ACTIVE' || s.campaigns_paused > 0 || s.jobs_paused > 0) {
          why = `system_state ${s.breaker_state}/${s.queue_state}, ${s.campaigns_paused} campaign(s) and ${s.jobs_paused} job(s) PAUSED, ${s.campaigns_running} RUNNING in the database`;
          rows = s.campaigns_paused > 0 ? await this.db.query(`SELECT id, status, status_reason, updated_at FROM campaigns WHERE status = 'PAUSED' LIMIT 10`) : undefined;
        } else {
          const running = (await this.db.query<{ id: string }>(`SELECT id FROM campaigns WHERE status = 'RUNNING'`)).map((row) => row.id);
          const statuses = await workflowStatuses(this.temporal, running);
          const off = running.filter((id) => statuses.get(id) !== 'RUNNING').map((id) => ({ id, database: 'RUNNING', workflow: statuses.get(id) }));
          if (off.length === 0) return { ms: Date.now() - from };
          why = `${off.length} campaign(s) RUNNING in the database but not in their workflows`;
          rows = off.slice(0, 10);
        }
      } catch (error) {
        why = `could not read: ${String(error)}`;
      }
      if (Date.now() > deadline) return { why: `not converged ${deadlineMs / 1000} s after resume-queue: ${why}`, rows };
      if (Date.now() - lastChange > STALL_MS) return { why: `stalled (nothing changed for ${STALL_MS / 1000} s): ${why}`, rows };
      await sleep(1_000);
    }
  }

  /** A pause the drill did not cause (a crash, a restart): recorded, then recovered the operator's way. */
  private async recoverUnexpectedPause(): Promise<void> {
    const s = await snapshot(this.db);
    // The breaker's own state, as the operator sees it; the API may need a moment after a restart.
    const breaker = await waitFor(() => this.api.breaker(5_000), 15_000, 1_000);
    if (breaker === undefined) this.recorder.warn('the status API could not tell the breaker state for 15 s');
    if (s.breaker_state === 'CLOSED' && s.queue_state === 'ACTIVE' && (breaker === undefined || (breaker.state === 'closed' && breaker.queue === 'ACTIVE'))) return;
    const status = await this.api.call('GET', '/queue-management/status');
    this.recorder.violation('no trip the drill did not cause', `system_state ${s.breaker_state}/${s.queue_state}, breaker ${breaker?.state}/${breaker?.queue}`, [status.body?.data?.circuit_breaker]);
    const cycle = this.recorder.newCycle('unexpected');
    cycle.decisionSeenAt = Date.now();
    this.checker.activeCycle = cycle;
    this.checker.adopt(cycle);
    await this.recoverFromTrip(cycle, { killDuringResume: false });
    this.checker.activeCycle = undefined;
  }

  /** Every campaign COMPLETED in the database, within the final deadline counted from the last resume. */
  private async waitAllCompleted(): Promise<void> {
    const from = this.lastResumeAt ?? Date.now();
    const deadline = Math.min(from + FINAL_DEADLINE_MS, this.recorder.startedAt + BUDGET_MS);
    let lastMark = '';
    let lastChange = Date.now();
    for (;;) {
      const s = await snapshot(this.db).catch(() => undefined);
      if (s) {
        if (s.campaigns_completed === N) {
          this.finalConvergeMs = Date.now() - from;
          this.recorder.event('converged', `all ${N} campaigns COMPLETED ${this.finalConvergeMs} ms after the last resume-queue`);
          return;
        }
        const mark = `${s.jobs_changed_at?.getTime()}/${s.campaigns_completed}`;
        if (mark !== lastMark) {
          lastMark = mark;
          lastChange = Date.now();
        }
        const stalled = Date.now() - lastChange > STALL_MS;
        if (Date.now() > deadline || stalled) {
          this.recorder.event(
            'converged',
            `NOT converged (${stalled ? `nothing changed for ${STALL_MS / 1000} s` : `${Math.round((Date.now() - from) / 1000)} s after the last resume`}): ` +
              `${s.campaigns_completed}/${N} COMPLETED, ${s.campaigns_running} RUNNING, ${s.campaigns_paused} PAUSED, ${s.campaigns_created} CREATED; ` +
              `jobs ${s.jobs_pending} PENDING, ${s.jobs_processing} PROCESSING, ${s.jobs_paused} PAUSED`,
          );
          return;
        }
      }
      await sleep(2_000);
    }
  }
}

const iso = (at: number | undefined) => (at === undefined ? 'unknown' : new Date(at).toISOString());

function detailOf(answer: Answer): string {
  const body = answer.body as { detail?: string; error?: string } | string | undefined;
  if (typeof body === 'string') return body.slice(0, 200);
  return body?.detail ?? body?.error ?? JSON.stringify(body)?.slice(0, 200) ?? '';
}

function report(recorder: Recorder, drill: Drill | undefined, failure: unknown): number {
  const secs = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
  const lines: string[] = ['', '================ chaos drill: figures ================'];
  const duration = Date.now() - recorder.startedAt;
  lines.push(`run: ${secs(duration)}, ${N} campaigns of ${LEADS} leads, simulator latency ${args['latency-ms']} ms`);
  lines.push(`worker kills: ${recorder.kills.length}`);
  recorder.kills.forEach((kill, i) => {
    lines.push(`  #${i + 1} ${recorder.elapsed(Date.parse(kill.at))} ${kill.kind}${kill.afterTriggerMs !== undefined ? ` (${kill.afterTriggerMs} ms after trigger)` : ''}: ${kill.landed}; back in ${secs(kill.restartReadyMs)}`);
  });
  for (const restart of recorder.restarts) lines.push(`restart: ${restart.what} at ${recorder.elapsed(Date.parse(restart.at))}: ${restart.downMs >= 0 ? `down ${restart.downMs} ms` : restart.detail}`);
  for (const exit of recorder.unexpectedExits) lines.push(`unexpected exit: ${exit.process} at ${recorder.elapsed(Date.parse(exit.at))} (code ${exit.code}, signal ${exit.signal})`);
  for (const cycle of recorder.cycles) {
    const decisionToPaused = cycle.decidedAt !== undefined && cycle.allPausedSeenAt !== undefined ? cycle.allPausedSeenAt - cycle.decidedAt : null;
    lines.push(
      `cycle ${cycle.index} (${cycle.service}): decision→pause committed ${cycle.decidedAt !== undefined && cycle.pauseCommittedSeenAt !== undefined ? `${cycle.pauseCommittedSeenAt - cycle.decidedAt} ms` : 'n/a'}, ` +
        `decision→no campaign RUNNING ${decisionToPaused ?? 'n/a'} ms, propagation after commit ${cycle.propagationMs ?? 'n/a'} ms, ` +
        `claims >${args['gate-ms']} ms after the decision ${cycle.claimsAfterDecision}${cycle.latestClaimAfterDecisionMs !== null ? ` (latest ${cycle.latestClaimAfterDecisionMs} ms after)` : ''}; ` +
        `reset ${cycle.resetAnswer ? `${cycle.resetAnswer.status} in ${cycle.resetAnswer.ms} ms` : 'n/a'}; resume-queue ${cycle.resumeAnswer ? `${cycle.resumeAnswer.status} in ${cycle.resumeAnswer.ms} ms` : 'n/a'}; ` +
        `converged ${cycle.convergedMs === null ? 'NO' : secs(cycle.convergedMs)} after the resume`,
    );
  }
  if (drill) {
    lines.push(`worst propagation (pause committed → no campaign RUNNING): ${drill.checker.worstPropagationMs} ms; worst decision → database paused: ${drill.checker.worstDecisionToPausedMs} ms`);
    lines.push(`all campaigns COMPLETED ${drill.finalConvergeMs === null ? 'NOT within the deadline' : `${secs(drill.finalConvergeMs)} after the last resume`}`);
    lines.push(`invariant checker: ${drill.checker.polls} polls every ${args['poll-ms']} ms; blind ${recorder.checkerBlind.map((b) => `${b.ms} ms`).join(', ') || 'never'}`);
    lines.push(`worker log lines mentioning "deadlock detected": ${drill.stack.worker?.lineCounts.deadlock ?? 0}; with "Nondeterminism": ${drill.stack.worker?.lineCounts.nondeterminism ?? 0}`);
    if (drill.figures) lines.push(`end state: ${JSON.stringify(drill.figures)}`);
  }
  const byInvariant: Record<string, number> = {};
  for (const violation of recorder.violations) byInvariant[violation.invariant] = (byInvariant[violation.invariant] ?? 0) + 1;
  lines.push(`violations: ${recorder.violations.length}`);
  for (const [invariant, count] of Object.entries(byInvariant)) lines.push(`  ${count} × ${invariant}`);
  for (const violation of recorder.violations) lines.push(`  - ${violation.at} [${violation.invariant}] ${violation.detail}`);
  if (recorder.warnings.length) lines.push(`warnings: ${recorder.warnings.length}`, ...recorder.warnings.map((w) => `  - ${w}`));
  if (failure) lines.push(`DRILL ERROR: ${failure instanceof Error ? (failure.stack ?? failure.message) : JSON.stringify(failure)}`);
  const ok = !failure && recorder.violations.length === 0;
  lines.push(ok ? 'RESULT: PASS' : failure ? 'RESULT: the drill could not complete' : 'RESULT: FAIL');
  process.stdout.write(`${lines.join('\n')}\n`);
  const summary = {
    chaos_drill: ok ? 'pass' : failure ? 'error' : 'fail',
    duration_s: Math.round(duration / 1000),
    campaigns: N,
    leads_per_campaign: LEADS,
    kills: recorder.kills.map((kill) => ({ kind: kill.kind, at: kill.at, after_trigger_ms: kill.afterTriggerMs ?? null, landed: kill.landed, restart_ready_ms: kill.restartReadyMs ?? null })),
    restarts: recorder.restarts,
    unexpected_exits: recorder.unexpectedExits,
    cycles: recorder.cycles.map((cycle) => ({
      index: cycle.index,
      service: cycle.service,
      decided_at: cycle.decidedAt ? iso(cycle.decidedAt) : null,
      decision_to_commit_ms: cycle.decidedAt !== undefined && cycle.pauseCommittedSeenAt !== undefined ? cycle.pauseCommittedSeenAt - cycle.decidedAt : null,
      propagation_ms: cycle.propagationMs,
      claims_after_decision: cycle.claimsAfterDecision,
      reset: cycle.resetAnswer ? { status: cycle.resetAnswer.status, ms: cycle.resetAnswer.ms } : null,
      resume: cycle.resumeAnswer ? { status: cycle.resumeAnswer.status, ms: cycle.resumeAnswer.ms } : null,
      converged_ms: cycle.convergedMs ?? null,
    })),
    worst_propagation_ms: drill?.checker.worstPropagationMs ?? null,
    worst_decision_to_paused_ms: drill?.checker.worstDecisionToPausedMs ?? null,
    final_converge_ms: drill?.finalConvergeMs ?? null,
    end_state: drill?.figures ?? null,
    violations: recorder.violations.length,
    violations_by_invariant: byInvariant,
    error: failure ? (failure instanceof Error ? failure.message : JSON.stringify(failure)) : null,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return ok ? 0 : failure ? 2 : 1;
}

async function main(): Promise<void> {
  const recorder = new Recorder();
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    log('DATABASE_URL is required (a PostgreSQL role that may CREATE DATABASE): the drill runs on PostgreSQL only.');
    process.exit(2);
  }
  const stack = new ChaosStack({ databaseUrl, latencyMs: Number(args['latency-ms']), pgRestart: args['pg-restart'], recorder });
  let drill: Drill | undefined;
  let failure: unknown;
  let cleaning: Promise<void> | undefined;
  const cleanUp = (keepLogs: boolean) =>
    (cleaning ??= (async () => {
      await drill?.close().catch(() => {});
      await stack.close({ keepLogs });
      log(keepLogs ? `every process stopped, database dropped; logs kept in ${stack.logDir}` : 'every process stopped, database dropped');
    })());
  process.on('exit', killAllProcessGroups);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      recorder.warn(`${signal}: stopping every process and dropping the database`);
      void cleanUp(true).finally(() => process.exit(130));
    });
  }

  const pg = stack.pgRestartCommand();
  if ('skip' in pg) recorder.warn(`!!! PostgreSQL will NOT be restarted: ${pg.skip} !!!`);
  try {
    await stack.start();
    drill = new Drill(stack, recorder);
    await drill.run();
    if (drill.stepErrors.length > 0) failure = new Error(`chaos step(s) failed: ${drill.stepErrors.join('; ')}`);
  } catch (error) {
    failure = error;
  }
  const keepLogs = failure !== undefined || recorder.violations.length > 0 || args['keep-logs'];
  await cleanUp(keepLogs);
  process.exit(report(recorder, drill, failure));
}

void main();
