import type { PrismaClient } from '../src/db/database';
import type { ActivityDeps } from './deps';
import { jobPausedReason, pauseCampaignRows } from './pausing';
import { BREAKER_WORKFLOW_ID, recordFailureSignal, type ServiceFailure } from '../workflows/definitions';
import type { breakerWorkflow } from '../workflows/breaker';

export type StartCampaignResult =
  | { started: true; runnableJobIds: string[] }
  | { started: false; reason: string };

/** Database side of the campaign workflow's life: start, work list, pause, completion, cancel. */
export function campaignActivities({ prisma, temporal, logger, failureThreshold, taskQueue }: ActivityDeps) {
  return {
    /**
     * CREATED -> RUNNING, but only while the queue is ACTIVE: the FOR SHARE lock on the queue row orders
     * this against the breaker's pause cascade, so a campaign started as the breaker opens either is
     * paused by the cascade or starts PAUSED here. It never runs a job in between (SPEC rule 4).
     */
    async startCampaign({ campaignId }: { campaignId: string }): Promise<StartCampaignResult> {
      return prisma.$transaction(async (tx) => {
        const [queue] = await tx.$queryRaw<{ queue_state: string }[]>`
          SELECT queue_state FROM system_state WHERE id = 1 FOR SHARE`;
        const paused = queue?.queue_state === 'PAUSED';
        const reason = 'Queue is paused: resume the queue to run this campaign';
        const updated = await tx.$queryRaw<{ id: string }[]>`
          UPDATE campaigns
          SET status = ${paused ? 'PAUSED' : 'RUNNING'}::"CampaignStatus",
              status_reason = ${paused ? reason : null},
              started_at = COALESCE(started_at, now()), updated_at = now()
          WHERE id = ${campaignId}::uuid AND status IN ('CREATED', 'RUNNING') RETURNING id`;
        if (updated.length === 0) {
          const campaign = await tx.campaign.findUnique({ where: { id: campaignId }, select: { status: true } });
          return { started: false, reason: `Campaign cannot start from status ${campaign?.status ?? 'MISSING'}` };
        }
        const existing = await tx.job.count({ where: { campaignId } });
        if (existing === 0) {
          await tx.job.create({
            data: { campaignId, type: 'FETCH_LEADS', status: paused ? 'PAUSED' : 'PENDING', error: paused ? jobPausedReason(campaignId) : null },
          });
        }
        if (paused) {
          logger.info({ campaignId }, `Campaign ${campaignId} paused due to queue paused at start`);
          return { started: false, reason };
        }
        return { started: true, runnableJobIds: await runnableJobIds(tx, campaignId) };
      });
    },

    /** The campaign's PENDING jobs, oldest first: the work list after a resume or continue-as-new. */
    async loadRunnableJobs({ campaignId }: { campaignId: string }): Promise<string[]> {
      return runnableJobIds(prisma, campaignId);
    },

    /** RUNNING -> COMPLETED once no job is left unfinished. */
    async completeCampaign({ campaignId }: { campaignId: string }): Promise<{ completed: boolean; reason: string | null }> {
      const done = await prisma.$queryRaw<{ id: string }[]>`
        UPDATE campaigns SET status = 'COMPLETED', status_reason = NULL, completed_at = now(), updated_at = now()
        WHERE id = ${campaignId}::uuid AND status = 'RUNNING'
          AND NOT EXISTS (SELECT 1 FROM jobs WHERE campaign_id = ${campaignId}::uuid
                          AND status IN ('PENDING', 'PROCESSING', 'PAUSED'))
        RETURNING id`;
      if (done.length > 0) {
        logger.info({ campaignId }, `Campaign ${campaignId} completed`);
        return { completed: true, reason: null };
      }
      const campaign = await prisma.campaign.findUnique({ where: { id: campaignId }, select: { status: true, statusReason: true } });
      return { completed: false, reason: campaign?.statusReason ?? `Campaign is ${campaign?.status ?? 'missing'}` };
    },

    /** Operator pause of one campaign, or our own fault in a job: PAUSED with its unfinished jobs. */
    async markCampaignPaused({ campaignId, reason }: { campaignId: string; reason: string }): Promise<void> {
      const paused = await prisma.$transaction((tx) => pauseCampaignRows(tx, reason, [campaignId]));
      logPaused(logger, reason, paused.campaigns, paused.jobs);
    },

    /**
     * A job's service call failed for good: the job becomes PAUSED (retried on resume, not FAILED), its
     * campaign pauses (rule 3), and the breaker hears of it, created on first use by signal-with-start.
     */
    async reportServiceFailure({ campaignId, jobId, reason, failure }: {
      campaignId: string;
      jobId: string;
      reason: string;
      failure: ServiceFailure;
    }): Promise<void> {
      const paused = await prisma.$transaction(async (tx) => {
        await tx.$executeRaw`
          UPDATE jobs SET status = 'PAUSED', error = ${reason}, updated_at = now()
          WHERE id = ${jobId}::uuid AND status IN ('PENDING', 'PROCESSING', 'PAUSED')`;
        return pauseCampaignRows(tx, reason, [campaignId]);
      });
      logger.warn({ campaignId, jobId, service: failure.service, failureType: failure.failureType }, `Job ${jobId} paused: ${reason}`);
      logPaused(logger, reason, paused.campaigns, paused.jobs.filter((job) => job.id !== jobId));
      await temporal.workflow.signalWithStart<typeof breakerWorkflow, [ServiceFailure]>('breakerWorkflow', {
        workflowId: BREAKER_WORKFLOW_ID,
        taskQueue,
        args: [{ failureThreshold }],
        signal: recordFailureSignal,
        signalArgs: [{ ...failure, campaignId, jobId }],
      });
    },

    /** Cancelled by an operator: every unfinished job CANCELLED, the campaign CANCELLED. */
    async cancelCampaign({ campaignId }: { campaignId: string }): Promise<void> {
      await prisma.$transaction([
        prisma.job.updateMany({
          where: { campaignId, status: { in: ['PENDING', 'PROCESSING', 'PAUSED'] } },
          data: { status: 'CANCELLED' },
        }),
        prisma.campaign.update({
          where: { id: campaignId },
          data: { status: 'CANCELLED', statusReason: 'Cancelled by operator', completedAt: new Date() },
        }),
      ]);
      logger.info({ campaignId }, `Campaign ${campaignId} cancelled`);
    },
  };
}

/** A campaign's PENDING jobs, oldest first. */
async function runnableJobIds(db: Pick<PrismaClient, 'job'>, campaignId: string): Promise<string[]> {
  const jobs = await db.job.findMany({ where: { campaignId, status: 'PENDING' }, select: { id: true }, orderBy: { createdAt: 'asc' } });
  return jobs.map((job) => job.id);
}

/** The operator-facing log lines of a pause (SPEC section 5). */
export function logPaused(
  logger: ActivityDeps['logger'],
  reason: string,
  campaigns: { id: string }[],
  jobs: { id: string; campaign_id: string }[],
): void {
  for (const campaign of campaigns) {
    logger.info({ campaignId: campaign.id }, `Campaign ${campaign.id} paused due to ${reason}`);
  }
  for (const job of jobs) {
    logger.info({ jobId: job.id, campaignId: job.campaign_id }, `Job ${job.id} paused: ${jobPausedReason(job.campaign_id)}`);
  }
}
