import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { CampaignActivities, JobActivities } from '../activities';
import { CampaignStatusAttribute } from '../src/temporal/search-attributes';
import {
  campaignProgressQuery,
  type CampaignCounts,
  type CampaignInput,
  type CampaignRunStatus,
  type CampaignSync,
  cancelCampaignSignal,
  controlTaskQueue,
  JOB_SERVICE,
  type JobOutcome,
  type JobRef,
  jobTaskQueue,
  pauseCampaignSignal,
  pauseCampaignUpdate,
  type PauseCampaignRequest,
  resumeCampaignSignal,
  resumeCampaignUpdate,
  SERVICE_FAILURE,
  SERVICES,
  type ServiceFailure,
  type ServiceKey,
} from './definitions';

const MAX_JOBS_IN_FLIGHT = 5;
const DEFAULT_HISTORY_LIMIT = 8_000;

/**
 * One proxy per service, each on that service's own task queue (its rate limit and concurrency cap live there).
 * Attempts are not limited here: a worker that dies (a heartbeat timeout) or a database that restarts is not the
 * job's failure, and the job simply runs again. The activity itself gives up: a service failure after a few
 * attempts (then it is the breaker's business), a fault of ours after many (then the campaign pauses for an operator).
 */
function jobProxies(taskQueue: string): Record<ServiceKey, JobActivities> {
  const proxies = SERVICES.map((service) => [
    service,
    proxyActivities<JobActivities>({
      taskQueue: jobTaskQueue(taskQueue, service),
      startToCloseTimeout: '2 minutes',
      heartbeatTimeout: '30 seconds',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', nonRetryableErrorTypes: ['DataError'] },
    }),
  ]);
  return Object.fromEntries(proxies) as Record<ServiceKey, JobActivities>;
}

/**
 * One campaign (`campaign-<id>`): runs its jobs (fetch leads, then per lead verify, enrich, write, push) as
 * activities, a few at a time. The database is the source of truth for the campaign's status: the workflow
 * converges to it at start, after every pause or resume notice, after a refused claim and before completing.
 * Every status change the workflow decides itself (a service failure, its own fault) is written first.
 */
export async function campaignWorkflow(input: CampaignInput): Promise<CampaignRunStatus> {
  return new CampaignRun(input).run();
}

class CampaignRun {
  private readonly campaignId: string;
  private status: CampaignRunStatus;
  private pauseReason: string | null;
  private readonly counts: CampaignCounts;
  private readonly queue: JobRef[] = [];
  private readonly queued = new Set<string>();
  private readonly inFlight = new Set<string>();
  /** A notice or a refusal came: re-read the database before dispatching anything more. */
  private syncRequested = false;
  private cancelRequested = false;
  /** Decisions of ours still being written: a read taken meanwhile must not undo them. */
  private persisting = 0;

  // Bookkeeping on our own database: retried until it lands, on the control queue (never behind jobs).
  // Short transactions: an attempt lost with its worker is retried after 20 s, not minutes.
  private readonly control = proxyActivities<CampaignActivities>({
    taskQueue: controlTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '20 seconds',
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
  });
  private readonly jobs = jobProxies(workflowInfo().taskQueue);

  constructor(private readonly input: CampaignInput) {
    this.campaignId = input.campaignId;
    this.status = input.carried?.status ?? 'STARTING';
    this.pauseReason = input.carried?.pauseReason ?? null;
    this.counts = input.carried?.counts ?? { completed: 0, failed: 0, paused: 0 };
    this.registerHandlers();
  }

