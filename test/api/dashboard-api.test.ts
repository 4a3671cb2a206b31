/**
 * What the dashboard reads beyond the original routes: the audit events route, the session, campaign
 * progress in the list, field-level validation errors, and the live stream, against a real dev server,
 * worker and database.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { campaignWorkflowId } from '../../workflows/definitions';
import { DATABASE_KINDS } from '../helpers/db';
import { type ApiTestEnv, campaignsReach, KEYS, launchViaApi, useApiEnv } from './support/api-env';

describe.each(DATABASE_KINDS)('dashboard API (%s)', (kind) => {
  let t: ApiTestEnv;
  useApiEnv(kind, (env) => (t = env));
  const prisma = () => t.h.db.prisma;

  it('lists the audit events newest first, page by page, to viewers too', async () => {
    await t.post('/api/v1/queue-management/pause-service', { service: 'openai', reason: 'provider incident' }).expect(200);
    await t.post('/api/v1/queue-management/circuit-breakers/openai/reset').expect(200);
    await t.post('/api/v1/queue-management/resume-queue').expect(200);

    const walked: { id: string; type: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: { events: { id: string; type: string }[]; next_cursor: string | null } = (await t.get(`/api/v1/queue-management/events?limit=2${cursor ? `&cursor=${cursor}` : ''}`, 'viewer').expect(200)).body.data;
      expect(page.events.length).toBeLessThanOrEqual(2);
      walked.push(...page.events);
      cursor = page.next_cursor;
    } while (cursor);
    const rows = await prisma().breakerEvent.findMany({ orderBy: { id: 'desc' } });
    expect(walked.map((e) => e.id)).toEqual(rows.map((r) => String(r.id)));

    const newest = (await t.get('/api/v1/queue-management/events?limit=4').expect(200)).body.data;
    expect(newest.total).toBe(rows.length);
    expect(newest.events.map((e: { type: string }) => e.type)).toEqual(['QUEUE_RESUMED', 'BREAKER_RESET', 'QUEUE_PAUSED', 'BREAKER_OPENED']);
    expect(newest.events[3]).toMatchObject({ service: 'openai', actor: 'operator', reason: 'provider incident', created_at: expect.any(String) });
  });

  it('refuses a malformed or foreign events cursor with a field-level error', async () => {
    const bad = await t.get('/api/v1/queue-management/events?cursor=abc').expect(400);
    expect(bad.body).toEqual({
      status: 'error',
      detail: 'query.cursor: must be the next_cursor of a previous page',
      errors: [{ field: 'query.cursor', message: 'must be the next_cursor of a previous page' }],
    });
    const foreign = await t.get('/api/v1/queue-management/events?cursor=987654321').expect(400);
    expect(foreign.body.detail).toMatch(/^query\.cursor: not in this list/);
  });

  it('tells a key its role; refuses a missing or wrong key', async () => {
    expect((await t.get('/api/v1/session').expect(200)).body.data).toEqual({ role: 'operator', temporal_ui: null });
    expect((await t.get('/api/v1/session', 'viewer').expect(200)).body.data.role).toBe('viewer');
    await t.get('/api/v1/session').set('Authorization', 'Bearer wrong').expect(401);
  });

  it('lists campaigns with their progress (jobs by status, leads pushed) and workflow id, from the database', async () => {
    const [id] = await launchViaApi(t, 1, 2);
    await campaignsReach(t, [id!], 'COMPLETED');
    const listed = (await t.get('/api/v1/campaigns?limit=100', 'viewer').expect(200)).body.data.campaigns.find((c: { id: string }) => c.id === id);
    const jobs = await prisma().job.groupBy({ by: ['status'], where: { campaignId: id! }, _count: { _all: true } });
    const pushed = await prisma().lead.count({ where: { campaignId: id!, status: 'PUSHED' } });
    expect(listed.workflow_id).toBe(campaignWorkflowId(id!));
    expect(listed.progress.leads_pushed).toBe(pushed);
    expect(listed.progress.jobs.total).toBe(jobs.reduce((sum, g) => sum + g._count._all, 0));
    expect(listed.progress.jobs.by_status.COMPLETED).toBe(jobs.find((g) => g.status === 'COMPLETED')?._count._all);
    expect(listed.progress.jobs.by_status.PAUSED).toBe(0);
  });

  it('names every rejected field of a campaign, so a form can show each message beside its field', async () => {
    const res = await t
      .post('/api/v1/campaigns', { name: ' ', search_criteria: {}, lead_limit: 0, copy_prompt: 'x', instantly_campaign_id: 'i' })
      .expect(400);
    expect(res.body.errors).toEqual([
      { field: 'body.name', message: 'is required' },
      { field: 'body.search_criteria', message: expect.stringMatching(/^needs at least one criterion/) },
      { field: 'body.lead_limit', message: 'Too small: expected number to be >=1' },
    ]);
    expect(res.body.detail).toBe(res.body.errors.map((e: { field: string; message: string }) => `${e.field}: ${e.message}`).join('; '));
    expect(await prisma().campaign.count({ where: { name: ' ' } })).toBe(0);
  });

  describe('the live stream', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = await new Promise<Server>((resolve) => {
        const s = t.app.listen(0, '127.0.0.1', () => resolve(s));
      });
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    /** The stream's `snapshot` events: `next(accept)` reads on until `accept` takes one. */
    function snapshotsOf(stream: Response) {
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      return {
        async next(accept: (snapshot: any) => boolean): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
          for (;;) {
            for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
              const data = /^event: snapshot\ndata: (.*)$/m.exec(buffer.slice(0, end))?.[1];
              buffer = buffer.slice(end + 2);
              if (data && accept(JSON.parse(data))) return JSON.parse(data);
            }
            const { value, done } = await reader.read();
            if (done) throw new Error('stream ended');
            buffer += value;
          }
        },
      };
    }

    it('needs a key, and sends viewers what the status, campaigns and events routes answer, then every change', async () => {
      expect((await fetch(`${base}/queue-management/stream`)).status).toBe(401);

      const abort = new AbortController();
      const stream = await fetch(`${base}/queue-management/stream`, { headers: { authorization: `Bearer ${KEYS.viewer}` }, signal: abort.signal });
      try {
        expect(stream.status).toBe(200);
        expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
        const snapshots = snapshotsOf(stream);
        const first = await snapshots.next(() => true);
        const [status, campaigns, events] = await Promise.all([
          t.get('/api/v1/queue-management/status').expect(200),
          t.get('/api/v1/campaigns').expect(200),
          t.get('/api/v1/queue-management/events').expect(200),
        ]);
        expect(first.status).toEqual(status.body.data);
        expect(first.campaigns).toEqual(campaigns.body.data);
        expect(first.events).toEqual(events.body.data);

        await t.post('/api/v1/queue-management/pause-service', { service: 'apollo', reason: 'stream test' }).expect(200);
        const opened = await snapshots.next((s) => s.status.circuit_breaker.state === 'open' && s.events.events[0]?.type === 'QUEUE_PAUSED');
        expect(opened.status.circuit_breaker.metadata).toMatchObject({ service: 'apollo', reason: 'stream test', failure_type: 'manual' });
        expect(opened.status.queue.status).toBe('PAUSED');
      } finally {
        abort.abort();
      }
    });
  });
});
