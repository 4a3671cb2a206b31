import { MockActivityEnvironment } from '@temporalio/testing';
import { jobActivities } from '../../activities/jobs';
import { randomUUID } from 'node:crypto';
import type { JobOutcome } from '../../workflows/definitions';
import { capturedLogger } from '../helpers/captured-logger';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/db';
import { ScriptedProviders } from '../helpers/scripted-providers';
import { resumeAllCampaigns } from '../../src/store/campaigns';
import { claimJob } from '../../src/store/jobs';
import { until } from '../helpers/until';

const quickly = { timeoutMs: 10_000, intervalMs: 20 };

/** A RUNNING campaign with one lead and its PENDING verify job, and the job activities over scripted services. */
async function verifyJobOfRunningCampaign(db: TestDatabase) {
  const providers = new ScriptedProviders();
  // eslint-disable-next-line @typescript-eslint/unbound-method -- a closure over its deps, no `this`
  const { runJob } = jobActivities({ prisma: db.prisma, providers, logger: capturedLogger().logger });
  const campaign = await db.prisma.campaign.create({
    data: {
      name: 'attempts',
      status: 'RUNNING',
      searchCriteria: { titles: ['CTO'] },
      leadLimit: 1,
      copyPrompt: 'Write a short intro.',
      instantlyCampaignId: 'inst-attempts',
      leads: { create: { externalId: 'p-1', email: 'p1@example.com' } },
    },
    include: { leads: true },
  });
  const lead = campaign.leads[0]!;
  const job = await db.prisma.job.create({ data: { campaignId: campaign.id, leadId: lead.id, type: 'VERIFY_EMAIL' } });
  return { providers, runJob, campaign, lead, job };
}

