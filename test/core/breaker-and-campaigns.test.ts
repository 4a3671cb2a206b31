import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { BreakerStillOpenError } from '../../src/breaker/client';
import {
  BREAKER_WORKFLOW_ID,
  campaignWorkflowId,
  recordFailureSignal,
} from '../../workflows/definitions';
import { createHarness, eventually, type Harness } from '../helpers/core-harness';
import { startTimeSkippingEnv } from '../helpers/temporal';
import { expectEachLeadCoveredOnce } from '../helpers/job-coverage';

let env: TestWorkflowEnvironment;
let h: Harness;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});
afterEach(async () => {
  // The breaker is a namespace singleton: end it so the next test's worker creates its own.
  await env.client.workflow.getHandle(BREAKER_WORKFLOW_ID).terminate('test finished').catch(() => undefined);
  await h?.close();
});

const UNFINISHED = ['PENDING', 'PROCESSING'] as const;

async function countsByStatus(h: Harness) {
  const [campaigns, jobs] = await Promise.all([
    h.db.prisma.campaign.groupBy({ by: ['status'], _count: true }),
    h.db.prisma.job.groupBy({ by: ['status'], _count: true }),
  ]);
  return {
    campaigns: Object.fromEntries(campaigns.map((c) => [c.status, c._count])) as Record<string, number>,
    jobs: Object.fromEntries(jobs.map((j) => [j.status, j._count])) as Record<string, number>,
  };
}

function result(campaignId: string) {
  return env.client.workflow.getHandle(campaignWorkflowId(campaignId)).result();
}

/** Every campaign PAUSED in the database and in its workflow; no job left to dispatch. */
async function expectEverythingPaused(ids: string[]) {
  await eventually(env, async () => {
    const progress = await Promise.all(ids.map((id) => h.queryProgress(id)));
    return progress.every((p) => p.status === 'PAUSED');
  }, { what: 'every campaign workflow PAUSED' });
  const counts = await countsByStatus(h);
  expect(counts.campaigns).toEqual({ PAUSED: ids.length });
  for (const status of UNFINISHED) expect(counts.jobs[status]).toBeUndefined();
  expect(counts.jobs.PAUSED).toBeGreaterThan(0);
}

async function expectBreaker(state: 'OPEN' | 'CLOSED', queue: 'ACTIVE' | 'PAUSED') {
  const snapshot = await h.breaker.state();
  expect(snapshot.state).toBe(state);
  expect(snapshot.queue.status).toBe(queue);
  const row = await h.db.prisma.systemState.findUniqueOrThrow({ where: { id: 1 } });
  expect(row.breakerState).toBe(state);
  expect(row.queueState).toBe(queue);
  return snapshot;
}

async function tripOnEnrichment(campaigns: number) {
  h.providers.fail('perplexity', 'server_error');
  const ids = await h.launch(campaigns, 3);
  await eventually(env, async () => (await h.breaker.state()).state === 'OPEN', { what: 'breaker OPEN' });
  return ids;
}

async function expectCompletedExactlyOnce(ids: string[], leadsEach = 3) {
  for (const id of ids) expect(await result(id)).toBe('COMPLETED');
  const leads = await h.db.prisma.lead.findMany({ where: { campaignId: { in: ids } } });
  expect(leads).toHaveLength(ids.length * leadsEach);
  expect(leads.every((l) => l.status === 'PUSHED')).toBe(true);
  const pushed = h.providers.pushes.map((p) => p.leadId).sort();
  expect(pushed).toEqual(leads.map((l) => l.id).sort());
  const jobs = await countsByStatus(h);
  expect(Object.keys(jobs.jobs)).toEqual(['COMPLETED']);
}

