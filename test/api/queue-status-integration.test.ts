/**
 * Seed step 20's eight scenarios, at the HTTP level: call the API, then check the database and the
 * workflows. One dev server and worker per database kind; every test leaves normal operation behind.
 */
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { SERVICES } from '../../src/providers/types';
import { RESUME_WORKFLOW_MISSING } from '../../src/store/campaigns';
import { campaignWorkflowId } from '../../workflows/definitions';
import { DATABASE_KINDS } from '../helpers/db';
import {
  type ApiTestEnv,
  campaignsPausedAndQuiet,
  campaignBody,
  campaignsReach,
  KEYS,
  launchViaApi,
  messagesSince,
  useApiEnv,
  until,
} from './support/api-env';

const STATUS = '/api/v1/queue-management/status';
const RESUME = '/api/v1/queue-management/resume-queue';
const reset = (service: string) => `/api/v1/queue-management/circuit-breakers/${service}/reset`;

describe.each(DATABASE_KINDS)('queue status integration (%s)', (kind) => {
  let t: ApiTestEnv;
  useApiEnv(kind, (env) => (t = env));

  const prisma = () => t.h.db.prisma;
  const status = async () => (await t.get(STATUS).expect(200)).body.data;
  const dbCampaignCounts = async () =>
    Object.fromEntries((await prisma().campaign.groupBy({ by: ['status'], _count: { _all: true } })).map((g) => [g.status, g._count._all]));
  const dbJobCounts = async () =>
    Object.fromEntries((await prisma().job.groupBy({ by: ['status'], _count: { _all: true } })).map((g) => [g.status, g._count._all]));
  const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
  const systemState = () => prisma().systemState.findUniqueOrThrow({ where: { id: 1 } });
  const eventsSince = (since: Date) => prisma().breakerEvent.findMany({ where: { createdAt: { gte: since } }, orderBy: { id: 'asc' } });

  /** Campaigns running with every VERIFY_EMAIL call held in flight: a state that stays put. */
  async function launchHeld(count: number, leadLimit = 2): Promise<string[]> {
    t.h.providers.hold('millionverifier');
    const before = t.h.providers.waiting.millionverifier;
    const ids = await launchViaApi(t, count, leadLimit);
    await until(t, () => Promise.resolve(t.h.providers.waiting.millionverifier === before + count * leadLimit), 'verify calls held');
    return ids;
  }

  /** Held campaigns whose verify calls then fail for good (auth: not retried): the breaker trips. */
  async function tripOnVerify(count: number): Promise<string[]> {
    const ids = await launchHeld(count);
    t.h.providers.fail('millionverifier', 'auth');
    t.h.providers.release('millionverifier');
    // Settled: every failing call reported (one failure each), every campaign paused.
    await until(t, async () => (await status()).services.millionverifier.failure_count === count * 2, 'failures reported');
    await campaignsPausedAndQuiet(t, ids);
    return ids;
  }

  it('test_queue_status_accuracy_during_normal_operations', async () => {
    const ids = await launchHeld(2);
    const data = await status();
    expect(Object.keys(data.circuit_breaker).sort()).toEqual(['closed_at', 'metadata', 'opened_at', 'state']);
    expect(data.circuit_breaker).toMatchObject({ state: 'closed', metadata: {} });
    expect(data.queue.status).toBe('ACTIVE');
    expect(data.queue_paused).toBe(false);
    expect(data.can_resume).toBe(true);
    expect(data).not.toHaveProperty('resume_blocked_reason');
    expect(Object.keys(data.services).sort()).toEqual([...SERVICES].sort());
    for (const service of SERVICES) expect(data.services[service].failure_count).toBe(0);
    // Counts by status are the database's, status for status.
    expect(nonZero(data.campaigns.by_status)).toEqual(await dbCampaignCounts());
    expect(nonZero(data.jobs.by_status)).toEqual(await dbJobCounts());
    expect(data.campaigns.by_status.RUNNING).toBe(2);
    expect(data.jobs.by_status.PROCESSING).toBe(4);
    for (const id of ids) {
      const campaign = (await t.get(`/api/v1/campaigns/${id}`).expect(200)).body.data;
      expect(campaign.status).toBe('RUNNING');
      // Fetch and the email-enrichment batch done; both verify calls held.
      expect(campaign.job_counts.by_status).toMatchObject({ COMPLETED: 2, PROCESSING: 2 });
      expect(campaign.workflow).toMatchObject({ status: 'RUNNING', in_flight: 2 });
    }

    t.h.providers.release('millionverifier');
    await campaignsReach(t, ids, 'COMPLETED');
    const after = await status();
    expect(after.campaigns.by_status.RUNNING).toBe(0);
    expect(nonZero(after.campaigns.by_status)).toEqual(await dbCampaignCounts());
    expect(nonZero(after.jobs.by_status)).toEqual(await dbJobCounts());
  });

  it('test_queue_status_during_circuit_breaker_trigger', async () => {
    const since = new Date();
    const ids = await tripOnVerify(2);
    const data = await status();
    expect(data.circuit_breaker.state).toBe('open');
    expect(data.circuit_breaker.opened_at).toEqual(expect.any(String));
    expect(data.circuit_breaker.metadata).toMatchObject({ service: 'millionverifier', failure_type: 'auth', opened_by: 'system' });
    expect(data.circuit_breaker.metadata.error).toContain('millionverifier unavailable');
    expect(data.queue.status).toBe('PAUSED');
    expect(data.queue_paused).toBe(true);
    expect(data.can_resume).toBe(false);
    expect(data.resume_blocked_reason).toContain('millionverifier');
    expect(data.services.millionverifier).toMatchObject({ failure_count: 4, last_error: expect.stringContaining('unavailable') });
    expect(data.campaigns.by_status.RUNNING).toBe(0);
    expect(nonZero(data.campaigns.by_status)).toEqual(await dbCampaignCounts());
    expect(nonZero(data.jobs.by_status)).toEqual(await dbJobCounts());

    // Database: projection, cascade and audit.
    expect(await systemState()).toMatchObject({ breakerState: 'OPEN', queueState: 'PAUSED' });
    expect(await prisma().job.count({ where: { campaignId: { in: ids }, status: { in: ['PENDING', 'PROCESSING'] } } })).toBe(0);
    expect(await prisma().job.count({ where: { campaignId: { in: ids }, status: 'PAUSED' } })).toBe(4);
    // The cascade audits the trip once its last batch of jobs is paused, just after they show PAUSED.
    const types = await until(t, async () => {
      const seen = (await eventsSince(since)).map((e) => e.type);
      return seen.includes('QUEUE_PAUSED') && seen;
    }, 'the cascade audited');
    expect(types.filter((type) => type === 'BREAKER_OPENED')).toHaveLength(1);
    expect(types.filter((type) => type === 'QUEUE_PAUSED')).toHaveLength(1);
    // Workflows: both stopped (each adopts the database's pause when it reads its notice).
    for (const id of ids) {
      await until(t, async () => (await t.get(`/api/v1/campaigns/${id}`).expect(200)).body.data.workflow?.status === 'PAUSED', `campaign ${id} workflow PAUSED`);
    }
  });

  it('test_manual_queue_resume_with_all_circuit_breakers_closed', async () => {
    const since = new Date();
    const ids = await tripOnVerify(2);
    const pausedJobs = await prisma().job.count({ where: { status: 'PAUSED' } });
    const pausedCampaigns = await prisma().campaign.count({ where: { status: 'PAUSED' } });
    expect(pausedCampaigns).toBe(2);

    t.h.providers.recover('millionverifier');
    await t.post(reset('millionverifier')).expect(200);
    const res = await t.post(RESUME).expect(200);
    expect(res.body).toEqual({
      status: 'success',
      data: {
        queue_resumed: true,
        jobs_resumed: pausedJobs,
        campaigns_eligible: pausedCampaigns,
        campaigns_resumed: pausedCampaigns,
        campaign_resume_errors: [],
        services_resumed: [...SERVICES],
        prerequisites_met: 'All circuit breakers closed',
        in_progress: false,
        campaigns_pending: 0,
        message: `Queue resumed successfully: ${pausedJobs} jobs and ${pausedCampaigns} campaigns resumed`,
      },
    });
    expect(await systemState()).toMatchObject({ breakerState: 'CLOSED', queueState: 'ACTIVE' });
    await campaignsReach(t, ids, 'COMPLETED');
    expect(await prisma().lead.count({ where: { campaignId: { in: ids }, status: 'PUSHED' } })).toBe(4);
    const resumed = (await eventsSince(since)).filter((e) => e.type === 'QUEUE_RESUMED');
    expect(resumed).toHaveLength(1);
    expect(resumed[0]!.actor).toBe('operator');
  });

  it('test_manual_queue_resume_blocked_by_open_circuit_breaker', async () => {
    const since = new Date();
    const [id] = await launchHeld(1);
    const paused = await t.post('/api/v1/queue-management/pause-service', { service: 'perplexity', reason: 'Perplexity maintenance window' }).expect(200);
    expect(paused.body.data).toMatchObject({ service: 'perplexity', already_open: false, queue_status: 'PAUSED', circuit_breaker: { state: 'open' } });

    const refused = await t.post(RESUME).expect(400);
    expect(refused.body).toEqual({ status: 'error', detail: 'Cannot resume queue: Circuit breakers still open for: perplexity' });
    const refusedToo = await t.post('/api/v1/queue-management/resume-service', { service: 'perplexity' }).expect(400);
    expect(refusedToo.body.detail).toBe('Cannot resume queue: Circuit breakers still open for: perplexity');

    // Nothing moved: breaker, queue, campaign, workflow, audit.
    expect(await systemState()).toMatchObject({ breakerState: 'OPEN', queueState: 'PAUSED' });
    expect((await prisma().campaign.findUniqueOrThrow({ where: { id } })).status).toBe('PAUSED');
    // pause-service answers once the database is PAUSED; the workflow adopts it through the fan-out that follows.
    await until(t, async () => (await t.get(`/api/v1/campaigns/${id}`).expect(200)).body.data.workflow.status === 'PAUSED', 'workflow adopted the pause');
    expect((await eventsSince(since)).map((e) => e.type)).not.toContain('QUEUE_RESUMED');
    const data = await status();
    expect(data).toMatchObject({ can_resume: false, queue_paused: true, circuit_breaker: { state: 'open', metadata: { reason: 'Perplexity maintenance window', opened_by: 'operator' } } });
  });

  it('test_circuit_breaker_reset_does_not_resume_queue', async () => {
    const [id] = await launchHeld(1);
    await t.post('/api/v1/queue-management/pause-service', { service: 'openai', reason: 'quota review' }).expect(200);
    const pausedJobs = await prisma().job.count({ where: { campaignId: id, status: 'PAUSED' } });
    expect(pausedJobs).toBe(2);

    const res = await t.post(reset('openai')).expect(200);
    expect(res.body.data).toMatchObject({ service: 'openai', action: 'circuit_breaker_reset', queue_status: 'PAUSED', circuit_breaker: { state: 'closed' } });
    expect(res.body.data.message).toContain('Circuit breaker reset for openai');
    // Idempotent: a second reset is the same success and changes nothing.
    expect((await t.post(reset('openai')).expect(200)).body.data.queue_status).toBe('PAUSED');

    const data = await status();
    expect(data).toMatchObject({ circuit_breaker: { state: 'closed', metadata: {} }, queue: { status: 'PAUSED' }, queue_paused: true, can_resume: true });
    expect(await systemState()).toMatchObject({ breakerState: 'CLOSED', queueState: 'PAUSED' });
    expect((await prisma().campaign.findUniqueOrThrow({ where: { id } })).status).toBe('PAUSED');
    expect(await prisma().job.count({ where: { campaignId: id, status: 'PAUSED' } })).toBe(pausedJobs);
    expect((await t.get(`/api/v1/campaigns/${id}`).expect(200)).body.data.workflow.status).toBe('PAUSED');

    // The calls in flight land and keep their results; their next jobs wait, PAUSED, with the campaign.
    t.h.providers.release('millionverifier');
    const enrich = await until(
      t,
      async () => {
        const jobs = await prisma().job.findMany({ where: { campaignId: id, type: 'ENRICH_LEAD' } });
        return jobs.length === 2 && jobs;
      },
      'in-flight verify calls landed',
    );
    expect(enrich.map((job) => job.status)).toEqual(['PAUSED', 'PAUSED']);
    // Paused with their campaign: no reason stored (the cascade's rows keep their size), the API says it.
    for (const job of enrich) {
      expect(job.error).toBeNull();
      expect((await t.get(`/api/v1/jobs/${job.id}`).expect(200)).body.data.error).toBe(`Campaign ${id} is paused`);
    }
    expect((await prisma().campaign.findUniqueOrThrow({ where: { id } })).status).toBe('PAUSED');
    // And a new campaign may not start while the queue is paused.
    const created = await t.post('/api/v1/campaigns', { name: 'late', search_criteria: { titles: ['CEO'] }, lead_limit: 1, copy_prompt: 'Hi', instantly_campaign_id: 'i-1' }).expect(201);
    expect((await t.post(`/api/v1/campaigns/${created.body.data.id}/start`).expect(409)).body.detail).toContain('queue is PAUSED');
  });

  it('test_queue_resume_cascade_to_campaigns_and_jobs', async () => {
    const ids = await tripOnVerify(3);
    const pausedBefore = await prisma().job.findMany({ where: { campaignId: { in: ids }, status: 'PAUSED' } });
    expect(pausedBefore).toHaveLength(6);
    // Each says why it is paused.
    for (const job of pausedBefore) expect((await t.get(`/api/v1/jobs/${job.id}`).expect(200)).body.data.error).toMatch(/\S/);

    t.h.providers.recover('millionverifier');
    await t.post(reset('millionverifier')).expect(200);
    expect((await t.post(RESUME).expect(200)).body.data).toMatchObject({ jobs_resumed: 6, campaigns_resumed: 3 });

    // At once: no campaign or job of ours is PAUSED, pause errors cleared.
    const campaigns = await prisma().campaign.findMany({ where: { id: { in: ids } } });
    expect(campaigns.every((c) => c.status !== 'PAUSED' && c.statusReason === null)).toBe(true);
    const jobs = await prisma().job.findMany({ where: { id: { in: pausedBefore.map((job) => job.id) } } });
    expect(jobs.every((job) => job.status !== 'PAUSED' && job.error === null)).toBe(true);
    for (const job of jobs) expect((await t.get(`/api/v1/jobs/${job.id}`).expect(200)).body.data.error).toBeNull();

    await campaignsReach(t, ids, 'COMPLETED');
    for (const id of ids) {
      const campaign = (await t.get(`/api/v1/campaigns/${id}`).expect(200)).body.data;
      // Fetch, one email batch, three jobs per lead, and one or two push batches (the two leads may join one).
      const pushBatches = await prisma().job.count({ where: { campaignId: id, type: 'PUSH_TO_INSTANTLY' } });
      expect([1, 2]).toContain(pushBatches);
      const total = 1 + 1 + 2 * 3 + pushBatches;
      expect(campaign.job_counts).toMatchObject({ total, by_status: { COMPLETED: total, PAUSED: 0 } });
      expect(campaign.lead_counts.by_status.PUSHED).toBe(2);
      expect((await t.get(`/api/v1/campaigns/${id}/jobs?status=PAUSED`).expect(200)).body.data.total).toBe(0);
    }
    const pushedLeads = t.h.providers.pushes.map((push) => push.leadId);
    expect(new Set(pushedLeads).size).toBe(pushedLeads.length);
  });

  it('test_queue_status_endpoint_real_time_updates', async () => {
    const ids = await launchHeld(1);
    const before = await status();
    expect(before).toMatchObject({ circuit_breaker: { state: 'closed' }, queue: { status: 'ACTIVE' } });
    expect(before.campaigns.by_status.RUNNING).toBe(1);

    // Each call returns once its effect has landed: the very next status read shows it, no polling.
    await t.post('/api/v1/queue-management/pause-service', { service: 'instantly', reason: 'drill' }).expect(200);
    const opened = await status();
    expect(opened).toMatchObject({ circuit_breaker: { state: 'open' }, queue: { status: 'PAUSED' }, can_resume: false });
    expect(opened.queue.paused_at).not.toBe(before.queue.paused_at);
    expect(opened.campaigns.by_status).toMatchObject({ RUNNING: 0, PAUSED: 1 });
    expect(opened.jobs.by_status.PROCESSING).toBe(0);
    expect(nonZero(opened.jobs.by_status)).toEqual(await dbJobCounts());

    await t.post(reset('instantly')).expect(200);
    const closed = await status();
    expect(closed).toMatchObject({ circuit_breaker: { state: 'closed' }, queue: { status: 'PAUSED' }, can_resume: true });
    expect(closed.circuit_breaker.closed_at).not.toBe(opened.circuit_breaker.closed_at);
    expect(closed.campaigns.by_status.PAUSED).toBe(1);

    await t.post(RESUME).expect(200);
    const resumed = await status();
    expect(resumed).toMatchObject({ circuit_breaker: { state: 'closed' }, queue: { status: 'ACTIVE' }, queue_paused: false });
    expect(resumed.queue.resumed_at).not.toBe(closed.queue.resumed_at);
    expect(resumed.campaigns.by_status.PAUSED).toBe(0);
    expect(nonZero(resumed.campaigns.by_status)).toEqual(await dbCampaignCounts());

    t.h.providers.release('millionverifier');
    await campaignsReach(t, ids, 'COMPLETED');
  });

  it('test_multiple_circuit_breaker_failures_and_manual_recovery', async () => {
    const since = new Date();
    const first = await launchHeld(2);
    t.h.providers.hold('apollo');
    const [late] = await launchViaApi(t, 1);
    await until(t, () => Promise.resolve(t.h.providers.waiting.apollo === 1), 'apollo call held');
    const all = [...first, late!];
    t.h.providers.fail('apollo', 'auth');
    t.h.providers.fail('millionverifier', 'auth');

    // Apollo fails first and trips the breaker; the verify failures that follow are absorbed and counted.
    t.h.providers.release('apollo');
    await until(t, async () => (await status()).circuit_breaker.state === 'open', 'breaker open');
    t.h.providers.release('millionverifier');
    await until(t, async () => (await status()).services.millionverifier.failure_count === 4, 'verify failures absorbed');
    await campaignsPausedAndQuiet(t, all);
    const tripped = await status();
    expect(tripped.circuit_breaker.metadata.service).toBe('apollo');
    expect(tripped.services.apollo.failure_count).toBe(1);
    expect((await t.post(RESUME).expect(400)).body.detail).toBe('Cannot resume queue: Circuit breakers still open for: apollo');

    // Recovery 1: apollo is back but millionverifier is not: resuming trips the breaker again, on it.
    t.h.providers.recover('apollo');
    await t.post(reset('millionverifier')).expect(200);
    expect(Object.values((await status()).services).map((s) => (s as { failure_count: number }).failure_count)).toEqual([0, 0, 0, 0, 0]);
    await t.post(RESUME).expect(200);
    await until(t, async () => (await status()).circuit_breaker.metadata.service === 'millionverifier', 'breaker reopened');
    // Quiet before the next reset: a failure reported after a reset would trip the breaker again.
    await campaignsPausedAndQuiet(t, all);
    expect((await t.post(RESUME).expect(400)).body.detail).toBe('Cannot resume queue: Circuit breakers still open for: millionverifier');

    // Recovery 2: everything healthy; reset (through any service name: the breaker is global), resume.
    t.h.providers.recover('millionverifier');
    await t.post(reset('apollo')).expect(200);
    await t.post(RESUME).expect(200);
    await campaignsReach(t, all, 'COMPLETED');
    expect(await prisma().lead.count({ where: { campaignId: { in: all }, status: 'PUSHED' } })).toBe(6);

    const events = await eventsSince(since);
    const ofType = (type: string) => events.filter((e) => e.type === type);
    expect(ofType('BREAKER_OPENED').map((e) => e.service)).toEqual(['apollo', 'millionverifier']);
    expect(ofType('QUEUE_PAUSED')).toHaveLength(2);
    expect(ofType('BREAKER_RESET').map((e) => [e.service, e.actor])).toEqual([['millionverifier', 'operator'], ['apollo', 'operator']]);
    expect(ofType('QUEUE_RESUMED').map((e) => e.actor)).toEqual(['operator', 'operator']);
  });

  it('writes the operator log lines of SPEC section 5, and never a key', async () => {
    const workerFrom = t.h.logs.length;
    const apiFrom = t.apiLogs.length;
    const ids = await tripOnVerify(2);
    t.h.providers.recover('millionverifier');
    await t.post(reset('millionverifier')).expect(200);
    const resumed = (await t.post(RESUME).expect(200)).body.data;
    await campaignsReach(t, ids, 'COMPLETED');

    const worker = messagesSince(t.h.logs, workerFrom);
    const api = messagesSince(t.apiLogs, apiFrom);
    const has = (lines: string[], pattern: RegExp) => expect(lines.some((line) => pattern.test(line))).toBe(true);
    has(worker, /^Circuit breaker opened for millionverifier/);
    has(worker, /^Pausing queues/);
    for (const id of ids) has(worker, new RegExp(`^Campaign ${id} paused due to `));
    has(worker, new RegExp(`^Job [0-9a-f-]{36} paused: Campaign (${ids.join('|')}) is paused$`));
    has(worker, /^Circuit breaker manually reset for millionverifier/);
    has(api, /^Manual queue resume requested - validating prerequisites$/);
    has(worker, /^Prerequisites met: All circuit breakers are closed - proceeding with queue resume$/);
    expect(worker).toContain(`Manual queue resume completed: ${resumed.jobs_resumed} jobs, ${resumed.campaigns_resumed} campaigns resumed`);

    const everything = JSON.stringify([...t.h.logs, ...t.apiLogs]);
    expect(everything).not.toContain(KEYS.operator);
    expect(everything).not.toContain(KEYS.viewer);
  });

  // Issue 13: a query waits for the breaker's workflow task, seconds on a saturated worker; the status must not.
  it('answers from the database without waiting on the breaker workflow while nothing has changed', async () => {
    const before = await status();
    expect(before.circuit_breaker.state).toBe('closed');
    await t.h.stopWorker(); // nothing answers the breaker's queries now
    try {
      const started = Date.now();
      const data = await status();
      expect(Date.now() - started).toBeLessThan(2_000); // a query would wait out its deadline, then answer 503
      expect(data).toMatchObject({ circuit_breaker: { state: 'closed' }, queue: { status: 'ACTIVE' }, can_resume: true });
      expect(data.services).toEqual(before.services);
    } finally {
      await t.h.startWorker();
    }

    // What the database enforces is what it shows, whatever the breaker workflow says: here a trip written by
    // hand, as a breaker transition writes it, which the (running) breaker knows nothing of.
    const { transitionSeq } = await systemState();
    await prisma().systemState.update({
      where: { id: 1 },
      data: { breakerState: 'OPEN', queueState: 'PAUSED', openedAt: new Date(), transitionSeq: transitionSeq + 1, metadata: { service: 'apollo', error: null, failure_type: 'manual', reason: 'by hand', opened_by: 'test' } },
    });
    try {
      expect(await status()).toMatchObject({ circuit_breaker: { state: 'open', metadata: { reason: 'by hand' } }, queue: { status: 'PAUSED' }, can_resume: false });
    } finally {
      await prisma().$executeRaw`UPDATE system_state SET breaker_state = 'CLOSED', queue_state = 'ACTIVE', metadata = NULL, transition_seq = ${transitionSeq} WHERE id = 1`;
    }
    expect(await status()).toMatchObject({ circuit_breaker: { state: 'closed' }, queue: { status: 'ACTIVE' } });
  });

  // Issue 13: thousands of campaigns take minutes to tell; the operator gets an answer, not a 503 at the deadline.
  it('answers 202 with its progress when the campaign workflows cannot all be told in time, and finishes by itself', async () => {
    const [tripped] = await tripOnVerify(1);
    // A paused campaign whose workflow runs on a task queue no worker polls: it never acknowledges the resume.
    const stuck = (await t.post('/api/v1/campaigns', campaignBody({ name: 'stuck' })).expect(201)).body.data.id as string;
    await prisma().campaign.update({ where: { id: stuck }, data: { status: 'PAUSED', statusReason: 'paused by the test' } });
    const stuckRun = await t.env.client.workflow.start('campaignWorkflow', {
      workflowId: campaignWorkflowId(stuck),
      taskQueue: `${t.h.taskQueue}-nobody-polls`,
      args: [{ campaignId: stuck }],
    });
    const pausedJobs = await prisma().job.count({ where: { status: 'PAUSED' } });
    t.h.providers.recover('millionverifier');
    await t.post(reset('millionverifier')).expect(200);

    const quick = createApp({ ...t.deps, resumeAnswerMs: 3_000 });
    const started = Date.now();
    const answer = await request(quick).post(RESUME).set('Authorization', `Bearer ${KEYS.operator}`).expect(202);
    expect(Date.now() - started).toBeLessThan(10_000); // the fan-out waits 10 s for the stuck workflow alone
    expect(answer.body).toEqual({
      status: 'success',
      data: {
        queue_resumed: true,
        jobs_resumed: pausedJobs,
        campaigns_eligible: 2,
        campaigns_resumed: 1,
        campaigns_pending: 1,
        campaign_resume_errors: [],
        in_progress: true,
        services_resumed: [...SERVICES],
        prerequisites_met: 'All circuit breakers closed',
        message: `Queue resumed: ${pausedJobs} jobs and 2 campaigns RUNNING in the database; 1 campaign workflows told so far, 1 still being told (they run as they are told)`,
      },
    });
    expect(await systemState()).toMatchObject({ breakerState: 'CLOSED', queueState: 'ACTIVE' });
    await campaignsReach(t, [tripped!], 'COMPLETED');

    // The resume goes on without the operator: once the stuck workflow is gone, its campaign is reported and
    // paused again (SPEC rule 7), and the breaker's resume completes.
    await stuckRun.terminate('the test: a workflow that is gone');
    await until(t, async () => (await prisma().campaign.findUniqueOrThrow({ where: { id: stuck } })).statusReason === RESUME_WORKFLOW_MISSING, 'stuck campaign reported');
    await until(t, () => Promise.resolve(messagesSince(t.h.logs).includes(`Manual queue resume completed: ${pausedJobs} jobs, 1 campaigns resumed`)), 'resume completed');
    expect((await prisma().campaign.findUniqueOrThrow({ where: { id: stuck } })).status).toBe('PAUSED');
    // Out of the way of the next tests: a PAUSED campaign without a workflow would be resumed (and reported) again.
    await prisma().campaign.update({ where: { id: stuck }, data: { status: 'CANCELLED', workflowStatus: 'CANCELLED' } });
  });
});