describe.each(DATABASE_KINDS)('job attempts (%s)', (kind) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase(kind);
  });
  afterEach(async () => {
    await db?.destroy();
  });

  // Temporal retries a job whose worker stopped heartbeating while that worker may, in fact, still finish it
  // (a network partition, a paused VM): both attempts then hold an answer for the same job.
  it('lands only the latest attempt of a job: an attempt taken over by a retry creates no next job', async () => {
    const { providers, runJob, lead, job } = await verifyJobOfRunningCampaign(db);

    providers.hold('millionverifier');
    // Temporal's retry of a dispatch carries the same input, so the same dispatch id.
    const dispatch = { jobId: job.id, campaignId: lead.campaignId, dispatchId: randomUUID() };
    const abandoned = new MockActivityEnvironment().run(runJob, dispatch);
    await until(() => providers.waiting.millionverifier === 1, 'the first attempt in flight', quickly);
    const retry = new MockActivityEnvironment().run(runJob, dispatch);
    await until(() => providers.waiting.millionverifier === 2, 'the retry in flight', quickly);
    expect(await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: 'PROCESSING', attempts: 2 });

    providers.release('millionverifier');
    const [first, second] = (await Promise.all([abandoned, retry])) as [JobOutcome, JobOutcome];
    expect(first).toEqual({ kind: 'completed', nextJobs: [] });

    const jobs = await db.prisma.job.findMany({ where: { leadId: lead.id }, orderBy: { createdAt: 'asc' } });
    expect(jobs.map((j) => [j.type, j.status])).toEqual([['VERIFY_EMAIL', 'COMPLETED'], ['ENRICH_LEAD', 'PENDING']]);
    expect(second).toEqual({ kind: 'completed', nextJobs: [{ id: jobs[1]!.id, type: 'ENRICH_LEAD' }] });
    expect((await db.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } })).status).toBe('VERIFIED');
  });

  it('keeps the answer of an attempt that was paused in flight', async () => {
    const { providers, runJob, campaign, lead, job } = await verifyJobOfRunningCampaign(db);

    providers.hold('millionverifier');
    const inFlight = new MockActivityEnvironment().run(runJob, { jobId: job.id, campaignId: campaign.id, dispatchId: randomUUID() });
    await until(() => providers.waiting.millionverifier === 1, 'the attempt in flight', quickly);
    await db.prisma.$transaction([
      db.prisma.campaign.update({ where: { id: campaign.id }, data: { status: 'PAUSED' } }),
      db.prisma.job.update({ where: { id: job.id }, data: { status: 'PAUSED' } }),
    ]);
    providers.release('millionverifier');

    // The result is kept; the next job waits PAUSED with its campaign (SPEC rule 3).
    expect((await inFlight) as JobOutcome).toEqual({ kind: 'completed', nextJobs: [] });
    const jobs = await db.prisma.job.findMany({ where: { leadId: lead.id }, orderBy: { createdAt: 'asc' } });
    expect(jobs.map((j) => [j.type, j.status])).toEqual([['VERIFY_EMAIL', 'COMPLETED'], ['ENRICH_LEAD', 'PAUSED']]);
    expect((await db.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } })).status).toBe('VERIFIED');
  });

  // A worker dies with a job claimed, and its campaign stops before Temporal retries that dispatch (the trip
  // pauses campaigns at once, their jobs only in the cascade). The refused retry must not leave the job PROCESSING
  // under a dispatch the workflow then lets go of: no resume and no new dispatch would ever run it.
  it.each([
    { refusedBy: 'its paused campaign', given: 'PAUSED' as const },
    { refusedBy: 'the closed gate (its campaign still running)', given: 'PENDING' as const },
  ])('a retry refused by $refusedBy gives back the job its dead attempt claimed: it runs again, once', async ({ given }) => {
    const { providers, runJob, campaign, lead, job } = await verifyJobOfRunningCampaign(db);
    const dispatch = { jobId: job.id, campaignId: campaign.id, dispatchId: randomUUID() };
    expect(await claimJob(db.prisma, dispatch)).toMatchObject({ id: job.id, attempts: 1 });
    if (given === 'PAUSED') {
      await db.prisma.campaign.update({ where: { id: campaign.id }, data: { status: 'PAUSED', statusReason: 'circuit breaker opened' } });
    } else {
      await db.prisma.systemState.update({ where: { id: 1 }, data: { queueState: 'PAUSED' } });
    }

    const retry: JobOutcome = await new MockActivityEnvironment().run(runJob, dispatch);
    expect(retry.kind).toBe('not_dispatched');
    expect(await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: given, attempts: 1 });
    expect(providers.calls.millionverifier).toBe(0);

    if (given === 'PAUSED') {
      expect(await db.prisma.$transaction((tx) => resumeAllCampaigns(tx))).toEqual({ campaigns: [campaign.id], jobsResumed: 1 });
    } else {
      await db.prisma.systemState.update({ where: { id: 1 }, data: { queueState: 'ACTIVE' } });
    }
    const rerun: JobOutcome = await new MockActivityEnvironment().run(runJob, { ...dispatch, dispatchId: randomUUID() });
    expect(rerun.kind).toBe('completed');
    expect(providers.calls.millionverifier).toBe(1);
    expect(await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: 'COMPLETED', attempts: 2 });
    expect((await db.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } })).status).toBe('VERIFIED');
  });

  // A resume reloads the work list while a result in flight also queues its next jobs: the same job may be
  // dispatched twice. Only one dispatch may own it, so the paid call is made once.
  it('runs a job for one dispatch only: a second dispatch of it makes no call and counts nothing', async () => {
    const { providers, runJob, campaign, lead, job } = await verifyJobOfRunningCampaign(db);

    providers.hold('millionverifier');
    const first: Promise<JobOutcome> = new MockActivityEnvironment().run(runJob, { jobId: job.id, campaignId: campaign.id, dispatchId: randomUUID() });
    await until(() => providers.waiting.millionverifier === 1, 'the first dispatch in flight', quickly);
    const second: JobOutcome = await new MockActivityEnvironment().run(runJob, { jobId: job.id, campaignId: campaign.id, dispatchId: randomUUID() });
    expect(second).toEqual({ kind: 'duplicate' });
    expect(providers.waiting.millionverifier).toBe(1);

    providers.release('millionverifier');
    const landed: JobOutcome = await first;
    expect(landed.kind).toBe('completed');
    const again: JobOutcome = await new MockActivityEnvironment().run(runJob, { jobId: job.id, campaignId: campaign.id, dispatchId: randomUUID() });
    expect(again).toEqual({ kind: 'duplicate' });
    expect(providers.calls.millionverifier).toBe(1);
    const jobs = await db.prisma.job.findMany({ where: { leadId: lead.id } });
    expect(jobs.map((j) => j.type).sort()).toEqual(['ENRICH_LEAD', 'VERIFY_EMAIL']);
  });
});