describe('campaign workflow', () => {
  it('completes a campaign: every lead verified, enriched, written and pushed once', async () => {
    h = await createHarness(env);
    const [id] = await h.launch(1, 3);
    expect(await result(id!)).toBe('COMPLETED');
    const campaign = await h.db.prisma.campaign.findUniqueOrThrow({ where: { id: id! }, include: { jobs: true, leads: true } });
    expect(campaign.status).toBe('COMPLETED');
    // Fetch, one email-enrichment batch (up to 10 leads), three jobs per lead, and push batches covering every lead once.
    const batches = expectEachLeadCoveredOnce(campaign.jobs, campaign.leads.map((lead) => lead.id));
    expect(batches.FIND_EMAILS).toBe(1);
    expect(batches.PUSH_TO_INSTANTLY).toBe(h.providers.pushBatches.length);
    await expectCompletedExactlyOnce([id!]);
    await expectBreaker('CLOSED', 'ACTIVE');
  });

  it('fails only the job whose own data is refused; the campaign and breaker carry on', async () => {
    h = await createHarness(env);
    const id = await h.createCampaign({ leadLimit: 3, keywords: 'refuse' });
    h.providers.refusedEmails.add('person1@refuse.example.com');
    await h.startCampaign(id);
    expect(await result(id)).toBe('COMPLETED');

    const failed = await h.db.prisma.job.findMany({ where: { campaignId: id, status: 'FAILED' }, include: { lead: true } });
    expect(failed).toHaveLength(1);
    expect(failed[0]!.type).toBe('VERIFY_EMAIL');
    expect(failed[0]!.error).toMatch(/Invalid email syntax/);
    expect(failed[0]!.lead!.status).toBe('FAILED');
    expect(await h.db.prisma.lead.count({ where: { campaignId: id, status: 'PUSHED' } })).toBe(2);
    const snapshot = await expectBreaker('CLOSED', 'ACTIVE');
    expect(snapshot.services.millionverifier.failure_count).toBe(0);
  });

  it('fails only the lead Instantly will not take; the rest of its push batch is PUSHED and the breaker stays closed', async () => {
    h = await createHarness(env);
    const id = await h.createCampaign({ leadLimit: 3, keywords: 'blocked' });
    h.providers.refusedByInstantly.add('person2@blocked.example.com');
    await h.startCampaign(id);
    expect(await result(id)).toBe('COMPLETED');

    const leads = await h.db.prisma.lead.findMany({ where: { campaignId: id }, orderBy: { email: 'asc' } });
    expect(leads.map((lead) => [lead.email, lead.status, lead.instantlyLeadId])).toEqual([
      ['person0@blocked.example.com', 'PUSHED', `inst-${leads[0]!.id}`],
      ['person1@blocked.example.com', 'PUSHED', `inst-${leads[1]!.id}`],
      ['person2@blocked.example.com', 'FAILED', null],
    ]);
    // The call succeeded: its job COMPLETED, nothing PAUSED or FAILED.
    const pushJobs = await h.db.prisma.job.findMany({ where: { campaignId: id, type: 'PUSH_TO_INSTANTLY' } });
    expect(pushJobs.every((job) => job.status === 'COMPLETED')).toBe(true);
    expect(await h.db.prisma.job.count({ where: { campaignId: id, status: { not: 'COMPLETED' } } })).toBe(0);
    expect((await expectBreaker('CLOSED', 'ACTIVE')).services.instantly.failure_count).toBe(0);
  });

  it('pauses its campaign as soon as any job is paused, even when the breaker stays closed', async () => {
    h = await createHarness(env, { failureThreshold: 3 });
    const failing = await h.createCampaign({ leadLimit: 2 });
    h.providers.fail('apollo', 'timeout');
    await h.startCampaign(failing);
    await eventually(env, async () => (await h.queryProgress(failing)).status === 'PAUSED', { what: 'campaign paused' });
    // The workflow stops dispatching first; the failure report then writes the pause to the database.
    const job = await eventually(env, async () => {
      const found = await h.db.prisma.job.findFirstOrThrow({ where: { campaignId: failing } });
      return found.status === 'PAUSED' ? found : undefined;
    }, { what: 'job PAUSED in the database' });
    expect(job.error).toMatch(/apollo failed/);
    expect(job.attempts).toBe(3); // the activity's own short retry policy ran out first
    expect((await h.db.prisma.campaign.findUniqueOrThrow({ where: { id: failing } })).status).toBe('PAUSED');
    const snapshot = await eventually(env, async () => {
      const s = await h.breaker.state();
      return s.services.apollo.failure_count === 1 ? s : undefined;
    });
    expect(snapshot.state).toBe('CLOSED');
    expect(snapshot.queue.status).toBe('ACTIVE');

    // Other campaigns are not affected by a failure below the threshold.
    h.providers.recover('apollo');
    const [other] = await h.launch(1, 2);
    expect(await result(other!)).toBe('COMPLETED');
    expect((await h.db.prisma.campaign.findUniqueOrThrow({ where: { id: failing } })).status).toBe('PAUSED');
  });

  it('keeps a large campaign history bounded by continuing as new, losing and repeating nothing', async () => {
    h = await createHarness(env);
    const id = await h.createCampaign({ leadLimit: 20 });
    const handle = await env.client.workflow.start('campaignWorkflow', {
      workflowId: campaignWorkflowId(id),
      taskQueue: h.taskQueue,
      args: [{ campaignId: id, historyLimit: 150 }],
    });
    expect(await handle.result()).toBe('COMPLETED');
    const described = await env.client.workflow.getHandle(campaignWorkflowId(id)).describe();
    expect(described.runId).not.toBe(handle.firstExecutionRunId);
    expect(described.historyLength).toBeLessThan(400);
    await expectCompletedExactlyOnce([id], 20);
    const leads = await h.db.prisma.lead.findMany({ where: { campaignId: id } });
    expect(expectEachLeadCoveredOnce(await h.db.prisma.job.findMany(), leads.map((lead) => lead.id)).FIND_EMAILS).toBe(2);
  });
});

