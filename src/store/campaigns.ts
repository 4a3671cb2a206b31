import { Prisma } from '../generated/prisma/client';
import type { CampaignStatus } from '../generated/prisma/enums';
import type { JobRef } from '../../workflows/definitions';
import { storableText } from '../util/storable-text';
import { lockGateShared } from './system-state';
import type { Db, Tx } from './tx';

/**
 * Why a job paused with its campaign is paused. Not stored (the job's error stays null): the cascade's update then
 * keeps every row's size, so it stays heap-only (migration 20261207020000); the API reads it from here.
 */
export const jobPausedReason = (campaignId: string): string => `Campaign ${campaignId} is paused`;
/** What a resume reports of a campaign whose workflow is gone (SPEC rule 7: reported, the others resume)... */
export const RESUME_ERROR_NO_WORKFLOW = 'campaign workflow is not running';
/** ...and why it is paused again. */
export const RESUME_WORKFLOW_MISSING = `Resume failed: ${RESUME_ERROR_NO_WORKFLOW}`;

export interface PausedCampaigns {
  campaigns: string[];
  jobsPaused: number;
  /** Jobs whose call was in flight when they were paused (their result is still kept when it lands). */
  inFlightJobs: { id: string; campaign_id: string }[];
}

/**
 * The one place campaigns are paused: the given RUNNING campaigns (every RUNNING campaign without `campaignIds`)
 * become PAUSED, and so does every unfinished job of theirs (SPEC rules 2-3). Campaigns are locked in id order
 * before their jobs (the lock order of src/store/tx.ts). `adopted` records that the campaign's own workflow made
 * this decision, so no fan-out needs to tell it.
 */
export async function pauseCampaigns(
  tx: Tx,
  options: { reason: string; campaignIds?: string[]; adopted?: boolean },
): Promise<PausedCampaigns> {
  const campaigns = await pauseCampaignRows(tx, options);
  if (campaigns.length === 0) return { campaigns, jobsPaused: 0, inFlightJobs: [] };
  return { campaigns, ...(await pauseJobsOf(tx, campaigns)) };
}

/** The campaign half of a pause (cheap: one row a campaign); their jobs follow with `pauseJobsOf`. */
export async function pauseCampaignRows(
  tx: Tx,
  { reason, campaignIds, adopted = false }: { reason: string; campaignIds?: string[]; adopted?: boolean },
): Promise<string[]> {
  const why = storableText(reason);
  const rows = campaignIds
    ? await tx.$queryRaw<{ id: string }[]>`
        UPDATE campaigns SET status = 'PAUSED', status_reason = ${why}, updated_at = now(),
               workflow_status = CASE WHEN ${adopted} THEN 'PAUSED'::"CampaignStatus" ELSE workflow_status END
        WHERE id IN (SELECT id FROM campaigns WHERE status = 'RUNNING' AND id = ANY(${campaignIds}::uuid[]) ORDER BY id FOR UPDATE)
        RETURNING id`
    : await tx.$queryRaw<{ id: string }[]>`
        UPDATE campaigns SET status = 'PAUSED', status_reason = ${why}, updated_at = now()
        WHERE id IN (SELECT id FROM campaigns WHERE status = 'RUNNING' ORDER BY id FOR UPDATE)
        RETURNING id`;
  return rows.map((row) => row.id);
}

/**
 * Every PENDING or PROCESSING job of these (PAUSED) campaigns PAUSED; the caller holds the campaigns' locks, or
 * takes them here (FOR UPDATE, in id order) first.
 */
export async function pauseJobsOf(tx: Tx, campaignIds: string[]): Promise<Omit<PausedCampaigns, 'campaigns'>> {
  await tx.$queryRaw`SELECT id FROM campaigns WHERE id = ANY(${campaignIds}::uuid[]) ORDER BY id FOR UPDATE`;
  const inFlightJobs = await tx.$queryRaw<{ id: string; campaign_id: string }[]>`
    UPDATE jobs SET status = 'PAUSED', error = NULL, updated_at = now()
    WHERE campaign_id = ANY(${campaignIds}::uuid[]) AND status = 'PROCESSING'
    RETURNING id, campaign_id`;
  const pending = await tx.$executeRaw`
    UPDATE jobs SET status = 'PAUSED', error = NULL, updated_at = now()
    WHERE campaign_id = ANY(${campaignIds}::uuid[]) AND status = 'PENDING'`;
  return { jobsPaused: inFlightJobs.length + pending, inFlightJobs };
}

/**
 * PAUSED campaigns that still have PENDING or PROCESSING jobs, in id order after `afterId`, with how many (the
 * cascade's work, which it sizes its transactions by).
 */
export async function pausedCampaignsWithUnfinishedJobs(db: Db | Tx, afterId: string | null, limit: number): Promise<{ id: string; unfinished: number }[]> {
  return db.$queryRaw<{ id: string; unfinished: number }[]>`
    SELECT c.id, u.unfinished FROM campaigns c
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS unfinished FROM jobs j WHERE j.campaign_id = c.id AND j.status IN ('PENDING', 'PROCESSING')
    ) u
    WHERE c.status = 'PAUSED' AND (${afterId}::uuid IS NULL OR c.id > ${afterId}::uuid) AND u.unfinished > 0
    ORDER BY c.id LIMIT ${limit}`;
}

