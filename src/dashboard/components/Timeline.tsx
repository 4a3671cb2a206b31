import { useRef, useState } from 'react';
import { ApiError, apiCall } from '../api';
import { formatTime } from '../format';
import type { BreakerEvent, EventPage } from '../types';

const LABEL: Record<BreakerEvent['type'], string> = {
  BREAKER_OPENED: 'Circuit breaker opened',
  QUEUE_PAUSED: 'Queue paused',
  BREAKER_RESET: 'Circuit breaker reset',
  QUEUE_RESUMED: 'Queue resumed',
  FAILURE_RECORDED: 'Failure recorded',
};

/** Counts some events carry (campaigns_paused, jobs_resumed...), in words. */
function countsOf(event: BreakerEvent): string {
  const m = event.metadata ?? {};
  const parts = ['campaigns_paused', 'jobs_paused', 'campaigns_eligible', 'jobs_resumed', 'count']
    .filter((key) => typeof m[key] === 'number')
    .map((key) => {
      const value = m[key] as number;
      const threshold = typeof m.threshold === 'number' ? String(m.threshold) : '?';
      return key === 'count' ? `failure ${value} of ${threshold}` : `${key.replace('_', ' ')}: ${value}`;
    });
  return parts.join(', ');
}

/** The audit log of breaker and queue transitions (who, when, why), newest first; older pages on demand. */
export function Timeline({ head, apiKey }: { head: EventPage; apiKey: string }) {
  // Every event seen so far (live heads and older pages), so a new head never leaves a gap above older pages.
  const known = useRef(new Map<string, BreakerEvent>());
  const [, setLoaded] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  for (const event of head.events) known.current.set(event.id, event);
  const events = [...known.current.values()].sort((a, b) => Number(b.id) - Number(a.id));
  const oldest = events[events.length - 1];
  const next = oldest && events.length < head.total ? oldest.id : null;

  async function loadOlder() {
    if (!next) return;
    setBusy(true);
    try {
      const page = await apiCall<EventPage>(apiKey, 'GET', `/queue-management/events?cursor=${encodeURIComponent(next)}`);
      for (const event of page.events) known.current.set(event.id, event);
      setLoaded((n) => n + 1);
      setError(null);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.detail : String(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="timeline-title" className="card">
      <h2 id="timeline-title">Audit timeline</h2>
      <p className="hint">{head.total} breaker and queue transitions recorded.</p>
      {events.length === 0 ? (
        <p>No transitions yet.</p>
      ) : (
        <ol className="timeline">
          {events.map((event) => (
            <li key={event.id} className={`event ${event.type.toLowerCase()}`}>
              <time dateTime={event.created_at}>{formatTime(event.created_at)}</time>
              <strong>{LABEL[event.type] ?? event.type}</strong>
              <span>
                by {event.actor}
                {event.service ? ` · ${event.service}` : ''}
              </span>
              {event.reason && <span className="reason">{event.reason}</span>}
              {countsOf(event) && <span className="sub">{countsOf(event)}</span>}
            </li>
          ))}
        </ol>
      )}
      {error && (
        <p role="alert" className="banner error">
          {error}
        </p>
      )}
      {next && (
        <button type="button" onClick={() => void loadOlder()} disabled={busy} aria-busy={busy}>
          Load older events
        </button>
      )}
    </section>
  );
}
