/** The simulated APIs at the HTTP level: auth, validation the way the real APIs do it, determinism. */
import { DEFAULT_SEED } from '../../src/simulator/fake-data';
import { startSimulator } from '../../src/simulator/server';
import { searchPeople } from '../../src/simulator/services/apollo';
import { useSimulator } from './use-simulator';

const harness = useSimulator();
const key = { 'x-api-key': 'k' };
const bearer = { authorization: 'Bearer k' };
const chat = (content: string, extra: Record<string, unknown> = {}) => ({ messages: [{ role: 'user', content }], ...extra });

test('GET /health answers', async () => {
  expect((await harness.request('GET', '/health')).status).toBe(200);
});

describe('auth', () => {
  test.each([
    ['apollo', '/apollo/api/v1/mixed_people/api_search', { per_page: 1 }],
    ['apollo enrichment', '/apollo/api/v1/people/bulk_match', { details: [{ id: 'x' }] }],
    ['perplexity', '/perplexity/v1/agent', { model: 'perplexity/sonar', input: 'hi' }],
    ['openai', '/openai/v1/chat/completions', chat('hi', { model: 'gpt-4o-mini' })],
    ['instantly', '/instantly/api/v2/leads', { campaign: 'c', email: 'a@example.com' }],
    ['instantly list', '/instantly/api/v2/leads/list', {}],
  ])('%s without credentials is 401', async (_name, path, body) => {
    expect((await harness.request('POST', path, { body })).status).toBe(401);
    expect((await harness.request('POST', path, { body, headers: { authorization: 'Bearer ', 'x-api-key': '' } })).status).toBe(401);
  });

  test('millionverifier without a key answers 200 with an error, as the real one does', async () => {
    const { status, json } = await harness.request('GET', '/millionverifier/api/v3/?email=a@example.com');
    expect(status).toBe(200);
    expect(json).toMatchObject({ result: 'error', error: 'Apikey not found' });
  });
});