/** Every PAUSED campaign RUNNING again, its PAUSED jobs PENDING with the pause error cleared (SPEC rule 7). */
export async function resumeAllCampaigns(tx: Tx): Promise<{ campaigns: string[]; jobsResumed: number }> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    UPDATE campaigns SET status = 'RUNNING', status_reason = NULL, updated_at = now()
    WHERE id IN (SELECT id FROM campaigns WHERE status = 'PAUSED' ORDER BY id FOR UPDATE)
    RETURNING id`;
  const campaigns = rows.map((row) => row.id);
  if (campaigns.length === 0) return { campaigns, jobsResumed: 0 };
  const jobsResumed = await tx.$executeRaw`
    UPDATE jobs SET status = 'PENDING', error = NULL, updated_at = now()
    WHERE campaign_id = ANY(${campaigns}::uuid[]) AND status = 'PAUSED'`;
  return { campaigns, jobsResumed };
}

/** What a campaign workflow adopts: the database's status for it, and its work list while RUNNING. */
export interface CampaignState {
  status: CampaignStatus | 'MISSING';
  reason: string | null;
  /** PENDING jobs, oldest first, less those the workflow has in flight (only while RUNNING). */
  runnable: JobRef[];
}

/**
 * Brings a campaign's database state and its workflow together (the database is the source of truth):
 *  - `start`: CREATED becomes RUNNING (PAUSED while the queue is paused: SPEC rule 4) with its first job;
 *  - RUNNING while the queue is PAUSED (the gate closed, the cascade has not reached it yet): PAUSED now;
 *  - `completeIfDone`: RUNNING with no unfinished job becomes COMPLETED; RUNNING with unfinished jobs none of
 *    which can run (PAUSED or orphaned PROCESSING ones) is PAUSED for an operator, never left half-way;
 *  - then the workflow's adoption is recorded (`workflow_status`), so fan-outs stop re-sending to it.
 */
export async function syncCampaign(
  db: Db,
  { campaignId, inFlight = [], start = false, completeIfDone = false }: { campaignId: string; inFlight?: string[]; start?: boolean; completeIfDone?: boolean },
): Promise<CampaignState> {
  return db.$transaction(async (tx) => {
    const gate = await lockGateShared(tx);
    const [campaign] = await tx.$queryRaw<{ status: CampaignStatus; status_reason: string | null }[]>`
      SELECT status, status_reason FROM campaigns WHERE id = ${campaignId}::uuid FOR UPDATE`;
    if (!campaign) return { status: 'MISSING' as const, reason: `Campaign ${campaignId} does not exist`, runnable: [] };
    let { status, status_reason: reason } = campaign;

    if (start && status === 'CREATED') {
      status = gate.queue_state === 'PAUSED' ? 'PAUSED' : 'RUNNING';
      reason = status === 'PAUSED' ? 'Queue is paused: resume the queue to run this campaign' : null;
      await tx.$executeRaw`
        UPDATE campaigns SET status = ${status}::"CampaignStatus", status_reason = ${reason},
               started_at = COALESCE(started_at, now()), updated_at = now()
        WHERE id = ${campaignId}::uuid`;
      const [{ jobs }] = await tx.$queryRaw<[{ jobs: number }]>`SELECT count(*)::int AS jobs FROM jobs WHERE campaign_id = ${campaignId}::uuid`;
      if (jobs === 0) {
        await tx.job.create({
          data: { campaignId, type: 'FETCH_LEADS', status: status === 'PAUSED' ? 'PAUSED' : 'PENDING' },
        });
      }
    }

    if (status === 'RUNNING' && gate.queue_state === 'PAUSED') {
      reason = queuePausedReason(gate.metadata);
      await pauseCampaigns(tx, { reason, campaignIds: [campaignId] });
      status = 'PAUSED';
    }

    let runnable: JobRef[] = [];
    if (status === 'RUNNING') {
      runnable = await tx.$queryRaw<JobRef[]>`
        SELECT id, type FROM jobs WHERE campaign_id = ${campaignId}::uuid AND status = 'PENDING'
          AND NOT (id = ANY(${inFlight}::uuid[]))
        ORDER BY created_at, id`;
      if (completeIfDone && runnable.length === 0 && inFlight.length === 0) {
        const [{ unfinished }] = await tx.$queryRaw<[{ unfinished: number }]>`
          SELECT count(*)::int AS unfinished FROM jobs
          WHERE campaign_id = ${campaignId}::uuid AND status IN ('PENDING', 'PROCESSING', 'PAUSED')`;
        if (unfinished === 0) {
          status = 'COMPLETED';
          reason = null;
          await tx.$executeRaw`
            UPDATE campaigns SET status = 'COMPLETED', status_reason = NULL, completed_at = now(), updated_at = now()
            WHERE id = ${campaignId}::uuid`;
        } else {
          reason = `Campaign has ${unfinished} unfinished jobs that no dispatch owns: resume the queue to run them`;
          await pauseCampaigns(tx, { reason, campaignIds: [campaignId] });
          status = 'PAUSED';
        }
      }
    }
    await tx.$executeRaw`UPDATE campaigns SET workflow_status = ${status}::"CampaignStatus" WHERE id = ${campaignId}::uuid`;
    return { status, reason, runnable };
  }, { maxWait: 10_000, timeout: 15_000 });
}

/** Cancelled by an operator: every unfinished job CANCELLED, then the campaign, unless it finished first. */
export async function cancelCampaign(db: Db, campaignId: string): Promise<CampaignStatus | 'MISSING'> {
  return db.$transaction(async (tx) => {
    const [campaign] = await tx.$queryRaw<{ status: CampaignStatus }[]>`
      SELECT status FROM campaigns WHERE id = ${campaignId}::uuid FOR UPDATE`;
    if (!campaign) return 'MISSING' as const;
    if (campaign.status === 'COMPLETED' || campaign.status === 'CANCELLED' || campaign.status === 'FAILED') return campaign.status;
    await tx.$executeRaw`
      UPDATE jobs SET status = 'CANCELLED', updated_at = now()
      WHERE campaign_id = ${campaignId}::uuid AND status IN ('PENDING', 'PROCESSING', 'PAUSED')`;
    await tx.$executeRaw`
      UPDATE campaigns SET status = 'CANCELLED', status_reason = 'Cancelled by operator', completed_at = now(),
             workflow_status = 'CANCELLED', updated_at = now()
      WHERE id = ${campaignId}::uuid`;
    return 'CANCELLED' as const;
  });
}

/** Campaigns in `status` whose workflow has not adopted it (what a fan-out still has to tell). */
const unacknowledged = (status: 'PAUSED' | 'RUNNING') =>
  Prisma.sql`status = ${status}::"CampaignStatus" AND workflow_status IS DISTINCT FROM ${status}::"CampaignStatus"`;

/** Campaigns in `status` whose workflow has not adopted it yet, in id order after `afterId`. */
export async function unacknowledgedCampaigns(db: Db, status: 'PAUSED' | 'RUNNING', afterId: string | null, limit: number): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT id FROM campaigns
    WHERE ${unacknowledged(status)} AND (${afterId}::uuid IS NULL OR id > ${afterId}::uuid)
    ORDER BY id LIMIT ${limit}`;
  return rows.map((row) => row.id);
}

