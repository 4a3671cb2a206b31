import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { BreakerEffects } from '../activities';
import {
  BREAKER_STILL_OPEN,
  breakerStateQuery,
  breakerEffectsQueue,
  type BreakerInput,
  type BreakerMetadata,
  type BreakerSnapshot,
  type BreakerTransition,
  forceOpenUpdate,
  recordFailureSignal,
  resetUpdate,
  type ResumeQueueResult,
  resumeQueueUpdate,
  type ServiceFailure,
  SERVICES,
  type StoredBreakerState,
} from './definitions';

// Well under Temporal's 51,200-event limit; failure signals after OPEN cost ~3 events each.
const DEFAULT_HISTORY_LIMIT = 4_000;
// A trip tells the campaign workflows beside its cascade; histories recorded before (after it) replay that order.
const PAUSE_FAN_OUT_BESIDE_CASCADE = 'pause-fan-out-beside-cascade';

/** Distributes Omit over the transition union, so each kind keeps its own fields. */
type Unnumbered<T> = T extends unknown ? Omit<T, 'seq'> : never;

interface QueuedTransition {
  transition: BreakerTransition;
  /** Settled once the transition's database write is done, and then for a trip its cascade, for a resume its fan-out. */
  done: (result: ResumeQueueResult | undefined) => void;
  failed: (error: unknown) => void;
}

/**
 * The global circuit breaker (one per namespace, id `circuit-breaker`): OPEN or CLOSED, and the queue ACTIVE
 * or PAUSED. It only ever opens by itself; closing (reset) and resuming the queue are two separate operator
 * steps, and resume is refused while OPEN (SPEC rules 6-8).
 *
 * Every decision is a numbered transition. Their database writes (the gate first) apply one at a time, in
 * order, each once however often it runs. What follows a write (the cascade over campaigns and jobs, the
 * fan-out to campaign workflows) runs beside the transition loop and converges on the current state, so a
 * new trip never waits behind an older fan-out. A run started without a snapshot (the first ever, or one
 * after the breaker was terminated) rebuilds itself from the database: an OPEN breaker stays OPEN.
 */
export async function breakerWorkflow(input: BreakerInput = {}): Promise<void> {
  await new Breaker(input).run();
}

class Breaker {
  private state: BreakerSnapshot | undefined;
  private readonly pending: QueuedTransition[] = [];
  private followUps = 0;

  // The transition's own write: retried until it lands (it never fails on its data). It heartbeats, so an attempt
  // lost with its worker is retried within seconds: the gate must not wait out a long timeout.
  private readonly writes = proxyActivities<BreakerEffects>({
    taskQueue: breakerEffectsQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '5 seconds',
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s' },
  });
  // Cascades and fan-outs: long, heartbeating, so a dead worker's attempt is taken over within seconds.
  private readonly propagation = proxyActivities<BreakerEffects>({
    taskQueue: breakerEffectsQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '5 seconds',
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s' },
  });

  constructor(private readonly input: BreakerInput) {
    this.state = input.snapshot;
    this.registerHandlers();
  }

  async run(): Promise<void> {
    if (!this.state) {
      const stored = await this.writes.loadBreakerState();
      this.state = rebuild(stored, this.input.failureThreshold ?? 1);
      log.info('Breaker rebuilt from the database', { state: this.state.state, queue: this.state.queue.status, seq: this.state.transition_seq });
    }
    for (;;) {
      await condition(() => this.pending.length > 0 || this.historyFull());
      const next = this.pending.shift();
      if (!next) break;
      await this.apply(next);
    }
    // Live forever; keep history bounded by continuing as new once every handler and effect has finished.
    await condition(() => allHandlersFinished() && this.followUps === 0 && this.pending.length === 0);
    await continueAsNew<typeof breakerWorkflow>({ snapshot: this.state, historyLimit: this.input.historyLimit });
  }

