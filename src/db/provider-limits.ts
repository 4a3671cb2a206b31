/**
 * provider_limits: the last remaining allowance each service reported (rate-limit headers, balances). Workers
 * see every answer; the API shows the table. Writes are throttled to one per service per interval (default 1 s)
 * with a trailing write, so a busy fleet costs the database a handful of upserts a second at most.
 */
import { Prisma } from '../generated/prisma/client';
import type { Logger } from '../logger';
import type { LimitsObservation, LimitsObserver, ServiceName } from '../providers/types';
import type { PrismaClient } from './database';

export interface ProviderLimitsView {
  remaining: Record<string, number>;
  resets: Record<string, string> | null;
  observed_at: string;
}

export interface LimitsRecorder {
  observe: LimitsObserver;
  /** Writes whatever is pending now (shutdown, tests). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createLimitsRecorder(prisma: PrismaClient, logger: Logger, { intervalMs = 1_000 }: { intervalMs?: number } = {}): LimitsRecorder {
  const pending = new Map<ServiceName, LimitsObservation>();
  const lastWrite = new Map<ServiceName, number>();
  const timers = new Map<ServiceName, NodeJS.Timeout>();
  const writes = new Set<Promise<void>>();

  function write(service: ServiceName): void {
    timers.delete(service);
    const observation = pending.get(service);
    if (!observation) return;
    pending.delete(service);
    lastWrite.set(service, Date.now());
    const data = { remaining: observation.remaining, resets: observation.resets ?? undefined, observedAt: observation.observedAt };
    const done = prisma.providerLimit
      .upsert({ where: { service }, create: { service, ...data }, update: data })
      .then(
        () => undefined,
        // Losing one reading costs nothing: the next answer brings a fresh one.
        (error: unknown) => logger.warn({ err: error, service }, `Could not record ${service} rate limits`),
      )
      .finally(() => writes.delete(done));
    writes.add(done);
  }

  return {
    observe(observation) {
      const { service } = observation;
      // Readings from headers and from bodies (credits) arrive separately: keep the latest of each key.
      const earlier = pending.get(service);
      pending.set(
        service,
        earlier
          ? { ...observation, remaining: { ...earlier.remaining, ...observation.remaining }, resets: { ...earlier.resets, ...observation.resets } }
          : observation,
      );
      if (timers.has(service)) return;
      const wait = (lastWrite.get(service) ?? 0) + intervalMs - Date.now();
      if (wait <= 0) write(service);
      else timers.set(service, setTimeout(() => write(service), wait).unref());
    },
    async flush() {
      for (const [service, timer] of timers) {
        clearTimeout(timer);
        write(service);
      }
      for (const service of [...pending.keys()]) write(service);
      await Promise.all(writes);
    },
    async close() {
      await this.flush();
    },
  };
}

/** Every service's last reading, keyed by service. */
interface ProviderLimitRow {
  service: string;
  remaining: Record<string, number>;
  resets: Record<string, string> | null;
  observed_at: Date | string;
}

const LIMIT_ROWS = Prisma.sql`SELECT service, remaining, resets, observed_at FROM provider_limits ORDER BY service`;

export async function readProviderLimits(prisma: PrismaClient): Promise<Record<string, ProviderLimitsView>> {
  return providerLimitsOf(await prisma.$queryRaw<ProviderLimitRow[]>`${LIMIT_ROWS}`);
}

/** The same rows as a JSON array, for a read that takes them with others in one statement (then `providerLimitsOf`). */
export const PROVIDER_LIMIT_ROWS_JSON = Prisma.sql`(SELECT COALESCE(json_agg(r), '[]') FROM (${LIMIT_ROWS}) r)`;

export function providerLimitsOf(rows: ProviderLimitRow[]): Record<string, ProviderLimitsView> {
  return Object.fromEntries(
    rows.map((row) => [
      row.service,
      {
        remaining: row.remaining,
        resets: row.resets && Object.keys(row.resets).length > 0 ? row.resets : null,
        observed_at: new Date(row.observed_at).toISOString(),
      },
    ]),
  );
}
