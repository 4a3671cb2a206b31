/**
 * The maintained campaign and job counts (src/store/status-counts.ts) against the tables themselves: after
 * inserts, status changes, bulk pauses and resumes, deletes, folds, and writers racing each other.
 */
import { claimJob, completeJob } from '../../src/store/jobs';
import { pauseCampaigns, resumeAllCampaigns } from '../../src/store/campaigns';
import { foldStatusCounts, readStatusCounts } from '../../src/store/status-counts';
import { BULK_TX } from '../../src/store/tx';
import { settleWithConcurrency } from '../../src/util/concurrency';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/db';

describe.each(DATABASE_KINDS)('status counts (%s)', (kind) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase(kind);
  });
  afterEach(async () => {
    await db?.destroy();
  });

  /** What grouping the whole tables says, in the counters' shape. */
  async function grouped() {
    const [campaigns, jobs] = await Promise.all([
      db.prisma.campaign.groupBy({ by: ['status'], _count: { _all: true } }),
      db.prisma.job.groupBy({ by: ['status'], _count: { _all: true } }),
    ]);
    return {
      campaigns: Object.fromEntries(campaigns.map((group) => [group.status, group._count._all])),
      jobs: Object.fromEntries(jobs.map((group) => [group.status, group._count._all])),
    };
  }

  async function runningCampaign(jobs: number) {
    const campaign = await db.prisma.campaign.create({
      data: {
        name: 'counted',
        status: 'RUNNING',
        searchCriteria: {},
        leadLimit: jobs,
        copyPrompt: 'p',
        instantlyCampaignId: 'i',
        leads: { create: Array.from({ length: jobs }, (_, i) => ({ externalId: `p${i}`, email: `p${i}@example.test` })) },
      },
      include: { leads: true },
    });
    await db.prisma.job.createMany({ data: campaign.leads.map((lead) => ({ campaignId: campaign.id, leadId: lead.id, type: 'VERIFY_EMAIL' as const })) });
    return { campaign, jobs: await db.prisma.job.findMany({ where: { campaignId: campaign.id } }) };
  }

  it('counts what the tables hold through inserts, claims, completions, a cascade, a resume, a delete and a fold', async () => {
    expect(await readStatusCounts(db.prisma)).toEqual({ campaigns: {}, jobs: {} });
    const a = await runningCampaign(5);
    const b = await runningCampaign(3);
    await db.prisma.campaign.create({ data: { name: 'new', searchCriteria: {}, leadLimit: 1, copyPrompt: 'p', instantlyCampaignId: 'i' } });
    expect(await readStatusCounts(db.prisma)).toEqual({ campaigns: { RUNNING: 2, CREATED: 1 }, jobs: { PENDING: 8 } });

    const job = a.jobs[0]!;
    const claimed = (await claimJob(db.prisma, { jobId: job.id, campaignId: a.campaign.id, dispatchId: crypto.randomUUID() }))!;
    await claimJob(db.prisma, { jobId: a.jobs[1]!.id, campaignId: a.campaign.id, dispatchId: crypto.randomUUID() });
    await completeJob(db.prisma, claimed, { leadUpdates: [{ leadId: job.leadId!, data: { status: 'VERIFIED' } }], next: { leadIds: [job.leadId!], types: ['ENRICH_LEAD'] } });
    // An update that changes no status appends nothing.
    await db.prisma.campaign.updateMany({ data: { workflowStatus: 'RUNNING' } });
    expect(await readStatusCounts(db.prisma)).toEqual(await grouped());
    expect((await readStatusCounts(db.prisma)).jobs).toEqual({ PENDING: 7, PROCESSING: 1, COMPLETED: 1 });

    await db.prisma.$transaction((tx) => pauseCampaigns(tx, { reason: 'test' }), BULK_TX);
    expect(await readStatusCounts(db.prisma)).toEqual({ campaigns: { PAUSED: 2, CREATED: 1 }, jobs: { PAUSED: 8, COMPLETED: 1 } });
    await db.prisma.$transaction((tx) => resumeAllCampaigns(tx), BULK_TX);
    expect(await readStatusCounts(db.prisma)).toEqual(await grouped());

    await db.prisma.campaign.delete({ where: { id: b.campaign.id } });
    const before = await readStatusCounts(db.prisma);
    expect(before).toEqual(await grouped());
    const rowsBefore = await db.prisma.statusCountDelta.count();
    expect(await foldStatusCounts(db.prisma)).toBe(true);
    expect(await db.prisma.statusCountDelta.count()).toBeLessThan(rowsBefore);
    expect(await readStatusCounts(db.prisma)).toEqual(before);
  });

  it('stays exact while claims, completions and folds race each other', async () => {
    const { campaign, jobs } = await runningCampaign(40);
    await settleWithConcurrency(jobs.map((job, i) => ({ job, i })), 8, async ({ job, i }) => {
      if (i % 10 === 0) await foldStatusCounts(db.prisma);
      const claimed = await claimJob(db.prisma, { jobId: job.id, campaignId: campaign.id, dispatchId: crypto.randomUUID() });
      if (claimed && i % 2 === 0) await completeJob(db.prisma, claimed, { next: { leadIds: [job.leadId!], types: ['ENRICH_LEAD'] } });
    });
    expect(await readStatusCounts(db.prisma)).toEqual(await grouped());
    expect((await readStatusCounts(db.prisma)).jobs).toEqual({ PENDING: 20, PROCESSING: 20, COMPLETED: 20 });
  });
});
