/**
 * The edge: authentication and roles on every route, and every class of bad input on every body,
 * query and path. Bad input is a 400/413/415 in the error envelope and changes nothing.
 */
import request from 'supertest';
import { DATABASE_KINDS } from '../helpers/db';
import { type ApiTestEnv, campaignBody, campaignsReach, KEYS, launchViaApi, useApiEnv } from './support/api-env';

const VALID_SERVICES = "['apollo', 'millionverifier', 'perplexity', 'openai', 'instantly']";
const invalidService = (name: string) => `Invalid service name: ${name}. Valid services: ${VALID_SERVICES}`;

/** An error response: exactly the envelope (with `errors`, one per field, for bad input), no stack, no source paths. */
function expectErrorEnvelope(res: request.Response, status: number, detail?: string | RegExp) {
  expect(res.status).toBe(status);
  if ('errors' in res.body) {
    expect(status).toBe(400);
    expect(res.body.errors).toEqual(expect.arrayContaining([{ field: expect.stringMatching(/^(params|query|body)\b/), message: expect.any(String) }]));
  }
  expect(Object.keys(res.body).filter((key) => key !== 'errors').sort()).toEqual(['detail', 'status']);
  expect(res.body.status).toBe('error');
  if (typeof detail === 'string') expect(res.body.detail).toBe(detail);
  else if (detail) expect(res.body.detail).toMatch(detail);
  expect(res.text).not.toMatch(/\.ts:\d+|\/work\/|node_modules|\n\s+at /);
}

