/**
 * The database is the source of truth and everything converges to it: a breaker run that was terminated is
 * replaced by one rebuilt from the database, a provider's unstorable text cannot wedge the breaker, and a resume
 * notice that reaches a campaign while it is still starting is not lost.
 */
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { breakerActivities, type FanOutRequest } from '../../activities/breaker';
import { capturedLogger } from '../helpers/captured-logger';
import { BreakerStillOpenError } from '../../src/breaker/client';
import { BREAKER_WORKFLOW_ID, campaignWorkflowId } from '../../workflows/definitions';
import { createHarness, eventually, type Harness } from '../helpers/core-harness';
import { DATABASE_KINDS } from '../helpers/db';
import { startTimeSkippingEnv } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let h: Harness;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});
afterEach(async () => {
  await env.client.workflow.getHandle(BREAKER_WORKFLOW_ID).terminate('test finished').catch(() => undefined);
  await h?.close();
});

const result = (id: string) => env.client.workflow.getHandle(campaignWorkflowId(id)).result();

describe.each(DATABASE_KINDS)('convergence (%s)', (kind) => {
  it('a terminated breaker is replaced by a run rebuilt from the database: OPEN stays OPEN, both steps still needed', async () => {
    h = await createHarness(env, { kind });
    h.providers.hold('apollo');
    const ids = await h.launch(2, 2);
    await h.breaker.forceOpen({ service: 'apollo', reason: 'drill', actor: 'operator' });
    h.providers.release('apollo');

    // An operator's click in the Web UI, or `temporal workflow terminate`.
    await env.client.workflow.getHandle(BREAKER_WORKFLOW_ID).terminate('clicked in the Web UI');
    const rebuilt = await h.breaker.state();
    expect(rebuilt).toMatchObject({ state: 'OPEN', queue: { status: 'PAUSED' }, metadata: { service: 'apollo', reason: 'drill' } });
    await expect(h.breaker.resumeQueue({ actor: 'operator' })).rejects.toThrow(BreakerStillOpenError);

    await env.client.workflow.getHandle(BREAKER_WORKFLOW_ID).terminate('again, mid-recovery');
    expect((await h.breaker.reset({ service: 'apollo', actor: 'operator' })).state).toBe('CLOSED');
    expect((await h.breaker.state()).queue.status).toBe('PAUSED'); // reset resumed nothing
    const resumed = await h.breaker.resumeQueue({ actor: 'operator' });
    expect(resumed.campaigns_resumed).toBe(2);
    for (const id of ids) expect(await result(id)).toBe('COMPLETED');

    const types = (await h.db.prisma.breakerEvent.findMany({ orderBy: { id: 'asc' } })).map((e) => e.type);
    expect(types).toEqual(['BREAKER_OPENED', 'QUEUE_PAUSED', 'BREAKER_RESET', 'QUEUE_RESUMED']);
  });

  it("a provider's error text with a NUL opens the breaker and is stored made safe; recovery works", async () => {
    h = await createHarness(env, { kind });
    h.providers.fail('openai', 'server_error', 'upstream said \u0000 and \ud800');
    const ids = await h.launch(1, 1);
    await eventually(env, async () => (await h.db.prisma.systemState.findUniqueOrThrow({ where: { id: 1 } })).breakerState === 'OPEN', { what: 'breaker OPEN in the database' });
    await eventually(env, async () => (await h.db.prisma.breakerEvent.count({ where: { type: 'QUEUE_PAUSED' } })) === 1, { what: 'cascade done' });
    const opened = await h.db.prisma.breakerEvent.findFirstOrThrow({ where: { type: 'BREAKER_OPENED' } });
    expect(opened.reason).toBe('upstream said \uFFFD and \uFFFD');
    const job = await h.db.prisma.job.findFirstOrThrow({ where: { campaignId: ids[0]!, type: 'WRITE_COPY' } });
    expect(job.status).toBe('PAUSED');
    expect(job.error).toContain('\uFFFD');

    h.providers.recover('openai');
    await h.breaker.reset({ service: 'openai', actor: 'operator' });
    await h.breaker.resumeQueue({ actor: 'operator' });
    expect(await result(ids[0]!)).toBe('COMPLETED');
  });

  it('a resume that reaches a campaign while it is still starting is not lost', async () => {
    h = await createHarness(env, { kind });
    await h.breaker.forceOpen({ service: 'apollo', reason: 'before the start', actor: 'operator' });
    const [id] = await h.launch(1, 1);
    await h.breaker.reset({ service: 'apollo', actor: 'operator' });
    // The campaign's start reads the queue PAUSED; the resume lands around the time that start is adopted.
    await h.breaker.resumeQueue({ actor: 'operator' });
    expect(await result(id!)).toBe('COMPLETED');
    const campaign = await h.db.prisma.campaign.findUniqueOrThrow({ where: { id: id! } });
    expect(campaign).toMatchObject({ status: 'COMPLETED', workflowStatus: 'COMPLETED' });
  });

  // A worker killed right after the resume committed: its retry finds nothing left to flip in the database, but
  // reads its targets from the current state, so it still tells every campaign that has not adopted RUNNING.
  it('a resume fan-out run again after its first attempt died tells every campaign not yet told', async () => {
    h = await createHarness(env, { kind });
    h.providers.hold('perplexity');
    const ids = await h.launch(3, 1);
    await eventually(env, () => Promise.resolve(h.providers.waiting.perplexity === 3), { what: 'enrichment in flight' });
    await h.breaker.forceOpen({ service: 'perplexity', reason: 'drill', actor: 'operator' });
    h.providers.release('perplexity');
    await h.breaker.reset({ service: 'perplexity', actor: 'operator' });
    await eventually(env, async () => (await h.db.prisma.campaign.count({ where: { workflowStatus: 'PAUSED' } })) === 3, { what: 'pause adopted' });
    await eventually(env, async () => (await Promise.all(ids.map((id) => h.queryProgress(id)))).every((p) => p.status === 'PAUSED'), { what: 'workflows PAUSED' });
    await env.sleep(5_000); // the pause fan-out's last pass, and any re-read it caused, are over

    // The first attempt's write, then its death: nobody was told.
    const effects = breakerActivities({ prisma: h.db.prisma, temporal: env.client, logger: capturedLogger().logger, fanOutConcurrency: 4, providers: h.providers, taskQueue: h.taskQueue, failureThreshold: 1 });
    const state = await h.db.prisma.systemState.findUniqueOrThrow({ where: { id: 1 } });
    const written = await effects.applyTransition({ seq: state.transitionSeq + 1, kind: 'resumed', at: new Date().toISOString(), actor: 'operator' });
    expect(written).toMatchObject({ applied: true, campaignsResumed: 3 });
    for (const id of ids) expect((await h.queryProgress(id)).status).toBe('PAUSED');

    const request: FanOutRequest = { target: 'RUNNING', reason: 'queue resumed' };
    const retry = await new MockActivityEnvironment().run((r: FanOutRequest) => effects.fanOut(r), request);
    expect(retry).toEqual({ acknowledged: 3, errors: [] });
    for (const id of ids) expect(await result(id)).toBe('COMPLETED');
    expect(await h.db.prisma.breakerEvent.count({ where: { type: 'QUEUE_RESUMED' } })).toBe(1);
  });

  // The chaos drill's case: a job's attempt died (its worker killed) just as a trip paused its campaign, and the
  // resume came before the cascade reached the campaign's jobs. Temporal's retry of that dispatch is refused; the
  // job its dead attempt claimed must come back with the resume, not stay PROCESSING under a dispatch let go of.
  it('a job whose retry its paused campaign refused runs again after the resume, and the campaign completes', async () => {
    h = await createHarness(env, { kind });
    h.providers.hold('millionverifier');
    const [id] = await h.launch(1, 1);
    await eventually(env, () => Promise.resolve(h.providers.waiting.millionverifier === 1), { what: 'the verify call in flight' });
    // The trip's first transaction, as far as this campaign goes: PAUSED, its jobs left to the cascade.
    await h.db.prisma.campaign.update({ where: { id: id! }, data: { status: 'PAUSED', statusReason: 'circuit breaker opened' } });
    h.providers.faultNext('millionverifier');
    h.providers.release('millionverifier');

    // Only the refused retry tells the workflow: it lets go of the job and adopts PAUSED.
    await eventually(env, async () => {
      const progress = await h.queryProgress(id!);
      return progress.status === 'PAUSED' && progress.inFlight === 0;
    }, { what: 'the retry refused and the workflow PAUSED' });
    expect(await h.db.prisma.job.findFirstOrThrow({ where: { campaignId: id!, type: 'VERIFY_EMAIL' } })).toMatchObject({ status: 'PAUSED', attempts: 1 });

    expect(await h.breaker.resumeQueue({ actor: 'operator' })).toMatchObject({ jobs_resumed: 1, campaigns_resumed: 1 });
    expect(await result(id!)).toBe('COMPLETED');
    expect(h.providers.calls.millionverifier).toBe(2);
    expect(await h.db.prisma.lead.findMany({ where: { campaignId: id! }, select: { status: true } })).toEqual([{ status: 'PUSHED' }]);
  });

  // A job that failed for a fault of ours its every attempt, its campaign paused (by a trip) after the last one
  // claimed it: the campaign is already PAUSED, so the job must be paused by name or no resume would run it again.
  it('a job given up for a fault of ours, its campaign paused meanwhile, runs again after the resume', async () => {
    const attempts = 3;
    h = await createHarness(env, { kind, faultAttempts: attempts });
    h.providers.faultNext('millionverifier', attempts);
    const [id] = await h.launch(1, 1);
    await eventually(env, () => Promise.resolve(h.providers.calls.millionverifier === attempts - 1), { what: 'all attempts but the last failed' });
    h.providers.hold('millionverifier');
    await eventually(env, () => Promise.resolve(h.providers.waiting.millionverifier === 1), { what: 'the last attempt in flight' });
    await h.db.prisma.campaign.update({ where: { id: id! }, data: { status: 'PAUSED', statusReason: 'circuit breaker opened' } });
    h.providers.release('millionverifier');

    // PAUSED in memory at once; in the database once the fault is written and the workflow has re-read its campaign.
    await eventually(env, async () => (await h.db.prisma.campaign.findUniqueOrThrow({ where: { id: id! } })).workflowStatus === 'PAUSED', {
      what: 'the fault written and PAUSED adopted',
    });
    const verify = await h.db.prisma.job.findFirstOrThrow({ where: { campaignId: id!, type: 'VERIFY_EMAIL' } });
    expect(verify).toMatchObject({ status: 'PAUSED', attempts });
    expect(verify.error).toMatch(/failed unexpectedly: millionverifier call dropped/);

    expect(await h.breaker.resumeQueue({ actor: 'operator' })).toMatchObject({ jobs_resumed: 1, campaigns_resumed: 1 });
    expect(await result(id!)).toBe('COMPLETED');
    expect(h.providers.calls.millionverifier).toBe(attempts + 1);
  });

  it('a fan-out that a workflow never acknowledges signals it on every pass, then ends with an ALERT', async () => {
    h = await createHarness(env, { kind });
    const campaign = await h.db.prisma.campaign.create({
      data: { name: 'stuck', searchCriteria: { titles: ['CTO'] }, leadLimit: 1, copyPrompt: 'p', instantlyCampaignId: 'i', status: 'PAUSED' },
    });
    // Its workflow runs where no worker polls (as a run wedged in its worker looks from outside): no update is answered.
    const stuck = await env.client.workflow.start('campaignWorkflow', {
      workflowId: campaignWorkflowId(campaign.id),
      taskQueue: `${h.taskQueue}-nobody-polls`,
      args: [{ campaignId: campaign.id }],
    });
    const { lines, logger } = capturedLogger();
    const effects = breakerActivities({
      prisma: h.db.prisma, temporal: env.client, logger, fanOutConcurrency: 4, fanOutAckTimeoutMs: 500, fanOutPasses: 2,
      providers: h.providers, taskQueue: h.taskQueue, failureThreshold: 1,
    });
    const request: FanOutRequest = { target: 'PAUSED', reason: 'drill' };
    const outcome = await new MockActivityEnvironment().run((r: FanOutRequest) => effects.fanOut(r), request);
    expect(outcome).toEqual({ acknowledged: 0, errors: [] });
    expect(lines.filter((line) => line.event === 'fan_out_incomplete')).toEqual([
      expect.objectContaining({ target: 'PAUSED', campaigns: 1, msg: expect.stringMatching(/^ALERT: 1 campaign workflow\(s\) did not acknowledge PAUSED after 2 passes/) }),
    ]);
    // Told on each pass by a signal, which its history keeps for whenever a worker runs it.
    const { events } = await stuck.fetchHistory();
    expect(events!.filter((event) => event.workflowExecutionSignaledEventAttributes).length).toBe(2);
    expect((await h.db.prisma.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).workflowStatus).toBeNull();
    await stuck.terminate('test finished');
  });
});
