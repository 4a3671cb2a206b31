import { Gauge } from 'prom-client';
import type { PrismaClient } from '../db/database';
import type { Logger } from '../logger';
import { CAMPAIGN_STATUSES, JOB_STATUSES } from '../api/shared/statuses';
import { readStatusSources } from '../store/status-read';
import { registry } from './registry';

type Snapshot = Awaited<ReturnType<typeof readStatusSources>>;

// One scrape reads all gauges in parallel; they share the one query within this window.
const SHARED_READ_MS = 1_000;

/**
 * Breaker and queue state and campaigns and jobs by status, read on scrape from the database: the breaker
 * workflow's projection and the counts the database keeps as rows change (src/store/status-counts.ts), the same
 * read as the operator's status. A scrape costs a few rows however large the backlog, never a whole-table
 * grouping. Registered once per process that has a database (the API and the worker; `npm start` has one of
 * each in one registry).
 */
let source: { prisma: PrismaClient; logger: Logger } | undefined;

export function registerStateMetrics(prisma: PrismaClient, logger: Logger): void {
  const registered = source !== undefined;
  // The latest caller's database (tests build several apps in one process).
  source = { prisma, logger };
  if (!registered) createGauges();
}

function createGauges(): void {
  let read: { at: number; snapshot: Promise<Snapshot | undefined> } | undefined;
  const snapshot = () => {
    if (!read || Date.now() - read.at > SHARED_READ_MS) {
      read = {
        at: Date.now(),
        snapshot: readStatusSources(source!.prisma).catch((error: unknown) => {
          // A scrape while the database is down shows no state rather than a stale one.
          source!.logger.warn({ err: error }, 'Metrics: reading campaign, job and breaker state failed');
          return undefined;
        }),
      };
    }
    return read.snapshot;
  };

  const byStatus = (name: string, help: string, of: (counts: Snapshot['counts']) => Partial<Record<string, number>>, statuses: readonly string[]) =>
    new Gauge({
      name,
      help,
      labelNames: ['status'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        const read = await snapshot();
        if (!read) return;
        const counts = of(read.counts);
        for (const status of statuses) this.set({ status }, counts[status] ?? 0);
      },
    });
  const flag = (name: string, help: string, isSet: (stored: Snapshot['stored']) => boolean) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.reset();
        const read = await snapshot();
        // No projection yet reads as CLOSED and ACTIVE: the breaker workflow has not written anything.
        if (read) this.set(isSet(read.stored) ? 1 : 0);
      },
    });

  byStatus('leadgen_campaigns', 'Campaigns by status', (counts) => counts.campaigns, CAMPAIGN_STATUSES);
  byStatus('leadgen_jobs', 'Jobs by status', (counts) => counts.jobs, JOB_STATUSES);
  flag('leadgen_breaker_open', '1 while the global circuit breaker is OPEN', (stored) => stored.breaker_state === 'OPEN');
  flag('leadgen_queue_paused', '1 while the queue is PAUSED', (stored) => stored.queue_state === 'PAUSED');
}
