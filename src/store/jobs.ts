import { type Lead, Prisma } from '../generated/prisma/client';
import type { JobStatus, JobType } from '../generated/prisma/enums';
import { prepared } from '../db/prepared-statements';
import { storableFields, storableText } from '../util/storable-text';
import type { JobRef } from '../../workflows/definitions';
import { jobPausedReason, pauseCampaigns } from './campaigns';
import { LEAD_FOR_STEP_OF_JOB, type LeadForStep } from './leads';
import { HELD, lockGateShared } from './system-state';
import type { Db, Tx } from './tx';

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
  /** A per-lead job's lead, as its step needs it (null for FETCH_LEADS and batch jobs). */
  lead: LeadForStep | null;
}

export interface Dispatch {
  jobId: string;
  campaignId: string;
  /** Chosen by the workflow for each dispatch: Temporal's retries of it share it, a second dispatch does not. */
  dispatchId: string;
}

/**
 * PENDING -> PROCESSING, only through an open gate (queue ACTIVE, no hold) and a RUNNING campaign, both read under
 * a shared lock: a pause (which takes them exclusively) either waits for this claim or is seen by it, so no job
 * starts after a pause has committed. A PROCESSING job may be taken over only by a retry of its own dispatch.
 *
 * One statement (a job's hot path: one round trip, no interactive transaction). The lock order holds inside it:
 * `campaign` joins `gate`, so the gate's row is locked before the campaign's, and the job is written only for a
 * row that join produced. A lock that waited re-checks its row as committed (READ COMMITTED), so a claim that
 * waited behind a pause sees the pause.
 */
export async function claimJob(db: Db, { jobId, campaignId, dispatchId }: Dispatch): Promise<ClaimedJob | undefined> {
  const [job] = await db.$queryRaw<ClaimedJob[]>`${prepared('claim_job')}
    WITH gate AS MATERIALIZED (
      SELECT generation FROM system_state WHERE id = 1 AND queue_state = 'ACTIVE' AND NOT ${HELD} FOR SHARE
    ), campaign AS MATERIALIZED (
      SELECT c.id FROM campaigns c, gate WHERE c.id = ${campaignId}::uuid AND c.status = 'RUNNING' FOR SHARE OF c
    )
    UPDATE jobs SET status = 'PROCESSING', attempts = attempts + 1, dispatch_id = ${dispatchId}::uuid, error = NULL,
           started_at = now(), updated_at = now()
    FROM campaign, gate
    WHERE jobs.id = ${jobId}::uuid AND jobs.campaign_id = campaign.id
      AND (jobs.status = 'PENDING' OR (jobs.status = 'PROCESSING' AND jobs.dispatch_id = ${dispatchId}::uuid))
    RETURNING jobs.id, jobs.type, jobs.campaign_id, jobs.lead_id, jobs.lead_ids::text[] AS lead_ids, jobs.attempts,
              gate.generation AS breaker_generation, ${LEAD_FOR_STEP_OF_JOB} AS lead`;
  return job;
}

export type Unclaimed =
  | { kind: 'missing' }
  /** This dispatch already finished it (its answer was lost in transit). */
  | { kind: 'finished'; status: 'COMPLETED' | 'FAILED' | 'CANCELLED'; error: string | null; ownDispatch: boolean }
  /** Another dispatch owns it: this one must not run it. */
  | { kind: 'owned_elsewhere' }
  /**
   * The gate or the campaign refused it. `holding`: the job is still PROCESSING under this dispatch (an earlier
   * attempt claimed it and died), so this dispatch must give it back (`releaseJob`) before it lets go.
   */
  | { kind: 'refused'; reason: string; holding: boolean };

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
  return { kind: 'refused', reason: job.campaign.statusReason ?? jobPausedReason(job.campaignId), holding: job.status === 'PROCESSING' };
}

