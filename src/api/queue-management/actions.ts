import { BreakerStillOpenError } from '../../breaker/client';
import { SERVICES, type ServiceName } from '../../providers/types';
import type { ApiDeps } from '../deps';
import { RESUME_ANSWER_MS, UPDATE_DEADLINE_MS, withTemporalDeadline } from '../http/temporal-deadline';
import { underWay } from '../http/route';
import { firstBreakerEventAfter, lastBreakerEventId } from '../../store/breaker-events';
import { RESUME_ERROR_NO_WORKFLOW, resumeProgress } from '../../store/campaigns';
import { readSystemState } from '../../store/system-state';
import type { ResumeQueueResult } from '../../../workflows/definitions';
import { RESUME_QUEUE_ROUTE } from '../paths';
import { circuitBreakerView } from './breaker-view';

/** Closes the (global) breaker and clears failure counts. Idempotent; resumes nothing (SPEC rule 6). */
export async function resetBreaker({ temporal, breaker, logger }: ApiDeps, service: ServiceName, actor: string) {
  logger.info({ event: 'breaker_reset_requested', service, actor }, `Circuit breaker reset requested for ${service} by ${actor}`);
  const snapshot = await withTemporalDeadline(temporal, UPDATE_DEADLINE_MS, () => breaker.reset({ service, actor }));
  const next = snapshot.queue.status === 'PAUSED' ? `queue stays PAUSED until ${RESUME_QUEUE_ROUTE}` : 'queue is ACTIVE';
  return {
    service,
    action: 'circuit_breaker_reset' as const,
    message: `Circuit breaker reset for ${service} - ${next}`,
    circuit_breaker: circuitBreakerView(snapshot),
    queue_status: snapshot.queue.status,
  };
}

/**
 * The only way anything resumes (SPEC rules 7-8): the breaker workflow refuses while OPEN (400 with its
 * message), else turns the queue ACTIVE and every PAUSED campaign and job back on, then tells every campaign
 * workflow. The operator gets the whole answer when the workflows are told within `resumeAnswerMs`; with more
 * campaigns than that allows, an answer that it is under way (202): what the database already shows resumed, and
 * how many workflows are still to be told. The workflow finishes the resume either way.
 */
export async function resumeQueue({ prisma, temporal, breaker, logger, resumeAnswerMs = RESUME_ANSWER_MS }: ApiDeps, actor: string) {
  logger.info({ event: 'queue_resume_requested', actor }, 'Manual queue resume requested - validating prerequisites');
  const since = await lastBreakerEventId(prisma);
  let result: ResumeQueueResult | undefined;
  try {
    result = await withTemporalDeadline(temporal, UPDATE_DEADLINE_MS, () => breaker.resumeQueueWithin({ actor }, resumeAnswerMs));
  } catch (error) {
    if (error instanceof BreakerStillOpenError) {
      logger.warn({ event: 'queue_resume_refused', actor }, `Manual queue resume refused: ${error.message}`);
    }
    throw error;
  }
  const prerequisites = { services_resumed: [...SERVICES], prerequisites_met: 'All circuit breakers closed' };
  if (result) {
    const errors = result.campaign_resume_errors.length;
    const message =
      `Queue resumed successfully: ${result.jobs_resumed} jobs and ${result.campaigns_resumed} campaigns resumed` +
      (errors > 0 ? ` (with ${errors} campaign errors)` : '');
    return { ...result, ...prerequisites, in_progress: false, campaigns_pending: 0, message };
  }
  return underWay(await resumeUnderWay(prisma, since, prerequisites));
}

/** A resume accepted and still telling campaigns: its counts as the database shows them now. */
async function resumeUnderWay(prisma: ApiDeps['prisma'], since: bigint, prerequisites: { services_resumed: ServiceName[]; prerequisites_met: string }) {
  // This resume's audit row, written with the queue ACTIVE in one transaction; none if the queue was already ACTIVE.
  const written = await firstBreakerEventAfter(prisma, 'QUEUE_RESUMED', since);
  const counts = (written?.metadata ?? {}) as { jobs_resumed?: number; campaigns_eligible?: number };
  const jobs = counts.jobs_resumed ?? 0;
  const eligible = counts.campaigns_eligible ?? 0;
  const { pending, missing } = await resumeProgress(prisma, written?.createdAt ?? null);
  const errors = missing.map((campaign_id) => ({ campaign_id, error: RESUME_ERROR_NO_WORKFLOW }));
  const resumed = Math.max(0, eligible - pending - errors.length);
  const active = written !== null || (await readSystemState(prisma)).queue_state === 'ACTIVE';
  const message = written
    ? `Queue resumed: ${jobs} jobs and ${eligible} campaigns RUNNING in the database; ${resumed} campaign workflows told so far, ${pending} still being told (they run as they are told)`
    : active
      ? `The queue was already ACTIVE: nothing more to resume; ${pending} campaign workflows still being told`
      : 'Queue resume accepted: the breaker resumes the queue as soon as its worker runs (GET /queue-management/status shows it)';
  return {
    queue_resumed: active,
    jobs_resumed: jobs,
    campaigns_eligible: eligible,
    campaigns_resumed: resumed,
    campaign_resume_errors: errors,
    ...prerequisites,
    in_progress: true,
    campaigns_pending: pending,
    message,
  };
}

/** An operator opens the breaker by hand: the same cascade as a service failure (SPEC rule 5). */
export async function pauseService({ temporal, breaker, logger }: ApiDeps, service: ServiceName, reason: string, actor: string) {
  logger.warn({ event: 'breaker_open_requested', service, actor, reason }, `Manual circuit breaker open requested for ${service} by ${actor}: ${reason}`);
  const snapshot = await withTemporalDeadline(temporal, UPDATE_DEADLINE_MS, () => breaker.forceOpen({ service, reason, actor }));
  const metadata = snapshot.metadata;
  // The workflow ignores a force-open while OPEN: tell whether this request (or an identical retry) opened it.
  const openedByThisRequest =
    metadata?.failure_type === 'manual' && metadata.opened_by === actor && metadata.service === service && metadata.reason === reason;
  return {
    service,
    action: 'circuit_breaker_opened' as const,
    reason,
    already_open: !openedByThisRequest,
    circuit_breaker: circuitBreakerView(snapshot),
    queue_status: snapshot.queue.status,
    message: openedByThisRequest
      ? `Circuit breaker opened for ${service} by ${actor}: queue PAUSED, every running campaign paused`
      : `Circuit breaker was already open (${metadata?.service ?? 'all services'}: ${metadata?.error ?? metadata?.reason ?? 'unknown'}); nothing changed`,
  };
}
