import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { CampaignStatusAttribute } from '../src/temporal/search-attributes';
import {
  campaignProgressQuery,
  type CampaignCounts,
  type CampaignInput,
  type CampaignRunStatus,
  cancelCampaignSignal,
  controlTaskQueue,
  type JobOutcome,
  pauseCampaignSignal,
  pauseCampaignUpdate,
  type PauseCampaignRequest,
  resumeCampaignSignal,
  resumeCampaignUpdate,
  SERVICE_FAILURE,
  type ServiceFailure,
} from './definitions';

type Activities = ReturnType<typeof createActivities>;


// A job calls a third-party service: a short retry of its own, then the failure is the breaker's business.
// Jobs heartbeat while they run, so a job held by a worker that died is retried after the heartbeat timeout,
// not after the whole start-to-close timeout.
const jobs = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '10s',
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['DataError'],
  },
});

const MAX_JOBS_IN_FLIGHT = 5;
const DEFAULT_HISTORY_LIMIT = 8_000;

/**
 * One campaign (`campaign-<id>`): runs its jobs (fetch leads, then per lead verify, enrich, write, push)
 * as activities, a few at a time. Pausing stops new dispatch at once; jobs in flight finish and keep their
 * results. Only a resume signal (sent by the breaker's resume-queue) starts it again.
 */