describe('global breaker', () => {
  it('opens on a service failure and pauses the queue, every campaign and every job', async () => {
    h = await createHarness(env);
    const ids = await tripOnEnrichment(3);
    const snapshot = await expectBreaker('OPEN', 'PAUSED');
    expect(snapshot.metadata).toMatchObject({ service: 'perplexity', failure_type: 'server_error', opened_by: 'system' });
    expect(snapshot.metadata?.error).toMatch(/perplexity unavailable/);
    expect(snapshot.opened_at).not.toBeNull();
    await expectEverythingPaused(ids);

    // The job that tripped it is PAUSED (to be retried), not FAILED.
    const tripping = await h.db.prisma.job.findUniqueOrThrow({ where: { id: snapshot.metadata!.job_id! } });
    expect(tripping.type).toBe('ENRICH_LEAD');
    expect(tripping.status).toBe('PAUSED');
    expect(await h.db.prisma.job.count({ where: { status: 'FAILED' } })).toBe(0);

    // The cascade audits the pause once through the backlogs (beside the fan-out), after the campaigns paused.
    await eventually(env, async () => (await h.db.prisma.breakerEvent.count({ where: { type: 'QUEUE_PAUSED' } })) === 1, { what: 'pause audited' });
    const events = await h.db.prisma.breakerEvent.findMany({ orderBy: { id: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(['BREAKER_OPENED', 'QUEUE_PAUSED']);
    expect(events[0]).toMatchObject({ service: 'perplexity', actor: 'system' });

    const messages = h.logs.map((l) => l.msg);
    expect(messages).toContain(`Circuit breaker opened for perplexity: ${snapshot.metadata!.error}`);
    expect(messages).toContain('Pausing queues: circuit breaker is OPEN');
    expect(messages.some((m) => /^Campaign \S+ paused due to /.test(m))).toBe(true);
    expect(messages.some((m) => /^Job \S+ paused: Campaign \S+ is paused$/.test(m))).toBe(true);
  });

  it('opens by hand with the operator reason, with the same effect as a failure', async () => {
    h = await createHarness(env);
    h.providers.hold('millionverifier');
    const ids = await h.launch(2, 3);
    await eventually(env, () => Promise.resolve(h.providers.waiting.millionverifier > 0), { what: 'jobs in flight' });

    const snapshot = await h.breaker.forceOpen({ service: 'apollo', reason: 'Apollo maintenance window', actor: 'operator' });
    expect(snapshot.state).toBe('OPEN');
    expect(snapshot.metadata).toMatchObject({ service: 'apollo', reason: 'Apollo maintenance window', opened_by: 'operator', failure_type: 'manual' });
    await expectEverythingPaused(ids);

    // Calls already in flight finish and keep their result; nothing new is dispatched.
    const callsBefore = { ...h.providers.calls };
    h.providers.release('millionverifier');
    await eventually(env, async () => (await h.db.prisma.lead.count({ where: { status: 'VERIFIED' } })) === callsBefore.millionverifier, { what: 'in-flight results kept' });
    await env.sleep(2_000);
    expect(h.providers.calls).toEqual(callsBefore);
    const counts = await countsByStatus(h);
    for (const status of UNFINISHED) expect(counts.jobs[status]).toBeUndefined();
    expect(counts.campaigns).toEqual({ PAUSED: 2 });

    const event = await h.db.prisma.breakerEvent.findFirstOrThrow({ where: { type: 'BREAKER_OPENED' } });
    expect(event).toMatchObject({ actor: 'operator', reason: 'Apollo maintenance window', service: 'apollo' });
  });

  it('reset closes the breaker and resumes nothing; resume is refused while OPEN', async () => {
    h = await createHarness(env);
    const ids = await tripOnEnrichment(2);
    await expectEverythingPaused(ids);
    await eventually(env, async () => (await h.db.prisma.breakerEvent.count({ where: { type: 'QUEUE_PAUSED' } })) === 1, { what: 'pause audited' });

    await expect(h.breaker.resumeQueue({ actor: 'operator' })).rejects.toThrow(BreakerStillOpenError);
    await expect(h.breaker.resumeQueue({ actor: 'operator' })).rejects.toThrow(
      'Cannot resume queue: Circuit breakers still open for: perplexity',
    );
    await expectBreaker('OPEN', 'PAUSED');

    const callsBefore = { ...h.providers.calls };
    h.providers.recover('perplexity');
    const afterReset = await h.breaker.reset({ service: 'openai', actor: 'operator' });
    expect(afterReset.state).toBe('CLOSED');
    expect(afterReset.closed_at).not.toBeNull();
    expect(Object.values(afterReset.services).every((s) => s.failure_count === 0)).toBe(true);
    // Idempotent.
    expect((await h.breaker.reset({ service: 'openai', actor: 'operator' })).state).toBe('CLOSED');

    await env.sleep(5_000);
    await expectBreaker('CLOSED', 'PAUSED');
    await expectEverythingPaused(ids);
    expect(h.providers.calls).toEqual(callsBefore);
    const types = (await h.db.prisma.breakerEvent.findMany({ orderBy: { id: 'asc' } })).map((e) => e.type);
    expect(types).toEqual(['BREAKER_OPENED', 'QUEUE_PAUSED', 'BREAKER_RESET', 'BREAKER_RESET']);
    expect(h.logs.map((l) => l.msg)).toContain('Circuit breaker manually reset for openai by operator');
  });

  it('resume after reset turns paused jobs back to pending and every campaign completes, each lead pushed once', async () => {
    h = await createHarness(env);
    const ids = await tripOnEnrichment(3);
    await expectEverythingPaused(ids);
    const pausedJobs = await h.db.prisma.job.count({ where: { status: 'PAUSED' } });

    h.providers.recover('perplexity');
    await h.breaker.reset({ service: 'perplexity', actor: 'operator' });
    const resumed = await h.breaker.resumeQueue({ actor: 'operator' });
    expect(resumed).toEqual({
      queue_resumed: true,
      jobs_resumed: pausedJobs,
      campaigns_eligible: 3,
      campaigns_resumed: 3,
      campaign_resume_errors: [],
    });
    await expectCompletedExactlyOnce(ids);
    await expectBreaker('CLOSED', 'ACTIVE');
    expect(h.logs.map((l) => l.msg)).toContain(`Manual queue resume completed: ${pausedJobs} jobs, 3 campaigns resumed`);
  });

  it('survives the full two-step recovery several times in a row', async () => {
    h = await createHarness(env);
    const ids = await h.launch(2, 4);
    const services = ['apollo', 'openai', 'instantly'] as const;
    for (const service of services) {
      h.providers.fail(service);
      // A campaign that already finished cannot trip anything: use a fresh one to hit each service.
      const [probe] = await h.launch(1, 1);
      ids.push(probe!);
      await eventually(env, async () => (await h.breaker.state()).state === 'OPEN', { what: `breaker OPEN on ${service}` });
      await eventually(env, async () => {
        const c = await countsByStatus(h);
        return !c.campaigns.RUNNING && !c.jobs.PENDING && !c.jobs.PROCESSING;
      }, { what: 'everything paused' });
      expect((await h.breaker.state()).metadata?.service).toBe(service);
      h.providers.recover(service);
      await h.breaker.reset({ service, actor: 'operator' });
      await h.breaker.resumeQueue({ actor: 'operator' });
    }
    for (const id of ids) expect(await result(id)).toBe('COMPLETED');
    const leads = await h.db.prisma.lead.findMany();
    expect(leads.every((l) => l.status === 'PUSHED')).toBe(true);
    expect(new Set(h.providers.pushes.map((p) => p.leadId)).size).toBe(h.providers.pushes.length);
    expect(h.providers.pushes).toHaveLength(leads.length);
    const types = (await h.db.prisma.breakerEvent.findMany()).map((e) => e.type);
    expect(types.filter((t) => t === 'BREAKER_OPENED')).toHaveLength(3);
    expect(types.filter((t) => t === 'QUEUE_RESUMED')).toHaveLength(3);
  });

  it('never lets a campaign started while the queue is paused run a job, and resumes it with the queue', async () => {
    h = await createHarness(env);
    await h.breaker.forceOpen({ service: 'apollo', reason: 'drill', actor: 'operator' });
    // Started behind the API's back (the API refuses with 409): the workflow's own gate must hold.
    const [id] = await h.launch(1, 2);
    await eventually(env, async () => (await h.queryProgress(id!)).status === 'PAUSED', { what: 'started PAUSED' });
    const job = await h.db.prisma.job.findFirstOrThrow({ where: { campaignId: id! } });
    expect(job).toMatchObject({ type: 'FETCH_LEADS', status: 'PAUSED', attempts: 0 });
    expect(h.providers.calls.apollo).toBe(0);

    await h.breaker.reset({ service: 'apollo', actor: 'operator' });
    expect((await h.breaker.resumeQueue({ actor: 'operator' })).campaigns_resumed).toBe(1);
    expect(await result(id!)).toBe('COMPLETED');
  });

  it('orders campaign starts racing the breaker opening: none runs a job after the pause lands', async () => {
    h = await createHarness(env);
    h.providers.hold('apollo');
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await h.createCampaign({ leadLimit: 2 }));
    await Promise.all([
      ...ids.map((id) => h.startCampaign(id)),
      h.breaker.forceOpen({ service: 'instantly', reason: 'race drill', actor: 'operator' }),
    ]);
    await expectEverythingPaused(ids);
    // Only jobs claimed before the pause committed reached Apollo; they are held in flight right now.
    const claimed = await h.db.prisma.job.count({ where: { attempts: { gt: 0 } } });
    expect(h.providers.calls.apollo).toBe(claimed);
    h.providers.release('apollo');
    await env.sleep(3_000);
    const counts = await countsByStatus(h);
    for (const status of UNFINISHED) expect(counts.jobs[status]).toBeUndefined();
    expect(counts.campaigns).toEqual({ PAUSED: ids.length });
    expect(h.providers.calls.millionverifier).toBe(0);
    expect(h.providers.calls.apollo).toBe(claimed);
  });

  it('ignores a failure dispatched before a reset and reported after it, but opens on a fresh one', async () => {
    h = await createHarness(env);
    await h.breaker.forceOpen({ service: 'perplexity', reason: 'outage', actor: 'operator' });
    const reset = await h.breaker.reset({ service: 'perplexity', actor: 'operator' });
    expect(reset.generation).toBe(1);
    expect((await h.db.prisma.systemState.findUniqueOrThrow({ where: { id: 1 } })).generation).toBe(1);

    const handle = env.client.workflow.getHandle(BREAKER_WORKFLOW_ID);
    await handle.signal(recordFailureSignal, { service: 'perplexity', error: 'late 503', failureType: 'server_error', breakerGeneration: 0 });
    const afterStale = await eventually(env, async () => {
      const s = await h.breaker.state();
      return s.absorbed_failures === 1 ? s : undefined;
    }, { what: 'stale failure absorbed' });
    expect(afterStale.state).toBe('CLOSED');
    expect(afterStale.services.perplexity.failure_count).toBe(0);

    await handle.signal(recordFailureSignal, { service: 'perplexity', error: 'fresh 503', failureType: 'server_error', breakerGeneration: 1 });
    await eventually(env, async () => (await h.breaker.state()).state === 'OPEN', { what: 'breaker re-opened' });
    expect((await h.breaker.state()).metadata?.error).toBe('fresh 503');
  });

  it('absorbs failure storms while OPEN and keeps its history bounded by continuing as new', async () => {
    h = await createHarness(env);
    await env.client.workflow.start('breakerWorkflow', {
      workflowId: BREAKER_WORKFLOW_ID,
      taskQueue: h.taskQueue,
      args: [{ failureThreshold: 1, historyLimit: 200 }],
    });
    await h.breaker.forceOpen({ service: 'openai', reason: 'storm drill', actor: 'operator' });
    const handle = env.client.workflow.getHandle(BREAKER_WORKFLOW_ID);
    const firstRun = (await handle.describe()).runId;
    for (let i = 0; i < 400; i++) {
      await handle.signal(recordFailureSignal, { service: 'openai', error: `late failure ${i}`, failureType: 'server_error' });
    }
    const snapshot = await eventually(env, async () => {
      const s = await h.breaker.state();
      return s.absorbed_failures === 400 ? s : undefined;
    }, { what: 'every failure absorbed' });
    expect(snapshot.state).toBe('OPEN');
    expect(snapshot.metadata?.reason).toBe('storm drill');
    expect(snapshot.services.openai.last_error).toBe('late failure 399');

    const described = await handle.describe();
    expect(described.runId).not.toBe(firstRun);
    expect(described.historyLength).toBeLessThan(400);
    // Absorbed failures schedule no activity and write no audit rows: only the manual open did.
    expect(await h.db.prisma.breakerEvent.count()).toBe(2);
  });
});