describe('apollo', () => {
  const search = (body: unknown) => harness.request('POST', '/apollo/api/v1/mixed_people/api_search', { headers: key, body });

  test('api_search answers in Apollo shape without emails, the same for the same request', async () => {
    const body = { person_titles: ['CTO'], page: 2, per_page: 3 };
    const first = await search(body);
    expect(first.status).toBe(200);
    expect(first.json.people).toHaveLength(3);
    expect(first.json.total_entries).toBeGreaterThan(0);
    expect(first.json.people[0]).toEqual(
      expect.objectContaining({ id: expect.any(String), first_name: expect.any(String), last_name_obfuscated: expect.stringContaining('***'), has_email: expect.any(Boolean) }),
    );
    expect(JSON.stringify(first.json)).not.toMatch(/@|"email"/);
    expect((await search(body)).json).toEqual(first.json);
  });

  test('bulk_match takes at most 10 people and charges a credit per revealed address', async () => {
    const { json } = await search({ person_titles: ['CTO'], per_page: 10 });
    const details = json.people.map((p: { id: string }) => ({ id: p.id }));
    const bulk = await harness.request('POST', '/apollo/api/v1/people/bulk_match', { headers: key, body: { details } });
    expect(bulk.status).toBe(200);
    const revealed = bulk.json.matches.filter((m: { email: string | null }) => m.email).length;
    expect(bulk.json).toMatchObject({ status: 'success', total_requested_enrichments: 10, credits_consumed: revealed });
    const eleven = await harness.request('POST', '/apollo/api/v1/people/bulk_match', { headers: key, body: { details: [...details, { id: 'x' }] } });
    expect(eleven.status).toBe(422);
    expect(eleven.json.error).toMatch(/at most 10/);
  });

  // Names repeat across searches (25 first names x 24 last x 200 companies), so two searches can show one id; a
  // campaign's lead then had an address in its own search and none at enrichment, once a later search had shown the
  // id locked (a NO_EMAIL lead in a chaos drill whose searches keep only people with addresses).
  test('one id is one person: every search showing it and its enrichment agree on whether it has an address', async () => {
    const shownBy = new Map<string, { keywords: string; locked: boolean }>();
    const repeats: Array<{ id: string; first: string; second: string; locked: [boolean, boolean] }> = [];
    for (let i = 0; i < 300; i += 1) {
      const keywords = `collide-${i}`;
      for (const person of searchPeople(DEFAULT_SEED, { q_keywords: keywords, page: 1, per_page: 25 }).people) {
        const locked = person.email_status === 'unavailable';
        const earlier = shownBy.get(person.id);
        if (earlier) repeats.push({ id: person.id, first: earlier.keywords, second: keywords, locked: [earlier.locked, locked] });
        else shownBy.set(person.id, { keywords, locked });
      }
    }
    expect(repeats.length).toBeGreaterThan(20);
    expect(repeats.filter(({ locked: [a, b] }) => a !== b)).toEqual([]);

    // Over HTTP: the first search shows the id, a second search shows it again, then enrichment reveals it or not.
    for (const { id, first, second } of repeats.slice(0, 5)) {
      const shown = (keywords: string) => search({ q_keywords: keywords, per_page: 25 }).then(({ json }) => json.people.find((p: { id: string }) => p.id === id));
      const [firstShown, secondShown] = [await shown(first), await shown(second)];
      expect(secondShown.has_email).toBe(firstShown.has_email);
      const bulk = await harness.request('POST', '/apollo/api/v1/people/bulk_match', { headers: key, body: { details: [{ id }] } });
      expect(Boolean(bulk.json.matches[0].email)).toBe(firstShown.has_email);
    }
  });

  test('usage stats report per-endpoint limits and what is left, for no credits', async () => {
    await search({ per_page: 1 });
    const { status, json, headers } = await harness.request('POST', '/apollo/api/v1/usage_stats/api_usage_stats', { headers: key, body: {} });
    expect(status).toBe(200);
    expect(json['["api/v1","mixed_people","api_search"]'].minute).toEqual({ limit: 200, consumed: 1, left_over: 199 });
    expect(headers.get('x-minute-requests-left')).toBe('199');
  });

  test('another seed generates other people', async () => {
    const other = await startSimulator({ seed: 'another-seed' });
    try {
      const body = { person_titles: ['CTO'], per_page: 5 };
      const response = await fetch(`${other.baseUrls.apollo}/api/v1/mixed_people/api_search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...key },
        body: JSON.stringify(body),
      });
      const theirs = (await response.json()) as { people: Array<{ id: string }> };
      const ours = (await search(body)).json as { people: Array<{ id: string }> };
      expect(theirs.people.map((p) => p.id)).not.toEqual(ours.people.map((p) => p.id));
    } finally {
      await other.close();
    }
  });

  test.each([
    ['per_page 0', { per_page: 0 }],
    ['page as text', { page: 'two' }],
    ['titles not a list', { person_titles: 'CTO' }],
    ['a range written with a dash', { organization_num_employees_ranges: ['1-10'] }],
  ])('%s is 422', async (_name, body) => {
    const { status, json } = await search(body);
    expect(status).toBe(422);
    expect(typeof json.error).toBe('string');
  });

  test('malformed JSON is 400 in Apollo’s envelope', async () => {
    const { status, json } = await harness.request('POST', '/apollo/api/v1/mixed_people/api_search', { headers: key, body: '{"page":' });
    expect(status).toBe(400);
    expect(json).toEqual({ error: 'Malformed JSON body' });
  });
});

describe('millionverifier', () => {
  test('answers with every documented field and spends a credit', async () => {
    const first = await harness.request('GET', '/millionverifier/api/v3/?api=k&email=info@gmail.com&timeout=10');
    expect(first.json).toEqual({
      email: 'info@gmail.com',
      quality: expect.any(String),
      result: expect.stringMatching(/^(ok|catch_all|unknown|invalid|disposable)$/),
      resultcode: expect.any(Number),
      subresult: expect.any(String),
      free: true,
      role: true,
      didyoumean: '',
      credits: expect.any(Number),
      executiontime: expect.any(Number),
      error: '',
      livemode: true,
    });
    const second = await harness.request('GET', '/millionverifier/api/v3/?api=k&email=info@gmail.com');
    expect(second.json.credits).toBe(first.json.credits - 1);
  });

  test('a timeout outside 2..60 is refused in the body', async () => {
    const { json } = await harness.request('GET', '/millionverifier/api/v3/?api=k&email=a@example.com&timeout=600');
    expect(json.error).toMatch(/timeout/);
  });
});

describe('perplexity', () => {
  const ask = (body: unknown) => harness.request('POST', '/perplexity/v1/agent', { headers: bearer, body });

  test('answers in the Responses format: a message with output_text, URL citations, usage with cost', async () => {
    const { status, json } = await ask({ model: 'perplexity/sonar', input: 'Name: Ada Lovelace\nCompany: Analytical Engines' });
    expect(status).toBe(200);
    const message = json.output.find((item: { type: string }) => item.type === 'message');
    expect(message.content[0]).toEqual({ type: 'output_text', text: expect.stringContaining('Analytical Engines'), annotations: expect.any(Array) });
    expect(message.content[0].annotations[0]).toMatchObject({ type: 'url_citation', url: expect.stringMatching(/^https:\/\//) });
    expect(json.usage).toMatchObject({ total_tokens: expect.any(Number), cost: { total_cost: expect.any(Number) } });
  });

  test.each([
    ['an unknown model', { model: 'sonar', input: 'hi' }],
    ['no input', { model: 'perplexity/sonar' }],
    ['neither model nor preset', { input: 'hi' }],
  ])('%s is 400 in the OpenAI-style envelope', async (_name, body) => {
    const { status, json } = await ask(body);
    expect(status).toBe(400);
    expect(typeof json.error.message).toBe('string');
  });
});

describe('openai', () => {
  const ask = (body: unknown) => harness.request('POST', '/openai/v1/chat/completions', { headers: bearer, body });

  test('JSON mode answers with a JSON object as the content', async () => {
    const { json } = await ask(chat('Reply in JSON.\nName: Ada Lovelace\nCompany: Analytical Engines', { model: 'gpt-4o-mini', response_format: { type: 'json_object' } }));
    expect(json.object).toBe('chat.completion');
    expect(JSON.parse(json.choices[0].message.content)).toEqual({ subject: expect.stringContaining('Analytical Engines'), body: expect.stringMatching(/^Hi Ada,/) });
  });

  test("JSON mode without the word 'json' in the messages is 400, as in the real API", async () => {
    const { status, json } = await ask(chat('Write an email', { model: 'gpt-4o-mini', response_format: { type: 'json_object' } }));
    expect(status).toBe(400);
    expect(json.error.message).toContain("must contain the word 'json'");
  });

  test('an unknown model is 404 model_not_found', async () => {
    const { status, json } = await ask(chat('hi', { model: 'llama-3' }));
    expect(status).toBe(404);
    expect(json.error.code).toBe('model_not_found');
  });
});

describe('instantly', () => {
  const create = (body: unknown) => harness.request('POST', '/instantly/api/v2/leads', { headers: bearer, body });
  const list = (body: unknown) => harness.request('POST', '/instantly/api/v2/leads/list', { headers: bearer, body });

  test.each([
    ['an invalid email', { campaign: 'c', email: 'nope' }],
    ['no campaign', { email: 'a@example.com' }],
    ['a nested custom variable', { campaign: 'c', email: 'a@example.com', custom_variables: { nested: { a: 1 } } }],
  ])('%s is 400', async (_name, body) => {
    const { status, json } = await create(body);
    expect(status).toBe(400);
    expect(json).toMatchObject({ statusCode: 400, message: expect.any(String) });
  });

  test('the list pages with next_starting_after and searches by email', async () => {
    for (const email of ['a@example.com', 'b@example.com', 'c@other.com']) await create({ campaign: 'c', email });
    const page1 = await list({ campaign: 'c', limit: 2 });
    expect(page1.json.items.map((l: { email: string }) => l.email)).toEqual(['a@example.com', 'b@example.com']);
    const page2 = await list({ campaign: 'c', limit: 2, starting_after: page1.json.next_starting_after });
    expect(page2.json.items.map((l: { email: string }) => l.email)).toEqual(['c@other.com']);
    expect(page2.json.next_starting_after).toBeUndefined();
    const found = await list({ campaign: 'c', search: 'example.com' });
    expect(found.json.items).toHaveLength(2);
  });
});

test('baseLatencyMs delays every service call', async () => {
  const slow = await startSimulator({ baseLatencyMs: 200 });
  try {
    const started = Date.now();
    await fetch(`${slow.baseUrls.millionverifier}/api/v3/?api=k&email=a@example.com`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  } finally {
    await slow.close();
  }
});
