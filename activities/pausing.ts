import type { PrismaClient } from '../src/db/database';

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export interface PausedRows {
  campaigns: { id: string }[];
  jobs: { id: string; campaign_id: string }[];
}

export const jobPausedReason = (campaignId: string): string => `Campaign ${campaignId} is paused`;

/**
 * The one place campaigns are paused in the database: the given RUNNING campaigns (all of them when
 * `campaignIds` is omitted) become PAUSED, and every not-finished job of a paused campaign becomes PAUSED
 * (SPEC rules 2-3). Set-based, so a thousand campaigns cost two statements.
 */
export async function pauseCampaignRows(tx: Tx, reason: string, campaignIds?: string[]): Promise<PausedRows> {
  const campaigns = campaignIds
    ? await tx.$queryRaw<{ id: string }[]>`
        UPDATE campaigns SET status = 'PAUSED', status_reason = ${reason}, updated_at = now()
        WHERE status = 'RUNNING' AND id = ANY(${campaignIds}::uuid[]) RETURNING id`
    : await tx.$queryRaw<{ id: string }[]>`
        UPDATE campaigns SET status = 'PAUSED', status_reason = ${reason}, updated_at = now()
        WHERE status = 'RUNNING' RETURNING id`;
  const jobs = campaignIds
    ? await tx.$queryRaw<{ id: string; campaign_id: string }[]>`
        UPDATE jobs SET status = 'PAUSED', error = 'Campaign ' || campaign_id || ' is paused', updated_at = now()
        WHERE status IN ('PENDING', 'PROCESSING') AND campaign_id = ANY(${campaignIds}::uuid[])
        RETURNING id, campaign_id`
    : await tx.$queryRaw<{ id: string; campaign_id: string }[]>`
        UPDATE jobs SET status = 'PAUSED', error = 'Campaign ' || campaign_id || ' is paused', updated_at = now()
        WHERE status IN ('PENDING', 'PROCESSING')
        RETURNING id, campaign_id`;
  return { campaigns, jobs };
}
