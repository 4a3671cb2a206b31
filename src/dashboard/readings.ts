import { formatTime } from './format';
import { type QueueStatus, SERVICES } from './types';

const HEALTH_FIELDS = new Set(['failure_count', 'last_error', 'last_failure_at']);

/** `status.providers.<service>` as GET /queue-management/status reports the providers' last allowances. */
interface ProviderLimits {
  remaining?: Record<string, unknown>;
  resets?: Record<string, unknown> | null;
  observed_at?: string;
}

/**
 * Provider readings (quota, rate-limit headers, credits) of one service, as label/value pairs, wherever the
 * status carries them: `providers.<service>` ({remaining, resets, observed_at}), extra fields of
 * `services.<service>`, or any other top-level object keyed by service name. None when the status has none.
 */
export function readingsOf(status: QueueStatus, service: string): [string, string][] {
  const readings: [string, string][] = [];
  const add = (label: string, value: unknown) => {
    if (value === null || value === undefined) return;
    if (typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) add(label ? `${label} ${key}` : key, inner);
    } else readings.push([label.replace(/_/g, ' '), Array.isArray(value) ? value.join(', ') : (typeof value === 'string' ? value : JSON.stringify(value))]);
  };

  const providers = status.providers as Record<string, ProviderLimits | undefined> | undefined;
  const limits = providers && typeof providers === 'object' ? providers[service] : undefined;
  if (limits && typeof limits === 'object') {
    for (const [key, value] of Object.entries(limits.remaining ?? {})) {
      const resets = limits.resets?.[key];
      readings.push([`${key.replace(/_/g, ' ')} left`, `${String(value)}${typeof resets === 'string' ? ` (resets ${resets})` : ''}`]);
    }
    if (limits.observed_at) readings.push(['as of', formatTime(limits.observed_at)]);
  }
  for (const [key, value] of Object.entries(status.services[service] ?? {})) if (!HEALTH_FIELDS.has(key)) add(key, value);
  for (const [key, value] of Object.entries(status)) {
    if (key === 'services' || key === 'providers' || !value || typeof value !== 'object' || Array.isArray(value)) continue;
    const perService = value as Record<string, unknown>;
    if (SERVICES.some((s) => s in perService) && perService[service] !== undefined) add(key, perService[service]);
  }
  return readings;
}