export async function campaignWorkflow(input: CampaignInput): Promise<CampaignRunStatus> {
  const { campaignId } = input;
  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  // Bookkeeping on our own database: retried until it lands, on the control queue (never behind jobs).
  const db = proxyActivities<Activities>({
    taskQueue: controlTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
  });
  let status: CampaignRunStatus = input.carried?.status ?? 'STARTING';
  let pauseReason: string | null = input.carried?.pauseReason ?? null;
  const counts: CampaignCounts = input.carried?.counts ?? { completed: 0, failed: 0, paused: 0 };
  let cancelRequested = false;
  let resumeRequested = false;
  const queue: string[] = [];
  const inFlight = new Set<string>();

  function setStatus(next: CampaignRunStatus): void {
    status = next;
    upsertSearchAttributes([{ key: CampaignStatusAttribute, value: next }]);
  }

  function pause(reason: string): void {
    if (status === 'PAUSED' || status === 'COMPLETED' || status === 'CANCELLED') return;
    pauseReason = reason;
    resumeRequested = false;
    setStatus('PAUSED');
  }

  setHandler(campaignProgressQuery, () => ({
    campaignId,
    status,
    pauseReason,
    inFlight: inFlight.size,
    queued: queue.length,
    counts,
  }));

  async function onPause({ reason, persist }: PauseCampaignRequest): Promise<CampaignRunStatus> {
    const wasRunning = status === 'RUNNING';
    pause(reason);
    // A campaign still STARTING persists its pause once its start has landed (see below).
    if (persist && wasRunning) await db.markCampaignPaused({ campaignId, reason });
    return status;
  }
  function onResume(): CampaignRunStatus {
    if (status !== 'PAUSED') return status;
    // Acknowledged at once: dispatch starts again as soon as the main loop reloads the work list.
    resumeRequested = true;
    pauseReason = null;
    setStatus('RUNNING');
    return status;
  }
  setHandler(pauseCampaignSignal, async (request) => void (await onPause(request)));
  setHandler(pauseCampaignUpdate, onPause);
  setHandler(resumeCampaignSignal, () => void onResume());
  setHandler(resumeCampaignUpdate, onResume);
  setHandler(cancelCampaignSignal, () => {
    cancelRequested = true;
  });

  async function runJob(jobId: string): Promise<void> {
    inFlight.add(jobId);
    try {
      const outcome: JobOutcome = await jobs.runJob({ jobId });
      if (outcome.kind === 'completed') {
        counts.completed++;
        queue.push(...outcome.nextJobIds);
      } else if (outcome.kind === 'failed') {
        counts.failed++;
      } else {
        // The dispatch gate refused it: the queue or this campaign was paused meanwhile.
        pause(outcome.reason);
      }
    } catch (err) {
      counts.paused++;
      const failure = serviceFailureOf(err);
      if (failure) {
        // SPEC rules 1-3: the job becomes PAUSED (retried on resume), the campaign pauses, the breaker hears.
        const reason = `${failure.service} failed: ${failure.error}`;
        pause(reason);
        await db.reportServiceFailure({ campaignId, jobId, reason, failure });
      } else {
        // Our own fault (a bug, the database down): hold the campaign for an operator, leave the breaker alone.
        const reason = `Job ${jobId} failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`;
        pause(reason);
        await db.markCampaignPaused({ campaignId, reason });
      }
    } finally {
      inFlight.delete(jobId);
    }
  }

  if (status === 'STARTING' && !cancelRequested) {
    // The start passes the same gate as every job: if the queue is paused now, the campaign starts PAUSED.
    const start = await db.startCampaign({ campaignId });
    // A pause signal may have arrived while the start was in flight.
    if (start.started && (status as CampaignRunStatus) === 'PAUSED') {
      await db.markCampaignPaused({ campaignId, reason: pauseReason ?? 'Paused by operator' });
    } else if (start.started) {
      queue.push(...start.runnableJobIds);
      setStatus('RUNNING');
    } else {
      pause(start.reason);
    }
  } else if (status === 'RUNNING') {
    queue.push(...(await db.loadRunnableJobs({ campaignId })));
  }

  for (;;) {
    if (cancelRequested) break;
    if (status === 'PAUSED' || resumeRequested) {
      await condition(() => resumeRequested || cancelRequested);
      if (cancelRequested) break;
      resumeRequested = false;
      // The resume cascade already turned PAUSED jobs back to PENDING: the database is the list of work,
      // less the calls still in flight from before the pause (they finish and keep their result).
      const runnable = await db.loadRunnableJobs({ campaignId });
      queue.splice(0, queue.length, ...runnable.filter((jobId) => !inFlight.has(jobId)));
      continue;
    }
    if (queue.length === 0 && inFlight.size === 0) {
      const done = await db.completeCampaign({ campaignId });
      if (done.completed) {
        setStatus('COMPLETED');
        break;
      }
      // Work appeared (e.g. jobs resumed) or the campaign was paused meanwhile: look again.
      if (status === 'RUNNING') queue.push(...(await db.loadRunnableJobs({ campaignId })));
      if (queue.length === 0 && status === 'RUNNING') pause(done.reason ?? 'Campaign has unfinished jobs');
      continue;
    }
    if (shouldContinueAsNew(historyLimit) && inFlight.size === 0) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof campaignWorkflow>({ campaignId, historyLimit: input.historyLimit, carried: { status, pauseReason, counts } });
    }
    await condition(
      () =>
        cancelRequested ||
        status !== 'RUNNING' ||
        (queue.length > 0 && inFlight.size < MAX_JOBS_IN_FLIGHT && !shouldContinueAsNew(historyLimit)) ||
        inFlight.size === 0,
    );
    while (status === 'RUNNING' && !cancelRequested && queue.length > 0 && inFlight.size < MAX_JOBS_IN_FLIGHT) {
      if (shouldContinueAsNew(historyLimit)) break;
      void runJob(queue.shift()!);
    }
  }

  // Cancelled: let jobs in flight land, then mark every unfinished job CANCELLED.
  if (cancelRequested && status !== 'COMPLETED') {
    await condition(() => inFlight.size === 0);
    await db.cancelCampaign({ campaignId });
    setStatus('CANCELLED');
  }
  await condition(allHandlersFinished);
  return status;
}

function shouldContinueAsNew(historyLimit: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > historyLimit;
}

/** A job's final service failure (its own retries exhausted, or not retryable), else undefined. */
function serviceFailureOf(err: unknown): ServiceFailure | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  if (err.cause.type !== SERVICE_FAILURE) return undefined;
  const [details] = (err.cause.details ?? []) as [Omit<ServiceFailure, 'error'>];
  return { ...details, error: err.cause.message };
}