/**
 * A refused dispatch gives back the job an earlier attempt of it claimed: the job becomes what an unclaimed job of
 * its campaign is, PENDING while the campaign runs, else PAUSED (which a resume turns PENDING). Left PROCESSING,
 * no dispatch would own it once the workflow lets go, and neither a resume nor a new dispatch would run it.
 * One statement, in the lock order: the campaign's shared lock, then the job, only while this dispatch holds it.
 */
export async function releaseJob(db: Db, { jobId, campaignId, dispatchId }: Dispatch): Promise<JobStatus | undefined> {
  const [released] = await db.$queryRaw<{ status: JobStatus }[]>`
    WITH campaign AS MATERIALIZED (
      SELECT status FROM campaigns WHERE id = ${campaignId}::uuid FOR SHARE
    )
    UPDATE jobs SET status = (CASE WHEN campaign.status = 'RUNNING' THEN 'PENDING' ELSE 'PAUSED' END)::"JobStatus", updated_at = now()
    FROM campaign
    WHERE jobs.id = ${jobId}::uuid AND jobs.campaign_id = ${campaignId}::uuid AND jobs.status = 'PROCESSING'
      AND jobs.dispatch_id = ${dispatchId}::uuid
    RETURNING jobs.status`;
  return released?.status;
}

/**
 * The CTEs `campaign` and `settled` that open every statement finishing a job: the campaign's shared lock first
 * (lock order), then the job COMPLETED or FAILED, only while this attempt still owns it.
 */
function settling(job: ClaimedJob, status: 'COMPLETED' | 'FAILED', error: string | null): Prisma.Sql {
  return Prisma.sql`
    campaign AS MATERIALIZED (
      SELECT status FROM campaigns WHERE id = ${job.campaign_id}::uuid FOR SHARE
    ), settled AS (
      UPDATE jobs SET status = ${status}::"JobStatus", error = ${error === null ? null : storableText(error)}, completed_at = now(), updated_at = now()
      WHERE id = ${job.id}::uuid AND attempts = ${job.attempts} AND status IN ('PENDING', 'PROCESSING', 'PAUSED')
        AND EXISTS (SELECT FROM campaign)
      RETURNING id
    )`;
}

/**
 * Each type for each lead; one batch job per group of leads (FIND_EMAILS); or the leads joined to the campaign's
 * open batch of `type` (PUSH_TO_INSTANTLY), up to `size` leads, a new batch opened when none has room.
 */
export type NextJobs =
  | { leadIds: string[]; types: JobType[] }
  | { batches: string[][]; type: JobType }
  | { joinBatch: { leadIds: string[]; type: JobType; size: number } };

/** The lead fields a job's step may set, and their columns. */
const LEAD_PATCH_COLUMNS = {
  status: 'status',
  email: 'email',
  emailStatus: 'email_status',
  emailCredits: 'email_credits',
  lastName: 'last_name',
  title: 'title',
  companyDomain: 'company_domain',
  linkedinUrl: 'linkedin_url',
  enrichment: 'enrichment',
  researchSources: 'research_sources',
  researchCostUsd: 'research_cost_usd',
  emailSubject: 'email_subject',
  emailBody: 'email_body',
  instantlyLeadId: 'instantly_lead_id',
  pushedAt: 'pushed_at',
} as const;

/** Lead fields as the model types them (research sources as any JSON value a provider returned). */
export type LeadPatch = Partial<Omit<Pick<Lead, keyof typeof LEAD_PATCH_COLUMNS>, 'researchSources'> & { researchSources: unknown }>;

/** What a finished job stores: lead fields, and the jobs that come next. */
export interface JobCompletion {
  leadUpdates?: Array<{ leadId: string; data: LeadPatch }>;
  next: NextJobs;
}

const PATCHED = Object.values(LEAD_PATCH_COLUMNS);
// Every patchable column from the lead's row overlaid with the patch (a column the patch leaves out keeps its value).
const LEAD_PATCH_SET = Prisma.raw(
  `(${PATCHED.join(', ')}, updated_at) = (SELECT ${PATCHED.map((column) => `r.${column}`).join(', ')}, now() FROM jsonb_populate_record(l, p.patch->'set') r)`,
);

