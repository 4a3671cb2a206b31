import { WorkflowNotFoundError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { countTrip, observeCascade, observeFanOut } from '../src/metrics/breaker';
import { settleWithConcurrency } from '../src/util/concurrency';
import type { ActivityDeps } from './deps';
import { logPaused } from './campaigns';
import { pauseCampaignRows } from './pausing';
import {
  type BreakerMetadata,
  campaignWorkflowId,
  type CampaignResumeError,
  pauseCampaignSignal,
  pauseCampaignUpdate,
  resumeCampaignSignal,
  resumeCampaignUpdate,
  type ResumeQueueResult,
  type ServiceFailure,
  type ServiceKey,
} from '../workflows/definitions';

// How long a campaign workflow may take to acknowledge before the fan-out falls back to a signal.
const ACK_TIMEOUT_MS = 10_000;

export interface BreakerOpenedResult {
  campaignsPaused: number;
  jobsPaused: number;
  signalErrors: CampaignResumeError[];
}

/** The effects of the breaker's transitions: database projection, audit log, and campaign fan-out. */
export function breakerActivities({ prisma, temporal, logger, fanOutConcurrency }: ActivityDeps) {
  /**
   * Tells each campaign workflow, a bounded number at a time: an update, so the answer is the workflow's
   * acknowledgement; if none comes in time (no worker, a stuck task), a signal, which the server keeps.
   */
  async function tellCampaigns(
    campaignIds: string[],
    message: { update: (handle: WorkflowHandle) => Promise<unknown>; signal: (handle: WorkflowHandle) => Promise<void> },
  ): Promise<CampaignResumeError[]> {
    const settled = await settleWithConcurrency(campaignIds, fanOutConcurrency, async (campaignId) => {
      const handle = temporal.workflow.getHandle(campaignWorkflowId(campaignId));
      try {
        await temporal.withDeadline(Date.now() + ACK_TIMEOUT_MS, () => message.update(handle));
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw error;
        await message.signal(handle);
      }
    });
    return settled.flatMap((result, i) =>
      result.status === 'rejected'
        ? [{ campaign_id: campaignIds[i]!, error: describeSignalError(result.reason) }]
        : [],
    );
  }

  return {
    /**
     * Breaker OPEN => queue PAUSED => every RUNNING campaign PAUSED => every unfinished job PAUSED, in one
     * transaction (set-based), then every paused campaign's workflow is told to stop dispatching.
     */
    async applyBreakerOpened({ openedAt, metadata }: { openedAt: string; metadata: BreakerMetadata }): Promise<BreakerOpenedResult> {
      const started = Date.now();
      const cause = metadata.service && metadata.error
        ? `circuit breaker opened: ${metadata.service} ${metadata.failure_type ?? 'failure'}: ${metadata.error}`
        : `circuit breaker opened by ${metadata.opened_by}: ${metadata.reason ?? 'no reason given'}`;
      logger.error({ event: 'breaker_opened', ...metadata }, `Circuit breaker opened for ${metadata.service ?? 'all services'}: ${metadata.error ?? metadata.reason}`);
      logger.warn({ event: 'queue_pausing' }, 'Pausing queues: circuit breaker is OPEN');

      const paused = await prisma.$transaction(async (tx) => {
        await tx.$executeRaw`
          UPDATE system_state SET breaker_state = 'OPEN', queue_state = 'PAUSED', opened_at = ${new Date(openedAt)},
                 metadata = ${JSON.stringify(metadata)}::jsonb, updated_at = now()
          WHERE id = 1`;
        const rows = await pauseCampaignRows(tx, cause);
        await tx.breakerEvent.createMany({
          data: [
            { type: 'BREAKER_OPENED', service: metadata.service, actor: metadata.opened_by, reason: metadata.reason ?? metadata.error, metadata: { ...metadata } },
            { type: 'QUEUE_PAUSED', service: metadata.service, actor: metadata.opened_by, reason: cause, metadata: { campaigns_paused: rows.campaigns.length, jobs_paused: rows.jobs.length } },
          ],
        });
        return rows;
      });
      logPaused(logger, cause, paused.campaigns, paused.jobs);

      const request = { reason: cause, persist: false };
      const fanOutStarted = Date.now();
      const signalErrors = await tellCampaigns(paused.campaigns.map((c) => c.id), {
        update: (handle) => handle.executeUpdate(pauseCampaignUpdate, { args: [request] }),
        signal: (handle) => handle.signal(pauseCampaignSignal, request),
      });
      observeFanOut('pause', Date.now() - fanOutStarted, paused.campaigns.length, signalErrors.length);
      for (const failed of signalErrors) {
        logger.error({ campaignId: failed.campaign_id, error: failed.error }, `Campaign ${failed.campaign_id} could not be told to pause`);
      }
      logger.warn(
        { event: 'queue_paused', campaigns: paused.campaigns.length, jobs: paused.jobs.length },
        `Queue paused: ${paused.campaigns.length} campaigns and ${paused.jobs.length} jobs paused`,
      );
      countTrip(metadata.service, metadata.failure_type);
      observeCascade('open', Date.now() - started);
      return { campaignsPaused: paused.campaigns.length, jobsPaused: paused.jobs.length, signalErrors };
    },

    /** A failure below the threshold: audited, nothing paused. */
    async recordFailureBelowThreshold({ failure, count, threshold }: { failure: ServiceFailure; count: number; threshold: number }): Promise<void> {
      await prisma.breakerEvent.create({
        data: { type: 'FAILURE_RECORDED', service: failure.service, actor: 'system', reason: failure.error, metadata: { ...failure, count, threshold } },
      });
      logger.warn({ ...failure, count, threshold }, `Service failure recorded for ${failure.service} (${count}/${threshold})`);
    },

    /** CLOSED, failure counts cleared. Resumes nothing: the queue stays as it is (SPEC rule 6). */
    async applyBreakerReset({ service, actor, closedAt, wasOpen, previous, generation }: {
      service: ServiceKey;
      actor: string;
      closedAt: string;
      wasOpen: boolean;
      previous: BreakerMetadata | null;
      generation: number;
    }): Promise<void> {
      await prisma.$transaction([
        prisma.$executeRaw`
          UPDATE system_state SET breaker_state = 'CLOSED', metadata = NULL, generation = ${generation}, updated_at = now(),
                 closed_at = CASE WHEN ${wasOpen} THEN ${new Date(closedAt)} ELSE closed_at END
          WHERE id = 1`,
        prisma.breakerEvent.create({
          data: { type: 'BREAKER_RESET', service, actor, reason: wasOpen ? 'manual reset' : 'manual reset (already closed)', metadata: previous ? { previous: { ...previous } } : undefined },
        }),
      ]);
      logger.info({ event: 'breaker_reset', service, actor, wasOpen }, `Circuit breaker manually reset for ${service} by ${actor}`);
    },

    /**
     * Queue ACTIVE, every PAUSED campaign RUNNING with its PAUSED jobs PENDING (error cleared), then each
     * campaign workflow is told to resume. A campaign that cannot be resumed goes back to PAUSED and is
     * reported; it does not hold up the others (SPEC rule 7).
     */
    async applyQueueResumed({ actor }: { actor: string }): Promise<ResumeQueueResult> {
      const started = Date.now();
      logger.info({ event: 'queue_resume_prerequisites', actor }, 'Prerequisites met: All circuit breakers are closed - proceeding with queue resume');
      // The audit row goes in with the state change: once campaigns resume, their jobs keep the database
      // busy (on PGlite, one connection), and the operator's answer must not wait behind them.
      const { campaigns, jobsResumed } = await prisma.$transaction(async (tx) => {
        await tx.$executeRaw`UPDATE system_state SET queue_state = 'ACTIVE', updated_at = now() WHERE id = 1`;
        const jobsResumed = await tx.$executeRaw`
          UPDATE jobs SET status = 'PENDING', error = NULL, updated_at = now()
          WHERE status = 'PAUSED' AND campaign_id IN (SELECT id FROM campaigns WHERE status = 'PAUSED')`;
        const campaigns = await tx.$queryRaw<{ id: string }[]>`
          UPDATE campaigns SET status = 'RUNNING', status_reason = NULL, updated_at = now()
          WHERE status = 'PAUSED' RETURNING id`;
        await tx.breakerEvent.create({
          data: { type: 'QUEUE_RESUMED', actor, reason: 'manual queue resume', metadata: { jobs_resumed: jobsResumed, campaigns_eligible: campaigns.length } },
        });
        return { campaigns, jobsResumed };
      });

      const fanOutStarted = Date.now();
      const errors = await tellCampaigns(campaigns.map((c) => c.id), {
        update: (handle) => handle.executeUpdate(resumeCampaignUpdate),
        signal: (handle) => handle.signal(resumeCampaignSignal),
      });
      observeFanOut('resume', Date.now() - fanOutStarted, campaigns.length, errors.length);
      for (const failed of errors) {
        const reason = `Resume failed: ${failed.error}`;
        await prisma.$transaction((tx) => pauseCampaignRows(tx, reason, [failed.campaign_id]));
        logger.error({ campaignId: failed.campaign_id, error: failed.error }, `Campaign ${failed.campaign_id} could not be resumed`);
      }
      const result: ResumeQueueResult = {
        queue_resumed: true,
        jobs_resumed: jobsResumed,
        campaigns_eligible: campaigns.length,
        campaigns_resumed: campaigns.length - errors.length,
        campaign_resume_errors: errors,
      };
      logger.info(
        { event: 'queue_resumed', actor, ...result },
        `Manual queue resume completed: ${result.jobs_resumed} jobs, ${result.campaigns_resumed} campaigns resumed`,
      );
      observeCascade('resume', Date.now() - started);
      return result;
    },
  };
}

function describeSignalError(error: unknown): string {
  if (error instanceof WorkflowNotFoundError) return 'campaign workflow is not running';
  return error instanceof Error ? error.message : String(error);
}
