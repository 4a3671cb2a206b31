import { storableText } from '../src/util/storable-text';
import { cancelCampaign, syncCampaign } from '../src/store/campaigns';
import { pauseCampaignForFault, pauseFailedJob } from '../src/store/jobs';
import type { ActivityDeps } from './deps';
import { logPaused } from './logging';
import {
  BREAKER_WORKFLOW_ID,
  breakerTaskQueue,
  type CampaignSync,
  type FailureReport,
  recordFailureSignal,
  type ServiceFailure,
} from '../workflows/definitions';
import type { breakerWorkflow } from '../workflows/breaker';

/** Database side of the campaign workflow's life: converge, pause on failure or fault, cancel. */
export function campaignActivities({ prisma, temporal, logger, failureThreshold, taskQueue }: ActivityDeps) {
  return {
    /** The campaign's state as the database has it (see src/store/campaigns.ts), repaired where it must be. */
    async syncCampaign(request: { campaignId: string; inFlight: string[]; start?: boolean; completeIfDone?: boolean }): Promise<CampaignSync> {
      const state = await syncCampaign(prisma, request);
      if (request.start && state.status === 'PAUSED') {
        logger.info({ campaignId: request.campaignId }, `Campaign ${request.campaignId} paused due to ${state.reason}`);
      }
      if (state.status === 'COMPLETED') logger.info({ campaignId: request.campaignId }, `Campaign ${request.campaignId} completed`);
      return state;
    },

    /**
     * A job's service call failed for good: the job becomes PAUSED (retried on resume, not FAILED), its campaign
     * pauses (rule 3), and the breaker hears of it, created on first use by signal-with-start. A failure of a call
     * dispatched before the last reset, once the queue runs again, only re-queues its job.
     */
    async reportServiceFailure({ campaignId, jobId, reason, failure }: {
      campaignId: string;
      jobId: string;
      reason: string;
      failure: ServiceFailure;
    }): Promise<FailureReport> {
      const clean: ServiceFailure = { ...failure, error: storableText(failure.error), campaignId, jobId };
      const disposition = await pauseFailedJob(prisma, { jobId, campaignId, reason, breakerGeneration: failure.breakerGeneration });
      if (disposition.kind === 'requeued') {
        logger.info({ campaignId, jobId, service: failure.service }, `Job ${jobId} re-queued: its ${failure.service} failure predates the last reset`);
        return { kind: 'requeued' };
      }
      logger.warn({ campaignId, jobId, service: failure.service, failureType: failure.failureType }, `Job ${jobId} paused: ${storableText(reason)}`);
      if (disposition.campaignPaused) logPaused(logger, storableText(reason), [campaignId], disposition.otherJobsInFlight);
      await temporal.workflow.signalWithStart<typeof breakerWorkflow, [ServiceFailure]>('breakerWorkflow', {
        workflowId: BREAKER_WORKFLOW_ID,
        taskQueue: breakerTaskQueue(taskQueue),
        args: [{ failureThreshold }],
        signal: recordFailureSignal,
        signalArgs: [clean],
      });
      return { kind: 'paused' };
    },

    /** Our own fault in a job (not a service's): the campaign PAUSED for an operator; the breaker is not involved. */
    async pauseCampaignForFault(request: { campaignId: string; jobId?: string; reason: string }): Promise<void> {
      const paused = await pauseCampaignForFault(prisma, request);
      logPaused(logger, storableText(request.reason), paused.campaigns, paused.inFlightJobs);
    },

    /** Cancelled by an operator; a campaign that completed first stays COMPLETED. */
    async cancelCampaign({ campaignId }: { campaignId: string }): Promise<string> {
      const status = await cancelCampaign(prisma, campaignId);
      logger.info({ campaignId, status }, `Campaign ${campaignId} cancelled`);
      return status;
    },
  };
}