/** The patches as JSON with column names, text made storable. */
function leadPatchesJson(leadUpdates: JobCompletion['leadUpdates'] = []): string {
  return JSON.stringify(
    leadUpdates.map(({ leadId, data }) => ({
      id: leadId,
      set: Object.fromEntries(
        Object.entries(storableFields(data))
          .filter(([, value]) => value !== undefined)
          .map(([field, value]) => [LEAD_PATCH_COLUMNS[field as keyof LeadPatch], value]),
      ),
    })),
  );
}

/** The jobs to create as JSON; a batch to join is created only when no open batch has room (see completeJob). */
function nextJobsJson(next: NextJobs): string {
  const jobs =
    'joinBatch' in next
      ? next.joinBatch.leadIds.length > 0
        ? [{ lead_id: null, lead_ids: next.joinBatch.leadIds, type: next.joinBatch.type }]
        : []
      : 'batches' in next
        ? next.batches.filter((batch) => batch.length > 0).map((leadIds) => ({ lead_id: null, lead_ids: leadIds, type: next.type }))
        : next.leadIds.flatMap((leadId) => next.types.map((type) => ({ lead_id: leadId, lead_ids: [], type })));
  return JSON.stringify(jobs);
}

/** The batch to join, if any: its type, the leads and the batch size (nulls when the next jobs are not joined). */
function joinedBatch(next: NextJobs) {
  if (!('joinBatch' in next) || next.joinBatch.leadIds.length === 0) return { type: null, leadIds: [], size: 0 };
  return next.joinBatch;
}

/**
 * COMPLETED, the leads' new fields, and the next jobs: PENDING (returned, to dispatch) while the campaign
 * runs, PAUSED if it paused meanwhile (a resume turns them PENDING). A result in flight is always kept.
 *
 * Leads that join a batch go into the campaign's open batch of that type: one never claimed (attempts 0, so the
 * leads an attempt runs are the leads it claimed) with room for them, locked here so a claim cannot close it
 * unseen; a claim that got there first leaves it closed and a new batch opens (returned, to dispatch).
 *
 * One statement (a job's hot path). The lock order holds inside it: the job is settled only after its campaign's
 * shared lock (`settled` waits for `campaign`), and the leads and next jobs are written only for a settled job.
 */
export async function completeJob(db: Db, job: ClaimedJob, { leadUpdates = [], next }: JobCompletion): Promise<{ settled: boolean; nextJobs: JobRef[] }> {
  const join = joinedBatch(next);
  const [result] = await db.$queryRaw<{ settled: boolean; next_jobs: JobRef[] }[]>`${prepared('complete_job')}
    WITH ${settling(job, 'COMPLETED', null)}, patched AS (
      -- A data-modifying CTE runs whether or not it is read.
      UPDATE leads l SET ${LEAD_PATCH_SET}
      FROM jsonb_array_elements(${leadPatchesJson(leadUpdates)}::jsonb) AS p(patch), settled
      WHERE l.id = (p.patch->>'id')::uuid
      RETURNING l.id
    ), open_batch AS MATERIALIZED (
      -- A row a claim changed meanwhile is re-checked once the claim commits (no longer attempts 0: skipped).
      SELECT j.id FROM jobs j, settled
      WHERE j.campaign_id = ${job.campaign_id}::uuid AND j.type = ${join.type}::"JobType" AND j.lead_id IS NULL
        AND j.status IN ('PENDING', 'PAUSED') AND j.attempts = 0
        AND cardinality(j.lead_ids) + ${join.leadIds.length} <= ${join.size}
      ORDER BY j.created_at LIMIT 1
      FOR UPDATE OF j
    ), joined AS (
      UPDATE jobs SET lead_ids = jobs.lead_ids || ${join.leadIds}::uuid[], updated_at = now()
      FROM open_batch WHERE jobs.id = open_batch.id
      RETURNING jobs.id
    ), created AS (
      INSERT INTO jobs (id, campaign_id, lead_id, lead_ids, type, status, updated_at)
      SELECT gen_random_uuid(), ${job.campaign_id}::uuid, n.lead_id, n.lead_ids, n.type,
             CASE WHEN campaign.status = 'RUNNING' THEN 'PENDING'::"JobStatus" ELSE 'PAUSED'::"JobStatus" END, now()
      FROM jsonb_to_recordset(${nextJobsJson(next)}::jsonb) AS n(lead_id uuid, lead_ids uuid[], type "JobType"), settled, campaign
      WHERE NOT EXISTS (SELECT FROM open_batch)
      RETURNING id, type, status
    )
    SELECT EXISTS (SELECT FROM settled) AS settled,
           COALESCE((SELECT json_agg(json_build_object('id', id, 'type', type)) FROM created WHERE status = 'PENDING'), '[]') AS next_jobs`;
  // Unsettled, nothing was written: `patched`, `joined` and `created` join `settled`.
  return { settled: result!.settled, nextJobs: result!.next_jobs };
}

