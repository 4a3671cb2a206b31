import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { campaignWorkflowId } from '../../workflows/definitions';
import { createHarness, type Harness } from '../helpers/core-harness';
import { startTimeSkippingEnv } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let h: Harness;
beforeAll(async () => {
  env = await startTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});
beforeEach(async () => {
  h = await createHarness(env);
});
afterEach(async () => {
  await h?.close();
});

it('completes a campaign: every lead verified, enriched, written and pushed once', async () => {
  const campaignId = await h.createCampaign({ leadLimit: 3 });
  await h.startCampaign(campaignId);
  const result = await env.client.workflow.getHandle(campaignWorkflowId(campaignId)).result();
  expect(result).toBe('COMPLETED');
  const campaign = await h.db.prisma.campaign.findUniqueOrThrow({ where: { id: campaignId }, include: { jobs: true, leads: true } });
  expect(campaign.status).toBe('COMPLETED');
  expect(campaign.leads).toHaveLength(3);
  expect(campaign.leads.every((l) => l.status === 'PUSHED')).toBe(true);
  expect(campaign.jobs).toHaveLength(1 + 3 * 4);
  expect(campaign.jobs.every((j) => j.status === 'COMPLETED')).toBe(true);
  expect(h.providers.pushes).toHaveLength(3);
});
