/**
 * The breaker's cascade in two steps: every campaign PAUSED in the gate's own transaction, then their unfinished
 * jobs in batches; a resume between the two steps wins, and nothing is left PAUSED under a RUNNING campaign.
 */
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { breakerActivities } from '../../activities/breaker';
import { pauseCampaignRows, pauseJobsOf, resumeAllCampaigns } from '../../src/store/campaigns';
import { claimJob } from '../../src/store/jobs';
import { closeGate, openGate } from '../../src/store/system-state';
import { BULK_TX, type Tx } from '../../src/store/tx';
import { capturedLogger } from '../helpers/captured-logger';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/db';

describe.each(DATABASE_KINDS)('cascade: campaigns at the gate, then their jobs (%s)', (kind) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase(kind);
  });
  afterEach(async () => {
    await db?.destroy();
  });

  const effects = () => {
    const { logger } = capturedLogger();
    return breakerActivities({ prisma: db.prisma, logger, fanOutConcurrency: 4, temporal: undefined as never, providers: undefined as never, taskQueue: 'unused', failureThreshold: 1 });
  };
  const run = <R>(activity: () => Promise<R>): Promise<R> => new MockActivityEnvironment().run(activity);

  /** A RUNNING campaign with `backlog` PENDING jobs, one of them claimed (PROCESSING). */
  async function campaignWithBacklog(backlog: number) {
    const campaign = await db.prisma.campaign.create({
      data: {
        name: 'backlog', status: 'RUNNING', searchCriteria: {}, leadLimit: backlog, copyPrompt: 'p', instantlyCampaignId: 'i',
        leads: { create: Array.from({ length: backlog }, (_, i) => ({ externalId: `p${i}`, email: `p${i}@example.test` })) },
      },
      include: { leads: true },
    });
    await db.prisma.job.createMany({ data: campaign.leads.map((lead) => ({ campaignId: campaign.id, leadId: lead.id, type: 'VERIFY_EMAIL' as const })) });
    const first = await db.prisma.job.findFirstOrThrow({ where: { campaignId: campaign.id } });
    expect(await claimJob(db.prisma, { jobId: first.id, campaignId: campaign.id, dispatchId: randomUUID() })).toBeDefined();
    return campaign.id;
  }

  const jobStatuses = async () =>
    Object.fromEntries((await db.prisma.job.groupBy({ by: ['status'], _count: { _all: true } })).map((g) => [g.status, g._count._all]));

  /** What the gate's transition writes (activities/breaker.ts `opened`): the gate closed and every campaign PAUSED. */
  const trip = () =>
    db.prisma.$transaction(async (tx) => {
      await closeGate(tx, { seq: 1, openedAt: new Date(), metadata: null });
      return pauseCampaignRows(tx, { reason: 'circuit breaker opened' });
    }, BULK_TX);

  it('the gate pauses every campaign first, then the cascade pauses their jobs and audits the pause once', async () => {
    const ids = [await campaignWithBacklog(4), await campaignWithBacklog(3)];
    expect((await trip()).sort()).toEqual([...ids].sort());
    expect(await db.prisma.campaign.count({ where: { id: { in: ids }, status: 'PAUSED' } })).toBe(2);
    // No job can be claimed from here on; the backlogs are the cascade's.
    expect(await jobStatuses()).toEqual({ PROCESSING: 2, PENDING: 5 });

    const e = effects();
    expect(await run(() => e.pauseCascade({ seq: 1, reason: 'circuit breaker opened' }))).toEqual({ campaignsPaused: 0, jobsPaused: 7 });
    expect(await jobStatuses()).toEqual({ PAUSED: 7 });
    // Run again (a retry after a crash): nothing left to do, and still one audit row.
    expect(await run(() => e.pauseCascade({ seq: 1, reason: 'circuit breaker opened' }))).toEqual({ campaignsPaused: 0, jobsPaused: 0 });
    const audit = await db.prisma.breakerEvent.findMany({ where: { type: 'QUEUE_PAUSED' } });
    expect(audit.map((event) => event.metadata)).toEqual([{ jobs_paused: 7 }]);
  });

  // No index names a job's status and pages keep room (migration 20261207020000), so PostgreSQL writes no index
  // entry for these updates: a cascade over 200,000 jobs went from 2.4-2.8 s to 0.5-0.7 s on the database alone.
  it("pausing and resuming a backlog are heap-only updates: no index entry is written for a job's status", async () => {
    const id = await campaignWithBacklog(150);
    await trip();
    // The backend's counts of job updates not yet reported (earlier transactions' may be among them): read around.
    const jobUpdates = async (tx: Tx) => {
      const [counts] = await tx.$queryRaw<[{ updated: number; heap_only: number }]>`
        SELECT n_tup_upd::int AS updated, n_tup_hot_upd::int AS heap_only FROM pg_stat_xact_user_tables WHERE relname = 'jobs'`;
      return counts;
    };
    const updatesBy = async <R>(tx: Tx, write: () => Promise<R>) => {
      const before = await jobUpdates(tx);
      const result = await write();
      const after = await jobUpdates(tx);
      return { result, updated: after.updated - before.updated, heap_only: after.heap_only - before.heap_only };
    };
    const paused = await db.prisma.$transaction((tx) => updatesBy(tx, async () => (await pauseJobsOf(tx, [id])).jobsPaused), BULK_TX);
    expect(paused).toEqual({ result: 150, updated: 150, heap_only: 150 });

    const resumed = await db.prisma.$transaction(async (tx) => {
      await openGate(tx, { seq: 2 });
      return updatesBy(tx, async () => (await resumeAllCampaigns(tx)).jobsResumed);
    }, BULK_TX);
    expect(resumed).toEqual({ result: 150, updated: 150, heap_only: 150 });
  });

  it('a resume between the gate and the cascade wins: the backlogs stay PENDING under RUNNING campaigns', async () => {
    await campaignWithBacklog(4);
    await trip();

    await db.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`UPDATE system_state SET breaker_state = 'CLOSED' WHERE id = 1`;
      await openGate(tx, { seq: 2 });
      await resumeAllCampaigns(tx);
    }, BULK_TX);
    const e = effects();
    await run(() => e.pauseCascade({ seq: 1, reason: 'circuit breaker opened' }));

    expect(await db.prisma.campaign.count({ where: { status: 'RUNNING' } })).toBe(1);
    expect(await jobStatuses()).toEqual({ PROCESSING: 1, PENDING: 3 });
  });
});
