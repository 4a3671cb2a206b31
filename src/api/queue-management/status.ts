import { readProviderLimits } from '../../db/provider-limits';
import type { ApiDeps } from '../deps';
import { READ_DEADLINE_MS, withTemporalDeadline } from '../http/temporal-deadline';
import { readStatusCounts } from '../../store/status-counts';
import { countsOf } from '../shared/status-counts';
import { coalesced } from '../../util/coalesce';
import { CAMPAIGN_STATUSES, JOB_STATUSES } from '../shared/statuses';
import { circuitBreakerView, resumeBlockedReason } from './breaker-view';

/**
 * The operator's view: breaker and queue from the breaker workflow (the source of truth), campaign and
 * job counts from the database's maintained counters (a few rows, however large the tables: see
 * src/store/status-counts.ts), and the providers' last reported allowances from the database.
 */
export async function readQueueStatus({ prisma, temporal, breaker }: ApiDeps) {
  const [snapshot, counts, providers] = await Promise.all([
    withTemporalDeadline(temporal, READ_DEADLINE_MS, () => breaker.state()),
    readStatusCounts(prisma),
    readProviderLimits(prisma),
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
    // What each service last said about its remaining allowance (rate-limit headers, credits), per service.
    providers,
    can_resume: blockedReason === null,
    ...(blockedReason ? { resume_blocked_reason: blockedReason } : {}),
  };
}

const sharedReads = new WeakMap<ApiDeps, () => ReturnType<typeof readQueueStatus>>();

/**
 * Dashboards poll the status: concurrent readers share one read of the breaker and the counters (each still read
 * after its request arrived), so twenty readers cost what two do.
 */
export function readQueueStatusShared(deps: ApiDeps): ReturnType<typeof readQueueStatus> {
  let read = sharedReads.get(deps);
  if (!read) {
    read = coalesced(() => readQueueStatus(deps));
    sharedReads.set(deps, read);
  }
  return read();
}
