/**
 * Instantly API v2 (developer.instantly.ai, OpenAPI 2.0.0 as published Nov 2026): add leads to a campaign, each at
 * most once. POST /api/v2/leads/add takes 1 to 1,000 leads for one campaign (`campaign_id`) and answers with
 * `created_leads` (each with the `index` of its input) and `remaining_in_plan` (kept as this service's remaining
 * quota). A lead already in that campaign is not added again (counted in `duplicated_leads`). Limits: 100
 * requests/s and 6,000/min per workspace, across all its keys.
 *
 * Idempotency across retries and crashes (an add whose answer was lost, then retried): our lead id travels in
 * custom_variables.leadgen_lead_id; before adding, the batch's addresses are looked up in the campaign
 * (POST /api/v2/leads/list with `contacts`, 100 a page) and a lead already there is returned as it is. A lead the
 * add did not create (a racing push added it first) is looked up again. `skip_if_in_campaign` is not sent: it
 * now skips a lead found in ANY campaign of the workspace, which would refuse the same person for a second
 * campaign of ours.
 */
import { z } from 'zod';
import type { ServiceConfig } from './config';
import { callJson, expectShape } from './http';
import { chunk } from '../util/chunk';
import { type LeadProviders, type LeadToPush, type LimitsObserver, PUSH_BATCH_SIZE, type PushedLead } from './types';

export const LEAD_ID_VARIABLE = 'leadgen_lead_id';
// The list endpoint's largest page, and so the most addresses one lookup asks for.
const LIST_PAGE_SIZE = 100;
// A campaign holds one lead per address; a few more per page are tolerated, never an endless walk.
const LOOKUP_PAGES_PER_CHUNK = 5;

const instantlyLeadSchema = z.object({
  id: z.string().min(1),
  email: z.string().nullish(),
  // Instantly returns custom variables under `payload`.
  payload: z.record(z.string(), z.unknown()).nullish(),
});
type InstantlyLead = z.infer<typeof instantlyLeadSchema>;

const listResponseSchema = z.object({ items: z.array(instantlyLeadSchema), next_starting_after: z.string().nullish() });

const addResponseSchema = z.object({
  created_leads: z.array(z.object({ id: z.string().min(1), email: z.string().nullish(), index: z.number().int() })).nullish(),
  remaining_in_plan: z.number().nullish(),
  in_blocklist: z.number().nullish(),
  invalid_email_count: z.number().nullish(),
  skipped_count: z.number().nullish(),
});

export function toAddLeadsBody(campaignId: string, leads: LeadToPush[]) {
  return { campaign_id: campaignId, leads: leads.map(toLead) };
}

function toLead({ lead, copy }: LeadToPush) {
  return {
    email: lead.email,
    first_name: lead.firstName ?? undefined,
    last_name: lead.lastName ?? undefined,
    company_name: lead.companyName ?? undefined,
    website: lead.companyDomain ? `https://${lead.companyDomain}` : undefined,
    personalization: copy.body,
    // Instantly accepts only flat string/number/boolean values here.
    custom_variables: {
      [LEAD_ID_VARIABLE]: lead.leadId,
      email_subject: copy.subject,
      email_body: copy.body,
      ...(lead.title ? { job_title: lead.title } : {}),
    },
  };
}

export function createInstantlyClient(config: ServiceConfig, observe?: LimitsObserver): Pick<LeadProviders, 'pushLeads'> {
  const post = (path: string, body: unknown) =>
    callJson({
      service: 'instantly',
      method: 'POST',
      baseUrl: config.baseUrl,
      path,
      headers: { authorization: `Bearer ${config.apiKey}` },
      body,
      timeoutMs: config.timeoutMs,
      observe,
    });

  /** The Instantly lead already in the campaign for each of `pushes` (by our id, else by address), by our lead id. */
  async function findInCampaign(campaignId: string, pushes: LeadToPush[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const part of chunk(pushes, LIST_PAGE_SIZE)) {
      const contacts = part.map(({ lead }) => lead.email);
      const items: InstantlyLead[] = [];
      let after: string | undefined;
      for (let page = 0; page < LOOKUP_PAGES_PER_CHUNK; page++) {
        const json = await post('/api/v2/leads/list', { campaign: campaignId, contacts, limit: LIST_PAGE_SIZE, starting_after: after });
        const listed = expectShape('instantly', listResponseSchema, json, 'lead list');
        items.push(...listed.items);
        after = listed.next_starting_after ?? undefined;
        if (!after) break;
      }
      for (const { lead } of part) {
        const email = lead.email.toLowerCase();
        // Our own id first; otherwise the same address, which the campaign does not take twice anyway.
        const match =
          items.find((item) => item.payload?.[LEAD_ID_VARIABLE] === lead.leadId) ?? items.find((item) => item.email?.toLowerCase() === email);
        if (match) found.set(lead.leadId, match.id);
      }
    }
    return found;
  }

  return {
    async pushLeads(instantlyCampaignId, pushes) {
      if (pushes.length > PUSH_BATCH_SIZE) throw new Error(`Instantly takes at most ${PUSH_BATCH_SIZE} leads a call, not ${pushes.length}`);
      if (pushes.length === 0) return [];
      const ids = await findInCampaign(instantlyCampaignId, pushes);
      const toAdd = pushes.filter(({ lead }) => !ids.has(lead.leadId));
      let refusal = 'Instantly did not add the lead';
      if (toAdd.length > 0) {
        const json = await post('/api/v2/leads/add', toAddLeadsBody(instantlyCampaignId, toAdd));
        const added = expectShape('instantly', addResponseSchema, json, 'add leads response');
        if (typeof added.remaining_in_plan === 'number') {
          observe?.({ service: 'instantly', remaining: { leads_in_plan: added.remaining_in_plan }, observedAt: new Date() });
        }
        for (const created of added.created_leads ?? []) {
          const push = toAdd[created.index];
          if (push) ids.set(push.lead.leadId, created.id);
        }
        refusal = `Instantly did not add the lead (this call: ${added.in_blocklist ?? 0} in blocklist, ${added.invalid_email_count ?? 0} invalid email, ${added.skipped_count ?? 0} skipped)`;
        // Not created: a racing push added it first (then it is in the campaign), or Instantly refused it.
        const notCreated = toAdd.filter(({ lead }) => !ids.has(lead.leadId));
        if (notCreated.length > 0) for (const [leadId, id] of await findInCampaign(instantlyCampaignId, notCreated)) ids.set(leadId, id);
      }
      return pushes.map(({ lead }): PushedLead => {
        const instantlyLeadId = ids.get(lead.leadId);
        return instantlyLeadId ? { leadId: lead.leadId, instantlyLeadId } : { leadId: lead.leadId, refused: refusal };
      });
    },
  };
}
