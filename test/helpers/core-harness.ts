import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { BreakerClient } from '../../src/breaker/client';
import { startCampaignWorkflow } from '../../src/campaigns/workflow-start';
import { capturedLogger, type LogLine } from './captured-logger';
import { createWorkers, WORKFLOWS_PATH, type Workers } from '../../src/worker';
import { campaignProgressQuery, campaignWorkflowId } from '../../workflows/definitions';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './db';
import { ScriptedProviders } from './scripted-providers';

let bundle: ReturnType<typeof bundleWorkflowCode> | undefined;
/** Workflows are bundled once per test file and shared by every worker in it. */
export function workflowBundle() {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error: (message: string) => console.error(message),
};

export interface Harness {
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  providers: ScriptedProviders;
  breaker: BreakerClient;
  taskQueue: string;
  /** Every JSON log line the activities wrote. */
  logs: LogLine[];
  createCampaign(overrides?: Partial<{ name: string; leadLimit: number; keywords: string }>): Promise<string>;
  startCampaign(campaignId: string): Promise<void>;
  /** Creates and starts campaigns; returns their ids. */
  launch(count: number, leadLimit?: number): Promise<string[]>;
  queryProgress(campaignId: string): Promise<import('../../workflows/definitions').CampaignProgress>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export async function createHarness(
  env: TestWorkflowEnvironment,
  options: { kind?: DatabaseKind; failureThreshold?: number; faultAttempts?: number } = {},
): Promise<Harness> {
  const db = await createTestDatabase(options.kind ?? 'pglite');
  const providers = new ScriptedProviders();
  const taskQueue = `leadgen-${randomUUID()}`;
  const failureThreshold = options.failureThreshold ?? 1;
  const { lines: logs, logger } = capturedLogger();
  const breaker = new BreakerClient(env.client, taskQueue, failureThreshold);
  let worker: Workers | undefined;
  let running: Promise<void> | undefined;

  const harness: Harness = {
    env,
    db,
    providers,
    breaker,
    taskQueue,
    logs,
    async createCampaign(overrides = {}) {
      const campaign = await db.prisma.campaign.create({
        data: {
          name: overrides.name ?? 'Test campaign',
          searchCriteria: { titles: ['CTO'], keywords: overrides.keywords ?? `kw-${randomUUID().slice(0, 8)}` },
          leadLimit: overrides.leadLimit ?? 3,
          copyPrompt: 'Write a short intro.',
          instantlyCampaignId: `inst-${randomUUID().slice(0, 8)}`,
        },
      });
      return campaign.id;
    },
    async startCampaign(campaignId) {
      await startCampaignWorkflow(env.client, taskQueue, campaignId);
    },
    async launch(count, leadLimit = 3) {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) ids.push(await harness.createCampaign({ leadLimit }));
      await Promise.all(ids.map((id) => harness.startCampaign(id)));
      return ids;
    },
    queryProgress: (campaignId) => env.client.workflow.getHandle(campaignWorkflowId(campaignId)).query(campaignProgressQuery),
    async startWorker() {
      worker = await createWorkers({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: await workflowBundle(),
        deps: {
          prisma: db.prisma, breakerPrisma: db.breakerPrisma, providers, temporal: env.client, logger, taskQueue, failureThreshold,
          fanOutConcurrency: 32, faultAttempts: options.faultAttempts,
        },
      });
      running = worker.run();
    },
    async stopWorker() {
      worker?.shutdown();
      await running;
      worker = undefined;
    },
    async close() {
      await harness.stopWorker();
      await db.destroy();
    },
  };
  await harness.startWorker();
  return harness;
}

/** Polls until `probe` returns a value, letting workflow time move (time-skipping) between tries. */
export async function eventually<T>(
  env: TestWorkflowEnvironment,
  probe: () => Promise<T | undefined | false>,
  { timeoutMs = 30_000, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error as Error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await env.sleep(100);
  }
}
