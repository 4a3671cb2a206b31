/** Pushing leads to Instantly is idempotent per lead id across retries, lost answers and races, alone or in a batch. */
import { type PushedLead, ServiceError } from '../../src/providers';
import { COPY, LEAD, pushOne, rejectionOf, useSimulator } from '../simulator/use-simulator';

const harness = useSimulator();
const CAMPAIGN = 'campaign-idempotency';

test('the same lead pushed twice is stored once, with one Instantly id', async () => {
  const providers = harness.providers();
  const first = await pushOne(providers, CAMPAIGN, LEAD, COPY);
  const callsAfterFirst = (await harness.control.services()).instantly.calls;
  const second = await pushOne(providers, CAMPAIGN, LEAD, COPY);
  expect(second.instantlyLeadId).toBe(first.instantlyLeadId);
  // The repeat only looks the lead up: it does not lean on the API to skip a second create.
  expect((await harness.control.services()).instantly.calls).toBe(callsAfterFirst + 1);
  const leads = await harness.control.instantlyLeads(CAMPAIGN);
  expect(leads.map((lead) => lead.id)).toEqual([first.instantlyLeadId]);
});

test('a push whose answer was lost (created, then 503) is found again on retry, not duplicated', async () => {
  // error_rate 0.5 is deterministic: call 1 (the lookup) passes, call 2 (the create) is processed
  // and then answered with a 503, as if the response had been lost on the way back.
  await harness.control.setFault('instantly', { mode: 'error_rate', rate: 0.5, lose_response: true });
  const lost = await rejectionOf(pushOne(harness.providers(), CAMPAIGN, LEAD, COPY));
  expect(lost).toBeInstanceOf(ServiceError);
  expect((lost as ServiceError).kind).toBe('server_error');
  const stored = await harness.control.instantlyLeads(CAMPAIGN);
  expect(stored).toHaveLength(1);

  await harness.control.clearFault('instantly');
  const retried = await pushOne(harness.providers(), CAMPAIGN, LEAD, COPY);
  expect(retried.instantlyLeadId).toBe(stored[0]!.id);
  expect(await harness.control.instantlyLeads(CAMPAIGN)).toHaveLength(1);
});

test('a push answered with a gateway timeout (504) after the lead was created is found again by a fresh client', async () => {
  await harness.control.setFault('instantly', { mode: 'error_rate', rate: 0.5, lose_response: true, status: 504 });
  await rejectionOf(pushOne(harness.providers(), CAMPAIGN, LEAD, COPY));
  await harness.control.clearFault('instantly');
  // Another worker (a fresh client, as after a crash) retries.
  const retried = await pushOne(harness.providers(), CAMPAIGN, LEAD, COPY);
  const leads = await harness.control.instantlyLeads(CAMPAIGN);
  expect(leads).toHaveLength(1);
  expect(leads[0]!.id).toBe(retried.instantlyLeadId);
  expect(leads[0]!.payload.leadgen_lead_id).toBe(LEAD.leadId);
});

test('two pushes racing for the same lead leave one lead', async () => {
  const providers = harness.providers();
  const [a, b] = await Promise.all([pushOne(providers, CAMPAIGN, LEAD, COPY), pushOne(providers, CAMPAIGN, LEAD, COPY)]);
  expect(a.instantlyLeadId).toBe(b.instantlyLeadId);
  expect(await harness.control.instantlyLeads(CAMPAIGN)).toHaveLength(1);
});

test('the same lead in two campaigns is two leads; different leads in one campaign are kept apart', async () => {
  const providers = harness.providers();
  const inA = await pushOne(providers, 'campaign-a', LEAD, COPY);
  const inB = await pushOne(providers, 'campaign-b', LEAD, COPY);
  const other = await pushOne(providers, 'campaign-a', { ...LEAD, leadId: 'lead-0002', email: 'charles@analytical.io' }, COPY);
  expect(new Set([inA.instantlyLeadId, inB.instantlyLeadId, other.instantlyLeadId]).size).toBe(3);
  expect(await harness.control.instantlyLeads('campaign-a')).toHaveLength(2);
  expect(await harness.control.instantlyLeads('campaign-b')).toHaveLength(1);
});

test("a search hit for a different address is not taken for the lead", async () => {
  const providers = harness.providers();
  const ada = await pushOne(providers, CAMPAIGN, LEAD, COPY);
  // A free-text search would match Ada's lead too (substrings): the lookup is by exact address.
  const adaToo = await pushOne(providers, CAMPAIGN, { ...LEAD, leadId: 'lead-0003', email: 'lovelace@analytical.io' }, COPY);
  expect(adaToo.instantlyLeadId).not.toBe(ada.instantlyLeadId);
  expect((await pushOne(providers, CAMPAIGN, LEAD, COPY)).instantlyLeadId).toBe(ada.instantlyLeadId);
  expect(await harness.control.instantlyLeads(CAMPAIGN)).toHaveLength(2);
});

