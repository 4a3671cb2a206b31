import type { BreakerSnapshot } from '../../../workflows/definitions';
import { RESET_ROUTE } from '../paths';

/**
 * The seed's `circuit_breaker` object (singular: the breaker is global): state in lower case
 * ("open"/"closed"), and metadata (what tripped it) only while open, `{}` once closed, as in the seed and
 * the database projection (the workflow keeps the last trip's metadata after a reset).
 */
export function circuitBreakerView(snapshot: BreakerSnapshot) {
  return {
    state: snapshot.state.toLowerCase() as 'open' | 'closed',
    opened_at: snapshot.opened_at,
    closed_at: snapshot.closed_at,
    metadata: snapshot.state === 'OPEN' ? (snapshot.metadata ?? {}) : {},
  };
}

/** Why resume-queue would be refused now, or null when it would go ahead. */
export function resumeBlockedReason(snapshot: BreakerSnapshot): string | null {
  if (snapshot.state !== 'OPEN') return null;
  const { service, error, reason } = snapshot.metadata ?? {};
  const cause = [service ?? 'all services', error ?? reason].filter(Boolean).join(': ');
  return `Circuit breaker is open (${cause}): reset it with ${RESET_ROUTE}`;
}