  private registerHandlers(): void {
    setHandler(breakerStateQuery, () => this.ready());

    setHandler(recordFailureSignal, async (failure) => {
      await condition(() => this.state !== undefined);
      this.recordFailure(failure);
    });

    setHandler(forceOpenUpdate, async ({ service, reason, actor }) => {
      const state = await this.whenReady();
      if (state.state === 'CLOSED') {
        log.warn('Breaker opened by an operator', { service, actor, reason });
        await this.open({ service, error: null, failure_type: 'manual', reason, opened_by: actor });
      }
      return state;
    });

    setHandler(resetUpdate, async ({ service, actor }) => {
      const state = await this.whenReady();
      const wasOpen = state.state === 'OPEN';
      const at = new Date().toISOString();
      const previous = state.metadata;
      state.state = 'CLOSED';
      if (wasOpen) state.closed_at = at;
      state.metadata = null;
      for (const health of Object.values(state.services)) health.failure_count = 0;
      state.absorbed_failures = 0;
      state.generation++;
      log.info('Breaker reset: CLOSED, the queue stays as it is', { service, actor, wasOpen });
      // Reset resumes nothing: the queue stays PAUSED until an operator resumes it (SPEC rule 6).
      await this.enqueue({ kind: 'reset', at, service, actor, wasOpen, previous, generation: state.generation });
      return state;
    });

    setHandler(
      resumeQueueUpdate,
      async ({ actor }) => {
        const state = await this.whenReady();
        // Checked again here: the validator cannot see a state that was still being rebuilt.
        if (state.state === 'OPEN') throw stillOpen(state);
        const at = new Date().toISOString();
        state.queue.status = 'ACTIVE';
        state.queue.resumed_at = at;
        log.info('Queue resume accepted', { actor });
        return (await this.enqueue({ kind: 'resumed', at, actor }))!;
      },
      {
        validator: (_request) => {
          if (this.state?.state === 'OPEN') throw stillOpen(this.state);
        },
      },
    );
  }

  private recordFailure(failure: ServiceFailure): void {
    const state = this.ready();
    if (failure.breakerGeneration !== undefined && failure.breakerGeneration < state.generation) {
      // Dispatched before the last reset and reported after it: the operator already dealt with it.
      state.absorbed_failures++;
      return;
    }
    const health = state.services[failure.service];
    health.failure_count++;
    health.last_error = failure.error;
    health.last_failure_at = new Date().toISOString();
    if (state.state === 'OPEN') {
      // Already stopped: absorb without any activity, so a storm of late failures stays cheap.
      state.absorbed_failures++;
      return;
    }
    if (health.failure_count < state.failure_threshold) {
      void this.enqueue({ kind: 'failure_recorded', at: health.last_failure_at, failure, count: health.failure_count, threshold: state.failure_threshold });
      return;
    }
    log.warn('Service failure opens the breaker', { service: failure.service, failureType: failure.failureType, campaignId: failure.campaignId });
    void this.open({
      service: failure.service,
      error: failure.error,
      failure_type: failure.failureType,
      reason: null,
      opened_by: 'system',
      campaign_id: failure.campaignId ?? null,
      job_id: failure.jobId ?? null,
    });
  }

  /** OPEN at once (queries see it); resolves once the database shows the queue, campaigns and jobs PAUSED. */
  private open(metadata: BreakerMetadata): Promise<unknown> {
    const state = this.ready();
    const at = new Date().toISOString();
    state.state = 'OPEN';
    state.opened_at = at;
    state.metadata = metadata;
    state.queue.status = 'PAUSED';
    state.queue.paused_at = at;
    return this.enqueue({ kind: 'opened', at, metadata });
  }

  private enqueue(transition: Unnumbered<BreakerTransition>): Promise<ResumeQueueResult | undefined> {
    const state = this.ready();
    state.transition_seq++;
    const numbered: BreakerTransition = { ...transition, seq: state.transition_seq };
    return new Promise((done, failed) => this.pending.push({ transition: numbered, done, failed }));
  }

