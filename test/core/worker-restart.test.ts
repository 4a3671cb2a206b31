import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { campaignWorkflowId } from '../../workflows/definitions';
import { createHarness, eventually, type Harness } from '../helpers/core-harness';
import { startDevServerEnv } from '../helpers/temporal';
import { expectEachLeadCoveredOnce } from '../helpers/job-coverage';

let env: TestWorkflowEnvironment;
let h: Harness;

beforeAll(async () => {
  env = await startDevServerEnv();
  h = await createHarness(env);
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

it('loses and duplicates nothing when the worker stops mid-campaign and a new one takes over', async () => {
  const LEADS = 6;
  const [id] = await h.launch(1, LEADS);
  await eventually(env, async () => (await h.db.prisma.job.count({ where: { campaignId: id!, status: 'COMPLETED' } })) >= 8, {
    what: 'campaign half-way',
  });
  await h.stopWorker();
  // Nothing moves while no worker runs.
  const completedWhileStopped = await h.db.prisma.job.count({ where: { campaignId: id!, status: 'COMPLETED' } });
  expect(completedWhileStopped).toBeLessThan(await h.db.prisma.job.count({ where: { campaignId: id! } }));
  const pushesBefore = h.providers.pushes.length;

  // A fresh worker has an empty workflow cache: it rebuilds the campaign by replaying its history.
  await h.startWorker();
  expect(await env.client.workflow.getHandle(campaignWorkflowId(id!)).result()).toBe('COMPLETED');

  const jobs = await h.db.prisma.job.findMany({ where: { campaignId: id! } });
  expect(jobs.every((job) => job.status === 'COMPLETED')).toBe(true);
  const leads = await h.db.prisma.lead.findMany({ where: { campaignId: id! } });
  expect(leads).toHaveLength(LEADS);
  // Fetch, one email-enrichment batch (LEADS <= 10), three jobs per lead, push batches covering each lead once.
  expect(expectEachLeadCoveredOnce(jobs, leads.map((lead) => lead.id)).FIND_EMAILS).toBe(1);
  expect(leads.every((lead) => lead.status === 'PUSHED')).toBe(true);
  expect(h.providers.pushes.map((p) => p.leadId).sort()).toEqual(leads.map((l) => l.id).sort());
  expect(h.providers.pushes.length).toBeGreaterThanOrEqual(pushesBefore);
  // A job task the old worker had taken when it stopped is handed out again once its heartbeat timeout
  // (30 s) runs out: that is Temporal's recovery, and it must still lose nothing.
}, 120_000);
