import type { JobType, LeadStatus } from '../generated/prisma/enums';
import { storableText } from '../util/storable-text';
import type { JobRef } from '../../workflows/definitions';
import { jobPausedReason, pauseCampaigns } from './campaigns';
import { lockGateShared } from './system-state';
import { JOB_TX, type Db, type Tx } from './tx';

export interface ClaimedJob {
  id: string;
  type: JobType;
  campaign_id: string;
  lead_id: string | null;
  /** This attempt's number: a later claim (a retry after a heartbeat timeout) takes the job over. */
  attempts: number;
  /** The breaker generation (resets so far) the job was dispatched under. */
  breaker_generation: number;
  /** What the job works on, read by the claim itself (no round trip of its own). */
  campaign: { copy_prompt: string; instantly_campaign_id: string };
  lead: ClaimedLead | null;
}

/** The lead as the claim read it (null for a FETCH_LEADS job). */
export interface ClaimedLead {
  id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  title: string | null;
  company_name: string | null;
  company_domain: string | null;
  enrichment: string | null;
  email_subject: string | null;
  email_body: string | null;
}

export interface Dispatch {
  jobId: string;
  campaignId: string;
  /** Chosen by the workflow for each dispatch: Temporal's retries of it share it, a second dispatch does not. */
  dispatchId: string;
}

type ClaimRow = Omit<ClaimedJob, 'campaign' | 'lead'> & ClaimedJob['campaign'] & { lead: ClaimedLead | null };

/**
 * PENDING -> PROCESSING, only through an open gate (queue ACTIVE) and a RUNNING campaign, both read under a
 * shared lock: a pause (which takes them exclusively) either waits for this claim or is seen by it, so no job
 * starts after a pause has committed. A PROCESSING job may be taken over only by a retry of its own dispatch.
 *
 * One statement, one round trip, in the lock order: the campaign's row is read only once the gate's shared
 * lock is held (the gate is the campaign read's one-time filter), the job's row is written only once the
 * campaign's is held (the update joins it). Row locks taken under READ COMMITTED re-read the latest committed
 * version, so a pause committed while this statement waited is seen, as with one statement per step.
 */
