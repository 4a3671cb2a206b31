import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import request from 'supertest';
import { type ApiDeps, createApp } from '../../../src/api/app';
import { capturedLogger, type LogLine } from '../../helpers/captured-logger';
import { createProviderProbes } from '../../../src/providers/probe';
import { SERVICES } from '../../../src/providers/types';
import { simulatorProvidersConfig } from '../../../src/simulator/provider-config';
import { type RunningSimulator, startSimulator } from '../../../src/simulator/server';
import { createHarness, eventually, type Harness } from '../../helpers/core-harness';
import type { DatabaseKind } from '../../helpers/db';
import { startDevServerEnv } from '../../helpers/temporal';

/** Test keys: long and distinctive, so a leak into a log line would be found by a plain search. */
export const KEYS = {
  operator: 'op-key-7f3c1d9e0b2a4c6e8f10',
  viewer: 'viewer-key-2b4d6f8a0c1e3g5i7k9m',
} as const;
export type Role = keyof typeof KEYS;

export type { LogLine } from '../../helpers/captured-logger';

export interface ApiTestEnv {
  env: TestWorkflowEnvironment;
  h: Harness;
  /** The simulator the provider check (GET /queue-management/providers) probes; jobs use scripted providers. */
  sim: RunningSimulator;
  /** What `app` was built with: a test builds another app with one setting changed. */
  deps: ApiDeps;
  app: Express;
  /** Every JSON line the API's logger wrote (the worker's lines are in `h.logs`). */
  apiLogs: LogLine[];
  /** Supertest calls with a key of the given role (operator by default). */
  get(path: string, role?: Role): request.Test;
  post(path: string, body?: object, role?: Role): request.Test;
  close(): Promise<void>;
}

/**
 * One dev server, one worker harness and one app per database kind: the breaker workflow is a singleton
 * per namespace, bound to the task queue (and so the database) of whoever starts it first.
 */
export async function startApiEnv(kind: DatabaseKind): Promise<ApiTestEnv> {
  const env = await startDevServerEnv();
  const h = await createHarness(env, { kind });
  const { lines: apiLogs, logger } = capturedLogger('api');
  const sim = await startSimulator();
  const deps: ApiDeps = {
    providerProbes: createProviderProbes(simulatorProvidersConfig(sim.baseUrls)),
    prisma: h.db.prisma,
    temporal: env.client,
    breaker: h.breaker,
    taskQueue: h.taskQueue,
    logger,
    apiKeys: [
      { role: 'operator', key: KEYS.operator },
      { role: 'viewer', key: KEYS.viewer },
    ],
  };
  const app = createApp(deps);
  const auth = (role: Role) => `Bearer ${KEYS[role]}`;
  return {
    env,
    h,
    sim,
    deps,
    app,
    apiLogs,
    get: (path, role = 'operator') => request(app).get(path).set('Authorization', auth(role)),
    post: (path, body, role = 'operator') => {
      const test = request(app).post(path).set('Authorization', auth(role));
      return body === undefined ? test : test.send(body);
    },
    close: async () => {
      await sim.close();
      await h.close();
      await env.teardown();
    },
  };
}

/** A valid create-campaign body; keywords make each campaign's leads distinct. */
export function campaignBody(overrides: Record<string, unknown> = {}) {
  return {
    name: 'API campaign',
    search_criteria: { titles: ['CTO'], keywords: `kw-${Math.random().toString(36).slice(2, 10)}` },
    lead_limit: 2,
    copy_prompt: 'Write a short intro.',
    instantly_campaign_id: 'inst-api-test',
    ...overrides,
  };
}

/** Creates and starts campaigns through the API; returns their ids. */
export async function launchViaApi(t: ApiTestEnv, count: number, leadLimit = 2): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await t.post('/api/v1/campaigns', campaignBody({ lead_limit: leadLimit })).expect(201);
    ids.push(created.body.data.id as string);
  }
  for (const id of ids) await t.post(`/api/v1/campaigns/${id}/start`).expect(202);
  return ids;
}

export function until<T>(t: ApiTestEnv, probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  return eventually(t.env, probe, { what, timeoutMs });
}

/** Waits until every given campaign has the status in the database. */
export async function campaignsReach(t: ApiTestEnv, ids: string[], status: string): Promise<true> {
  try {
    return await until(
      t,
      async () => (await t.h.db.prisma.campaign.count({ where: { id: { in: ids }, status: status as never } })) === ids.length,
      `campaigns ${status}`,
    );
  } catch (error) {
    // Say where each campaign got stuck: its row, its jobs by status, its workflow.
    const campaigns = await t.h.db.prisma.campaign.findMany({ where: { id: { in: ids } }, include: { jobs: true } });
    const report = await Promise.all(
      campaigns.map(async (c) => ({
        id: c.id,
        status: c.status,
        reason: c.statusReason,
        jobs: c.jobs.map((j) => `${j.type}:${j.status}${j.error ? `(${j.error})` : ''}`),
        workflow: await t.h.queryProgress(c.id).catch((e: unknown) => String(e)),
      })),
    );
    throw new Error(`${(error as Error).message}\n${JSON.stringify(report, null, 2)}`);
  }
}

/**
 * Campaigns PAUSED and quiet: no job in flight in their workflows (as GET /campaigns/:id reports). A job
 * in flight includes reporting its failure to the breaker, so after this no late failure can arrive.
 */
export async function campaignsPausedAndQuiet(t: ApiTestEnv, ids: string[]): Promise<void> {
  await campaignsReach(t, ids, 'PAUSED');
  await until(
    t,
    async () => {
      for (const id of ids) {
        const { workflow } = (await t.get(`/api/v1/campaigns/${id}`).expect(200)).body.data;
        if (workflow?.in_flight !== 0) return false;
      }
      return true;
    },
    'no job in flight',
  );
}

/**
 * Between tests: services healthy, breaker CLOSED, queue ACTIVE, no campaign RUNNING or PAUSED, all
 * through the API. Loops because a failure reported late can reopen the breaker after a reset.
 */
export async function restoreNormalOperation(t: ApiTestEnv): Promise<void> {
  for (const service of SERVICES) {
    t.h.providers.recover(service);
    t.h.providers.release(service);
  }
  await until(
    t,
    async () => {
      const { data } = (await t.get('/api/v1/queue-management/status').expect(200)).body;
      if (data.circuit_breaker.state === 'open') await t.post('/api/v1/queue-management/circuit-breakers/apollo/reset').expect(200);
      if (data.circuit_breaker.state === 'open' || data.queue_paused || data.campaigns.by_status.PAUSED > 0) {
        await t.post('/api/v1/queue-management/resume-queue').expect(200);
        return false;
      }
      return data.campaigns.by_status.RUNNING === 0;
    },
    'normal operation restored',
    60_000,
  );
}

/**
 * Registers the suite's hooks: one env for the whole describe block (`ready` receives it), closed at the
 * end, and normal operation restored after every test.
 */
export function useApiEnv(kind: DatabaseKind, ready: (env: ApiTestEnv) => void): void {
  let current: ApiTestEnv | undefined;
  beforeAll(async () => {
    current = await startApiEnv(kind);
    ready(current);
  });
  afterAll(async () => {
    await current?.close();
  });
  afterEach(async () => {
    if (current) await restoreNormalOperation(current);
  });
}

/** Log lines written since `from` (an index into the array), by message. */
export function messagesSince(lines: LogLine[], from = 0): string[] {
  return lines.slice(from).map((line) => line.msg);
}