  private async apply({ transition, done, failed }: QueuedTransition): Promise<void> {
    try {
      const written = await this.writes.applyTransition(transition);
      if (transition.kind === 'opened') {
        // The gate is closed. An operator's pause-service is answered once the database shows everything
        // PAUSED; the transition loop does not wait for that.
        const reason = written.cause ?? 'circuit breaker opened';
        const cascade = () =>
          this.propagation.pauseCascade({ seq: transition.seq, reason, actor: transition.metadata.opened_by, service: transition.metadata.service });
        if (patched(PAUSE_FAN_OUT_BESIDE_CASCADE)) {
          // The write above already PAUSED every campaign row, which is all the fan-out reads: the workflows are
          // told while the cascade still pauses the jobs. Its failure is only logged, as it was after `done`.
          this.followUp(async () => {
            await cascade();
            done(undefined);
          }, failed);
          this.followUp(async () => {
            await this.propagation.fanOut({ target: 'PAUSED', reason });
          });
        } else {
          this.followUp(async () => {
            await cascade();
            done(undefined);
            await this.propagation.fanOut({ target: 'PAUSED', reason });
          }, failed);
        }
      } else if (transition.kind === 'resumed') {
        this.followUp(async () => {
          const eligible = written.campaignsResumed ?? 0;
          const resumed = { jobs: written.jobsResumed ?? 0, campaigns: eligible, actor: transition.actor };
          const { errors } = await this.propagation.fanOut({ target: 'RUNNING', reason: 'queue resumed', resumed });
          done({
            queue_resumed: true,
            jobs_resumed: written.jobsResumed ?? 0,
            campaigns_eligible: eligible,
            campaigns_resumed: Math.max(0, eligible - errors.length),
            campaign_resume_errors: errors,
          });
        }, failed);
      } else {
        done(undefined);
      }
    } catch (error) {
      failed(error);
    }
  }

  /** Runs beside the transition loop; continue-as-new waits for it. */
  private followUp(work: () => Promise<void>, failed?: (error: unknown) => void): void {
    this.followUps++;
    void work()
      .catch((error) => {
        log.error('Breaker propagation failed', { error: String(error) });
        failed?.(error);
      })
      .finally(() => this.followUps--);
  }

  private ready(): BreakerSnapshot {
    if (!this.state) throw ApplicationFailure.create({ message: 'The breaker is still rebuilding its state', nonRetryable: false });
    return this.state;
  }

  private async whenReady(): Promise<BreakerSnapshot> {
    await condition(() => this.state !== undefined);
    return this.state!;
  }

  private historyFull(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > (this.input.historyLimit ?? DEFAULT_HISTORY_LIMIT);
  }
}

function stillOpen(state: BreakerSnapshot): ApplicationFailure {
  // The breaker is global; name the service that tripped it (or every service when opened without one).
  const open = state.metadata?.service ? [state.metadata.service] : [...SERVICES];
  return ApplicationFailure.create({
    type: BREAKER_STILL_OPEN,
    nonRetryable: true,
    message: `Cannot resume queue: Circuit breakers still open for: ${open.join(', ')}`,
  });
}

/** A fresh run's state: the database's projection, failure counts from zero. */
function rebuild(stored: StoredBreakerState, failureThreshold: number): BreakerSnapshot {
  return {
    state: stored.state,
    opened_at: stored.opened_at,
    closed_at: stored.closed_at,
    metadata: stored.metadata,
    queue: { status: stored.queue, paused_at: stored.queue === 'PAUSED' ? stored.opened_at : null, resumed_at: null },
    services: Object.fromEntries(
      SERVICES.map((service) => [service, { failure_count: 0, last_error: null, last_failure_at: null }]),
    ) as BreakerSnapshot['services'],
    failure_threshold: failureThreshold,
    absorbed_failures: 0,
    generation: stored.generation,
    transition_seq: stored.transition_seq,
  };
}
