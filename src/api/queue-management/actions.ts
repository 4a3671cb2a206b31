import { BreakerStillOpenError } from '../../breaker/client';
import { SERVICES, type ServiceName } from '../../providers/types';
import type { ApiDeps } from '../deps';
import { UPDATE_DEADLINE_MS, withTemporalDeadline } from '../http/temporal-deadline';
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
 * message), else turns the queue ACTIVE and every PAUSED campaign and job back on.
 */
export async function resumeQueue({ temporal, breaker, logger }: ApiDeps, actor: string) {
  logger.info({ event: 'queue_resume_requested', actor }, 'Manual queue resume requested - validating prerequisites');
  try {
    const result = await withTemporalDeadline(temporal, UPDATE_DEADLINE_MS, () => breaker.resumeQueue({ actor }));
    const errors = result.campaign_resume_errors.length;
    const message =
      `Queue resumed successfully: ${result.jobs_resumed} jobs and ${result.campaigns_resumed} campaigns resumed` +
      (errors > 0 ? ` (with ${errors} campaign errors)` : '');
    return { ...result, services_resumed: [...SERVICES], prerequisites_met: 'All circuit breakers closed', message };
  } catch (error) {
    if (error instanceof BreakerStillOpenError) {
      logger.warn({ event: 'queue_resume_refused', actor }, `Manual queue resume refused: ${error.message}`);
    }
    throw error;
  }
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
