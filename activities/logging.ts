import { jobPausedReason } from '../src/store/campaigns';
import type { ActivityDeps } from './deps';

/**
 * The operator-facing lines of a pause (SPEC section 5): one per campaign, and one per job whose call was in
 * flight. PENDING jobs are counted, never listed: a backlog of thousands must not become thousands of lines.
 */
export function logPaused(
  logger: ActivityDeps['logger'],
  reason: string,
  campaignIds: string[],
  inFlightJobs: { id: string; campaign_id: string }[],
): void {
  for (const campaignId of campaignIds) {
    logger.info({ campaignId }, `Campaign ${campaignId} paused due to ${reason}`);
  }
  for (const job of inFlightJobs) {
    logger.info({ jobId: job.id, campaignId: job.campaign_id }, `Job ${job.id} paused: ${jobPausedReason(job.campaign_id)}`);
  }
}
