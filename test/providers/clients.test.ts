/** Each client's happy path against the simulator: the wire shapes map onto LeadProviders' types. */
import { simulatedVerdict } from '../../src/simulator/services/millionverifier';
import { DEFAULT_SEED } from '../../src/simulator/fake-data';
import { createProviders, type LimitsObservation, type Person } from '../../src/providers';
import { LEAD, pushOne, useSimulator } from '../simulator/use-simulator';

const harness = useSimulator();

describe('apollo searchPeople', () => {
  const criteria = { titles: ['CTO', 'VP Engineering'], locations: ['Berlin, Germany'], employeeRanges: ['11-50'] };

  test('maps people and the total, and asks for the requested page', async () => {
    const { people, totalEntries } = await harness.providers().searchPeople(criteria, 1, 10);
    expect(people).toHaveLength(10);
    expect(totalEntries).toBeGreaterThanOrEqual(20);
    for (const person of people) {
      expect(person.externalId).toMatch(/^[0-9a-f]{24}$/);
      expect(['CTO', 'VP Engineering']).toContain(person.title);
      expect(person.companyName).toBeTruthy();
    }
  });

  test('the same criteria and page give the same people; pages do not overlap', async () => {
    const providers = harness.providers();
    const first = await providers.searchPeople(criteria, 1, 10);
    const again = await providers.searchPeople(criteria, 1, 10);
    const second = await providers.searchPeople(criteria, 2, 10);
    expect(again).toEqual(first);
    const firstIds = new Set(first.people.map((p) => p.externalId));
    expect(second.people.some((p) => firstIds.has(p.externalId))).toBe(false);
    // Page size does not change who is where.
    const wide = await providers.searchPeople(criteria, 1, 20);
    expect(wide.people.slice(10)).toEqual(second.people);
  });

  test('different criteria find different people', async () => {
    const providers = harness.providers();
    const a = await providers.searchPeople({ titles: ['CTO'] }, 1, 5);
    const b = await providers.searchPeople({ titles: ['CTO'], keywords: 'fintech' }, 1, 5);
    expect(b.people.map((p) => p.externalId)).not.toEqual(a.people.map((p) => p.externalId));
  });

  test('search reveals no emails, only whether Apollo has one', async () => {
    const { people } = await harness.providers().searchPeople({ titles: ['Founder'] }, 1, 100);
    expect(people.some((p) => !p.hasEmail)).toBe(true);
    expect(people.filter((p) => p.hasEmail).length).toBeGreaterThan(people.length / 2);
    for (const person of people) expect(person).toMatchObject({ lastName: null, companyDomain: null, linkedinUrl: null });
  });

  test('a page past the end is empty but still reports the total', async () => {
    const { totalEntries } = await harness.providers().searchPeople(criteria, 1, 1);
    const beyond = await harness.providers().searchPeople(criteria, Math.ceil(totalEntries / 100) + 1, 100);
    expect(beyond).toEqual({ people: [], totalEntries });
  });
});

describe('apollo findEmails (bulk people enrichment)', () => {
  const toMatch = (p: Person) => ({ externalId: p.externalId, firstName: p.firstName, lastName: p.lastName, companyName: p.companyName });

  test('reveals the addresses and details search left out, in the order asked, with the credits they cost', async () => {
    const providers = harness.providers();
    const { people } = await providers.searchPeople({ titles: ['Founder'] }, 1, 100);
    const batch = [...people.filter((p) => p.hasEmail).slice(0, 8), ...people.filter((p) => !p.hasEmail).slice(0, 2)];
    const matches = await providers.findEmails(batch.map(toMatch));
    expect(matches.map((m) => m.externalId)).toEqual(batch.map((p) => p.externalId));
    for (const match of matches.slice(0, 8)) {
      expect(match.email).toMatch(/^[a-z]+\.[a-z]+@[a-z]+\.com$/);
      expect(match).toMatchObject({ emailStatus: 'verified', credits: 1 });
      expect(match.lastName).toBeTruthy();
      expect(match.email!.endsWith(`@${match.companyDomain}`)).toBe(true);
    }
    // Apollo's locked placeholder is not an address, and costs nothing.
    for (const match of matches.slice(8)) expect(match).toMatchObject({ email: null, credits: 0 });
  });

  test('an id that is not Apollo\'s is a miss, not an error', async () => {
    const [miss] = await harness.providers().findEmails([{ externalId: 'not-an-apollo-id', firstName: 'No', lastName: null, companyName: null }]);
    expect(miss).toMatchObject({ externalId: 'not-an-apollo-id', email: null, credits: 0 });
  });

  test('more than 10 people is refused before any call', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => ({ externalId: String(i), firstName: null, lastName: null, companyName: null }));
    await expect(harness.providers().findEmails(eleven)).rejects.toThrow(RangeError);
    expect((await harness.control.services()).apollo.calls).toBe(0);
  });
});

