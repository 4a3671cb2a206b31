import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  BREAKER_STILL_OPEN,
  breakerStateQuery,
  controlTaskQueue,
  type BreakerInput,
  type BreakerMetadata,
  type BreakerSnapshot,
  forceOpenUpdate,
  recordFailureSignal,
  resetUpdate,
  resumeQueueUpdate,
  type ServiceKey,
} from './definitions';

type Activities = ReturnType<typeof createActivities>;

// Effects on the database and on campaigns: retried until they land, so a transition is never half-applied.

const SERVICES: ServiceKey[] = ['apollo', 'millionverifier', 'perplexity', 'openai', 'instantly'];
// Well under Temporal's 51,200-event limit; failure signals after OPEN cost ~3 events each.
const DEFAULT_HISTORY_LIMIT = 4_000;

/**
 * The global circuit breaker (one per namespace, id `circuit-breaker`): OPEN or CLOSED, and the queue
 * ACTIVE or PAUSED. It only ever opens by itself; closing (reset) and resuming the queue are two separate
 * operator steps, and resume is refused while OPEN (SPEC rules 6-8).
 */
export async function breakerWorkflow(input: BreakerInput = {}): Promise<void> {
  const state: BreakerSnapshot = input.snapshot ?? initialSnapshot(input.failureThreshold ?? 1);
  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  // Effects on the database and on campaigns: retried until they land, so a transition is never half-applied.
  const effects = proxyActivities<Activities>({
    taskQueue: controlTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
  });

  // State changes happen at once (queries see them); their effects run one at a time, in order.
  let effectChain: Promise<unknown> = Promise.resolve();
  let effectsPending = 0;
  function runEffect<T>(effect: () => Promise<T>): Promise<T> {
    effectsPending++;
    const result = effectChain.then(effect);
    effectChain = result.then(
      () => effectsPending--,
      () => effectsPending--,
    );
    return result;
  }

  function open(metadata: BreakerMetadata): Promise<unknown> {
    const openedAt = new Date().toISOString();
    state.state = 'OPEN';
    state.opened_at = openedAt;
    state.metadata = metadata;
    state.queue.status = 'PAUSED';
    state.queue.paused_at = openedAt;
    return runEffect(() => effects.applyBreakerOpened({ openedAt, metadata }));
  }

  setHandler(breakerStateQuery, () => state);

  setHandler(recordFailureSignal, (failure) => {
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
    if (health.failure_count >= state.failure_threshold) {
      void open({
        service: failure.service,
        error: failure.error,
        failure_type: failure.failureType,
        reason: null,
        opened_by: 'system',
        campaign_id: failure.campaignId ?? null,
        job_id: failure.jobId ?? null,
      });
    } else {
      void runEffect(() => effects.recordFailureBelowThreshold({ failure, count: health.failure_count, threshold: state.failure_threshold }));
    }
  });

  setHandler(forceOpenUpdate, async ({ service, reason, actor }) => {
    if (state.state === 'CLOSED') {
      await open({ service, error: null, failure_type: 'manual', reason, opened_by: actor });
    }
    return state;
  });

  setHandler(resetUpdate, async ({ service, actor }) => {
    const wasOpen = state.state === 'OPEN';
    const closedAt = new Date().toISOString();
    const previous = state.metadata;
    state.state = 'CLOSED';
    if (wasOpen) state.closed_at = closedAt;
    for (const health of Object.values(state.services)) {
      health.failure_count = 0;
    }
    state.absorbed_failures = 0;
    state.generation++;
    const generation = state.generation;
    // Reset resumes nothing: the queue stays PAUSED until an operator resumes it.
    await runEffect(() => effects.applyBreakerReset({ service, actor, closedAt, wasOpen, previous, generation }));
    return state;
  });

  setHandler(
    resumeQueueUpdate,
    async ({ actor }) => {
      state.queue.status = 'ACTIVE';
      state.queue.resumed_at = new Date().toISOString();
      return runEffect(() => effects.applyQueueResumed({ actor }));
    },
    {
      validator: (_request) => {
        if (state.state === 'OPEN') {
          throw ApplicationFailure.create({
            type: BREAKER_STILL_OPEN,
            nonRetryable: true,
            message: `Cannot resume queue: Circuit breakers still open for: ${openServices(state).join(', ')}`,
          });
        }
      },
    },
  );

  // Live forever; keep history bounded by continuing as new once every handler and effect has finished.
  await condition(
    () =>
      (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit) &&
      effectsPending === 0 &&
      allHandlersFinished(),
  );
  await continueAsNew<typeof breakerWorkflow>({ snapshot: state, historyLimit: input.historyLimit });
}

function openServices(state: BreakerSnapshot): string[] {
  // The breaker is global; name the service that tripped it (or every service when opened without one).
  return state.metadata?.service ? [state.metadata.service] : SERVICES;
}

function initialSnapshot(failureThreshold: number): BreakerSnapshot {
  return {
    state: 'CLOSED',
    opened_at: null,
    closed_at: null,
    metadata: null,
    queue: { status: 'ACTIVE', paused_at: null, resumed_at: null },
    services: Object.fromEntries(
      SERVICES.map((service) => [service, { failure_count: 0, last_error: null, last_failure_at: null }]),
    ) as BreakerSnapshot['services'],
    failure_threshold: failureThreshold,
    absorbed_failures: 0,
    generation: 0,
  };
}
