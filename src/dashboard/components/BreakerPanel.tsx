import { ago, formatTime } from '../format';
import type { QueueStatus } from '../types';

/** Breaker state (OPEN red, CLOSED green), since when, what opened it; the queue beside it. */
export function BreakerPanel({ status, now }: { status: QueueStatus; now: number }) {
  const breaker = status.circuit_breaker;
  const open = breaker.state === 'open';
  const since = open ? breaker.opened_at : breaker.closed_at;
  const cause = breaker.metadata;
  const manual = cause.failure_type === 'manual';
  return (
    <section aria-labelledby="breaker-title" className="card">
      <h2 id="breaker-title">Circuit breaker</h2>
      <p className="state-line">
        <span className={`badge big ${open ? 'red' : 'green'}`}>{open ? 'OPEN' : 'CLOSED'}</span>{' '}
        <span>
          {since ? (
            <>
              since <time dateTime={since}>{formatTime(since)}</time> ({ago(since, now)})
            </>
          ) : (
            'never opened'
          )}
        </span>
      </p>
      {open && (
        <dl className="facts" aria-label="What opened the circuit breaker">
          {manual ? (
            <>
              <dt>Opened by</dt>
              <dd>{cause.opened_by ?? '—'}</dd>
              <dt>Reason</dt>
              <dd>{cause.reason ?? '—'}</dd>
              <dt>Service</dt>
              <dd>{cause.service ?? 'all services'}</dd>
            </>
          ) : (
            <>
              <dt>Service</dt>
              <dd>{cause.service ?? '—'}</dd>
              <dt>Failure type</dt>
              <dd>{cause.failure_type ?? '—'}</dd>
              <dt>Error</dt>
              <dd className="error-text">{cause.error ?? '—'}</dd>
              <dt>Campaign</dt>
              <dd className="mono">{cause.campaign_id ?? '—'}</dd>
              <dt>Job</dt>
              <dd className="mono">{cause.job_id ?? '—'}</dd>
            </>
          )}
        </dl>
      )}
      <h3>Queue</h3>
      <p className="state-line">
        <span className={`badge ${status.queue.status === 'PAUSED' ? 'amber' : 'green'}`}>{status.queue.status}</span>{' '}
        {status.queue.status === 'PAUSED' && status.queue.paused_at && (
          <span>
            since <time dateTime={status.queue.paused_at}>{formatTime(status.queue.paused_at)}</time>
          </span>
        )}
      </p>
      <dl className="counts" aria-label="Campaigns and jobs by status">
        <dt>Campaigns</dt>
        <dd>{summary(status.campaigns.by_status)}</dd>
        <dt>Jobs</dt>
        <dd>{summary(status.jobs.by_status)}</dd>
      </dl>
    </section>
  );
}

/** "3 running · 2 paused" (statuses with none are left out). */
export function summary(byStatus: Record<string, number>): string {
  const parts = Object.entries(byStatus)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s.toLowerCase()}`);
  return parts.length ? parts.join(' · ') : 'none';
}
