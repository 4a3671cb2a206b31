import { heartbeat } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { breakerEventByKey, recordBreakerEvents } from '../src/store/breaker-events';
import { pauseCampaignRows, pauseCampaigns, pauseJobsOf, pausedCampaignsWithUnfinishedJobs, queuePausedReason, recordAcknowledged, RESUME_ERROR_NO_WORKFLOW, RESUME_WORKFLOW_MISSING, resumeAllCampaigns, unacknowledgedCampaigns } from '../src/store/campaigns';
import { closeBreaker, closeGate, lockGateShared, openGate, readSystemState, takeTransition } from '../src/store/system-state';
import { BULK_TX } from '../src/store/tx';
import { chunkByWeight } from '../src/util/chunk';
import { settlePagesWithConcurrency, settleWithConcurrency } from '../src/util/concurrency';
import { storableOrNull, storableText } from '../src/util/storable-text';
import type { ActivityDeps } from './deps';
import { countTrip, observeCascade, observeFanOut } from '../src/metrics/breaker';
import { withKeepAlive } from './keep-alive';
import { logPaused } from './logging';
import {
  type BreakerMetadata,
  type BreakerTransition,
  campaignWorkflowId,
  type CampaignResumeError,
  pauseCampaignSignal,
  pauseCampaignUpdate,
  resumeCampaignSignal,
  resumeCampaignUpdate,
  type StoredBreakerState,
} from '../workflows/definitions';

// How long a campaign workflow may take to acknowledge before the fan-out falls back to a signal.
const ACK_TIMEOUT_MS = 10_000;
// Rows one cascade or fan-out step handles: bounded statements, and a heartbeat between steps.
const BATCH = 500;
// The cascade pauses about this many jobs per transaction (the jobs of at most this many campaigns), in this many
// transactions at once. Sized by jobs, not campaigns: at 10,000 campaigns of 20 jobs, 100 campaigns a transaction
// made 100 round trips on a worker busy with the fan-out beside it (7.5 s for 200,000 jobs).
const CASCADE_JOBS_PER_TX = 20_000;
const CASCADE_CAMPAIGNS_PER_TX = 1_000;
const CASCADE_LANES = 2;
// A fan-out goes over its targets again until every workflow has adopted the state (or this many passes).
const FAN_OUT_PASSES = 30;
const FAN_OUT_PASS_DELAY_MS = 1_000;

export interface TransitionWritten {
  /** False when an earlier attempt already wrote it (the answer is then read back). */
  applied: boolean;
  /** Why campaigns pause (opened). */
  cause?: string;
  jobsResumed?: number;
  campaignsResumed?: number;
  /** The write had to leave out the text it could not store: the gate is closed all the same. */
  degraded?: boolean;
}

export interface CascadeRequest {
  seq: number;
  reason: string;
  /** Who opened the breaker (an operator's role, or system) and for which service: the audit row says so. */
  actor?: string;
  service?: string | null;
}

export interface FanOutRequest {
  target: 'PAUSED' | 'RUNNING';
  reason: string;
  /** For a resume: what its transition resumed, for the operator's closing log line. */
  resumed?: { jobs: number; campaigns: number; actor: string };
}

const eventKey = (seq: number, type: string): string => `transition-${seq}-${type}`;
// Well inside the breaker workflow's heartbeat timeouts (5 s).
const KEEP_ALIVE_MS = 1_000;

