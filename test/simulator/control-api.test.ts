/** /sim: fault control with validation, counters, Instantly's lead inspection, reset. */
import { SERVICES } from '../../src/providers';
import { rejectionOf, useSimulator } from './use-simulator';

const harness = useSimulator();
const apolloSearch = () =>
  harness.request('POST', '/apollo/api/v1/mixed_people/api_search', { headers: { 'x-api-key': 'k' }, body: { per_page: 1 } });
const instantlyCreate = (body: Record<string, unknown>) =>
  harness.request('POST', '/instantly/api/v2/leads', { headers: { authorization: 'Bearer k' }, body });

test('GET /sim/services lists every service with no fault and zero counters', async () => {
  const { status, json } = await harness.request('GET', '/sim/services');
  expect(status).toBe(200);
  expect(json.status).toBe('success');
  expect(Object.keys(json.data.services).sort()).toEqual([...SERVICES].sort());
  for (const service of SERVICES) {
    expect(json.data.services[service]).toEqual({ fault: { mode: 'none' }, calls: 0, failures: 0, rate_limit: null, rate_limited: 0, peak_per_second: 0 });
  }
});

test('a valid fault is stored with its defaults and applied', async () => {
  const set = await harness.request('POST', '/sim/services/apollo/fault', { body: { mode: 'outage' } });
  expect(set.status).toBe(200);
  expect(set.json).toEqual({
    status: 'success',
    data: { service: 'apollo', fault: { mode: 'outage', status: 503, retry_after_format: 'seconds', lose_response: false } },
  });
  expect((await apolloSearch()).status).toBe(503);
  expect((await harness.control.services()).apollo.fault).toMatchObject({ mode: 'outage', status: 503 });
});

test('an unknown service is a 404 in the error envelope', async () => {
  const { status, json } = await harness.request('POST', '/sim/services/salesforce/fault', { body: { mode: 'none' } });
  expect(status).toBe(404);
  expect(json.status).toBe('error');
  expect(json.detail).toContain('salesforce');
});

test.each([
  ['no mode', {}],
  ['an unknown mode', { mode: 'explode' }],
  ['error_rate without a rate', { mode: 'error_rate' }],
  ['a rate above 1', { mode: 'error_rate', rate: 1.5 }],
  ['a rate of 0', { mode: 'error_rate', rate: 0 }],
  ['a status that is not an error', { mode: 'outage', status: 200 }],
  ['a status that is not an integer', { mode: 'outage', status: 'five hundred' }],
  ['negative latency', { mode: 'latency', latency_ms: -1 }],
  ['a misspelt field', { mode: 'outage', statsu: 500 }],
  ['a JSON array', [{ mode: 'outage' }]],
  ['malformed JSON', '{"mode": "outage"'],
])('%s is refused with 400 and changes nothing', async (_name, body) => {
  const { status, json } = await harness.request('POST', '/sim/services/openai/fault', { body });
  expect(status).toBe(400);
  expect(json.status).toBe('error');
  expect(typeof json.detail).toBe('string');
  expect((await harness.control.services()).openai.fault).toEqual({ mode: 'none' });
});

test('a 429 outage sends Retry-After: 1 unless told otherwise, and the given value when told', async () => {
  await harness.control.setFault('apollo', { mode: 'outage', status: 429 });
  const defaulted = await apolloSearch();
  expect(defaulted.status).toBe(429);
  expect(defaulted.headers.get('retry-after')).toBe('1');
  await harness.control.setFault('apollo', { mode: 'outage', status: 429, retry_after_s: 42 });
  expect((await apolloSearch()).headers.get('retry-after')).toBe('42');
});

test('latency delays the answer by at least latency_ms', async () => {
  await harness.control.setFault('apollo', { mode: 'latency', latency_ms: 300 });
  const started = Date.now();
  expect((await apolloSearch()).status).toBe(200);
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
});