/**
 * How far a resume's fan-out has come: RUNNING campaigns whose workflow has not adopted it yet, and (given the
 * resume's commit time) the campaigns it paused again since because their workflow is gone.
 */
export async function resumeProgress(db: Db, since: Date | null): Promise<{ pending: number; missing: string[] }> {
  const [row] = await db.$queryRaw<[{ pending: number; missing: string[] }]>`
    SELECT
      (SELECT count(*)::int FROM campaigns WHERE ${unacknowledged('RUNNING')}) AS pending,
      (SELECT COALESCE(array_agg(id::text ORDER BY id), '{}') FROM campaigns
        WHERE ${since}::timestamptz IS NOT NULL AND status = 'PAUSED' AND status_reason = ${RESUME_WORKFLOW_MISSING}
          AND updated_at >= ${since}::timestamptz) AS missing`;
  return row;
}

/**
 * The workflows of these campaigns acknowledged `status` (only where the database still says so). Locked in id
 * order: a pause fan-out runs beside the cascade, which locks campaigns in batches.
 */
export async function recordAcknowledged(db: Db, status: 'PAUSED' | 'RUNNING', campaignIds: string[]): Promise<void> {
  if (campaignIds.length === 0) return;
  await db.$executeRaw`
    UPDATE campaigns SET workflow_status = ${status}::"CampaignStatus"
    WHERE id IN (SELECT id FROM campaigns WHERE id = ANY(${campaignIds}::uuid[]) AND status = ${status}::"CampaignStatus" ORDER BY id FOR UPDATE)`;
}

/** Operator pause of one campaign (API), written before the workflow is told. */
export async function pauseOneCampaign(db: Db, campaignId: string, reason: string): Promise<PausedCampaigns> {
  return db.$transaction((tx) => pauseCampaigns(tx, { reason, campaignIds: [campaignId] }));
}

/** Why a campaign is paused when the queue is: the breaker's cause, from its projection. */
export function queuePausedReason(metadata: unknown): string {
  const m = (metadata ?? {}) as { service?: string | null; error?: string | null; failure_type?: string | null; reason?: string | null; opened_by?: string };
  if (m.service && m.error) return `circuit breaker opened: ${m.service} ${m.failure_type ?? 'failure'}: ${m.error}`;
  if (m.opened_by) return `circuit breaker opened by ${m.opened_by}: ${m.reason ?? 'no reason given'}`;
  return 'Queue is paused';
}