/** The effects of the breaker's transitions: database projection and audit, cascade, and campaign fan-out. */
export function breakerActivities({
  prisma: jobsPrisma,
  breakerPrisma,
  temporal,
  logger,
  fanOutConcurrency,
  fanOutAckTimeoutMs = ACK_TIMEOUT_MS,
  fanOutPasses = FAN_OUT_PASSES,
}: ActivityDeps) {
  const prisma = breakerPrisma ?? jobsPrisma;
  /**
   * The gate and every RUNNING campaign PAUSED in one transaction (one row a campaign: fast even for thousands), so
   * from its commit on no job can be claimed and no campaign is RUNNING under a paused queue, even if this worker
   * dies right after. Their jobs (the backlog, possibly large) follow in the cascade.
   */
  async function opened(t: Extract<BreakerTransition, { kind: 'opened' }>): Promise<TransitionWritten> {
    const metadata = storableMetadata(t.metadata);
    const cause = queuePausedReason(metadata);
    try {
      const written = await prisma.$transaction(async (tx) => {
        const applied = await closeGate(tx, { seq: t.seq, openedAt: new Date(t.at), metadata: { ...metadata } });
        const campaigns = applied ? await pauseCampaignRows(tx, { reason: cause }) : [];
        await recordBreakerEvents(tx, [{
          key: eventKey(t.seq, 'BREAKER_OPENED'),
          type: 'BREAKER_OPENED',
          service: metadata.service,
          actor: metadata.opened_by,
          reason: metadata.reason ?? metadata.error,
          metadata: { ...metadata, campaigns_paused: campaigns.length },
        }]);
        return { applied, campaigns };
      }, BULK_TX);
      if (written.applied) {
        countTrip(metadata.service, metadata.failure_type);
        logger.error({ event: 'breaker_opened', ...metadata }, `Circuit breaker opened for ${metadata.service ?? 'all services'}: ${metadata.error ?? metadata.reason}`);
        logger.warn({ event: 'queue_pausing', campaigns: written.campaigns.length }, 'Pausing queues: circuit breaker is OPEN');
        logPaused(logger, cause, written.campaigns, []);
      }
      return { applied: written.applied, cause };
    } catch (error) {
      if (!isDataError(error)) throw error;
      // Retrying cannot fix this write: close the gate without the text, alert, and let the next transition run.
      const applied = await prisma.$transaction(async (tx) => {
        const applied = await closeGate(tx, { seq: t.seq, openedAt: new Date(t.at), metadata: null });
        if (applied) await pauseCampaignRows(tx, { reason: 'circuit breaker opened' });
        return applied;
      }, BULK_TX);
      logger.error({ event: 'breaker_effect_degraded', err: error, seq: t.seq }, 'ALERT: breaker opened but its cause could not be stored; gate closed without it');
      return { applied, cause: 'circuit breaker opened', degraded: true };
    }
  }

  async function reset(t: Extract<BreakerTransition, { kind: 'reset' }>): Promise<TransitionWritten> {
    const applied = await prisma.$transaction(async (tx) => {
      const applied = await closeBreaker(tx, { seq: t.seq, closedAt: new Date(t.at), wasOpen: t.wasOpen, generation: t.generation });
      await recordBreakerEvents(tx, [{
        key: eventKey(t.seq, 'BREAKER_RESET'),
        type: 'BREAKER_RESET',
        service: t.service,
        actor: t.actor,
        reason: t.wasOpen ? 'manual reset' : 'manual reset (already closed)',
        metadata: t.previous ? { previous: { ...storableMetadata(t.previous) } } : undefined,
      }]);
      return applied;
    });
    if (applied) logger.info({ event: 'breaker_reset', service: t.service, actor: t.actor, wasOpen: t.wasOpen }, `Circuit breaker manually reset for ${t.service} by ${t.actor}`);
    return { applied };
  }

  /**
   * Queue ACTIVE, every PAUSED campaign RUNNING with its PAUSED jobs PENDING (error cleared), audited with the
   * counts in one transaction. Run again after it committed, it changes nothing and answers from the audit row.
   */
  async function resumed(t: Extract<BreakerTransition, { kind: 'resumed' }>): Promise<TransitionWritten> {
    logger.info({ event: 'queue_resume_prerequisites', actor: t.actor }, 'Prerequisites met: All circuit breakers are closed - proceeding with queue resume');
    const key = eventKey(t.seq, 'QUEUE_RESUMED');
    const started = Date.now();
    const written = await prisma.$transaction(async (tx) => {
      if (!(await openGate(tx, { seq: t.seq }))) return undefined;
      const { campaigns, jobsResumed } = await resumeAllCampaigns(tx);
      await recordBreakerEvents(tx, [{
        key,
        type: 'QUEUE_RESUMED',
        actor: t.actor,
        reason: 'manual queue resume',
        metadata: { jobs_resumed: jobsResumed, campaigns_eligible: campaigns.length },
      }]);
      return { jobsResumed, campaignsResumed: campaigns.length };
    }, BULK_TX);
    if (written) {
      observeCascade('resume', Date.now() - started);
      return { applied: true, ...written };
    }
    const event = await breakerEventByKey(prisma, key);
    const counts = (event?.metadata ?? {}) as { jobs_resumed?: number; campaigns_eligible?: number };
    return { applied: false, jobsResumed: counts.jobs_resumed ?? 0, campaignsResumed: counts.campaigns_eligible ?? 0 };
  }

  async function failureRecorded(t: Extract<BreakerTransition, { kind: 'failure_recorded' }>): Promise<TransitionWritten> {
    const failure = { ...t.failure, error: storableText(t.failure.error) };
    const applied = await prisma.$transaction(async (tx) => {
      const applied = await takeTransition(tx, { seq: t.seq });
      await recordBreakerEvents(tx, [{
        key: eventKey(t.seq, 'FAILURE_RECORDED'),
        type: 'FAILURE_RECORDED',
        service: failure.service,
        actor: 'system',
        reason: failure.error,
        metadata: { ...failure, count: t.count, threshold: t.threshold },
      }]);
      return applied;
    });
    if (applied) logger.warn({ ...failure, count: t.count, threshold: t.threshold }, `Service failure recorded for ${failure.service} (${t.count}/${t.threshold})`);
    return { applied };
  }

  /**
   * Tells one campaign workflow: an update, so the answer is the workflow's acknowledgement (true); if none comes
   * in time (no worker, a stuck task, an update the server lost), a signal, which the server keeps (false: the
   * workflow then records its adoption itself when it converges). Throws WorkflowNotFoundError for no workflow.
   */
  async function tell(campaignId: string, target: 'PAUSED' | 'RUNNING', reason: string): Promise<boolean> {
    const request = { reason };
    const handle = temporal.workflow.getHandle(campaignWorkflowId(campaignId));
    try {
      await temporal.withDeadline(Date.now() + fanOutAckTimeoutMs, () =>
        target === 'PAUSED' ? handle.executeUpdate(pauseCampaignUpdate, { args: [request] }) : handle.executeUpdate(resumeCampaignUpdate),
      );
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw error;
      await (target === 'PAUSED' ? handle.signal(pauseCampaignSignal, request) : handle.signal(resumeCampaignSignal));
      return false;
    }
  }

  /**
   * The jobs half of the trip: every PENDING or PROCESSING job of a PAUSED campaign PAUSED (SPEC rule 2), a batch
   * of campaigns per transaction, each behind the gate's shared lock: once the queue is ACTIVE again (a resume
   * overtook us) it stops. Campaigns a workflow started behind the gate's back are caught here too.
   */
  async function pauseCascade({ seq, reason, actor = 'system', service = null }: CascadeRequest): Promise<{ campaignsPaused: number; jobsPaused: number }> {
    const started = Date.now();
    let campaignsPaused = 0;
    let jobsPaused = 0;
    let afterId: string | null = null;
    for (;;) {
      const after: string | null = afterId;
      // The next campaigns with jobs to pause; campaigns a workflow started behind the gate's back first.
      const round = await prisma.$transaction(async (tx): Promise<{ late: string[]; campaigns: { id: string; unfinished: number }[] } | undefined> => {
        const gate = await lockGateShared(tx);
        if (gate.queue_state !== 'PAUSED') return undefined;
        const late = await pauseCampaignRows(tx, { reason });
        return { late, campaigns: await pausedCampaignsWithUnfinishedJobs(tx, after, CASCADE_CAMPAIGNS_PER_TX * CASCADE_LANES) };
      }, BULK_TX);
      if (!round) break;
      campaignsPaused += round.late.length;
      logPaused(logger, reason, round.late, []);
      if (round.campaigns.length === 0) break;
      // Disjoint campaigns per transaction: the lanes never wait for each other, and PostgreSQL uses every core.
      const chunks = chunkByWeight(round.campaigns, (campaign) => campaign.unfinished, CASCADE_JOBS_PER_TX, CASCADE_CAMPAIGNS_PER_TX);
      const batches = await settleWithConcurrency(chunks.map((campaigns) => campaigns.map(({ id }) => id)), CASCADE_LANES, (ids) =>
        prisma.$transaction(async (tx) => {
          const gate = await lockGateShared(tx);
          return gate.queue_state === 'PAUSED' ? pauseJobsOf(tx, ids) : undefined;
        }, BULK_TX),
      );
      let resumedMeanwhile = false;
      for (const batch of batches) {
        if (batch.status === 'rejected') throw batch.reason;
        if (!batch.value) {
          resumedMeanwhile = true;
          continue;
        }
        jobsPaused += batch.value.jobsPaused;
        logPaused(logger, reason, [], batch.value.inFlightJobs);
      }
      heartbeat({ campaignsPaused, jobsPaused });
      if (resumedMeanwhile) break;
      afterId = round.campaigns[round.campaigns.length - 1]!.id;
    }
    await recordBreakerEvents(prisma, [{
      key: eventKey(seq, 'QUEUE_PAUSED'),
      type: 'QUEUE_PAUSED',
      service,
      actor,
      reason,
      metadata: { jobs_paused: jobsPaused },
    }]);
    logger.warn({ event: 'queue_paused', jobs: jobsPaused }, `Queue paused: every campaign and ${jobsPaused} jobs paused`);
    observeCascade('open', Date.now() - started);
    return { campaignsPaused, jobsPaused };
  }

  /**
   * Tells every campaign whose database status is `target` and whose workflow has not adopted it, read from the
   * current state (so a retry after a crash, or a fan-out overtaken by a newer transition, does only what is
   * left), and goes over them again until all have acknowledged. A workflow that does not exist cannot run:
   * for a resume, its campaign is paused again and reported (SPEC rule 7: it does not block the others).
   */
  async function fanOut({ target, reason, resumed }: FanOutRequest): Promise<{ acknowledged: number; errors: CampaignResumeError[] }> {
    const started = Date.now();
    const errors: CampaignResumeError[] = [];
    let acknowledgedTotal = 0;
    let unsettled = 0;
    for (let pass = 0; pass < fanOutPasses; pass++) {
      let afterId: string | null = null;
      let seen = 0;
      let settledThisPass = 0;
      const nextPage = async () => {
        const ids = await unacknowledgedCampaigns(prisma, target, afterId, BATCH);
        afterId = ids.at(-1) ?? afterId;
        seen += ids.length;
        return ids;
      };
      const settlePage = async (ids: readonly string[], results: PromiseSettledResult<boolean>[]) => {
        const acknowledged: string[] = [];
        const missing: string[] = [];
        results.forEach((result, i) => {
          if (result.status === 'fulfilled' && result.value) acknowledged.push(ids[i]!);
          if (result.status === 'rejected') {
            if (result.reason instanceof WorkflowNotFoundError) missing.push(ids[i]!);
            else logger.warn({ campaignId: ids[i], err: result.reason }, `Campaign ${ids[i]} could not be told (will retry)`);
          }
        });
        await recordAcknowledged(prisma, target, [...acknowledged, ...(target === 'PAUSED' ? missing : [])]);
        acknowledgedTotal += acknowledged.length;
        settledThisPass += acknowledged.length + missing.length;
        if (target === 'RUNNING' && missing.length > 0) {
          await prisma.$transaction((tx) => pauseCampaigns(tx, { reason: RESUME_WORKFLOW_MISSING, campaignIds: missing }));
          for (const campaignId of missing) {
            errors.push({ campaign_id: campaignId, error: RESUME_ERROR_NO_WORKFLOW });
            logger.error({ campaignId }, `Campaign ${campaignId} could not be resumed: its workflow is not running`);
          }
        }
        heartbeat({ target, pass, acknowledged: acknowledgedTotal });
      };
      // Pages overlap: a workflow whose update the server lost holds one lane for the ack timeout, not the pages after it.
      await settlePagesWithConcurrency(nextPage, fanOutConcurrency, (campaignId) => tell(campaignId, target, reason), settlePage);
      unsettled = seen - settledThisPass;
      if (unsettled === 0) break;
      await new Promise((resolve) => setTimeout(resolve, FAN_OUT_PASS_DELAY_MS));
    }
    if (unsettled > 0) {
      // Each has the notice as a signal and adopts it once a worker runs its tasks. Seen at 10,000 campaigns: a
      // run the SDK wedged in its worker's cache (every task of it timing out) until that worker restarted.
      logger.error(
        { event: 'fan_out_incomplete', target, campaigns: unsettled },
        `ALERT: ${unsettled} campaign workflow(s) did not acknowledge ${target} after ${fanOutPasses} passes; each was signalled and adopts it when its tasks run (if they keep timing out, restart the worker)`,
      );
    }
    if (resumed) {
      const campaigns = Math.max(0, resumed.campaigns - errors.length);
      logger.info(
        { event: 'queue_resumed', actor: resumed.actor, jobs_resumed: resumed.jobs, campaigns_resumed: campaigns, campaign_resume_errors: errors },
        `Manual queue resume completed: ${resumed.jobs} jobs, ${campaigns} campaigns resumed`,
      );
    }
    observeFanOut(target === 'PAUSED' ? 'pause' : 'resume', Date.now() - started, acknowledgedTotal + errors.length, errors.length);
    return { acknowledged: acknowledgedTotal, errors };
  }

  return {
    /** What a fresh breaker run starts from: the projection in the database. */
    async loadBreakerState(): Promise<StoredBreakerState> {
      const row = await readSystemState(prisma);
      return {
        state: row.breaker_state,
        queue: row.queue_state,
        opened_at: row.opened_at?.toISOString() ?? null,
        closed_at: row.closed_at?.toISOString() ?? null,
        metadata: (row.metadata ?? null) as BreakerMetadata | null,
        generation: row.generation,
        transition_seq: row.transition_seq,
      };
    },

    /** A transition's own write (the gate first): applied once, in order, audited once. */
    async applyTransition(t: BreakerTransition): Promise<TransitionWritten> {
      return withKeepAlive(KEEP_ALIVE_MS, () => {
        switch (t.kind) {
          case 'opened':
            return opened(t);
          case 'reset':
            return reset(t);
          case 'resumed':
            return resumed(t);
          case 'failure_recorded':
            return failureRecorded(t);
        }
      });
    },

    /** The jobs half of a trip (see pauseCascade above). */
    async pauseCascade(request: CascadeRequest): Promise<{ campaignsPaused: number; jobsPaused: number }> {
      return withKeepAlive(KEEP_ALIVE_MS, () => pauseCascade(request));
    },

    /** Tells campaign workflows until every one has adopted `target` (see fanOut above). */
    async fanOut(request: FanOutRequest): Promise<{ acknowledged: number; errors: CampaignResumeError[] }> {
      return withKeepAlive(KEEP_ALIVE_MS, () => fanOut(request));
    },
  };
}

function storableMetadata(metadata: BreakerMetadata): BreakerMetadata {
  return { ...metadata, error: storableOrNull(metadata.error), reason: storableOrNull(metadata.reason), opened_by: storableText(metadata.opened_by) };
}

/** PostgreSQL refused the data itself (SQLSTATE class 22, e.g. an invalid byte sequence): no retry can fix it. */
function isDataError(error: unknown): boolean {
  const text = String((error as { message?: string })?.message ?? error);
  return /\b22[0-9A-Z]{3}\b/.test(text) || /invalid byte sequence|unsupported Unicode escape|untranslatable character/i.test(text);
}

