/** Pushing a lead to Instantly is idempotent per lead id across retries, lost answers and races. */
import { ServiceError } from '../../src/providers';
import { COPY, LEAD, rejectionOf, useSimulator } from '../simulator/use-simulator';

const harness = useSimulator();
const CAMPAIGN = 'campaign-idempotency';

test('the same lead pushed twice is stored once, with one Instantly id', async () => {
  const providers = harness.providers();
  const first = await providers.pushLead(CAMPAIGN, LEAD, COPY);
  const callsAfterFirst = (await harness.control.services()).instantly.calls;
  const second = await providers.pushLead(CAMPAIGN, LEAD, COPY);
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
  const lost = await rejectionOf(harness.providers().pushLead(CAMPAIGN, LEAD, COPY));
  expect(lost).toBeInstanceOf(ServiceError);
  expect((lost as ServiceError).kind).toBe('server_error');
  const stored = await harness.control.instantlyLeads(CAMPAIGN);
  expect(stored).toHaveLength(1);

  await harness.control.clearFault('instantly');
  const retried = await harness.providers().pushLead(CAMPAIGN, LEAD, COPY);
  expect(retried.instantlyLeadId).toBe(stored[0]!.id);
  expect(await harness.control.instantlyLeads(CAMPAIGN)).toHaveLength(1);
});

test('a push answered with a gateway timeout (504) after the lead was created is found again by a fresh client', async () => {
  await harness.control.setFault('instantly', { mode: 'error_rate', rate: 0.5, lose_response: true, status: 504 });
  await rejectionOf(harness.providers().pushLead(CAMPAIGN, LEAD, COPY));
  await harness.control.clearFault('instantly');
  // Another worker (a fresh client, as after a crash) retries.
  const retried = await harness.providers().pushLead(CAMPAIGN, LEAD, COPY);
  const leads = await harness.control.instantlyLeads(CAMPAIGN);
  expect(leads).toHaveLength(1);
  expect(leads[0]!.id).toBe(retried.instantlyLeadId);
  expect(leads[0]!.payload.leadgen_lead_id).toBe(LEAD.leadId);
});

test('two pushes racing for the same lead leave one lead', async () => {
  const providers = harness.providers();
  const [a, b] = await Promise.all([providers.pushLead(CAMPAIGN, LEAD, COPY), providers.pushLead(CAMPAIGN, LEAD, COPY)]);
  expect(a.instantlyLeadId).toBe(b.instantlyLeadId);
  expect(await harness.control.instantlyLeads(CAMPAIGN)).toHaveLength(1);
});

test('the same lead in two campaigns is two leads; different leads in one campaign are kept apart', async () => {
  const providers = harness.providers();
  const inA = await providers.pushLead('campaign-a', LEAD, COPY);
  const inB = await providers.pushLead('campaign-b', LEAD, COPY);
  const other = await providers.pushLead('campaign-a', { ...LEAD, leadId: 'lead-0002', email: 'charles@analytical.io' }, COPY);
  expect(new Set([inA.instantlyLeadId, inB.instantlyLeadId, other.instantlyLeadId]).size).toBe(3);
  expect(await harness.control.instantlyLeads('campaign-a')).toHaveLength(2);
  expect(await harness.control.instantlyLeads('campaign-b')).toHaveLength(1);
});

test("a search hit for a different address is not taken for the lead", async () => {
  const providers = harness.providers();
  const ada = await providers.pushLead(CAMPAIGN, LEAD, COPY);
  // Instantly's search matches substrings: looking up this address also returns Ada's lead.
  const adaToo = await providers.pushLead(CAMPAIGN, { ...LEAD, leadId: 'lead-0003', email: 'lovelace@analytical.io' }, COPY);
  expect(adaToo.instantlyLeadId).not.toBe(ada.instantlyLeadId);
  expect((await providers.pushLead(CAMPAIGN, LEAD, COPY)).instantlyLeadId).toBe(ada.instantlyLeadId);
  expect(await harness.control.instantlyLeads(CAMPAIGN)).toHaveLength(2);
});
