/**
 * Dependencies down: Temporal unreachable or the database unreachable is a 503 in the envelope, never a
 * hang or a 500; an unexpected error is a bare 500 with no internals. Also the API key parser.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
import { createApp, parseApiKeys, type ApiDeps } from '../../src/api/app';
import { unavailableDependency } from '../../src/api/http/dependency-errors';
import { BreakerClient } from '../../src/breaker/client';
import type { PrismaClient } from '../../src/db/database';
import { PrismaClient as GeneratedPrismaClient } from '../../src/generated/prisma/client';
import { capturedLogger } from '../helpers/captured-logger';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/db';
import { startDevServerEnv } from '../helpers/temporal';
import { waitersReach } from '../helpers/pg-locks';
import { campaignBody, KEYS } from './support/api-env';

const API_KEYS = [
  { role: 'operator' as const, key: KEYS.operator },
  { role: 'viewer' as const, key: KEYS.viewer },
];
const DEAD_ADDRESS = '127.0.0.1:1';

function appWith(deps: Pick<ApiDeps, 'prisma' | 'temporal'>) {
  const { lines, logger } = capturedLogger('api');
  const app = createApp({
    ...deps,
    breaker: new BreakerClient(deps.temporal, 'api-dependency-test', 1),
    taskQueue: 'api-dependency-test',
    logger,
    apiKeys: API_KEYS,
  });
  const as = { Authorization: `Bearer ${KEYS.operator}` };
  return { app, lines, get: (path: string) => request(app).get(path).set(as), post: (path: string, body?: object) => request(app).post(path).set(as).send(body) };
}

/** A client of a Temporal that is not there; without the SDK's retries, so calls fail at once. */
function deadTemporal(retry = false): Client {
  return new Client({ connection: Connection.lazy({ address: DEAD_ADDRESS, ...(retry ? {} : { interceptors: [] }) }) });
}

describe.each(DATABASE_KINDS)('Temporal unreachable (%s database)', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('answers 503 on every route that needs Temporal, and changes nothing', async () => {
    const { get, post } = appWith({ prisma: db.prisma, temporal: deadTemporal() });
    const created = await db.prisma.campaign.create({
      data: { name: 'c', searchCriteria: { titles: ['CTO'] }, leadLimit: 1, copyPrompt: 'p', instantlyCampaignId: 'i' },
    });
    const temporalDown = { status: 'error', detail: 'Temporal is unavailable: try again shortly' };
    expect((await get('/api/v1/queue-management/status').expect(503)).body).toEqual(temporalDown);
    expect((await post('/api/v1/queue-management/circuit-breakers/apollo/reset').expect(503)).body).toEqual(temporalDown);
    expect((await post('/api/v1/queue-management/resume-queue').expect(503)).body).toEqual(temporalDown);
    expect((await post('/api/v1/queue-management/pause-service', { service: 'apollo', reason: 'r' }).expect(503)).body).toEqual(temporalDown);
    expect((await post(`/api/v1/campaigns/${created.id}/start`).expect(503)).body).toEqual(temporalDown);
    expect((await post(`/api/v1/campaigns/${created.id}/cancel`).expect(503)).body).toEqual(temporalDown);
    expect((await db.prisma.campaign.findUniqueOrThrow({ where: { id: created.id } })).status).toBe('CREATED');
    expect(await db.prisma.breakerEvent.count()).toBe(0);
    const health = await request(createApp({ ...depsOf(db, deadTemporal()) })).get('/api/v1/health').expect(503);
    expect(health.body).toEqual({ status: 'error', detail: 'Unavailable: temporal' });
  });

  it('still serves what the database alone can answer', async () => {
    const { get, post } = appWith({ prisma: db.prisma, temporal: deadTemporal() });
    const created = (await post('/api/v1/campaigns', campaignBody()).expect(201)).body.data;
    await db.prisma.campaign.update({ where: { id: created.id }, data: { status: 'RUNNING' } });
    const campaign = (await get(`/api/v1/campaigns/${created.id}`).expect(200)).body.data;
    expect(campaign).toMatchObject({ id: created.id, status: 'RUNNING', workflow: null, workflow_error: 'Temporal is unavailable' });
    expect((await get('/api/v1/campaigns').expect(200)).body.data.total).toBeGreaterThan(0);
  });

  it('gives up on a Temporal that never answers within its deadline (503, not a hang)', async () => {
    // The SDK's default retries on: only the API's gRPC deadline ends the wait.
    const { get } = appWith({ prisma: db.prisma, temporal: deadTemporal(true) });
    expect((await get('/api/v1/queue-management/status').expect(503)).body.detail).toBe(
      'Temporal did not answer in time (check the Temporal server and the workers): try again shortly',
    );
  });
});

describe('database unreachable, Temporal up', () => {
  let env: TestWorkflowEnvironment;
  let prisma: PrismaClient;
  beforeAll(async () => {
    env = await startDevServerEnv();
    prisma = new GeneratedPrismaClient({ adapter: new PrismaPg({ connectionString: `postgresql://nobody:nothing@${DEAD_ADDRESS}/none` }) });
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await env?.teardown();
  });

  it('answers 503 on routes that need the database, and health names it', async () => {
    const { app, get, post, lines } = appWith({ prisma, temporal: env.client });
    const databaseDown = { status: 'error', detail: 'Database is unavailable: try again shortly' };
    expect((await get('/api/v1/campaigns').expect(503)).body).toEqual(databaseDown);
    expect((await post('/api/v1/campaigns', campaignBody()).expect(503)).body).toEqual(databaseDown);
    expect((await get('/api/v1/campaigns/7d0f4f3e-6a55-4c8e-9c43-5b4c6f0f3a11').expect(503)).body).toEqual(databaseDown);
    expect((await get('/api/v1/jobs/7d0f4f3e-6a55-4c8e-9c43-5b4c6f0f3a11').expect(503)).body).toEqual(databaseDown);
    expect((await request(app).get('/api/v1/health').expect(503)).body).toEqual({ status: 'error', detail: 'Unavailable: database' });
    // The operator's log keeps the cause; the client never sees it.
    expect(lines.some((line) => line.msg === 'Request failed: Database is unavailable: try again shortly')).toBe(true);
  });
});

