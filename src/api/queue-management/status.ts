import { readProviderLimits } from '../../db/provider-limits';
import type { ApiDeps } from '../deps';
import { READ_DEADLINE_MS, withTemporalDeadline } from '../http/temporal-deadline';
import { countsByStatus } from '../shared/status-counts';
import { CAMPAIGN_STATUSES, JOB_STATUSES } from '../shared/statuses';
import { circuitBreakerView, resumeBlockedReason } from './breaker-view';

/**
 * The operator's view: breaker and queue from the breaker workflow (the source of truth), campaign and
 * job counts and the providers' last reported allowances from the database.
 */
export async function readQueueStatus({ prisma, temporal, breaker }: ApiDeps) {
  const [snapshot, campaigns, jobs, providers] = await Promise.all([
    withTemporalDeadline(temporal, READ_DEADLINE_MS, () => breaker.state()),
    prisma.campaign.groupBy({ by: ['status'], _count: { _all: true } }),
    prisma.job.groupBy({ by: ['status'], _count: { _all: true } }),
    readProviderLimits(prisma),
  ]);
  const blockedReason = resumeBlockedReason(snapshot);
  return {
    circuit_breaker: circuitBreakerView(snapshot),
    queue: snapshot.queue,
    queue_paused: snapshot.queue.status === 'PAUSED',
    services: snapshot.services,
    failure_threshold: snapshot.failure_threshold,
    campaigns: countsByStatus(CAMPAIGN_STATUSES, campaigns),
    jobs: countsByStatus(JOB_STATUSES, jobs),
    // What each service last said about its remaining allowance (rate-limit headers, credits), per service.
    providers,
    can_resume: blockedReason === null,
    ...(blockedReason ? { resume_blocked_reason: blockedReason } : {}),
  };
}
