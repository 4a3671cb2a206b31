/**
 * Races between the writers of campaigns and jobs, on PostgreSQL (PGlite runs one query at a time and would hide
 * them all). Each test holds a row lock in a connection of its own to stop one transaction at an exact
 * statement, starts the racing transaction, waits until PostgreSQL shows it waiting on a lock, then lets go.
 */
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Client } from 'pg';
import { breakerActivities } from '../../activities/breaker';
import { cancelCampaign, pauseCampaigns, resumeAllCampaigns, syncCampaign } from '../../src/store/campaigns';
import { claimJob, completeJob, type ClaimedJob, releaseJob } from '../../src/store/jobs';
import { closeGate, openGate } from '../../src/store/system-state';
import { BULK_TX } from '../../src/store/tx';
import { settleWithConcurrency } from '../../src/util/concurrency';
import type { BreakerTransition } from '../../workflows/definitions';
import { capturedLogger } from '../helpers/captured-logger';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { deadlocks, waitersReach } from '../helpers/pg-locks';

const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

onPostgres('lock order and convergence on PostgreSQL', () => {
  let db: TestDatabase;
  let holder: Client;
  let deadlocksBefore: number;

  beforeEach(async () => {
    db = await createTestDatabase('postgresql');
    holder = new Client({ connectionString: db.url });
    await holder.connect();
    deadlocksBefore = await deadlocks(holder);
  });
  afterEach(async () => {
    await holder?.end();
    await db?.destroy();
  });

  /** A campaign in `status` with one lead whose VERIFY_EMAIL job is claimed (PROCESSING) by one dispatch. */
  async function campaignWithJobInFlight(status: 'RUNNING' | 'PAUSED' = 'RUNNING') {
    const campaign = await db.prisma.campaign.create({
      data: {
        name: 'race',
        status: 'RUNNING',
        searchCriteria: { titles: ['CTO'] },
        leadLimit: 1,
        copyPrompt: 'Write.',
        instantlyCampaignId: 'inst-race',
        leads: { create: { externalId: `p-${randomUUID()}`, email: 'p@example.com' } },
      },
      include: { leads: true },
    });
    const lead = campaign.leads[0]!;
    const pending = await db.prisma.job.create({ data: { campaignId: campaign.id, leadId: lead.id, type: 'VERIFY_EMAIL' } });
    const job = (await claimJob(db.prisma, { jobId: pending.id, campaignId: campaign.id, dispatchId: randomUUID() }))!;
    expect(job).toBeDefined();
    if (status === 'PAUSED') await db.prisma.$transaction((tx) => pauseCampaigns(tx, { reason: 'drill', campaignIds: [campaign.id] }));
    return { campaignId: campaign.id, leadId: lead.id, job };
  }

  const complete = (job: ClaimedJob) =>
    completeJob(db.prisma, job, {
      leadUpdates: [{ leadId: job.lead_id!, data: { status: 'VERIFIED', emailStatus: 'ok' } }],
      next: { leadIds: [job.lead_id!], types: ['ENRICH_LEAD'] },
    });

  async function jobsOf(campaignId: string) {
    return db.prisma.job.findMany({ where: { campaignId }, orderBy: { createdAt: 'asc' }, select: { type: true, status: true } });
  }

  // The review's case: completion used to lock the job, then its campaign; the cascade locks campaigns, then jobs.
  it('a job finishing while the cascade pauses its campaign: no deadlock, the finished call is kept', async () => {
    const { campaignId, leadId, job } = await campaignWithJobInFlight();
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM leads WHERE id = $1 FOR UPDATE', [leadId]); // stops the completion at its lead write

    const completion = complete(job);
    await waitersReach(holder, 1, 'the completion waiting at its lead write');
    const cascade = db.prisma.$transaction((tx) => pauseCampaigns(tx, { reason: 'breaker opened' }), BULK_TX);
    await waitersReach(holder, 2, 'the cascade waiting behind the completion');
    await holder.query('COMMIT');

    const [completed, paused] = await Promise.all([completion, cascade]);
    expect(completed.settled).toBe(true);
    expect(paused.campaigns).toEqual([campaignId]);
    // The completion went first (it held the campaign): its next job was created PENDING, then paused by the cascade.
    expect(await jobsOf(campaignId)).toEqual([{ type: 'VERIFY_EMAIL', status: 'COMPLETED' }, { type: 'ENRICH_LEAD', status: 'PAUSED' }]);
    expect((await db.prisma.lead.findUniqueOrThrow({ where: { id: leadId } })).status).toBe('VERIFIED');
    expect(await deadlocks(holder)).toBe(deadlocksBefore);
  });

  // Resume used to turn jobs PENDING before it locked their campaigns: a job finishing in between created its next
  // job PAUSED (the campaign was still PAUSED) after the jobs update, leaving a PAUSED job under a RUNNING campaign.
  it('a job finishing while the queue resumes: no PAUSED job is left under a RUNNING campaign', async () => {
    const { campaignId, leadId, job } = await campaignWithJobInFlight('PAUSED');
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM leads WHERE id = $1 FOR UPDATE', [leadId]);

    const completion = complete(job);
    await waitersReach(holder, 1, 'the completion waiting at its lead write');
    const resume = db.prisma.$transaction(async (tx) => resumeAllCampaigns(tx), BULK_TX);
    await waitersReach(holder, 2, 'the resume waiting behind the completion');
    await holder.query('COMMIT');

    const [completed, resumed] = await Promise.all([completion, resume]);
    expect(completed).toEqual({ settled: true, nextJobs: [] });
    expect(resumed.campaigns).toEqual([campaignId]);
    expect((await db.prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } })).status).toBe('RUNNING');
    expect(await jobsOf(campaignId)).toEqual([{ type: 'VERIFY_EMAIL', status: 'COMPLETED' }, { type: 'ENRICH_LEAD', status: 'PENDING' }]);
    expect(await deadlocks(holder)).toBe(deadlocksBefore);
  });

  // A retry refused while the campaign was PAUSED gives its job back as PAUSED, for the resume to turn PENDING. Read
  // without the campaign's lock, a resume committing in between would already have passed the job over (it turns
  // only PAUSED jobs PENDING), leaving a PAUSED job under a RUNNING campaign that nothing would run again.
  it('a refused dispatch giving its job back while the queue resumes: the job ends PENDING under the RUNNING campaign', async () => {
    const { campaignId, leadId, job } = await campaignWithJobInFlight();
    const other = await db.prisma.job.create({ data: { campaignId, leadId, type: 'ENRICH_LEAD', status: 'PAUSED' } });
    // The trip's first transaction: the campaign PAUSED, its jobs not yet (the cascade has not reached them).
    await db.prisma.campaign.update({ where: { id: campaignId }, data: { status: 'PAUSED' } });
    const dispatch = { jobId: job.id, campaignId, dispatchId: (await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).dispatchId! };
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM jobs WHERE id = $1 FOR UPDATE', [other.id]); // stops the resume after its campaigns, at its jobs

    const resume = db.prisma.$transaction(async (tx) => resumeAllCampaigns(tx), BULK_TX);
    await waitersReach(holder, 1, 'the resume waiting at its jobs update, its campaign RUNNING but not committed');
    const release = releaseJob(db.prisma, dispatch);
    await waitersReach(holder, 2, 'the release waiting for the campaign the resume holds');
    await holder.query('COMMIT');

    const [resumed, released] = await Promise.all([resume, release]);
    expect(resumed).toEqual({ campaigns: [campaignId], jobsResumed: 1 });
    expect(released).toBe('PENDING');
    expect(await jobsOf(campaignId)).toEqual([{ type: 'VERIFY_EMAIL', status: 'PENDING' }, { type: 'ENRICH_LEAD', status: 'PENDING' }]);
    expect(await deadlocks(holder)).toBe(deadlocksBefore);
  });

  it('the gate waits for a claim in progress, and no claim succeeds once it has committed', async () => {
    const campaign = await db.prisma.campaign.create({
      data: { name: 'gate', status: 'RUNNING', searchCriteria: {}, leadLimit: 1, copyPrompt: 'x', instantlyCampaignId: 'i' },
    });
    const [first, second] = await Promise.all([1, 2].map(() => db.prisma.job.create({ data: { campaignId: campaign.id, type: 'FETCH_LEADS' } })));
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM campaigns WHERE id = $1 FOR UPDATE', [campaign.id]); // stops the claim after the gate's shared lock

    const claim = claimJob(db.prisma, { jobId: first!.id, campaignId: campaign.id, dispatchId: randomUUID() });
    await waitersReach(holder, 1, 'the claim waiting on its campaign');
    const gate = db.prisma.$transaction((tx) => closeGate(tx, { seq: 1, openedAt: new Date(), metadata: null }));
    await waitersReach(holder, 2, 'the gate waiting for the claim');
    await holder.query('COMMIT');

    expect(await claim).toBeDefined(); // it began before the gate closed: it may run (and the cascade pauses it)
    expect(await gate).toBe(true);
    expect(await claimJob(db.prisma, { jobId: second!.id, campaignId: campaign.id, dispatchId: randomUUID() })).toBeUndefined();
    const state = await db.prisma.systemState.findUniqueOrThrow({ where: { id: 1 } });
    const claimed = await db.prisma.job.findUniqueOrThrow({ where: { id: first!.id } });
    expect(claimed.startedAt!.getTime()).toBeLessThanOrEqual(state.updatedAt.getTime());
  });

  it('a campaign RUNNING behind a closed gate pauses itself when its workflow converges; a resume in between wins', async () => {
    const { campaignId } = await campaignWithJobInFlight();
    await db.prisma.$transaction((tx) => closeGate(tx, { seq: 1, openedAt: new Date(), metadata: { service: 'openai', error: 'down', failure_type: 'server_error', opened_by: 'system' } }));
    const converged = await syncCampaign(db.prisma, { campaignId, inFlight: [] });
    expect(converged).toMatchObject({ status: 'PAUSED', reason: 'circuit breaker opened: openai server_error: down' });

    await db.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`UPDATE system_state SET breaker_state = 'CLOSED' WHERE id = 1`;
      await openGate(tx, { seq: 2 });
      await resumeAllCampaigns(tx);
    });
    const again = await syncCampaign(db.prisma, { campaignId, inFlight: [] });
    expect(again.status).toBe('RUNNING');
    expect((await db.prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } })).workflowStatus).toBe('RUNNING');
  });

  it('a breaker effect run twice writes its state and its audit row once', async () => {
    await campaignWithJobInFlight();
    const { logger } = capturedLogger();
    // The fan-out needs Temporal; only the database effects run here.
    const effects = breakerActivities({ prisma: db.prisma, logger, fanOutConcurrency: 4, temporal: undefined as never, providers: undefined as never, taskQueue: 'unused', failureThreshold: 1 });
    const opened: BreakerTransition = { seq: 1, kind: 'opened', at: new Date().toISOString(), metadata: { service: 'openai', error: 'down \u0000 here', failure_type: 'server_error', reason: null, opened_by: 'system' } };
    expect((await effects.applyTransition(opened)).applied).toBe(true);
    expect((await effects.applyTransition(opened)).applied).toBe(false);
    const cascade = () => new MockActivityEnvironment().run((request: { seq: number; reason: string }) => effects.pauseCascade(request), { seq: 1, reason: 'circuit breaker opened: openai' });
    await cascade();
    await cascade();
    const reset: BreakerTransition = { seq: 2, kind: 'reset', at: new Date().toISOString(), service: 'openai', actor: 'operator', wasOpen: true, previous: opened.metadata, generation: 1 };
    await effects.applyTransition(reset);
    await effects.applyTransition(reset);
    const resumed: BreakerTransition = { seq: 3, kind: 'resumed', at: new Date().toISOString(), actor: 'operator' };
    const first = await effects.applyTransition(resumed);
    const second = await effects.applyTransition(resumed);
    expect(first).toMatchObject({ applied: true, jobsResumed: 1, campaignsResumed: 1 });
    expect(second).toMatchObject({ applied: false, jobsResumed: 1, campaignsResumed: 1 });
    // A stale retry of the first transition cannot re-open what was reset and resumed since.
    expect((await effects.applyTransition(opened)).applied).toBe(false);

    const events = await db.prisma.breakerEvent.findMany({ orderBy: { id: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(['BREAKER_OPENED', 'QUEUE_PAUSED', 'BREAKER_RESET', 'QUEUE_RESUMED']);
    expect(events[0]!.reason).toBe('down \uFFFD here'); // a provider's NUL, made storable
    const state = await db.prisma.systemState.findUniqueOrThrow({ where: { id: 1 } });
    expect(state).toMatchObject({ breakerState: 'CLOSED', queueState: 'ACTIVE', transitionSeq: 3, generation: 1 });
  });

  it('completing is idempotent on retry, and a cancel racing a completion leaves it COMPLETED', async () => {
    const { campaignId, job } = await campaignWithJobInFlight();
    await completeJob(db.prisma, job, { next: { leadIds: [], types: [] } });
    const first = await syncCampaign(db.prisma, { campaignId, inFlight: [], completeIfDone: true });
    const retried = await syncCampaign(db.prisma, { campaignId, inFlight: [], completeIfDone: true });
    expect([first.status, retried.status]).toEqual(['COMPLETED', 'COMPLETED']);
    expect(await cancelCampaign(db.prisma, campaignId)).toBe('COMPLETED');
    expect((await db.prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } })).status).toBe('COMPLETED');
  });

  it('a campaign with unfinished jobs no dispatch can run is PAUSED in the database, never only in memory', async () => {
    const { campaignId } = await campaignWithJobInFlight(); // its job PROCESSING, but the workflow has nothing in flight
    const state = await syncCampaign(db.prisma, { campaignId, inFlight: [], completeIfDone: true });
    expect(state.status).toBe('PAUSED');
    const row = await db.prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } });
    expect(row).toMatchObject({ status: 'PAUSED', workflowStatus: 'PAUSED' });
    expect(row.statusReason).toMatch(/1 unfinished jobs/);
    expect(await db.prisma.job.count({ where: { campaignId, status: 'PAUSED' } })).toBe(1);
  });

  // Acceptance: a trip while 1,000 campaigns' jobs are finishing. Every completion races the cascade on its own
  // connection (a pool of 10); none may deadlock, and every finished call's result must be kept.
  it('a trip while 1,000 campaigns finish jobs: zero deadlocks, every result kept', async () => {
    const campaigns = 1_000;
    const ids = Array.from({ length: campaigns }, () => randomUUID());
    await db.prisma.campaign.createMany({
      data: ids.map((id) => ({ id, name: 'load', status: 'RUNNING' as const, searchCriteria: {}, leadLimit: 1, copyPrompt: 'x', instantlyCampaignId: 'i' })),
    });
    const leads = await db.prisma.lead.createManyAndReturn({ data: ids.map((campaignId) => ({ campaignId, externalId: 'p', email: 'p@example.com' })), select: { id: true, campaignId: true } });
    await db.prisma.job.createMany({ data: leads.map((lead) => ({ campaignId: lead.campaignId, leadId: lead.id, type: 'VERIFY_EMAIL' as const })) });
    const jobs = await db.prisma.job.findMany({ select: { id: true, campaignId: true } });
    const claimed = await Promise.all(jobs.map((j) => claimJob(db.prisma, { jobId: j.id, campaignId: j.campaignId, dispatchId: randomUUID() })));

    // As many completions at once as a worker's job slots would run (hundreds), the rest queued behind them.
    const completions = settleWithConcurrency(claimed, 200, (job) => complete(job!));
    const cascade = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 50)); // in the thick of the completions
      await db.breakerPrisma.$transaction((tx) => closeGate(tx, { seq: 1, openedAt: new Date(), metadata: null }));
      const { logger } = capturedLogger();
      const effects = breakerActivities({ prisma: db.prisma, breakerPrisma: db.breakerPrisma, logger, fanOutConcurrency: 4, temporal: undefined as never, providers: undefined as never, taskQueue: 'unused', failureThreshold: 1 });
      const result: { campaignsPaused: number } = await new MockActivityEnvironment().run(
        (request: { seq: number; reason: string }) => effects.pauseCascade(request),
        { seq: 1, reason: 'circuit breaker opened' },
      );
      return result;
    })();
    const [settled, paused] = await Promise.all([completions, cascade]);

    expect(settled.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(settled.every((r) => r.status === 'fulfilled' && r.value.settled)).toBe(true);
    expect(await db.prisma.job.count({ where: { type: 'VERIFY_EMAIL', status: 'COMPLETED' } })).toBe(campaigns);
    expect(await db.prisma.lead.count({ where: { status: 'VERIFIED' } })).toBe(campaigns);
    expect(await db.prisma.job.count({ where: { type: 'ENRICH_LEAD' } })).toBe(campaigns);
    expect(await db.prisma.job.count({ where: { status: { in: ['PENDING', 'PROCESSING'] } } })).toBe(0);
    expect(paused.campaignsPaused).toBe(campaigns);
    expect(await deadlocks(holder)).toBe(deadlocksBefore);
  });
});
