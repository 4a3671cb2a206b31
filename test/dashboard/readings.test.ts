/** The dashboard renders whatever provider readings the status carries, and nothing when there are none. */
import { readingsOf } from '../../src/dashboard/readings';
import type { QueueStatus } from '../../src/dashboard/types';

const health = { failure_count: 0, last_error: null, last_failure_at: null };
const base = {
  services: { apollo: { ...health }, openai: { ...health } },
} as unknown as QueueStatus;

describe('provider readings in the services table', () => {
  it('shows none when the status has none', () => {
    expect(readingsOf(base, 'apollo')).toEqual([]);
  });

  it('reads providers.<service>: what is left, when it resets, as of when', () => {
    const status = {
      ...base,
      providers: {
        openai: {
          remaining: { requests: 499, tokens: 149_000 },
          resets: { requests: '120ms' },
          observed_at: '2026-11-24T01:00:00.000Z',
        },
      },
    } as unknown as QueueStatus;
    const readings = readingsOf(status, 'openai');
    expect(readings.slice(0, 2)).toEqual([
      ['requests left', '499 (resets 120ms)'],
      ['tokens left', '149000'],
    ]);
    expect(readings[2]![0]).toBe('as of');
    expect(readingsOf(status, 'apollo')).toEqual([]);
  });

  it('reads extra fields of services.<service> and other per-service objects', () => {
    const status = {
      ...base,
      services: { apollo: { ...health, credits_left: 42 }, openai: { ...health } },
      quotas: { apollo: { daily_remaining: 7 }, openai: null },
    } as unknown as QueueStatus;
    expect(readingsOf(status, 'apollo')).toEqual([
      ['credits left', '42'],
      ['quotas daily remaining', '7'],
    ]);
    expect(readingsOf(status, 'openai')).toEqual([]);
  });
});
