import { type Stack, startStack } from '../helpers/stack';
import { until } from '../helpers/until';

/**
 * The product end to end, as operators use it: `npm start`'s stack (dev server, worker, API, PGlite,
 * simulator), driven over HTTP only. An Apollo outage opens the breaker and pauses everything; the two
 * deliberate steps bring every campaign to completion with every lead pushed exactly once.
 */
describe('10 campaigns through an Apollo outage and a two-step recovery', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ SIMULATOR_LATENCY_MS: '40' });
  }, 150_000);
  afterAll(async () => {
    await stack?.interrupt();
  });

  const fault = (service: string, body: object) =>
    fetch(`${stack.simulatorUrl}/sim/services/${service}/fault`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  async function createAndStart(name: string, leadLimit: number): Promise<{ id: string; instantly: string }> {
    const instantly = `inst-${name}`;
    const created = await stack.api('POST', '/campaigns', {
      name,
      search_criteria: { titles: ['CTO'], keywords: `e2e-${name}` },
      lead_limit: leadLimit,
      copy_prompt: 'Say hello.',
      instantly_campaign_id: instantly,
    });
    expect(created.status).toBe(201);
    const started = await stack.api('POST', `/campaigns/${created.body.data.id}/start`);
    expect(started.status).toBe(202);
    return { id: created.body.data.id, instantly };
  }

  it('pauses everything on the outage and completes every campaign after reset + resume-queue', async () => {
    // Wave 1 runs while Apollo is healthy; wave 2 starts into the outage and trips the breaker.
    const wave1 = await Promise.all(Array.from({ length: 5 }, (_, i) => createAndStart(`w1-${i}`, 12)));
    await until(async () => {
      const s = await stack.api('GET', '/queue-management/status');
      return s.body.data.jobs.by_status.COMPLETED >= 5;
    }, 'wave 1 under way');
    expect((await fault('apollo', { mode: 'outage', status: 503 })).status).toBe(200);
    const wave2 = await Promise.all(Array.from({ length: 5 }, (_, i) => createAndStart(`w2-${i}`, 6)));
    const campaigns = [...wave1, ...wave2];

    const paused = await until(async () => {
      const s = await stack.api('GET', '/queue-management/status');
      const d = s.body.data;
      const running = d.campaigns.by_status.RUNNING + d.jobs.by_status.PENDING + d.jobs.by_status.PROCESSING;
      return d.circuit_breaker.state === 'open' && running === 0 ? d : undefined;
    }, 'breaker open and everything paused');
    expect(paused.queue.status).toBe('PAUSED');
    expect(paused.circuit_breaker.metadata).toMatchObject({ service: 'apollo', failure_type: 'server_error' });
    expect(paused.campaigns.by_status.PAUSED).toBeGreaterThanOrEqual(5);
    expect(paused.campaigns.by_status.PAUSED + paused.campaigns.by_status.COMPLETED).toBe(10);
    expect(paused.can_resume).toBe(false);

    // Resume is refused while OPEN, and a new campaign cannot start.
    const refused = await stack.api('POST', '/queue-management/resume-queue');
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toBe('Cannot resume queue: Circuit breakers still open for: apollo');
    const late = await stack.api('POST', '/campaigns', {
      name: 'late', search_criteria: { titles: ['CTO'] }, lead_limit: 1, copy_prompt: 'x', instantly_campaign_id: 'late',
    });
    expect((await stack.api('POST', `/campaigns/${late.body.data.id}/start`)).status).toBe(409);

    // Step 1: the service is healthy again; reset closes the breaker and resumes nothing.
    await fault('apollo', { mode: 'none' });
    const reset = await stack.api('POST', '/queue-management/circuit-breakers/apollo/reset');
    expect(reset.status).toBe(200);
    expect(reset.body.data.action).toBe('circuit_breaker_reset');
    const afterReset = (await stack.api('GET', '/queue-management/status')).body.data;
    expect(afterReset.circuit_breaker.state).toBe('closed');
    expect(afterReset.queue.status).toBe('PAUSED');
    expect(afterReset.campaigns.by_status.RUNNING).toBe(0);

    // Step 2: resume-queue; its counts match what the database held paused.
    const resumed = await stack.api('POST', '/queue-management/resume-queue');
    expect(resumed.status).toBe(200);
    expect(resumed.body.data).toMatchObject({
      queue_resumed: true,
      prerequisites_met: 'All circuit breakers closed',
      campaigns_eligible: afterReset.campaigns.by_status.PAUSED,
      campaigns_resumed: afterReset.campaigns.by_status.PAUSED,
      jobs_resumed: afterReset.jobs.by_status.PAUSED,
    });

    for (const campaign of campaigns) {
      const done = await until(async () => {
        const c = await stack.api('GET', `/campaigns/${campaign.id}`);
        return c.body.data.status === 'COMPLETED' ? c.body.data : undefined;
      }, `campaign ${campaign.id} completed`, { timeoutMs: 120_000 });
      // Every lead the campaign kept was pushed, exactly once, to its Instantly campaign.
      const leads = await stack.api('GET', `/campaigns/${campaign.id}/leads?limit=100`);
      const pushedLeads = leads.body.data.leads.filter((l: { status: string }) => l.status === 'PUSHED');
      expect(pushedLeads).toHaveLength(done.lead_counts.by_status.PUSHED);
      expect(pushedLeads.length).toBeGreaterThan(0);
      const inInstantly = (await (await fetch(`${stack.simulatorUrl}/sim/services/instantly/leads?campaign=${campaign.instantly}`)).json()) as {
        data: { leads: { email: string }[] };
      };
      const emails = inInstantly.data.leads.map((l) => l.email);
      expect(new Set(emails).size).toBe(emails.length);
      expect(emails.sort()).toEqual(pushedLeads.map((l: { email: string }) => l.email).sort());
      expect(done.job_counts.by_status.PAUSED).toBe(0);
    }
    const final = (await stack.api('GET', '/queue-management/status')).body.data;
    expect(final.queue.status).toBe('ACTIVE');
    expect(final.campaigns.by_status.COMPLETED).toBe(10);
  }, 300_000);
});
