import { ago, formatTime } from '../format';
import { readingsOf } from '../readings';
import { type QueueStatus, SERVICES } from '../types';

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
