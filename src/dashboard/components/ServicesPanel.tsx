import { ago, formatTime } from '../format';
import { type QueueStatus, SERVICES } from '../types';

const HEALTH_FIELDS = new Set(['failure_count', 'last_error', 'last_failure_at']);

/**
 * Provider readings (quota, rate-limit headers...) of one service, wherever the status carries them: extra
 * fields of `services.<name>`, or any other top-level object keyed by service name. Nothing when absent.
 */
export function readingsOf(status: QueueStatus, service: string): [string, string][] {
  const readings: [string, string][] = [];
  const add = (prefix: string, value: unknown) => {
    if (value === null || value === undefined) return;
    if (typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) add(prefix ? `${prefix} ${key}` : key, inner);
    } else readings.push([prefix.replace(/_/g, ' '), Array.isArray(value) ? value.join(', ') : String(value)]);
  };
  for (const [key, value] of Object.entries(status.services[service] ?? {})) if (!HEALTH_FIELDS.has(key)) add(key, value);
  for (const [key, value] of Object.entries(status)) {
    if (key === 'services' || !value || typeof value !== 'object' || Array.isArray(value)) continue;
    const perService = (value as Record<string, unknown>)[service];
    if (perService !== undefined && SERVICES.some((s) => s in (value as object))) add(key === 'providers' ? '' : key, perService);
  }
  return readings;
}

export function ServicesPanel({ status, now }: { status: QueueStatus; now: number }) {
  const rows = SERVICES.map((service) => ({ service, health: status.services[service], readings: readingsOf(status, service) }));
  const anyReadings = rows.some((row) => row.readings.length > 0);
  return (
    <section aria-labelledby="services-title" className="card">
      <h2 id="services-title">Services</h2>
      <div className="table-wrap" role="region" aria-label="Services table" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Failures (opens at {status.failure_threshold})</th>
              <th scope="col">Last error</th>
              <th scope="col">Last failure</th>
              {anyReadings && <th scope="col">Provider limits</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map(({ service, health, readings }) => (
              <tr key={service}>
                <th scope="row">{service}</th>
                <td className={health && health.failure_count > 0 ? 'error-text' : ''}>
                  {health?.failure_count ?? 0}
                </td>
                <td className="wrap">{health?.last_error ?? '—'}</td>
                <td>
                  {health?.last_failure_at ? (
                    <time dateTime={health.last_failure_at}>
                      {formatTime(health.last_failure_at)} ({ago(health.last_failure_at, now)})
                    </time>
                  ) : (
                    '—'
                  )}
                </td>
                {anyReadings && (
                  <td>
                    {readings.length === 0 ? (
                      '—'
                    ) : (
                      <ul className="readings">
                        {readings.map(([name, value]) => (
                          <li key={name}>
                            {name}: {value}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
