/**
 * Instantly API v2: add a lead to a campaign, at most once.
 *
 * Idempotency across retries and crashes (a create whose answer was lost, then retried): our lead id
 * travels in custom_variables.leadgen_lead_id; before creating we look the email up in the campaign
 * (POST /api/v2/leads/list) and return the lead already there; the create itself sets
 * skip_if_in_campaign so two racing pushes still leave one lead.
 */
import { z } from 'zod';
import type { ServiceConfig } from './config';
import { callJson, expectShape } from './http';
import { type EmailCopy, type LeadForOutreach, type LeadProviders, ServiceError } from './types';

export const LEAD_ID_VARIABLE = 'leadgen_lead_id';

const instantlyLeadSchema = z.object({
  id: z.string().min(1),
  email: z.string().nullish(),
  // Instantly returns custom variables under `payload`.
  payload: z.record(z.string(), z.unknown()).nullish(),
});
type InstantlyLead = z.infer<typeof instantlyLeadSchema>;

const listResponseSchema = z.object({ items: z.array(instantlyLeadSchema) });

export function toCreateLeadBody(campaignId: string, lead: LeadForOutreach, copy: EmailCopy) {
  return {
    campaign: campaignId,
    email: lead.email,
    first_name: lead.firstName ?? undefined,
    last_name: lead.lastName ?? undefined,
    company_name: lead.companyName ?? undefined,
    website: lead.companyDomain ? `https://${lead.companyDomain}` : undefined,
    personalization: copy.body,
    skip_if_in_campaign: true,
    // Instantly accepts only flat string/number/boolean values here.
    custom_variables: {
      [LEAD_ID_VARIABLE]: lead.leadId,
      email_subject: copy.subject,
      email_body: copy.body,
      ...(lead.title ? { job_title: lead.title } : {}),
    },
  };
}

export function createInstantlyClient(config: ServiceConfig): Pick<LeadProviders, 'pushLead'> {
  const post = (path: string, body: unknown) =>
    callJson({
      service: 'instantly',
      method: 'POST',
      baseUrl: config.baseUrl,
      path,
      headers: { authorization: `Bearer ${config.apiKey}` },
      body,
      timeoutMs: config.timeoutMs,
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

      const json = await post('/api/v2/leads', toCreateLeadBody(instantlyCampaignId, lead, copy));
      const created = instantlyLeadSchema.safeParse(json);
      if (created.success) return { instantlyLeadId: created.data.id };
      // A skipped create may answer without the lead: it is in the campaign, so look it up.
      const skipped = await findInCampaign(instantlyCampaignId, lead);
      if (skipped) return { instantlyLeadId: skipped.id };
      throw new ServiceError('instantly', 'server_error', `instantly: lead ${lead.leadId} was accepted but no lead id came back`);
    },
  };
}
