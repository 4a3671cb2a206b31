/**
 * Campaign, job and lead routes against a real dev server and worker: each call, then the database and
 * the workflow.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { campaignWorkflowId } from '../../workflows/definitions';
import { DATABASE_KINDS } from '../helpers/db';
import {
  type ApiTestEnv,
  campaignBody,
  campaignsPausedAndQuiet,
  campaignsReach,
  launchViaApi,
  useApiEnv,
  until,
} from './support/api-env';

const RESUME_REFUSAL = 'Campaigns resume only through the queue: POST /api/v1/queue-management/resume-queue';

describe.each(DATABASE_KINDS)('campaigns, jobs and leads (%s)', (kind) => {
  let t: ApiTestEnv;
  useApiEnv(kind, (env) => (t = env));

  const prisma = () => t.h.db.prisma;
  const create = async (overrides: Record<string, unknown> = {}) =>
    (await t.post('/api/v1/campaigns', campaignBody(overrides)).expect(201)).body.data;
  const getCampaign = async (id: string) => (await t.get(`/api/v1/campaigns/${id}`).expect(200)).body.data;

  async function launchHeld(count: number): Promise<string[]> {
    t.h.providers.hold('millionverifier');
    const before = t.h.providers.waiting.millionverifier;
    const ids = await launchViaApi(t, count);
    await until(t, () => Promise.resolve(t.h.providers.waiting.millionverifier === before + count * 2), 'verify calls held');
    return ids;
  }

  it('creates a campaign: snake_case out, the Prisma schema (camelCase criteria) in the database', async () => {
    const body = campaignBody({
      name: '  Founders in Berlin  ',
      search_criteria: {
        titles: ['Founder', 'CEO'],
        locations: ['Berlin'],
        seniorities: ['founder'],
        industries: ['software'],
        keywords: 'devtools',
        employee_ranges: ['11,50', '51-200'],
      },
      lead_limit: 1000,
    });
    const res = await t.post('/api/v1/campaigns', body).expect(201);
    expect(res.body.status).toBe('success');
    const data = res.body.data;
    expect(data).toMatchObject({
      name: 'Founders in Berlin',
      status: 'CREATED',
      status_reason: null,
      search_criteria: body.search_criteria,
      lead_limit: 1000,
      copy_prompt: body.copy_prompt,
      instantly_campaign_id: body.instantly_campaign_id,
      started_at: null,
      completed_at: null,
    });
    const row = await prisma().campaign.findUniqueOrThrow({ where: { id: data.id } });
    expect(row).toMatchObject({ name: 'Founders in Berlin', status: 'CREATED', leadLimit: 1000, instantlyCampaignId: body.instantly_campaign_id });
    expect(row.searchCriteria).toEqual({
      titles: ['Founder', 'CEO'],
      locations: ['Berlin'],
      seniorities: ['founder'],
      industries: ['software'],
      keywords: 'devtools',
      employeeRanges: ['11,50', '51-200'],
    });
  });

  it('lists campaigns by status, newest first, every one exactly once across cursor pages', async () => {
    for (let i = 0; i < 3; i++) await create({ name: `list-${i}` });
    const expected = await prisma().campaign.findMany({ where: { status: 'CREATED' }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { campaigns: { id: string; status: string }[]; next_cursor: string | null; total: number } = (
        await t.get(`/api/v1/campaigns?status=CREATED&limit=2${cursor ? `&cursor=${cursor}` : ''}`).expect(200)
      ).body.data;
      const { campaigns, next_cursor, total } = page;
      expect(total).toBe(expected.length);
      expect(campaigns.length).toBeLessThanOrEqual(2);
      expect(campaigns.every((c) => c.status === 'CREATED')).toBe(true);
      seen.push(...campaigns.map((c) => c.id));
      cursor = next_cursor;
    } while (cursor);
    expect(seen).toEqual(expected.map((c) => c.id));
    // A cursor that is not in the filtered list is refused rather than answered with an empty page.
    const completed = (await t.get('/api/v1/campaigns?status=COMPLETED').expect(200)).body.data;
    expect(completed.campaigns.every((c: { status: string }) => c.status === 'COMPLETED')).toBe(true);
    expect((await t.get(`/api/v1/campaigns?status=CREATED&cursor=${randomUUID()}`).expect(400)).body.detail).toContain('query.cursor');
  });

  it('starts a campaign, which runs to COMPLETED; its jobs and leads are listed and counted', async () => {
    const { id } = await create({ lead_limit: 2 });
    const before = await getCampaign(id);
    expect(before).toMatchObject({ status: 'CREATED', job_counts: { total: 0 }, lead_counts: { total: 0 }, workflow: null });

    const started = await t.post(`/api/v1/campaigns/${id}/start`).expect(202);
    expect(started.body.data).toMatchObject({ id, workflow_id: campaignWorkflowId(id), action: 'campaign_start_requested' });
    await campaignsReach(t, [id], 'COMPLETED');

    const done = await getCampaign(id);
    // Fetch, one email-enrichment batch, three jobs per lead, then one or two push batches (the leads may share one).
    const pushBatches = await prisma().job.count({ where: { campaignId: id, type: 'PUSH_TO_INSTANTLY' } });
    expect([1, 2]).toContain(pushBatches);
    const total = 1 + 1 + 2 * 3 + pushBatches;
    expect(done).toMatchObject({ status: 'COMPLETED', job_counts: { total, by_status: { COMPLETED: total } }, lead_counts: { total: 2, by_status: { PUSHED: 2 } } });
    expect(done.started_at).toEqual(expect.any(String));
    expect(done.completed_at).toEqual(expect.any(String));

    const leads = (await t.get(`/api/v1/campaigns/${id}/leads?status=PUSHED`).expect(200)).body.data;
    expect(leads.total).toBe(2);
    expect(leads.leads[0]).toMatchObject({
      campaign_id: id,
      status: 'PUSHED',
      instantly_lead_id: expect.any(String),
      email_subject: expect.any(String),
      email_credits: 1,
      research_sources: [{ url: expect.stringMatching(/^https:\/\//), title: null }],
      research_cost_usd: 0.005,
    });
    expect((await t.get(`/api/v1/campaigns/${id}/leads?status=FAILED`).expect(200)).body.data.total).toBe(0);

    // Jobs in pipeline order, three pages of at most four.
    const jobIds: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { jobs: { id: string; campaign_id: string }[]; next_cursor: string | null } = (
        await t.get(`/api/v1/campaigns/${id}/jobs?limit=4${cursor ? `&cursor=${cursor}` : ''}`).expect(200)
      ).body.data;
      jobIds.push(...page.jobs.map((job) => job.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(jobIds).size).toBe(total);
    const first = (await t.get(`/api/v1/jobs/${jobIds[0]}`).expect(200)).body.data;
    expect(first).toMatchObject({ id: jobIds[0], campaign_id: id, type: 'FETCH_LEADS', status: 'COMPLETED', attempts: 1, error: null });

    // Finished: every action is a conflict now.
    expect((await t.post(`/api/v1/campaigns/${id}/start`).expect(409)).body.detail).toBe(`Campaign ${id} is COMPLETED: only a CREATED campaign can start`);
    expect((await t.post(`/api/v1/campaigns/${id}/pause`).expect(409)).body.detail).toContain('only a RUNNING campaign can be paused');
    expect((await t.post(`/api/v1/campaigns/${id}/cancel`).expect(409)).body.detail).toBe(`Campaign ${id} is already COMPLETED`);
    expect((await t.post(`/api/v1/campaigns/${id}/resume`).expect(409)).body.detail).toBe(RESUME_REFUSAL);
  });

  it('refuses to start while the breaker is open or the queue paused (409), and starts once resumed', async () => {
    const { id } = await create();
    await t.post('/api/v1/queue-management/pause-service', { service: 'apollo', reason: 'provider incident' }).expect(200);
    const whileOpen = await t.post(`/api/v1/campaigns/${id}/start`).expect(409);
    expect(whileOpen.body.detail).toMatch(/^Cannot start campaign: Circuit breaker is open \(apollo: provider incident\)/);

    await t.post('/api/v1/queue-management/circuit-breakers/apollo/reset').expect(200);
    const whilePaused = await t.post(`/api/v1/campaigns/${id}/start`).expect(409);
    expect(whilePaused.body.detail).toBe('Cannot start campaign: the queue is PAUSED; resume it with POST /api/v1/queue-management/resume-queue');

    // Refused means untouched: still CREATED, no job, no workflow.
    expect((await prisma().campaign.findUniqueOrThrow({ where: { id } })).status).toBe('CREATED');
    expect(await prisma().job.count({ where: { campaignId: id } })).toBe(0);
    await expect(t.env.client.workflow.getHandle(campaignWorkflowId(id)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    await t.post('/api/v1/queue-management/resume-queue').expect(200);
    await t.post(`/api/v1/campaigns/${id}/start`).expect(202);
    await campaignsReach(t, [id], 'COMPLETED');
  });

  it('a start racing a breaker opening never leaves a campaign running (SPEC rule 4)', async () => {
    const ids = await Promise.all([0, 1, 2, 3].map(async () => (await create()).id as string));
    // Held fetches: a campaign that wins the race cannot finish before the pause lands.
    t.h.providers.hold('apollo');
    const [pause, ...starts] = await Promise.all([
      t.post('/api/v1/queue-management/pause-service', { service: 'instantly', reason: 'race' }),
      ...ids.map((id) => t.post(`/api/v1/campaigns/${id}/start`)),
    ]);
    expect(pause.status).toBe(200);
    const accepted = ids.filter((_, i) => starts[i]!.status === 202);
    const refused = ids.filter((_, i) => starts[i]!.status === 409);
    expect(accepted.length + refused.length).toBe(ids.length);
    t.h.providers.release('apollo');
    // Accepted starts end PAUSED by the cascade or by the workflow's own queue gate; refused stay CREATED.
    if (accepted.length > 0) await campaignsPausedAndQuiet(t, accepted);
    expect(await prisma().campaign.count({ where: { id: { in: refused }, status: 'CREATED' } })).toBe(refused.length);
    expect(await prisma().job.count({ where: { campaignId: { in: ids }, status: { in: ['PENDING', 'PROCESSING'] } } })).toBe(0);
  });

  it('pauses one campaign by hand: that campaign only, and only resume-queue resumes it', async () => {
    const [target, other] = await launchHeld(2);
    const res = await t.post(`/api/v1/campaigns/${target}/pause`, { reason: 'check the copy' }).expect(202);
    expect(res.body.data).toMatchObject({ id: target, action: 'campaign_pause_requested', reason: 'Paused by operator: check the copy' });
    await campaignsReach(t, [target!], 'PAUSED');

    const row = await prisma().campaign.findUniqueOrThrow({ where: { id: target } });
    expect(row.statusReason).toBe('Paused by operator: check the copy');
    expect(await prisma().job.count({ where: { campaignId: target, status: 'PAUSED' } })).toBe(2);
    // The database is written first; the workflow converges to it as soon as it has read the notice.
    const workflow = await until(t, async () => {
      const live = (await getCampaign(target!)).workflow as { status: string; pause_reason: string | null } | null;
      return live?.status === 'PAUSED' && live;
    }, 'the workflow adopts the pause');
    expect(workflow).toMatchObject({ status: 'PAUSED', pause_reason: 'Paused by operator: check the copy' });
    expect((await prisma().campaign.findUniqueOrThrow({ where: { id: other } })).status).toBe('RUNNING');
    const queue = (await t.get('/api/v1/queue-management/status').expect(200)).body.data;
    expect(queue).toMatchObject({ circuit_breaker: { state: 'closed' }, queue: { status: 'ACTIVE' } });

    expect((await t.post(`/api/v1/campaigns/${target}/pause`).expect(409)).body.detail).toContain('is PAUSED');
    expect((await t.post(`/api/v1/campaigns/${target}/resume`).expect(409)).body.detail).toBe(RESUME_REFUSAL);

    // The other campaign finishes; the paused one keeps its in-flight results and waits.
    t.h.providers.release('millionverifier');
    await campaignsReach(t, [other!], 'COMPLETED');
    await until(t, async () => (await prisma().job.count({ where: { campaignId: target, type: 'ENRICH_LEAD' } })) === 2, 'in-flight results kept');
    expect(await prisma().job.count({ where: { campaignId: target, status: { in: ['PENDING', 'PROCESSING'] } } })).toBe(0);
    expect((await prisma().campaign.findUniqueOrThrow({ where: { id: target } })).status).toBe('PAUSED');

    expect((await t.post('/api/v1/queue-management/resume-queue').expect(200)).body.data.campaigns_resumed).toBe(1);
    await campaignsReach(t, [target!], 'COMPLETED');
  });

  it('cancels a running campaign after its in-flight jobs land; a second cancel is a conflict', async () => {
    const [id] = await launchHeld(1);
    expect((await t.post(`/api/v1/campaigns/${id}/cancel`).expect(202)).body.data).toMatchObject({ id, action: 'campaign_cancel_requested' });
    t.h.providers.release('millionverifier');
    await campaignsReach(t, [id!], 'CANCELLED');
    const jobs = await prisma().job.groupBy({ by: ['status'], where: { campaignId: id }, _count: { _all: true } });
    expect(jobs.map((g) => g.status).sort()).toEqual(['CANCELLED', 'COMPLETED']);
    expect((await t.post(`/api/v1/campaigns/${id}/cancel`).expect(409)).body.detail).toBe(`Campaign ${id} is already CANCELLED`);
  });

  it('cancels a campaign that never started, without running any job', async () => {
    const { id } = await create();
    const apolloCalls = t.h.providers.calls.apollo;
    await t.post(`/api/v1/campaigns/${id}/cancel`).expect(202);
    await campaignsReach(t, [id], 'CANCELLED');
    expect(t.h.providers.calls.apollo).toBe(apolloCalls);
    expect(await prisma().job.count({ where: { campaignId: id, status: { not: 'CANCELLED' } } })).toBe(0);
  });

  it('cancels a campaign paused by the breaker', async () => {
    const [id] = await launchHeld(1);
    await t.post('/api/v1/queue-management/pause-service', { service: 'openai', reason: 'cancel test' }).expect(200);
    t.h.providers.release('millionverifier');
    await campaignsPausedAndQuiet(t, [id!]);
    await t.post(`/api/v1/campaigns/${id}/cancel`).expect(202);
    await campaignsReach(t, [id!], 'CANCELLED');
    expect(await prisma().job.count({ where: { campaignId: id, status: 'PAUSED' } })).toBe(0);
  });

  it('answers 404 for unknown ids and 400 for malformed ones, on every id route', async () => {
    const unknown = randomUUID();
    const routes: [string, string][] = [
      ['get', `/api/v1/campaigns/${unknown}`],
      ['post', `/api/v1/campaigns/${unknown}/start`],
      ['post', `/api/v1/campaigns/${unknown}/pause`],
      ['post', `/api/v1/campaigns/${unknown}/cancel`],
      ['post', `/api/v1/campaigns/${unknown}/resume`],
      ['get', `/api/v1/campaigns/${unknown}/jobs`],
      ['get', `/api/v1/campaigns/${unknown}/leads`],
      ['get', `/api/v1/jobs/${unknown}`],
    ];
    for (const [method, path] of routes) {
      const call = method === 'get' ? t.get(path) : t.post(path);
      const res = await call.expect(404);
      expect(res.body).toEqual({ status: 'error', detail: expect.stringContaining(`${unknown} not found`) });
      const malformed = path.replace(unknown, 'not-a-uuid');
      const bad = await (method === 'get' ? t.get(malformed) : t.post(malformed)).expect(400);
      expect(bad.body.detail).toMatch(/^params\.id: must be a (campaign|job) id \(UUID\)$/);
    }
  });
});
