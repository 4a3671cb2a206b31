import type { ApiDeps } from '../deps';
import { READ_DEADLINE_MS, withTemporalDeadline } from '../http/temporal-deadline';
import { readStatusSources } from '../../store/status-read';
import { countsOf } from '../shared/status-counts';
import { coalesced } from '../../util/coalesce';
import { CAMPAIGN_STATUSES, JOB_STATUSES } from '../shared/statuses';
import { circuitBreakerView, resumeBlockedReason } from './breaker-view';
import type { SystemStateRow } from '../../store/system-state';
import type { BreakerMetadata, BreakerSnapshot } from '../../../workflows/definitions';

/** The breaker's own details (per-service failure counts) may be this old when no transition happened since. */
const DETAILS_MAX_AGE_MS = 1_000;

/**
 * What only the breaker workflow knows (per-service failure counts and last errors, the threshold), kept from
 * its last answer. A query waits for a workflow task on the worker, seconds when the worker is saturated, so
 * readers do not wait for it unless the database shows a transition the kept answer predates.
 */
class BreakerDetails {
  private last: BreakerSnapshot | undefined;
  private lastAt = 0;
  private readonly ask: () => Promise<BreakerSnapshot>;

  constructor({ temporal, breaker }: ApiDeps) {
    this.ask = coalesced(async () => {
      const snapshot = await withTemporalDeadline(temporal, READ_DEADLINE_MS, () => breaker.state());
      if (!this.last || snapshot.transition_seq >= this.last.transition_seq) {
        this.last = snapshot;
        this.lastAt = Date.now();
      }
      return snapshot;
    });
  }

  async asOf(stored: SystemStateRow): Promise<BreakerSnapshot> {
    const last = this.last;
    // Behind a trip, a reset, a resume or a counted failure the database already shows: ask, and wait.
    if (!last || last.transition_seq < stored.transition_seq) return this.ask();
    if (Date.now() - this.lastAt > DETAILS_MAX_AGE_MS) void this.ask().catch(() => undefined);
    return last;
  }
}


/**
 * The operator's view. Breaker and queue as the database enforces them (system_state: what every claim
 * passes, written by each breaker transition before the operator's call returns), with the per-service
 * failure counts the breaker workflow keeps; campaign and job counts from the database's maintained counters
 * (a few rows, however large the tables: see src/store/status-counts.ts); the providers' last reported
 * allowances from the database.
 */
export async function readQueueStatus(deps: ApiDeps) {
  const { prisma } = deps;
  const { stored, counts, providers } = await readStatusSources(prisma);
  const details = await readsOf(deps).details.asOf(stored);
  const snapshot: BreakerSnapshot = {
    ...details,
    state: stored.breaker_state,
    opened_at: stored.opened_at?.toISOString() ?? null,
    closed_at: stored.closed_at?.toISOString() ?? null,
    metadata: stored.metadata as BreakerMetadata | null,
    queue: {
      status: stored.queue_state,
      paused_at: stored.opened_at?.toISOString() ?? null,
      resumed_at: details.queue.resumed_at,
    },
  };
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

/** What one API process keeps for its status reads: the breaker's last details, and the read readers share. */
interface StatusReads {
  details: BreakerDetails;
  shared: () => ReturnType<typeof readQueueStatus>;
}

const readsByDeps = new WeakMap<ApiDeps, StatusReads>();

function readsOf(deps: ApiDeps): StatusReads {
  let reads = readsByDeps.get(deps);
  if (!reads) {
    reads = { details: new BreakerDetails(deps), shared: coalesced(() => readQueueStatus(deps)) };
    readsByDeps.set(deps, reads);
  }
  return reads;
}

/**
 * Dashboards poll the status: concurrent readers share one read of the breaker and the counters (each still read
 * after its request arrived), so twenty readers cost what two do.
 */
export function readQueueStatusShared(deps: ApiDeps): ReturnType<typeof readQueueStatus> {
  return readsOf(deps).shared();
}