describe('a batch', () => {
  const lead = (n: number) => ({ ...LEAD, leadId: `lead-${1000 + n}`, email: `person${n}@analytical.io` });
  const batch = (numbers: number[]) => numbers.map((n) => ({ lead: lead(n), copy: { subject: `Hi ${n}`, body: `Body ${n}` } }));
  const idsIn = (results: PushedLead[]) => results.map((result) => ('instantlyLeadId' in result ? result.instantlyLeadId : result.refused));

  test('250 leads take one add and three lookups (100 addresses a page), each lead stored once with its own copy', async () => {
    const results = await harness.providers().pushLeads(CAMPAIGN, batch(Array.from({ length: 250 }, (_, n) => n)));
    expect((await harness.control.services()).instantly.calls).toBe(3 + 1);
    const stored = await harness.control.instantlyLeads(CAMPAIGN);
    expect(stored).toHaveLength(250);
    expect(results.map((result) => result.leadId)).toEqual(Array.from({ length: 250 }, (_, n) => lead(n).leadId));
    const byId = new Map(stored.map((row) => [row.id, row]));
    results.forEach((result, n) => {
      const row = byId.get(idsIn([result])[0]!);
      expect(row).toMatchObject({ email: `person${n}@analytical.io`, payload: { leadgen_lead_id: lead(n).leadId, email_subject: `Hi ${n}` } });
    });
  });

  test('a retry after a lost answer adds only what is missing and returns every lead under its first id', async () => {
    const providers = harness.providers();
    const earlier = await providers.pushLeads(CAMPAIGN, batch([1, 2]));
    // The same two again with a third: the add is lost on the way back (processed, then 503).
    await harness.control.setFault('instantly', { mode: 'error_rate', rate: 0.5, lose_response: true });
    expect(await rejectionOf(providers.pushLeads(CAMPAIGN, batch([1, 2, 3])))).toBeInstanceOf(ServiceError);
    await harness.control.clearFault('instantly');
    const callsBefore = (await harness.control.services()).instantly.calls;
    const retried = await providers.pushLeads(CAMPAIGN, batch([1, 2, 3]));
    // Everything was found by the lookup: no add.
    expect((await harness.control.services()).instantly.calls).toBe(callsBefore + 1);
    expect(idsIn(retried).slice(0, 2)).toEqual(idsIn(earlier));
    const stored = await harness.control.instantlyLeads(CAMPAIGN);
    expect(stored.map((row) => row.email).sort()).toEqual(['person1@analytical.io', 'person2@analytical.io', 'person3@analytical.io']);
    expect(stored.map((row) => row.id).sort()).toEqual(idsIn(retried).sort());
  });

  test('two batches racing over the same leads leave each lead once, and both answer with the same ids', async () => {
    const providers = harness.providers();
    const [a, b] = await Promise.all([providers.pushLeads(CAMPAIGN, batch([1, 2, 3])), providers.pushLeads(CAMPAIGN, batch([3, 2, 4]))]);
    const stored = await harness.control.instantlyLeads(CAMPAIGN);
    expect(stored).toHaveLength(4);
    const idOf = (results: PushedLead[], n: number) => idsIn(results.filter((result) => result.leadId === lead(n).leadId))[0];
    expect(idOf(a, 2)).toBe(idOf(b, 2));
    expect(idOf(a, 3)).toBe(idOf(b, 3));
    expect(new Set(stored.map((row) => row.id))).toEqual(new Set([...idsIn(a), ...idsIn(b)]));
  });

  test('an address Instantly finds invalid is refused alone: the rest of the batch is added', async () => {
    const pushes = batch([1, 2]);
    pushes.splice(1, 0, { lead: { ...lead(9), email: 'not-an-email' }, copy: COPY });
    const results = await harness.providers().pushLeads(CAMPAIGN, pushes);
    expect(results[1]).toEqual({ leadId: lead(9).leadId, refused: expect.stringMatching(/did not add the lead.*1 invalid email/) });
    expect(results.filter((result) => 'instantlyLeadId' in result)).toHaveLength(2);
    expect((await harness.control.instantlyLeads(CAMPAIGN)).map((row) => row.email).sort()).toEqual(['person1@analytical.io', 'person2@analytical.io']);
  });

  test('more than 1,000 leads is refused before any call', async () => {
    await expect(harness.providers().pushLeads(CAMPAIGN, batch(Array.from({ length: 1001 }, (_, n) => n)))).rejects.toThrow(/at most 1000/);
    expect((await harness.control.services()).instantly.calls).toBe(0);
  });
});
