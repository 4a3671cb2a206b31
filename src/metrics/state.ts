import { Gauge } from 'prom-client';
import type { PrismaClient } from '../db/database';
import type { Logger } from '../logger';
import { CAMPAIGN_STATUSES, JOB_STATUSES } from '../api/shared/statuses';
import { registry } from './registry';

interface StateRow {
  kind: 'campaign' | 'job' | 'breaker' | 'queue';
  status: string;
  n: number;
}

// One scrape reads all gauges in parallel; they share the one query within this window.
const SHARED_READ_MS = 1_000;

/**
 * Breaker and queue state and campaigns and jobs by status, read on scrape from the database (the breaker
 * workflow's projection, kept by its activities): one grouped query per scrape, never per row. Registered once
 * per process that has a database (the API and the worker; `npm start` has one of each in one registry).
 */
let source: { prisma: PrismaClient; logger: Logger } | undefined;

export function registerStateMetrics(prisma: PrismaClient, logger: Logger): void {
  const registered = source !== undefined;
  // The latest caller's database (tests build several apps in one process).
  source = { prisma, logger };
  if (!registered) createGauges();
}

function createGauges(): void {
  let read: { at: number; rows: Promise<StateRow[] | undefined> } | undefined;
  const rows = () => {
    if (!read || Date.now() - read.at > SHARED_READ_MS) {
      read = {
        at: Date.now(),
        rows: source!.prisma.$queryRaw<StateRow[]>`
            SELECT 'campaign' AS kind, status::text AS status, count(*)::int AS n FROM campaigns GROUP BY status
            UNION ALL SELECT 'job', status::text, count(*)::int FROM jobs GROUP BY status
            UNION ALL SELECT 'breaker', breaker_state::text, 1 FROM system_state WHERE id = 1
            UNION ALL SELECT 'queue', queue_state::text, 1 FROM system_state WHERE id = 1`.catch((error: unknown) => {
          // A scrape while the database is down shows no state rather than a stale one.
          source!.logger.warn({ err: error }, 'Metrics: reading campaign, job and breaker state failed');
          return undefined;
        }),
      };
    }
    return read.rows;
  };

  const byStatus = (name: string, help: string, kind: StateRow['kind'], statuses: readonly string[]) =>
    new Gauge({
      name,
      help,
      labelNames: ['status'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        const all = await rows();
        if (!all) return;
        for (const status of statuses) this.set({ status }, 0);
        for (const row of all) if (row.kind === kind) this.set({ status: row.status }, row.n);
      },
    });
  const flag = (name: string, help: string, kind: StateRow['kind'], value: string) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.reset();
        const all = await rows();
        if (!all) return;
        const row = all.find((r) => r.kind === kind);
        // No row yet: the breaker workflow has not projected anything, so it is CLOSED and the queue ACTIVE.
        this.set(row?.status === value ? 1 : 0);
      },
    });

  byStatus('leadgen_campaigns', 'Campaigns by status', 'campaign', CAMPAIGN_STATUSES);
  byStatus('leadgen_jobs', 'Jobs by status', 'job', JOB_STATUSES);
  flag('leadgen_breaker_open', '1 while the global circuit breaker is OPEN', 'breaker', 'OPEN');
  flag('leadgen_queue_paused', '1 while the queue is PAUSED', 'queue', 'PAUSED');
}
