import { listCampaigns } from '../campaigns/list';
import type { ApiDeps } from '../deps';
import { listBreakerEvents } from './events';
import { readQueueStatus } from './status';

/**
 * What the dashboard's live stream carries: the status (exactly what GET /queue-management/status answers),
 * the first page of campaigns and of audit events (what GET /campaigns and GET /queue-management/events
 * answer without parameters). A viewer on another page or filter re-reads its page when this changes.
 */
export async function readDashboardSnapshot(deps: ApiDeps, signal: AbortSignal) {
  const [status, campaigns, events] = await Promise.all([
    // Cancelled with the feed: a Temporal call must not outlive the connection it runs on.
    deps.temporal.withAbortSignal(signal, () => readQueueStatus(deps)),
    listCampaigns(deps, {}),
    listBreakerEvents(deps, {}),
  ]);
  return { status, campaigns, events };
}