test('calls and failures are counted per service, including auth and validation refusals', async () => {
  await apolloSearch();
  await harness.request('POST', '/apollo/api/v1/mixed_people/api_search', { body: {} }); // no key: 401
  await harness.request('POST', '/openai/v1/chat/completions', { headers: { authorization: 'Bearer k' }, body: { model: 'gpt-4o' } }); // 400
  const services = await harness.control.services();
  expect(services.apollo).toMatchObject({ calls: 2, failures: 1 });
  expect(services.openai).toMatchObject({ calls: 1, failures: 1 });
  expect(services.perplexity).toMatchObject({ calls: 0, failures: 0 });
});

test('Instantly keeps duplicates a careless client would create, and shows them', async () => {
  const lead = { campaign: 'c-1', email: 'dup@example.com' };
  expect((await instantlyCreate(lead)).status).toBe(200);
  expect((await instantlyCreate(lead)).status).toBe(200);
  const { json } = await harness.request('GET', '/sim/services/instantly/leads?campaign=c-1');
  expect(json.data.count).toBe(2);
  expect(new Set(json.data.leads.map((l: { id: string }) => l.id)).size).toBe(2);
});

test('a bulk add never adds an address its campaign holds; skip_if_in_campaign skips one held by any campaign', async () => {
  const bulkAdd = (body: Record<string, unknown>) =>
    harness.request('POST', '/instantly/api/v2/leads/add', { headers: { authorization: 'Bearer k' }, body });
  const first = await bulkAdd({ campaign_id: 'c-1', leads: [{ email: 'a@example.com' }, { email: 'b@example.com' }] });
  expect(first.json).toMatchObject({ leads_uploaded: 2, duplicated_leads: 0, created_leads: [{ index: 0 }, { index: 1 }] });
  const again = await bulkAdd({ campaign_id: 'c-1', leads: [{ email: 'B@example.com' }, { email: 'c@example.com' }, { email: 'nope' }] });
  expect(again.json).toMatchObject({ total_sent: 3, leads_uploaded: 1, duplicated_leads: 1, invalid_email_count: 1, created_leads: [{ index: 1, email: 'c@example.com' }] });
  const elsewhere = await bulkAdd({ campaign_id: 'c-2', skip_if_in_campaign: true, leads: [{ email: 'a@example.com' }, { email: 'd@example.com' }] });
  expect(elsewhere.json).toMatchObject({ leads_uploaded: 1, skipped_count: 1, created_leads: [{ index: 1, email: 'd@example.com' }] });
  expect((await harness.control.instantlyLeads('c-1')).map((l) => l.email)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
  expect((await harness.control.instantlyLeads('c-2')).map((l) => l.email)).toEqual(['d@example.com']);
});

test('skip_if_in_campaign answers with the lead already there', async () => {
  const first = await instantlyCreate({ campaign: 'c-1', email: 'once@example.com' });
  const again = await instantlyCreate({ campaign: 'c-1', email: 'ONCE@example.com', skip_if_in_campaign: true });
  expect(again.json.id).toBe(first.json.id);
  expect(await harness.control.instantlyLeads('c-1')).toHaveLength(1);
});

test('the lead listing filters by campaign, or shows all without one', async () => {
  await instantlyCreate({ campaign: 'c-1', email: 'a@example.com' });
  await instantlyCreate({ campaign: 'c-2', email: 'b@example.com' });
  expect((await harness.control.instantlyLeads('c-1')).map((l) => l.email)).toEqual(['a@example.com']);
  expect((await harness.control.instantlyLeads()).map((l) => l.campaign).sort()).toEqual(['c-1', 'c-2']);
  expect(await harness.control.instantlyLeads('c-none')).toEqual([]);
});

test('an outage that loses the response still stores the lead', async () => {
  await harness.control.setFault('instantly', { mode: 'outage', lose_response: true });
  expect((await instantlyCreate({ campaign: 'c-1', email: 'ghost@example.com' })).status).toBe(503);
  expect(await harness.control.instantlyLeads('c-1')).toHaveLength(1);
});

test('an outage that does not lose the response stores nothing', async () => {
  await harness.control.setFault('instantly', { mode: 'outage' });
  expect((await instantlyCreate({ campaign: 'c-1', email: 'ghost@example.com' })).status).toBe(503);
  expect(await harness.control.instantlyLeads('c-1')).toHaveLength(0);
});

test('POST /sim/reset clears faults, counters and leads', async () => {
  await harness.control.setFault('apollo', { mode: 'outage' });
  await apolloSearch();
  await instantlyCreate({ campaign: 'c-1', email: 'a@example.com' });
  await harness.control.reset();
  const services = await harness.control.services();
  for (const service of SERVICES) {
    expect(services[service]).toEqual({ fault: { mode: 'none' }, calls: 0, failures: 0, rate_limit: null, rate_limited: 0, peak_per_second: 0 });
  }
  expect(await harness.control.instantlyLeads()).toEqual([]);
  expect((await apolloSearch()).status).toBe(200);
});

test('the control client reports a refused fault as an error', async () => {
  const error = await rejectionOf(harness.control.setFault('apollo', { mode: 'error_rate', rate: 7 }));
  expect(String(error)).toMatch(/HTTP 400/);
});

test('an unknown /sim route is a 404 in the error envelope', async () => {
  const { status, json } = await harness.request('GET', '/sim/nothing-here');
  expect(status).toBe(404);
  expect(json.status).toBe('error');
});

describe('rate limit', () => {
  test('answers 429 with Retry-After above the limit, counts them, and clears with limit null', async () => {
    const set = await harness.request('POST', '/sim/services/apollo/rate-limit', { body: { limit: 3, per_seconds: 10 } });
    expect(set.json.data).toEqual({ service: 'apollo', rate_limit: { limit: 3, per_seconds: 10 } });
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof apolloSearch>> | undefined;
    for (let i = 0; i < 5; i++) {
      const answer = await apolloSearch();
      statuses.push(answer.status);
      if (answer.status === 429) refused = answer;
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // A burst of 3, then one token every 10/3 s.
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(3);
    expect(Number(refused!.headers.get('retry-after'))).toBeLessThanOrEqual(4);
    expect(refused!.json.error).toMatch(/Rate limit exceeded/);
    let status = (await harness.control.services()).apollo;
    expect(status).toMatchObject({ calls: 5, rate_limit: { limit: 3, per_seconds: 10 }, rate_limited: 2 });
    // Five calls within at most two wall-clock seconds: at least three in one of them.
    expect(status.peak_per_second).toBeGreaterThanOrEqual(3);
    expect(status.peak_per_second).toBeLessThanOrEqual(5);

    await harness.control.setRateLimit('apollo', null);
    expect((await apolloSearch()).status).toBe(200);
    status = (await harness.control.services()).apollo;
    expect(status).toMatchObject({ rate_limit: null, rate_limited: 2 });
  });

  test('per_seconds defaults to 1; tokens refill continuously', async () => {
    await harness.control.setRateLimit('instantly', 2);
    expect((await harness.control.services()).instantly.rate_limit).toEqual({ limit: 2, per_seconds: 1 });
    // 4 per 8 s: a burst of 4, then one token every 2 s.
    await harness.control.setRateLimit('openai', 4, 8);
    const ask = () => harness.request('POST', '/openai/v1/chat/completions', { headers: { authorization: 'Bearer k' }, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } });
    const burst = [];
    for (let i = 0; i < 5; i++) burst.push(await ask());
    expect(burst.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 429]);
    expect(burst[4]!.headers.get('retry-after')).toBe('2');
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect([(await ask()).status, (await ask()).status]).toEqual([200, 429]);
  });

  test.each([
    [{ limit: 0 }, 400],
    [{ limit: 5, per_seconds: 0 }, 400],
    [{ limit: 'five' }, 400],
    [{ limit: 5, extra: true }, 400],
  ])('%j is refused with %d', async (body, status) => {
    const answer = await harness.request('POST', '/sim/services/apollo/rate-limit', { body });
    expect(answer.status).toBe(status);
    expect(answer.json.detail).toMatch(/Invalid rate limit/);
  });

  test('an unknown service is a 404', async () => {
    expect((await harness.request('POST', '/sim/services/hubspot/rate-limit', { body: { limit: 1 } })).status).toBe(404);
  });
});
