/**
 * The gate first (issue 9): a job whose service failed for good holds dispatch in its own process, before its
 * report reaches the breaker. Other claims wait for the breaker's decision rather than run a job the trip
 * would have stopped; a hold the breaker will never confirm (stale generation, threshold above one, or a
 * report that never arrives) stops nothing for long.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { jobActivities } from '../../activities/jobs';
import { closeBreaker, closeGate, DISPATCH_HOLD_TTL_SECONDS } from '../../src/store/system-state';
import { SERVICE_FAILURE, type JobOutcome } from '../../workflows/definitions';
import { capturedLogger } from '../helpers/captured-logger';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/db';
import { ScriptedProviders } from '../helpers/scripted-providers';
import { until } from '../helpers/until';
import { rejectionOf } from '../simulator/use-simulator';

describe.each(DATABASE_KINDS)('dispatch hold (%s)', (kind) => {
  let db: TestDatabase;
  let providers: ScriptedProviders;
  beforeEach(async () => {
    db = await createTestDatabase(kind);
    providers = new ScriptedProviders();
  });
  afterEach(async () => {
    await db?.destroy();
  });

  function activities(failureThreshold = 1) {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- a closure over its deps, no `this`
    const { runJob } = jobActivities({ prisma: db.prisma, providers, logger: capturedLogger().logger, failureThreshold });
    return (dispatch: { jobId: string; campaignId: string }) => new MockActivityEnvironment().run(runJob, { ...dispatch, dispatchId: randomUUID() });
  }

  /** A RUNNING campaign with two leads: a VERIFY_EMAIL job (millionverifier) and a WRITE_COPY job (openai). */
  async function twoJobs() {
    const campaign = await db.prisma.campaign.create({
      data: {
        name: 'hold',
        status: 'RUNNING',
        searchCriteria: { titles: ['CTO'] },
        leadLimit: 2,
        copyPrompt: 'Short.',
        instantlyCampaignId: 'inst-hold',
        leads: { create: [{ externalId: 'p-1', email: 'p1@example.com' }, { externalId: 'p-2', email: 'p2@example.com', enrichment: 'Research.' }] },
      },
      include: { leads: { orderBy: { externalId: 'asc' } } },
    });
    const failing = await db.prisma.job.create({ data: { campaignId: campaign.id, leadId: campaign.leads[0]!.id, type: 'VERIFY_EMAIL' } });
    const other = await db.prisma.job.create({ data: { campaignId: campaign.id, leadId: campaign.leads[1]!.id, type: 'WRITE_COPY' } });
    return { failing: { jobId: failing.id, campaignId: campaign.id }, other: { jobId: other.id, campaignId: campaign.id } };
  }

  const gateRow = () => db.prisma.systemState.findUniqueOrThrow({ where: { id: 1 } });
  const statusOf = async (jobId: string) => (await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } })).status;
  /** True once `promise` has settled; lets a test check that a claim is still waiting. */
  function settledFlag(promise: Promise<unknown>): () => boolean {
    let settled = false;
    void promise.then(() => (settled = true), () => (settled = true));
    return () => settled;
  }

  /** Millionverifier fails for good (auth) on the first job; the other job's claim is then started. */
  async function claimAfterAFailureForGood() {
    const run = activities();
    const { failing, other } = await twoJobs();
    providers.fail('millionverifier', 'auth', 'key revoked');
    const failure = await rejectionOf(run(failing));
    return { failure, other, waiting: run(other) };
  }

  it('a failure for good holds every claim until the breaker decides; the trip then refuses them', async () => {
    const { failure, other, waiting } = await claimAfterAFailureForGood();
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: SERVICE_FAILURE, nonRetryable: true });
    expect(await gateRow()).toMatchObject({ breakerState: 'CLOSED', queueState: 'ACTIVE', heldGeneration: 0 });

    // Another service's job: not claimed while the breaker has not decided.
    const settled = settledFlag(waiting);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(settled()).toBe(false);
    expect(await statusOf(other.jobId)).toBe('PENDING');
    expect(providers.calls.openai).toBe(0);

    // The breaker's trip: the gate closes for good and the hold gives way to it.
    await db.prisma.$transaction((tx) => closeGate(tx, { seq: 1, openedAt: new Date(), metadata: { service: 'millionverifier' } }));
    expect((await waiting) as JobOutcome).toMatchObject({ kind: 'not_dispatched' });
    expect(await statusOf(other.jobId)).toBe('PENDING');
    expect(providers.calls.openai).toBe(0);
    expect(await gateRow()).toMatchObject({ queueState: 'PAUSED', heldGeneration: null, heldAt: null });
  });

  it('a hold the breaker never confirms lapses, and the waiting claim goes ahead', async () => {
    const { other, waiting } = await claimAfterAFailureForGood();
    const settled = settledFlag(waiting);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(settled()).toBe(false);

    // As if the report had been lost DISPATCH_HOLD_TTL_SECONDS ago.
    await db.prisma.systemState.update({ where: { id: 1 }, data: { heldAt: new Date(Date.now() - (DISPATCH_HOLD_TTL_SECONDS + 1) * 1_000) } });
    expect((await waiting) as JobOutcome).toMatchObject({ kind: 'completed' });
    expect(await statusOf(other.jobId)).toBe('COMPLETED');
    expect(providers.calls.openai).toBe(1);
  });

  it("an operator's reset voids the hold of the generation before it", async () => {
    const { waiting } = await claimAfterAFailureForGood();
    await until(async () => (await gateRow()).heldGeneration === 0, 'the hold');

    await db.prisma.$transaction((tx) => closeBreaker(tx, { seq: 1, closedAt: new Date(), wasOpen: false, generation: 1 }));
    expect((await waiting) as JobOutcome).toMatchObject({ kind: 'completed' });
    expect(await gateRow()).toMatchObject({ generation: 1, heldGeneration: null });
  });

  it('holds nothing for a failure the breaker will not act on: dispatched before a reset, or below a threshold above one', async () => {
    const { failing, other } = await twoJobs();
    providers.fail('millionverifier', 'auth');

    // Threshold 2: one failure opens nothing, so it stops nothing.
    await rejectionOf(activities(2)(failing));
    expect((await gateRow()).heldGeneration).toBeNull();

    // Claimed under generation 0, failed after a reset moved the breaker to generation 1: stale news.
    await db.prisma.job.update({ where: { id: failing.jobId }, data: { status: 'PENDING' } });
    providers.hold('millionverifier');
    const stale = activities()(failing);
    await until(() => providers.waiting.millionverifier === 1, 'the call in flight');
    await db.prisma.$transaction((tx) => closeBreaker(tx, { seq: 1, closedAt: new Date(), wasOpen: false, generation: 1 }));
    providers.release('millionverifier');
    expect(await rejectionOf(stale)).toMatchObject({ type: SERVICE_FAILURE, nonRetryable: true });
    expect((await gateRow()).heldGeneration).toBeNull();
    expect((await activities()(other)) as JobOutcome).toMatchObject({ kind: 'completed' });
  });
});
