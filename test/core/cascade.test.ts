/**
 * The breaker's cascade in two steps: every campaign PAUSED in the gate's own transaction, then their unfinished
 * jobs in batches; a resume between the two steps wins, and nothing is left PAUSED under a RUNNING campaign.
 */
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { breakerActivities } from '../../activities/breaker';
import { pauseCampaignRows, resumeAllCampaigns } from '../../src/store/campaigns';
import { claimJob } from '../../src/store/jobs';
import { closeGate, openGate } from '../../src/store/system-state';
import { BULK_TX } from '../../src/store/tx';
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