describe.each(DATABASE_KINDS)('input validation and auth (%s)', (kind) => {
  let t: ApiTestEnv;
  let campaignId: string;
  let finishedCampaignId: string;
  let jobId: string;
  useApiEnv(kind, (env) => (t = env));
  beforeAll(async () => {
    campaignId = (await t.post('/api/v1/campaigns', campaignBody()).expect(201)).body.data.id;
    const launched = await launchViaApi(t, 1, 1);
    finishedCampaignId = launched[0]!;
    await campaignsReach(t, launched, 'COMPLETED');
    jobId = (await t.h.db.prisma.job.findFirstOrThrow({ where: { campaignId: finishedCampaignId } })).id;
  });

  const prisma = () => t.h.db.prisma;
  const breakerState = async () => (await t.h.breaker.state()).state;

  describe('authentication and roles', () => {
    const routes = () => [
      { method: 'get', path: '/api/v1/queue-management/status', mutates: false },
      { method: 'post', path: '/api/v1/queue-management/circuit-breakers/apollo/reset', mutates: true },
      { method: 'post', path: '/api/v1/queue-management/resume-queue', mutates: true },
      { method: 'post', path: '/api/v1/queue-management/pause-service', mutates: true, body: { service: 'apollo', reason: 'viewer try' } },
      { method: 'post', path: '/api/v1/queue-management/resume-service', mutates: true, body: { service: 'apollo' } },
      { method: 'post', path: '/api/v1/campaigns', mutates: true, body: campaignBody() },
      { method: 'get', path: '/api/v1/campaigns', mutates: false },
      { method: 'get', path: `/api/v1/campaigns/${campaignId}`, mutates: false },
      { method: 'post', path: `/api/v1/campaigns/${campaignId}/start`, mutates: true },
      { method: 'post', path: `/api/v1/campaigns/${campaignId}/pause`, mutates: true },
      { method: 'post', path: `/api/v1/campaigns/${campaignId}/cancel`, mutates: true },
      { method: 'post', path: `/api/v1/campaigns/${campaignId}/resume`, mutates: true },
      { method: 'get', path: `/api/v1/campaigns/${finishedCampaignId}/jobs`, mutates: false },
      { method: 'get', path: `/api/v1/jobs/${jobId}`, mutates: false },
      { method: 'get', path: `/api/v1/campaigns/${finishedCampaignId}/leads`, mutates: false },
    ];
    const call = (route: { method: string; path: string; body?: object }, authorization?: string) => {
      const test = route.method === 'get' ? request(t.app).get(route.path) : request(t.app).post(route.path);
      if (authorization) test.set('Authorization', authorization);
      return route.body ? test.send(route.body) : test;
    };

    it('refuses a missing, wrong or malformed key on every route (401), saying how to authenticate', async () => {
      for (const route of routes()) {
        for (const authorization of [undefined, `Bearer wrong-${KEYS.operator}`, `Basic ${KEYS.operator}`, `Bearer`, KEYS.operator]) {
          const res = await call(route, authorization);
          expectErrorEnvelope(res, 401, authorization?.startsWith('Bearer wrong') ? 'Invalid API key' : /^(Missing API key|Invalid API key)/);
          expect(res.headers['www-authenticate']).toBe('Bearer');
        }
      }
    });

    it('lets a viewer read every GET route and refuses it every mutating route (403), changing nothing', async () => {
      const campaignsBefore = await prisma().campaign.count();
      for (const route of routes()) {
        const res = await call(route, `Bearer ${KEYS.viewer}`);
        if (route.mutates) expectErrorEnvelope(res, 403, `The viewer role may only read; POST needs the operator role`);
        else expect(res.status).toBe(200);
      }
      expect(await prisma().campaign.count()).toBe(campaignsBefore);
      expect((await prisma().campaign.findUniqueOrThrow({ where: { id: campaignId } })).status).toBe('CREATED');
      expect(await breakerState()).toBe('CLOSED');
    });

    it('keeps health open and unknown routes in the envelope', async () => {
      const health = await request(t.app).get('/api/v1/health').expect(200);
      expect(health.body).toEqual({ status: 'success', data: { status: 'ok', database: 'up', temporal: 'up' } });
      expect(health.headers['x-powered-by']).toBeUndefined();
      expect(health.headers['x-content-type-options']).toBe('nosniff');
      expectErrorEnvelope(await t.get('/api/v1/nothing-here'), 404, 'Not found: GET /api/v1/nothing-here');
      expectErrorEnvelope(await request(t.app).get('/api/v1/nothing-here'), 401);
      expectErrorEnvelope(await t.get('/elsewhere'), 404);
    });
  });

  describe('service names', () => {
    it.each(['invalid_service', 'apollo2', 'open ai', 'millionverifier.', '__proto__', 'x'.repeat(150)])(
      'refuses %s on reset with the seed message, and on pause-service and resume-service',
      async (name) => {
        const shown = name.length > 100 ? `${name.slice(0, 100)}...` : name;
        const res = await t.post(`/api/v1/queue-management/circuit-breakers/${encodeURIComponent(name)}/reset`);
        expectErrorEnvelope(res, 400, invalidService(shown));
        expectErrorEnvelope(await t.post('/api/v1/queue-management/pause-service', { service: name, reason: 'r' }), 400, invalidService(shown));
        expectErrorEnvelope(await t.post('/api/v1/queue-management/resume-service', { service: name }), 400, invalidService(shown));
        expect(await breakerState()).toBe('CLOSED');
      },
    );

    it('accepts a service name in any case, as the seed did', async () => {
      const res = await t.post('/api/v1/queue-management/circuit-breakers/APOLLO/reset').expect(200);
      expect(res.body.data).toMatchObject({ service: 'apollo', action: 'circuit_breaker_reset' });
    });
  });

  describe('bodies', () => {
    const oversize = 'x'.repeat(70 * 1024);
    const cases: { route: string; valid: () => object; wrongTypes: object[]; missing: string[]; extra: object }[] = [
      {
        route: '/api/v1/campaigns',
        valid: () => campaignBody(),
        wrongTypes: [
          { lead_limit: '10' },
          { lead_limit: 2.5 },
          { lead_limit: 0 },
          { lead_limit: 1001 },
          { name: 42 },
          { name: '   ' },
          { copy_prompt: null },
          { instantly_campaign_id: ['a'] },
          { search_criteria: 'CTO' },
          { search_criteria: { titles: 'CTO' } },
          { search_criteria: { titles: [] } },
          { search_criteria: {} },
          { search_criteria: { employee_ranges: ['lots'] } },
          // Text PostgreSQL cannot store as given (Schemathesis found these as 500s): NUL, unpaired surrogates.
          { name: 'a\u0000b' },
          { copy_prompt: 'x\udb34y' },
          { search_criteria: { titles: ['C\u0000TO'] } },
          { search_criteria: { keywords: 'half \ud800 a pair' } },
        ],
        missing: ['name', 'search_criteria', 'lead_limit', 'copy_prompt', 'instantly_campaign_id'],
        extra: { status: 'RUNNING' },
      },
      {
        route: '/api/v1/queue-management/pause-service',
        valid: () => ({ service: 'apollo', reason: 'maintenance' }),
        // A NUL in the reason once left the breaker's activity retrying a write PostgreSQL refuses.
        wrongTypes: [{ service: 7 }, { reason: false }, { reason: '  ' }, { reason: 'r'.repeat(501) }, { reason: 'stop\u0000now' }, { reason: '\udc00' }],
        missing: ['service', 'reason'],
        extra: { force: true },
      },
      {
        route: '/api/v1/queue-management/resume-service',
        valid: () => ({ service: 'apollo' }),
        wrongTypes: [{ service: ['apollo'] }, { service: null }],
        missing: ['service'],
        extra: { all: true },
      },
    ];

    it.each(cases.map((c) => [c.route, c] as const))('%s: wrong types, missing and unknown fields are 400 and change nothing', async (_route, c) => {
      const campaignsBefore = await prisma().campaign.count();
      for (const patch of c.wrongTypes) {
        const res = await t.post(c.route, { ...c.valid(), ...patch });
        expectErrorEnvelope(res, 400, /^body\./);
      }
      for (const field of c.missing) {
        const body: Record<string, unknown> = { ...c.valid() };
        delete body[field];
        expectErrorEnvelope(await t.post(c.route, body), 400, new RegExp(`^body\\.${field}: Invalid input`));
      }
      expectErrorEnvelope(await t.post(c.route, { ...c.valid(), ...c.extra }), 400, new RegExp(`^body: Unrecognized key: "${Object.keys(c.extra)[0]}"`));
      expect(await prisma().campaign.count()).toBe(campaignsBefore);
      expect(await breakerState()).toBe('CLOSED');
    });

    it('reports every offending field of a body at once', async () => {
      const res = await t.post('/api/v1/campaigns', { ...campaignBody(), lead_limit: 'ten', name: 1, search_criteria: { titles: ['CTO'], extra: 1 } });
      expectErrorEnvelope(res, 400);
      expect(res.body.detail).toContain('body.lead_limit:');
      expect(res.body.detail).toContain('body.name:');
      expect(res.body.detail).toContain('body.search_criteria: Unrecognized key: "extra"');
    });

    const allBodyRoutes = () => [
      '/api/v1/campaigns',
      '/api/v1/queue-management/pause-service',
      '/api/v1/queue-management/resume-service',
      '/api/v1/queue-management/resume-queue',
      '/api/v1/queue-management/circuit-breakers/apollo/reset',
      `/api/v1/campaigns/${campaignId}/start`,
      `/api/v1/campaigns/${campaignId}/pause`,
      `/api/v1/campaigns/${campaignId}/cancel`,
      `/api/v1/campaigns/${campaignId}/resume`,
    ];

    it('refuses malformed JSON (400), oversize bodies (413), non-JSON (415) and non-object JSON (400) on every POST', async () => {
      const campaignsBefore = await prisma().campaign.count();
      for (const route of allBodyRoutes()) {
        const post = () => t.post(route);
        expectErrorEnvelope(await post().set('Content-Type', 'application/json').send('{"service": "apollo", '), 400, 'Malformed JSON body');
        expectErrorEnvelope(await post().set('Content-Type', 'application/json').send('null'), 400, 'Malformed JSON body');
        expectErrorEnvelope(await post().send({ copy_prompt: oversize }), 413, 'Request body exceeds 64kb');
        expectErrorEnvelope(await post().set('Content-Type', 'text/plain').send('service=apollo'), 415, 'Content-Type must be application/json');
        expectErrorEnvelope(await post().type('form').send({ service: 'apollo' }), 415);
        expectErrorEnvelope(await post().send([{ service: 'apollo' }]), 400, /^body: Invalid input: expected object, received array/);
      }
      expect(await prisma().campaign.count()).toBe(campaignsBefore);
      expect((await prisma().campaign.findUniqueOrThrow({ where: { id: campaignId } })).status).toBe('CREATED');
      expect(await breakerState()).toBe('CLOSED');
    });

    it('refuses any field on the bodyless actions, and any query field on every POST', async () => {
      const bodyless = allBodyRoutes().filter((route) => !/campaigns$|pause-service|resume-service|\/pause$/.test(route));
      for (const route of bodyless) {
        expectErrorEnvelope(await t.post(route, { force: true }), 400, 'body: Unrecognized key: "force"');
      }
      expectErrorEnvelope(await t.post(`/api/v1/campaigns/${campaignId}/pause`, { reason: 5 }), 400, /^body\.reason:/);
      expectErrorEnvelope(await t.post(`/api/v1/campaigns/${campaignId}/pause`, { reason: 'ok', why: 'no' }), 400, 'body: Unrecognized key: "why"');
      for (const route of allBodyRoutes()) {
        expectErrorEnvelope(await t.post(`${route}?force=1`), 400, 'query: Unrecognized key: "force"');
      }
      expect((await prisma().campaign.findUniqueOrThrow({ where: { id: campaignId } })).status).toBe('CREATED');
    });
  });

  describe('queries', () => {
    it.each([
      ['/api/v1/campaigns?status=paused', /^query\.status: Invalid option/],
      ['/api/v1/campaigns?status=BOGUS', /^query\.status:/],
      ['/api/v1/campaigns?limit=0', /^query\.limit:/],
      ['/api/v1/campaigns?limit=101', /^query\.limit:/],
      ['/api/v1/campaigns?limit=ten', /^query\.limit: must be a whole number/],
      ['/api/v1/campaigns?limit=1&limit=2', /^query\.limit:/],
      ['/api/v1/campaigns?cursor=abc', /^query\.cursor: must be the next_cursor/],
      ['/api/v1/campaigns?page=2', 'query: Unrecognized key: "page"'],
      ['/api/v1/queue-management/status?verbose=1', 'query: Unrecognized key: "verbose"'],
      ['/api/v1/campaigns/{campaign}?x=1', 'query: Unrecognized key: "x"'],
      ['/api/v1/campaigns/{campaign}/jobs?status=DONE', /^query\.status:/],
      ['/api/v1/campaigns/{campaign}/leads?status=DONE', /^query\.status:/],
      ['/api/v1/campaigns/{campaign}/leads?limit=-1', /^query\.limit:/],
      ['/api/v1/jobs/{job}?include=lead', 'query: Unrecognized key: "include"'],
      ['/api/v1/campaigns/%E0%A4%A', 'Bad Request'],
    ])('GET %s is 400', async (path, detail) => {
      const resolved = path.replace('{campaign}', finishedCampaignId).replace('{job}', jobId);
      expectErrorEnvelope(await t.get(resolved), 400, detail);
    });

    it('accepts the documented query fields', async () => {
      const res = await t.get(`/api/v1/campaigns/${finishedCampaignId}/jobs?status=COMPLETED&limit=100`).expect(200);
      expect(res.body.data.jobs.length).toBe(res.body.data.total);
      expect(res.body.data.next_cursor).toBeNull();
      expect(res.headers['cache-control']).toBe('no-store');
    });
  });

  // PostgreSQL cannot store NUL, nor an unpaired surrogate: such text must never get past the edge, where it
  // would fail (or, inside a breaker effect, wedge) whatever tried to write it.
  describe('text the database cannot store', () => {
    const unstorable = /contains a character that cannot be stored/;

    it('refuses a NUL in a pause reason with a 400 and leaves the breaker as it was', async () => {
      const res = await t.post('/api/v1/queue-management/pause-service', { service: 'apollo', reason: 'nul \u0000 here' });
      expectErrorEnvelope(res, 400, /^body\.reason: contains a character that cannot be stored/);
      expect(await breakerState()).toBe('CLOSED');
      expect(await prisma().breakerEvent.count({ where: { type: 'BREAKER_OPENED' } })).toBe(0);
    });

    it('refuses a NUL in a campaign name and a lone surrogate in a search term, creating nothing', async () => {
      const before = await prisma().campaign.count();
      expectErrorEnvelope(await t.post('/api/v1/campaigns', campaignBody({ name: 'bad \u0000 name' })), 400, /^body\.name: /);
      const criteria = { titles: ['CTO', 'half \ud800 pair'] };
      const res = await t.post('/api/v1/campaigns', campaignBody({ search_criteria: criteria }));
      expectErrorEnvelope(res, 400, unstorable);
      expect(res.body.detail).toMatch(/^body\.search_criteria\.titles\.1: /);
      expect(await prisma().campaign.count()).toBe(before);
    });

    it('refuses unstorable text in a query string too', async () => {
      expectErrorEnvelope(await t.get('/api/v1/campaigns?status=RUNNING%00'), 400, unstorable);
    });

    it('still takes text with well-formed surrogate pairs (emoji)', async () => {
      const res = await t.post('/api/v1/campaigns', campaignBody({ name: 'Launch \ud83d\ude80 week' })).expect(201);
      expect((await prisma().campaign.findUniqueOrThrow({ where: { id: res.body.data.id } })).name).toBe('Launch 🚀 week');
    });
  });
});
