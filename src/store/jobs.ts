import type { Prisma } from '../generated/prisma/client';
import type { JobType } from '../generated/prisma/enums';
import { storableFields, storableText } from '../util/storable-text';
import type { JobRef } from '../../workflows/definitions';
import { jobPausedReason, pauseCampaigns } from './campaigns';
import { lockGateShared } from './system-state';
import { JOB_TX, type Db, type Tx } from './tx';

export interface ClaimedJob {
  id: string;
  type: JobType;
  campaign_id: string;
  lead_id: string | null;
  /** The leads a batch job covers (FIND_EMAILS). */
  lead_ids: string[];
  /** This attempt's number: a later claim (a retry after a heartbeat timeout) takes the job over. */
  attempts: number;
  /** The breaker generation (resets so far) the job was dispatched under. */
  breaker_generation: number;
}

export interface Dispatch {
  jobId: string;
  campaignId: string;
  /** Chosen by the workflow for each dispatch: Temporal's retries of it share it, a second dispatch does not. */
  dispatchId: string;
}

/**
 * PENDING -> PROCESSING, only through an open gate (queue ACTIVE) and a RUNNING campaign, both read under a
 * shared lock: a pause (which takes them exclusively) either waits for this claim or is seen by it, so no job
 * starts after a pause has committed. A PROCESSING job may be taken over only by a retry of its own dispatch.
 */
export async function claimJob(db: Db, { jobId, campaignId, dispatchId }: Dispatch): Promise<ClaimedJob | undefined> {
  return db.$transaction(async (tx) => {
    const gate = await lockGateShared(tx);
    if (gate.queue_state !== 'ACTIVE' || gate.held) return undefined;
    const [campaign] = await tx.$queryRaw<{ status: string }[]>`
      SELECT status FROM campaigns WHERE id = ${campaignId}::uuid FOR SHARE`;
    if (campaign?.status !== 'RUNNING') return undefined;
    const [job] = await tx.$queryRaw<Omit<ClaimedJob, 'breaker_generation'>[]>`
      UPDATE jobs SET status = 'PROCESSING', attempts = attempts + 1, dispatch_id = ${dispatchId}::uuid, error = NULL,
             started_at = now(), updated_at = now()
      WHERE id = ${jobId}::uuid AND campaign_id = ${campaignId}::uuid
        AND (status = 'PENDING' OR (status = 'PROCESSING' AND dispatch_id = ${dispatchId}::uuid))
      RETURNING id, type, campaign_id, lead_id, lead_ids::text[] AS lead_ids, attempts`;
    return job && { ...job, breaker_generation: gate.generation };
  }, JOB_TX);
}

export type Unclaimed =
  | { kind: 'missing' }
  /** This dispatch already finished it (its answer was lost in transit). */
  | { kind: 'finished'; status: 'COMPLETED' | 'FAILED' | 'CANCELLED'; error: string | null; ownDispatch: boolean }
  /** Another dispatch owns it: this one must not run it. */
  | { kind: 'owned_elsewhere' }
  /** The gate or the campaign refused it. */
  | { kind: 'refused'; reason: string };

export async function whyNotClaimed(db: Db, { jobId, dispatchId }: Dispatch): Promise<Unclaimed> {
  const job = await db.job.findUnique({
    where: { id: jobId },
    select: { status: true, error: true, dispatchId: true, campaignId: true, campaign: { select: { status: true, statusReason: true } } },
  });
  if (!job) return { kind: 'missing' };
  const ownDispatch = job.dispatchId === dispatchId;
  if (job.status === 'COMPLETED' || job.status === 'FAILED' || job.status === 'CANCELLED') {
    return { kind: 'finished', status: job.status, error: job.error, ownDispatch };
  }
  if (job.status === 'PROCESSING' && !ownDispatch) return { kind: 'owned_elsewhere' };
  return { kind: 'refused', reason: job.campaign.statusReason ?? jobPausedReason(job.campaignId) };
}

/** The campaign first (lock order), then the job: settled only while this attempt still owns it. */
async function settle(tx: Tx, job: ClaimedJob, data: { status: 'COMPLETED' | 'FAILED'; error: string | null }): Promise<{ settled: boolean; campaignRunning: boolean }> {
  const [campaign] = await tx.$queryRaw<{ status: string }[]>`
    SELECT status FROM campaigns WHERE id = ${job.campaign_id}::uuid FOR SHARE`;
  const { count } = await tx.job.updateMany({
    where: { id: job.id, attempts: job.attempts, status: { in: ['PENDING', 'PROCESSING', 'PAUSED'] } },
    data: { status: data.status, error: data.error === null ? null : storableText(data.error), completedAt: new Date() },
  });
  return { settled: count === 1, campaignRunning: campaign?.status === 'RUNNING' };
}

/** Each type for each lead, or one batch job per group of leads (FIND_EMAILS). */
export type NextJobs = { leadIds: string[]; types: JobType[] } | { batches: string[][]; type: JobType };

/** What a finished job stores: lead fields, and the jobs that come next. */
export interface JobCompletion {
  leadUpdates?: Array<{ leadId: string; data: Prisma.LeadUpdateInput }>;
  next: NextJobs;
}

