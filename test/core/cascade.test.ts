/**
 * The breaker's cascade in two steps (issue 13): every campaign PAUSED first with its jobs in flight, then the
 * PENDING backlogs; a resume between the two steps wins, and nothing is left PAUSED under a RUNNING campaign.
 */
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { breakerActivities } from '../../activities/breaker';
import { resumeAllCampaigns } from '../../src/store/campaigns';
import { claimJob } from '../../src/store/jobs';
import { closeGate, openGate } from '../../src/store/system-state';
import { BULK_TX } from '../../src/store/tx';
import { capturedLogger } from '../helpers/captured-logger';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/db';

describe.each(DATABASE_KINDS)('cascade, campaigns first (%s)', (kind) => {
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
  const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args) as Promise<R>;

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

  it('pauses every campaign and its jobs in flight first, then the backlogs, and audits both once', async () => {
    const ids = [await campaignWithBacklog(4), await campaignWithBacklog(3)];
    await db.prisma.$transaction((tx) => closeGate(tx, { seq: 1, openedAt: new Date(), metadata: null }));
    const e = effects();

    const campaigns = await run(e.pauseCampaignsNow, { reason: 'circuit breaker opened' });
    expect(campaigns).toEqual({ campaignsPaused: 2, jobsPaused: 2 });
    expect(await db.prisma.campaign.count({ where: { id: { in: ids }, status: 'PAUSED' } })).toBe(2);
    expect(await jobStatuses()).toEqual({ PAUSED: 2, PENDING: 5 });

    expect(await run(e.pauseBacklogs, { seq: 1, reason: 'circuit breaker opened', ...campaigns })).toEqual({ campaignsPaused: 2, jobsPaused: 7 });
    expect(await jobStatuses()).toEqual({ PAUSED: 7 });
    const audit = await db.prisma.breakerEvent.findMany({ where: { type: 'QUEUE_PAUSED' } });
    expect(audit.map((event) => event.metadata)).toEqual([{ campaigns_paused: 2, jobs_paused: 7 }]);
  });

  it('a resume between the two steps wins: the backlogs stay PENDING under RUNNING campaigns', async () => {
    await campaignWithBacklog(4);
    await db.prisma.$transaction((tx) => closeGate(tx, { seq: 1, openedAt: new Date(), metadata: null }));
    const e = effects();
    const campaigns = await run(e.pauseCampaignsNow, { reason: 'circuit breaker opened' });

    await db.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`UPDATE system_state SET breaker_state = 'CLOSED' WHERE id = 1`;
      await openGate(tx, { seq: 2 });
      await resumeAllCampaigns(tx);
    }, BULK_TX);
    await run(e.pauseBacklogs, { seq: 1, reason: 'circuit breaker opened', ...campaigns });

    expect(await db.prisma.campaign.count({ where: { status: 'RUNNING' } })).toBe(1);
    expect(await jobStatuses()).toEqual({ PENDING: 4 });
  });
});