const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

// The chaos drill's restart of PostgreSQL once answered a campaign request with a 500: the server ended the
// request's connection itself ("terminating connection due to administrator command", SQLSTATE 57P01).
onPostgres('the database ends a request\'s connection (PostgreSQL restarting), Temporal up', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let holder: PgClient;
  beforeAll(async () => {
    env = await startDevServerEnv();
    db = await createTestDatabase('postgresql');
    holder = new PgClient({ connectionString: db.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end();
    await db?.destroy();
    await env?.teardown();
  });

  it('answers 503 naming the database, and the campaign is left as it was', async () => {
    const { post } = appWith({ prisma: db.prisma, temporal: env.client });
    const campaign = await db.prisma.campaign.create({
      data: { name: 'c', status: 'RUNNING', searchCriteria: { titles: ['CTO'] }, leadLimit: 1, copyPrompt: 'p', instantlyCampaignId: 'i' },
    });
    // The pause waits at the campaign's row, then its connection is terminated under it.
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM campaigns WHERE id = $1 FOR UPDATE', [campaign.id]);
    const answer = post(`/api/v1/campaigns/${campaign.id}/pause`, { reason: 'operator' }).then((response) => response);
    const [waiting] = await waitersReach(holder, 1, 'the pause waiting at the campaign');
    await holder.query('SELECT pg_terminate_backend($1)', [waiting]);
    await holder.query('ROLLBACK');

    const response = await answer;
    expect({ status: response.status, body: response.body }).toEqual({ status: 503, body: { status: 'error', detail: 'Database is unavailable: try again shortly' } });
    expect(await db.prisma.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).toMatchObject({ status: 'RUNNING', statusReason: null });
  });
});

describe('a Temporal call cut off on its way', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await startDevServerEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  // The chaos drill's Temporal restart once answered a campaign start with a 500: the breaker query ended CANCELLED.
  it('is Temporal unavailable (a 503), not an unexpected error', async () => {
    // No worker polls this queue: the query waits until it is cut off.
    const handle = await env.client.workflow.start('breakerWorkflow', { workflowId: `cut-off-${Date.now()}`, taskQueue: 'nobody-polls-this' });
    const cutOff = new AbortController();
    setTimeout(() => cutOff.abort(), 300);
    const error = await env.client.withAbortSignal(cutOff.signal, () => handle.query('breakerState')).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(String((error as Error).cause)).toMatch(/CANCELLED/);
    expect(unavailableDependency(error)).toBe('temporal');
  });
});

describe('unexpected errors', () => {
  it('become a bare 500: no message, no stack, but logged', async () => {
    const failing = {
      campaign: {
        findMany: () => Promise.reject(new Error('secret internal detail')),
        count: () => Promise.resolve(0),
      },
    } as unknown as PrismaClient;
    const { get, lines } = appWith({ prisma: failing, temporal: deadTemporal() });
    const res = await get('/api/v1/campaigns').expect(500);
    expect(res.body).toEqual({ status: 'error', detail: 'Internal server error' });
    expect(res.text).not.toContain('secret');
    const logged = lines.find((line) => line.msg === 'Request failed: Internal server error');
    expect(JSON.stringify(logged)).toContain('secret internal detail');
  });
});

describe('parseApiKeys', () => {
  it('reads role:key pairs, ignoring spaces and empty entries', () => {
    expect(parseApiKeys(' operator:KEY1-operator-key-0123456 , viewer:KEY2-viewer-key-012345678,, ')).toEqual([
      { role: 'operator', key: 'KEY1-operator-key-0123456' },
      { role: 'viewer', key: 'KEY2-viewer-key-012345678' },
    ]);
    expect(parseApiKeys(undefined)).toEqual([]);
    expect(parseApiKeys('operator:a:b-with-a-colon-inside-it')).toEqual([{ role: 'operator', key: 'a:b-with-a-colon-inside-it' }]);
  });

  it.each([
    'admin:KEY1-long-enough-for-a-key',
    'operator:',
    'KEY1-long-enough-for-a-key',
    'viewer:two words and more than 24 chars',
    'operator:SAME-long-enough-for-a-key,viewer:SAME-long-enough-for-a-key',
    'operator:KEY1-too-short',
  ])('refuses %p without echoing the key', (spec) => {
    expect(() => parseApiKeys(spec)).toThrow(/API key/);
    try {
      parseApiKeys(spec);
    } catch (error) {
      expect((error as Error).message).not.toMatch(/KEY1|SAME|words/);
    }
  });

  it('createApp refuses to start without any key', () => {
    expect(() => createApp({ ...depsOf({ prisma: {} as PrismaClient }, deadTemporal()), apiKeys: [] })).toThrow('at least one API key');
  });
});

function depsOf(db: { prisma: PrismaClient }, temporal: Client): ApiDeps {
  return {
    prisma: db.prisma,
    temporal,
    breaker: new BreakerClient(temporal, 'api-dependency-test', 1),
    taskQueue: 'api-dependency-test',
    logger: capturedLogger('api').logger,
    apiKeys: API_KEYS,
  };
}