/**
 * COMPLETED, the leads' new fields, and the next jobs: PENDING (returned, to dispatch) while the campaign
 * runs, PAUSED if it paused meanwhile (a resume turns them PENDING). A result in flight is always kept.
 */
export async function completeJob(
  db: Db,
  job: ClaimedJob,
  { leadUpdates = [], next }: JobCompletion,
): Promise<{ settled: boolean; nextJobs: JobRef[] }> {
  return db.$transaction(async (tx) => {
    const { settled, campaignRunning } = await settle(tx, job, { status: 'COMPLETED', error: null });
    if (!settled) return { settled, nextJobs: [] };
    for (const { leadId, data } of leadUpdates) await tx.lead.update({ where: { id: leadId }, data: storableFields(data) });
    const jobs: Array<{ leadId: string | null; leadIds: string[]; type: JobType }> =
      'batches' in next
        ? next.batches.filter((batch) => batch.length > 0).map((leadIds) => ({ leadId: null, leadIds, type: next.type }))
        : next.leadIds.flatMap((leadId) => next.types.map((type) => ({ leadId, leadIds: [], type })));
    if (jobs.length === 0) return { settled, nextJobs: [] };
    const created = await tx.job.createManyAndReturn({
      data: jobs.map((next) => ({
        campaignId: job.campaign_id,
        ...next,
        status: campaignRunning ? ('PENDING' as const) : ('PAUSED' as const),
        error: campaignRunning ? null : jobPausedReason(job.campaign_id),
      })),
      select: { id: true, type: true },
    });
    return { settled, nextJobs: campaignRunning ? created : [] };
  }, JOB_TX);
}

/** The job's own data was refused: FAILED, and its leads with it. */
export async function failJob(db: Db, job: ClaimedJob, error: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { settled } = await settle(tx, job, { status: 'FAILED', error });
    const leadIds = job.lead_id ? [job.lead_id] : job.lead_ids;
    if (settled && leadIds.length > 0) await tx.lead.updateMany({ where: { id: { in: leadIds } }, data: { status: 'FAILED' } });
    return settled;
  }, JOB_TX);
}

/** The last service error an attempt saw, for the operator (one row, one statement). */
export async function noteJobError(db: Db, job: ClaimedJob, error: string): Promise<void> {
  await db.job.updateMany({ where: { id: job.id, attempts: job.attempts }, data: { error: storableText(error) } });
}

export type FailureDisposition =
  /** Dispatched before the last reset and the queue runs again: the job is simply run again. */
  | { kind: 'requeued' }
  /** The job PAUSED, its campaign PAUSED (SPEC rules 2-3): the breaker must hear of it. */
  | { kind: 'paused'; campaignPaused: boolean; otherJobsInFlight: { id: string; campaign_id: string }[] };

/**
 * A job's service call failed for good. Stale news (dispatched under an older breaker generation, and the queue
 * is running again) re-queues the job; otherwise the job and its campaign pause, in the lock order.
 */
export async function pauseFailedJob(
  db: Db,
  { jobId, campaignId, reason, breakerGeneration }: { jobId: string; campaignId: string; reason: string; breakerGeneration?: number },
): Promise<FailureDisposition> {
  const why = storableText(reason);
  return db.$transaction(async (tx) => {
    const gate = await lockGateShared(tx);
    if (breakerGeneration !== undefined && breakerGeneration < gate.generation && gate.queue_state === 'ACTIVE') {
      const [campaign] = await tx.$queryRaw<{ status: string }[]>`SELECT status FROM campaigns WHERE id = ${campaignId}::uuid FOR SHARE`;
      if (campaign?.status === 'RUNNING') {
        await tx.$executeRaw`
          UPDATE jobs SET status = 'PENDING', error = ${why}, updated_at = now()
          WHERE id = ${jobId}::uuid AND status IN ('PROCESSING', 'PAUSED')`;
        return { kind: 'requeued' as const };
      }
    }
    await tx.$queryRaw`SELECT id FROM campaigns WHERE id = ${campaignId}::uuid FOR UPDATE`;
    const paused = await pauseCampaigns(tx, { reason: why, campaignIds: [campaignId], adopted: true });
    // Already PAUSED by the campaign pause above, or by a cascade that got there first: keep the job's own reason.
    await tx.$executeRaw`
      UPDATE jobs SET status = 'PAUSED', error = ${why}, updated_at = now()
      WHERE id = ${jobId}::uuid AND status IN ('PENDING', 'PROCESSING', 'PAUSED')`;
    return {
      kind: 'paused' as const,
      campaignPaused: paused.campaigns.length > 0,
      otherJobsInFlight: paused.inFlightJobs.filter((job) => job.id !== jobId),
    };
  });
}

/** A campaign workflow's own fault (a bug, an activity that kept failing): the campaign PAUSED for an operator. */
export async function pauseCampaignForFault(db: Db, campaignId: string, reason: string) {
  return db.$transaction((tx) => pauseCampaigns(tx, { reason, campaignIds: [campaignId], adopted: true }));
}
