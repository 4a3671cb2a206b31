import type { ApiDeps } from '../deps';
import { READ_DEADLINE_MS, withTemporalDeadline } from '../http/temporal-deadline';
import { readStatusCounts } from '../../store/status-counts';
import { countsOf } from '../shared/status-counts';
import { CAMPAIGN_STATUSES, JOB_STATUSES } from '../shared/statuses';
import { circuitBreakerView, resumeBlockedReason } from './breaker-view';

/**
 * The operator's view: breaker and queue from the breaker workflow (the source of truth), campaign and
 * job counts from the database's maintained counters (a few rows, however large the tables: see
 * src/store/status-counts.ts).
 */
export async function readQueueStatus({ prisma, temporal, breaker }: ApiDeps) {
  const [snapshot, counts] = await Promise.all([
    withTemporalDeadline(temporal, READ_DEADLINE_MS, () => breaker.state()),
    readStatusCounts(prisma),
  ]);
  const blockedReason = resumeBlockedReason(snapshot);
  return {
    circuit_breaker: circuitBreakerView(snapshot),
    queue: snapshot.queue,
    queue_paused: snapshot.queue.status === 'PAUSED',
    services: snapshot.services,
    failure_threshold: snapshot.failure_threshold,
    campaigns: countsOf(CAMPAIGN_STATUSES, counts.campaigns),
    jobs: countsOf(JOB_STATUSES, counts.jobs),
    can_resume: blockedReason === null,
    ...(blockedReason ? { resume_blocked_reason: blockedReason } : {}),
  };
}