export async function claimJob(db: Db, { jobId, campaignId, dispatchId }: Dispatch): Promise<ClaimedJob | undefined> {
  const [row] = await db.$queryRaw<ClaimRow[]>`
    WITH gate AS MATERIALIZED (
      SELECT queue_state, generation FROM system_state WHERE id = 1 FOR SHARE
    ), campaign AS MATERIALIZED (
      SELECT id, copy_prompt, instantly_campaign_id FROM campaigns
      WHERE id = ${campaignId}::uuid AND status = 'RUNNING' AND EXISTS (SELECT 1 FROM gate WHERE queue_state = 'ACTIVE')
      FOR SHARE
    ), claimed AS (
      UPDATE jobs SET status = 'PROCESSING', attempts = attempts + 1, dispatch_id = ${dispatchId}::uuid, error = NULL,
             started_at = now(), updated_at = now()
      FROM campaign
      WHERE jobs.id = ${jobId}::uuid AND jobs.campaign_id = campaign.id
        AND (jobs.status = 'PENDING' OR (jobs.status = 'PROCESSING' AND jobs.dispatch_id = ${dispatchId}::uuid))
      RETURNING jobs.id, jobs.type, jobs.campaign_id, jobs.lead_id, jobs.attempts, campaign.copy_prompt, campaign.instantly_campaign_id
    )
    SELECT claimed.*, (SELECT generation FROM gate) AS breaker_generation,
           CASE WHEN leads.id IS NULL THEN NULL ELSE json_build_object(
             'id', leads.id, 'email', leads.email, 'first_name', leads.first_name, 'last_name', leads.last_name,
             'title', leads.title, 'company_name', leads.company_name, 'company_domain', leads.company_domain,
             'enrichment', leads.enrichment, 'email_subject', leads.email_subject, 'email_body', leads.email_body) END AS lead
    FROM claimed LEFT JOIN leads ON leads.id = claimed.lead_id`;
  if (!row) return undefined;
  const { copy_prompt, instantly_campaign_id, ...job } = row;
  return { ...job, campaign: { copy_prompt, instantly_campaign_id } };
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

/** What a job learned about its lead: the fields to store (those left out stay as they are). */
export interface LeadResult {
  status: LeadStatus;
  emailStatus?: string;
  enrichment?: string;
  emailSubject?: string;
  emailBody?: string;
  instantlyLeadId?: string;
  pushedAt?: Date;
}

/**
 * COMPLETED, the lead's new fields, and the lead's next jobs: PENDING (returned, to dispatch) while the campaign
 * runs, PAUSED if it paused meanwhile (a resume turns them PENDING). A result in flight is always kept.
 *
 * One statement, in the lock order: the campaign under a shared lock first (every other part waits for it),
 * then the job (settled only while this attempt still owns it), then its lead and next jobs (only if it settled).
 */
export async function completeJob(
  db: Db,
  job: Pick<ClaimedJob, 'id' | 'campaign_id' | 'lead_id' | 'attempts'>,
  { leadIds, next, leadUpdate }: { leadIds: string[]; next: JobType[]; leadUpdate?: LeadResult },
): Promise<{ settled: boolean; nextJobs: JobRef[] }> {
  const lead = leadUpdate && job.lead_id ? { id: job.lead_id, ...leadUpdate } : undefined;
  const text = (value: string | undefined) => (value === undefined ? null : storableText(value));
  // Sent as text[]: PGlite cannot take a parameter typed as an array of an enum.
  const types: string[] = leadIds.length > 0 ? next : [];
  const [row] = await db.$queryRaw<{ settled: number; next_jobs: JobRef[] }[]>`
    WITH campaign AS MATERIALIZED (
      SELECT status FROM campaigns WHERE id = ${job.campaign_id}::uuid FOR SHARE
    ), settled AS (
      UPDATE jobs SET status = 'COMPLETED', error = NULL, completed_at = now(), updated_at = now()
      WHERE id = ${job.id}::uuid AND attempts = ${job.attempts} AND status IN ('PENDING', 'PROCESSING', 'PAUSED')
        AND EXISTS (SELECT 1 FROM campaign)
      RETURNING id
    ), lead AS (
      UPDATE leads SET status = COALESCE(${lead?.status ?? null}::"LeadStatus", status),
             email_status = COALESCE(${text(lead?.emailStatus)}, email_status),
             enrichment = COALESCE(${text(lead?.enrichment)}, enrichment),
             email_subject = COALESCE(${text(lead?.emailSubject)}, email_subject),
             email_body = COALESCE(${text(lead?.emailBody)}, email_body),
             instantly_lead_id = COALESCE(${text(lead?.instantlyLeadId)}, instantly_lead_id),
             pushed_at = COALESCE(${lead?.pushedAt ?? null}::timestamptz, pushed_at),
             updated_at = now()
      WHERE id = ${lead?.id ?? null}::uuid AND EXISTS (SELECT 1 FROM settled)
      RETURNING id
    ), created AS (
      INSERT INTO jobs (id, campaign_id, lead_id, type, status, error, updated_at)
      SELECT gen_random_uuid(), ${job.campaign_id}::uuid, lead_id, type::"JobType",
             CASE WHEN campaign.status = 'RUNNING' THEN 'PENDING'::"JobStatus" ELSE 'PAUSED'::"JobStatus" END,
             CASE WHEN campaign.status = 'RUNNING' THEN NULL ELSE ${jobPausedReason(job.campaign_id)} END,
             now()
      FROM campaign, unnest(${leadIds}::uuid[]) WITH ORDINALITY AS l(lead_id, lead_order),
           unnest(${types}::text[]) WITH ORDINALITY AS t(type, type_order)
      WHERE EXISTS (SELECT 1 FROM settled)
      ORDER BY lead_order, type_order
      RETURNING id, type, status
    )
    SELECT (SELECT count(*)::int FROM settled) AS settled, (SELECT count(*)::int FROM lead) AS lead_updated,
           COALESCE((SELECT json_agg(json_build_object('id', id, 'type', type)) FROM created WHERE status = 'PENDING'), '[]'::json) AS next_jobs`;
  return { settled: row!.settled === 1, nextJobs: row!.next_jobs };
}

/** The job's own data was refused: FAILED, and its lead with it. */
export async function failJob(db: Db, job: ClaimedJob, error: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { settled } = await settle(tx, job, { status: 'FAILED', error });
    if (settled && job.lead_id) await tx.lead.update({ where: { id: job.lead_id }, data: { status: 'FAILED' } });
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
