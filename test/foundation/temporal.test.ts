import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { CampaignStatusAttribute } from '../../src/temporal/search-attributes';
import { sleepFor } from '../fixtures/sleep-workflow';
import { startDevServerEnv, startTimeSkippingEnv } from '../helpers/temporal';
import { until } from '../helpers/until';

const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;
const workflowsPath = require.resolve('../fixtures/sleep-workflow');

describe('time-skipping test server (Java)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await startTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('sleeps 30 days of workflow time in seconds of wall time', async () => {
    const taskQueue = `ts-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath });
    const wallStart = Date.now();
    const workflowStart = await env.currentTimeMs();
    const result = await worker.runUntil(
      env.client.workflow.execute(sleepFor, { taskQueue, workflowId: randomUUID(), args: [THIRTY_DAYS_MS] }),
    );
    expect(result).toBe('slept');
    expect((await env.currentTimeMs()) - workflowStart).toBeGreaterThanOrEqual(THIRTY_DAYS_MS);
    expect(Date.now() - wallStart).toBeLessThan(60_000);
  });
});

describe('dev server (temporal CLI)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await startDevServerEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('finds a workflow by its search attribute through a visibility list query', async () => {
    const taskQueue = `dev-${randomUUID()}`;
    const status = `PROBE_${randomUUID().slice(0, 8)}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath });
    const workflowId = `probe-${randomUUID()}`;
    await worker.runUntil(async () => {
      await env.client.workflow.execute(sleepFor, { taskQueue, workflowId, args: [10, status] });
      // Visibility on the dev server's SQLite store is eventually consistent: poll briefly.
      const found = await until(
        async () => {
          const ids: string[] = [];
          for await (const wf of env.client.workflow.list({ query: `CampaignStatus = '${status}'` })) {
            ids.push(wf.workflowId);
          }
          return ids.length > 0 ? ids : undefined;
        },
        'the workflow in a visibility list query',
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      expect(found).toEqual([workflowId]);
    });
    const described = await env.client.workflow.getHandle(workflowId).describe();
    expect(described.typedSearchAttributes.get(CampaignStatusAttribute)).toBe(status);
  });
});
