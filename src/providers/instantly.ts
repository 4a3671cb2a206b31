/**
 * Instantly API v2 (developer.instantly.ai, checked Nov 2026): add a lead to a campaign, at most once.
 * POST /api/v2/leads/add takes up to 1,000 leads for a campaign (`campaign_id`) and reports
 * `created_leads` and `remaining_in_plan` (kept as this service's remaining quota). Limits: 100 requests/s
 * and 6,000/min per workspace, across all its keys.
 *
 * Idempotency across retries and crashes (a create whose answer was lost, then retried): our lead id
 * travels in custom_variables.leadgen_lead_id; before creating we look the email up in the campaign
 * (POST /api/v2/leads/list) and return the lead already there; the add itself sets
 * skip_if_in_campaign so two racing pushes still leave one lead (a skipped lead is not in `created_leads`).
 */
import { z } from 'zod';
import type { ServiceConfig } from './config';
import { callJson, expectShape } from './http';
import { type EmailCopy, type LeadForOutreach, type LeadProviders, type LimitsObserver, ServiceError } from './types';

export const LEAD_ID_VARIABLE = 'leadgen_lead_id';

const instantlyLeadSchema = z.object({
  id: z.string().min(1),
  email: z.string().nullish(),
  // Instantly returns custom variables under `payload`.
  payload: z.record(z.string(), z.unknown()).nullish(),
});
type InstantlyLead = z.infer<typeof instantlyLeadSchema>;

const listResponseSchema = z.object({ items: z.array(instantlyLeadSchema) });

const addResponseSchema = z.object({
  created_leads: z.array(z.object({ id: z.string().min(1), email: z.string().nullish(), index: z.number().int().nullish() })).nullish(),
  remaining_in_plan: z.number().nullish(),
});

export function toAddLeadsBody(campaignId: string, lead: LeadForOutreach, copy: EmailCopy) {
  return { campaign_id: campaignId, skip_if_in_campaign: true, leads: [toLead(lead, copy)] };
}

function toLead(lead: LeadForOutreach, copy: EmailCopy) {
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

export function createInstantlyClient(config: ServiceConfig, observe?: LimitsObserver): Pick<LeadProviders, 'pushLead'> {
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

  async function findInCampaign(campaignId: string, lead: LeadForOutreach): Promise<InstantlyLead | undefined> {
    const json = await post('/api/v2/leads/list', { campaign: campaignId, search: lead.email, limit: 100 });
    const { items } = expectShape('instantly', listResponseSchema, json, 'lead list');
    const email = lead.email.toLowerCase();
    // Our own id first; otherwise the same address, which Instantly would not take twice in a campaign anyway.
    return (
      items.find((item) => item.payload?.[LEAD_ID_VARIABLE] === lead.leadId) ??
      items.find((item) => item.email?.toLowerCase() === email)
    );
  }

  return {
    async pushLead(instantlyCampaignId, lead, copy) {
      const existing = await findInCampaign(instantlyCampaignId, lead);
      if (existing) return { instantlyLeadId: existing.id };

      const json = await post('/api/v2/leads/add', toAddLeadsBody(instantlyCampaignId, lead, copy));
      const added = expectShape('instantly', addResponseSchema, json, 'add leads response');
      if (typeof added.remaining_in_plan === 'number') {
        observe?.({ service: 'instantly', remaining: { leads_in_plan: added.remaining_in_plan }, observedAt: new Date() });
      }
      const created = added.created_leads?.[0];
      if (created) return { instantlyLeadId: created.id };
      // Skipped (a racing push added it first): it is in the campaign, so look it up.
      const skipped = await findInCampaign(instantlyCampaignId, lead);
      if (skipped) return { instantlyLeadId: skipped.id };
      throw new ServiceError('instantly', 'server_error', `instantly: lead ${lead.leadId} was accepted but no lead id came back`);
    },
  };
}