/** The job's own data was refused: FAILED, and its leads with it (one statement, the same lock order). */
export async function failJob(db: Db, job: ClaimedJob, error: string): Promise<boolean> {
  const leadIds = job.lead_id ? [job.lead_id] : job.lead_ids;
  const [result] = await db.$queryRaw<{ settled: boolean }[]>`${prepared('fail_job')}
    WITH ${settling(job, 'FAILED', error)}, failed_leads AS (
      UPDATE leads SET status = 'FAILED', updated_at = now() FROM settled WHERE leads.id = ANY(${leadIds}::uuid[])
      RETURNING leads.id
    )
    SELECT EXISTS (SELECT FROM settled) AS settled`;
  return result!.settled;
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
    const paused = await pauseJobAndCampaign(tx, { jobId, campaignId, reason: why });
    return {
      kind: 'paused' as const,
      campaignPaused: paused.campaigns.length > 0,
      otherJobsInFlight: paused.inFlightJobs.filter((job) => job.id !== jobId),
    };
  });
}

/**
 * The job PAUSED with `reason` as its error, and its campaign PAUSED (if it still runs). The job explicitly: a
 * campaign already PAUSED (a trip whose cascade has not reached it yet) leaves its jobs alone, and this job's
 * dispatch is about to let go of it, so left PROCESSING no resume would run it again.
 */
async function pauseJobAndCampaign(tx: Tx, { jobId, campaignId, reason }: { jobId: string; campaignId: string; reason: string }) {
  await tx.$queryRaw`SELECT id FROM campaigns WHERE id = ${campaignId}::uuid FOR UPDATE`;
  const paused = await pauseCampaigns(tx, { reason, campaignIds: [campaignId], adopted: true });
  // Already PAUSED by the campaign pause above, or by a cascade that got there first: keep the job's own reason.
  await tx.$executeRaw`
    UPDATE jobs SET status = 'PAUSED', error = ${reason}, updated_at = now()
    WHERE id = ${jobId}::uuid AND status IN ('PENDING', 'PROCESSING', 'PAUSED')`;
  return paused;
}

/**
 * A campaign workflow's own fault (a bug, an activity that kept failing): the campaign PAUSED for an operator,
 * and the job that failed with it (a resume runs it again). Histories from before the job was named pass none.
 */
export async function pauseCampaignForFault(db: Db, { campaignId, jobId, reason }: { campaignId: string; jobId?: string; reason: string }) {
  const why = storableText(reason);
  return db.$transaction((tx) =>
    jobId ? pauseJobAndCampaign(tx, { jobId, campaignId, reason: why }) : pauseCampaigns(tx, { reason: why, campaignIds: [campaignId], adopted: true }),
  );
}