  async run(): Promise<CampaignRunStatus> {
    // A cancel sent to a campaign never started (signal-with-start) skips the start altogether.
    if (!this.cancelRequested) await this.converge({ start: this.status === 'STARTING' });
    for (;;) {
      if (this.cancelRequested) {
        await this.cancel();
        break;
      }
      if (this.isFinished()) break;
      if (this.syncRequested) {
        await this.converge();
        continue;
      }
      if (this.status !== 'RUNNING') {
        await condition(() => this.syncRequested || this.cancelRequested);
        continue;
      }
      if (this.queue.length === 0 && this.inFlight.size === 0) {
        await this.converge({ completeIfDone: true });
        continue;
      }
      if (this.historyFull() && this.inFlight.size === 0) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof campaignWorkflow>({
          campaignId: this.campaignId,
          historyLimit: this.input.historyLimit,
          carried: { status: this.status, pauseReason: this.pauseReason, counts: this.counts },
        });
      }
      await condition(() => this.mustLook() || this.canDispatch() || this.inFlight.size === 0);
      while (this.canDispatch()) this.dispatch(this.queue.shift()!);
    }
    await condition(allHandlersFinished);
    return this.status;
  }

  private registerHandlers(): void {
    setHandler(campaignProgressQuery, () => ({
      campaignId: this.campaignId,
      status: this.status,
      pauseReason: this.pauseReason,
      inFlight: this.inFlight.size,
      queued: this.queue.length,
      counts: this.counts,
    }));
    // Handlers only note the notice; the main loop acts on it. Dispatch stops at once all the same (it waits
    // while a re-read is pending), and no command is issued from inside an update handler.
    const onPause = ({ reason }: PauseCampaignRequest): CampaignRunStatus => {
      log.info('Pause notice received: dispatch stopped, re-reading the campaign', { campaignId: this.campaignId, reason });
      this.syncRequested = true;
      return this.status;
    };
    const onResume = (): CampaignRunStatus => {
      log.info('Resume notice received: re-reading the campaign', { campaignId: this.campaignId });
      this.syncRequested = true;
      return this.status;
    };
    setHandler(pauseCampaignSignal, (request) => void onPause(request));
    setHandler(pauseCampaignUpdate, onPause);
    setHandler(resumeCampaignSignal, () => void onResume());
    setHandler(resumeCampaignUpdate, onResume);
    setHandler(cancelCampaignSignal, () => {
      this.cancelRequested = true;
    });
  }

  /** Re-reads (and where needed repairs) the campaign's state in the database, then adopts it. */
  private async converge(options: { start?: boolean; completeIfDone?: boolean } = {}): Promise<void> {
    this.syncRequested = false;
    const state = await this.control.syncCampaign({ campaignId: this.campaignId, inFlight: [...this.inFlight], ...options });
    this.adopt(state);
  }

  private adopt(state: CampaignSync): void {
    switch (state.status) {
      case 'RUNNING':
        // A notice arrived, or a decision of ours is being written, while we read: that read is already stale.
        if (this.syncRequested || this.persisting > 0) return;
        if (this.status !== 'RUNNING') log.info('Campaign running', { campaignId: this.campaignId, was: this.status });
        this.pauseReason = null;
        this.setStatus('RUNNING');
        this.queue.splice(0, this.queue.length);
        this.queued.clear();
        this.enqueue(state.runnable);
        return;
      case 'PAUSED':
        this.enterPaused(state.reason ?? 'Paused');
        return;
      case 'COMPLETED':
        this.setStatus('COMPLETED');
        return;
      case 'CREATED':
        // Only a run that did not start it sees CREATED; starting is the first thing a run does.
        this.enterPaused('Campaign was never started');
        return;
      default:
        log.warn('Campaign is finished in the database', { campaignId: this.campaignId, status: state.status, reason: state.reason });
        this.setStatus('CANCELLED');
    }
  }

  private dispatch(job: JobRef): void {
    this.queued.delete(job.id);
    this.inFlight.add(job.id);
    void this.runJob(job).finally(() => this.inFlight.delete(job.id));
  }

  private async runJob(job: JobRef): Promise<void> {
    let outcome: JobOutcome;
    try {
      outcome = await this.jobs[JOB_SERVICE[job.type]].runJob({ jobId: job.id, campaignId: this.campaignId, dispatchId: uuid4() });
    } catch (err) {
      await this.onJobError(job, err);
      return;
    }
    switch (outcome.kind) {
      case 'completed':
        this.counts.completed++;
        this.enqueue(outcome.nextJobs);
        return;
      case 'failed':
        this.counts.failed++;
        return;
      case 'duplicate':
        return;
      case 'not_dispatched':
        log.info('Job refused by the dispatch gate: re-reading the campaign', { campaignId: this.campaignId, jobId: job.id, reason: outcome.reason });
        this.requeue(job);
        this.syncRequested = true;
    }
  }

  private async onJobError(job: JobRef, err: unknown): Promise<void> {
    const failure = serviceFailureOf(err);
    const reason = failure
      ? `${failure.service} failed: ${failure.error}`
      : `Job ${job.id} failed unexpectedly: ${faultMessage(err)}`;
    this.pauseInMemory(reason);
    this.persisting++;
    try {
      if (failure) {
        // SPEC rules 1-3: the job PAUSED (retried on resume), the campaign PAUSED, the breaker told.
        log.warn('Service failure: pausing the campaign and reporting to the breaker', { campaignId: this.campaignId, jobId: job.id, service: failure.service });
        const report = await this.control.reportServiceFailure({ campaignId: this.campaignId, jobId: job.id, reason, failure });
        if (report.kind === 'paused') this.counts.paused++;
      } else {
        // Our own fault (a bug, the database down too long): hold the campaign for an operator, leave the breaker alone.
        log.error('Job failed unexpectedly: pausing the campaign', { campaignId: this.campaignId, jobId: job.id, reason });
        this.counts.paused++;
        await this.control.pauseCampaignForFault({ campaignId: this.campaignId, jobId: job.id, reason });
      }
    } finally {
      this.persisting--;
    }
    this.syncRequested = true;
  }

  private async cancel(): Promise<void> {
    // Calls in flight land first (their results are kept), then every unfinished job is CANCELLED.
    await condition(() => this.inFlight.size === 0);
    const status = await this.control.cancelCampaign({ campaignId: this.campaignId });
    // A campaign that completed just before the cancel stays COMPLETED.
    this.setStatus(status === 'COMPLETED' ? 'COMPLETED' : 'CANCELLED');
    log.info('Campaign cancelled', { campaignId: this.campaignId, status: this.status });
  }

  /** A notice or our own decision: dispatch stops now (a start still in flight reads the database when it lands). */
  private pauseInMemory(reason: string): void {
    if (this.status === 'STARTING') {
      this.pauseReason = reason;
      return;
    }
    this.enterPaused(reason);
  }

  private enterPaused(reason: string): void {
    if (this.status === 'PAUSED' || this.isFinished()) return;
    log.info('Campaign paused', { campaignId: this.campaignId, reason });
    this.pauseReason = reason;
    this.setStatus('PAUSED');
  }

  private enqueue(jobs: JobRef[]): void {
    for (const job of jobs) {
      // A job reloaded from the database may also come back as a result's next job: queue it once.
      if (this.queued.has(job.id) || this.inFlight.has(job.id)) continue;
      this.queued.add(job.id);
      this.queue.push(job);
    }
  }

  private requeue(job: JobRef): void {
    if (this.queued.has(job.id)) return;
    this.queued.add(job.id);
    this.queue.unshift(job);
  }

  private setStatus(next: CampaignRunStatus): void {
    if (this.status === next) return;
    this.status = next;
    upsertSearchAttributes([{ key: CampaignStatusAttribute, value: next }]);
  }

  private isFinished(): boolean {
    return this.status === 'COMPLETED' || this.status === 'CANCELLED';
  }

  private mustLook(): boolean {
    return this.cancelRequested || this.syncRequested || this.status !== 'RUNNING';
  }

  private canDispatch(): boolean {
    return !this.mustLook() && this.queue.length > 0 && this.inFlight.size < MAX_JOBS_IN_FLIGHT && !this.historyFull();
  }

  private historyFull(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > (this.input.historyLimit ?? DEFAULT_HISTORY_LIMIT);
  }
}

/** What went wrong, for the operator: an activity's own error rather than Temporal's "Activity task failed". */
function faultMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** A job's final service failure (its own retries exhausted, or not retryable), else undefined. */
function serviceFailureOf(err: unknown): ServiceFailure | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  if (err.cause.type !== SERVICE_FAILURE) return undefined;
  const [details] = (err.cause.details ?? []) as [Omit<ServiceFailure, 'error'>];
  return { ...details, error: err.cause.message };
}
