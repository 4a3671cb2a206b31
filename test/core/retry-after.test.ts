/**
 * A 429's Retry-After: waited out through Temporal's retry (nextRetryDelay) up to RETRY_AFTER_CAP_MS; beyond
 * the cap a service failure at once (non-retryable), so the breaker hears instead of jobs parking for hours.
 * Each service's real client against the simulator, through the job activity.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { jobActivities } from '../../activities/jobs';
import type { JobType } from '../../src/generated/prisma/enums';
import type { ServiceName } from '../../src/providers/types';
import { type RunJobInput, SERVICE_FAILURE } from '../../workflows/definitions';
import { capturedLogger } from '../helpers/captured-logger';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { rejectionOf, useSimulator } from '../simulator/use-simulator';

const harness = useSimulator();
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('pglite');
});
afterAll(async () => {
  await db?.destroy();
});
// A failure for good holds dispatch until the breaker decides; there is no breaker here, so each test starts clear.
afterEach(async () => {
  await db.prisma.systemState.update({ where: { id: 1 }, data: { heldGeneration: null, heldAt: null } });
});

const CAP_MS = 30_000;
const JOBS: Array<[JobType, ServiceName]> = [
  ['FETCH_LEADS', 'apollo'],
  ['FIND_EMAILS', 'apollo'],
  ['VERIFY_EMAIL', 'millionverifier'],
  ['ENRICH_LEAD', 'perplexity'],
  ['WRITE_COPY', 'openai'],
  ['PUSH_TO_INSTANTLY', 'instantly'],
];

/** A RUNNING campaign with one lead ready for any step, and one PENDING job of `type`. */
async function pendingJob(type: JobType) {
  const campaign = await db.prisma.campaign.create({
    data: {
      name: 'retry-after',
      status: 'RUNNING',
      searchCriteria: { titles: ['CTO'] },
      // One lead stored, one more wanted: FETCH_LEADS searches.
      leadLimit: 2,
      copyPrompt: 'Short.',
      instantlyCampaignId: 'inst-retry-after',
      leads: { create: { externalId: 'p-1', email: 'ada@analytical.io', firstName: 'Ada', enrichment: 'Research.', emailSubject: 'Hi', emailBody: 'Body' } },
    },
    include: { leads: true },
  });
  const lead = campaign.leads[0]!;
  const perLead = type !== 'FETCH_LEADS' && type !== 'FIND_EMAILS';
  return db.prisma.job.create({
    data: { campaignId: campaign.id, type, leadId: perLead ? lead.id : null, leadIds: type === 'FIND_EMAILS' ? [lead.id] : [] },
  });
}

/** One dispatch of the job, as the campaign workflow sends it. */
const dispatchOf = (job: { id: string; campaignId: string }) => ({ jobId: job.id, campaignId: job.campaignId, dispatchId: randomUUID() });

function runJob() {
  const activities = jobActivities({ prisma: db.prisma, providers: harness.providers(), logger: capturedLogger().logger, retryAfterCapMs: CAP_MS });
  return (dispatch: RunJobInput) => activities.runJob(dispatch);
}

describe.each(JOBS)('%s (%s)', (type, service) => {
  test('a 429 whose Retry-After is within the cap is retried after exactly that delay', async () => {
    await harness.control.setFault(service, { mode: 'outage', status: 429, retry_after_s: 20 });
    const job = await pendingJob(type);
    const failure = await rejectionOf(new MockActivityEnvironment().run(runJob(), dispatchOf(job)));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: SERVICE_FAILURE, nonRetryable: false, nextRetryDelay: 20_000 });
    expect((failure as ApplicationFailure).details?.[0]).toMatchObject({ service, failureType: 'rate_limited' });
    expect((await db.prisma.systemState.findUniqueOrThrow({ where: { id: 1 } })).heldGeneration).toBeNull();
  });

  test('a 429 whose Retry-After is beyond the cap is a service failure at once', async () => {
    await harness.control.setFault(service, { mode: 'outage', status: 429, retry_after_s: 3600 });
    const job = await pendingJob(type);
    const failure = await rejectionOf(new MockActivityEnvironment().run(runJob(), dispatchOf(job)));
    expect(failure).toMatchObject({ type: SERVICE_FAILURE, nonRetryable: true, nextRetryDelay: undefined });
    expect((failure as Error).message).toMatch(/Retry-After 3600000 ms is beyond the 30000 ms cap/);
    expect((await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).error).toMatch(new RegExp(`^${service} rate_limited: .*beyond the 30000 ms cap`));
    // Final, so it holds dispatch for the breaker's decision (a retryable 429, above, holds nothing).
    expect((await db.prisma.systemState.findUniqueOrThrow({ where: { id: 1 } })).heldGeneration).toBe(0);
  });
});