describe('rate-limit headers', () => {
  test("Apollo's x-*-requests-left and OpenAI's x-ratelimit-* reach the observer", async () => {
    const seen: LimitsObservation[] = [];
    const providers = createProviders(harness.config(), { observe: (o) => seen.push(o) });
    await providers.searchPeople({ titles: ['CTO'] }, 1, 5);
    await providers.searchPeople({ titles: ['CTO'] }, 1, 5);
    await providers.writeCopy(LEAD, 'research', 'prompt');
    await providers.verifyEmail(LEAD.email);
    await pushOne(providers, 'campaign-limits', LEAD, { subject: 's', body: 'b' });
    const apollo = seen.filter((o) => o.service === 'apollo');
    expect(apollo.map((o) => o.remaining.minute_requests)).toEqual([199, 198]);
    expect(apollo[0]!.remaining).toEqual({ minute_requests: 199, hourly_requests: 3999, daily_requests: 19999 });
    const openai = seen.find((o) => o.service === 'openai')!;
    expect(openai.remaining.requests).toBe(499);
    expect(openai.remaining.tokens).toBeLessThan(200_000);
    expect(openai.resets?.requests).toMatch(/^\d+s$/);
    expect(seen.find((o) => o.service === 'millionverifier')!.remaining.credits).toBe(99_999);
    expect(seen.find((o) => o.service === 'instantly')!.remaining.leads_in_plan).toBe(999_999);
  });
});

describe('millionverifier verifyEmail', () => {
  test('an ok address is deliverable', async () => {
    await expect(harness.providers().verifyEmail('ada@example.com')).resolves.toEqual({ verdict: 'ok', deliverable: true });
  });

  test('addresses the simulator rejects by hash come back invalid and undeliverable', async () => {
    const candidates = Array.from({ length: 200 }, (_, i) => `person${i}@example.com`);
    const invalid = candidates.filter((email) => simulatedVerdict(email, DEFAULT_SEED) === 'invalid');
    // A small fraction, but not none.
    expect(invalid.length).toBeGreaterThan(0);
    expect(invalid.length).toBeLessThan(candidates.length / 5);
    await expect(harness.providers().verifyEmail(invalid[0]!)).resolves.toEqual({ verdict: 'invalid', deliverable: false });
  });

  test.each([
    ['catchall.person@example.com', 'catch_all'],
    ['disposable.person@example.com', 'disposable'],
    ['bad syntax@', 'invalid'],
  ] as const)('%s is %s and not deliverable', async (email, verdict) => {
    await expect(harness.providers().verifyEmail(email)).resolves.toEqual({ verdict, deliverable: false });
  });
});

describe('perplexity enrichLead (Agent API)', () => {
  test('returns the research text, which is about the lead, its cited sources and its cost', async () => {
    const { summary, sources, costUsd } = await harness.providers().enrichLead(LEAD);
    expect(summary).toContain('Ada Lovelace');
    expect(summary).toContain('Analytical Engines');
    // Unique URLs in order of first citation.
    expect(sources).toEqual([
      { url: expect.stringMatching(/^https:\/\/news\.example\.com\//), title: 'Analytical Engines news' },
      { url: 'https://analytical.io/about', title: 'About Analytical Engines' },
    ]);
    expect(costUsd).toBeGreaterThan(0.005);
  });

  test('posts to /v1/agent in the Responses format; the retired chat completions answer 410', async () => {
    const agent = await harness.request('POST', '/perplexity/v1/agent', {
      headers: { authorization: 'Bearer k' },
      body: { model: 'perplexity/sonar', input: 'Name: Ada Lovelace\nCompany: Analytical Engines' },
    });
    expect(agent.status).toBe(200);
    expect(agent.json).toMatchObject({ object: 'response', status: 'completed', usage: { cost: { currency: 'USD' } } });
    const alias = await harness.request('POST', '/perplexity/v1/responses', { headers: { authorization: 'Bearer k' }, body: { preset: 'fast-search', input: 'hi' } });
    expect(alias.status).toBe(200);
    const retired = await harness.request('POST', '/perplexity/chat/completions', {
      headers: { authorization: 'Bearer k' },
      body: { model: 'sonar', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(retired.status).toBe(410);
    expect(retired.json.error.message).toMatch(/retired on September 27, 2026.*\/v1\/agent/);
  });

  test("Apollo's old people search refuses API keys and points at api_search", async () => {
    const old = await harness.request('POST', '/apollo/api/v1/mixed_people/search', { headers: { 'x-api-key': 'k' }, body: {} });
    expect(old.status).toBe(403);
    expect(old.json.error).toMatch(/mixed_people\/api_search/);
  });
});

describe('openai writeCopy', () => {
  test('returns a subject and a body written for the lead', async () => {
    const copy = await harness.providers().writeCopy(LEAD, 'They build calculating machines.', 'Mention the engine.');
    expect(Object.keys(copy).sort()).toEqual(['body', 'subject']);
    expect(copy.subject).toContain('Analytical Engines');
    expect(copy.body).toMatch(/^Hi Ada,/);
  });
});

describe('instantly pushLeads', () => {
  test('adds the lead to the campaign with our lead id and the copy', async () => {
    const copy = { subject: 'Hello Ada', body: 'A short note.' };
    const { instantlyLeadId } = await pushOne(harness.providers(), 'campaign-a', LEAD, copy);
    const leads = await harness.control.instantlyLeads('campaign-a');
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({
      id: instantlyLeadId,
      campaign: 'campaign-a',
      email: LEAD.email,
      first_name: 'Ada',
      last_name: 'Lovelace',
      company_name: 'Analytical Engines',
      website: 'https://analytical.io',
      personalization: 'A short note.',
      payload: { leadgen_lead_id: LEAD.leadId, email_subject: 'Hello Ada', email_body: 'A short note.', job_title: 'CTO' },
    });
  });
});
