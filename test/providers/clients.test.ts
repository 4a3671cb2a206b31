/** Each client's happy path against the simulator: the wire shapes map onto LeadProviders' types. */
import { simulatedVerdict } from '../../src/simulator/services/millionverifier';
import { DEFAULT_SEED } from '../../src/simulator/fake-data';
import { LEAD, useSimulator } from '../simulator/use-simulator';

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
      expect(person.companyDomain).toMatch(/\.com$/);
      expect(person.linkedinUrl).toContain('linkedin.com/in/');
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

  test("Apollo's locked-email placeholder becomes null, real addresses pass through", async () => {
    const { people } = await harness.providers().searchPeople({ titles: ['Founder'] }, 1, 100);
    const withEmail = people.filter((p) => p.email !== null);
    expect(people.some((p) => p.email === null)).toBe(true);
    expect(withEmail.length).toBeGreaterThan(people.length / 2);
    for (const person of withEmail) expect(person.email).not.toMatch(/email_not_unlocked/);
  });

  test('a page past the end is empty but still reports the total', async () => {
    const { totalEntries } = await harness.providers().searchPeople(criteria, 1, 1);
    const beyond = await harness.providers().searchPeople(criteria, Math.ceil(totalEntries / 100) + 1, 100);
    expect(beyond).toEqual({ people: [], totalEntries });
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

describe('perplexity enrichLead', () => {
  test('returns the research text, which is about the lead', async () => {
    const { summary } = await harness.providers().enrichLead(LEAD);
    expect(summary).toContain('Ada Lovelace');
    expect(summary).toContain('Analytical Engines');
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

describe('instantly pushLead', () => {
  test('adds the lead to the campaign with our lead id and the copy', async () => {
    const copy = { subject: 'Hello Ada', body: 'A short note.' };
    const { instantlyLeadId } = await harness.providers().pushLead('campaign-a', LEAD, copy);
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
