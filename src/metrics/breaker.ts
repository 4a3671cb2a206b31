import { counter, histogram } from './registry';

const trips = counter(
  'leadgen_breaker_trips_total',
  'Times the circuit breaker opened, by the service and failure type that opened it (manual for an operator)',
  ['service', 'failure_type'],
);

const cascade = histogram(
  'leadgen_breaker_cascade_duration_seconds',
  'A breaker transition applied end to end: database projection plus telling every campaign (open: pause; resume: resume)',
  ['transition'],
  [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
);

const fanOut = histogram(
  'leadgen_breaker_fan_out_duration_seconds',
  'Telling every affected campaign workflow to pause or resume (updates, with signals as the fallback)',
  ['message'],
  [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
);

const fanOutCampaigns = counter(
  'leadgen_breaker_fan_out_campaigns_total',
  'Campaign workflows told to pause or resume, by message and result (ok or error)',
  ['message', 'result'],
);

export type Transition = 'open' | 'resume';

export function countTrip(service: string | null, failureType: string | null): void {
  trips.inc({ service: service ?? 'all', failure_type: failureType ?? 'manual' });
}

export function observeCascade(transition: Transition, milliseconds: number): void {
  cascade.observe({ transition }, milliseconds / 1000);
}

export function observeFanOut(message: 'pause' | 'resume', milliseconds: number, campaigns: number, errors: number): void {
  fanOut.observe({ message }, milliseconds / 1000);
  fanOutCampaigns.inc({ message, result: 'ok' }, campaigns - errors);
  fanOutCampaigns.inc({ message, result: 'error' }, errors);
}
