import type { z } from 'zod';
import type { Lead } from '../../generated/prisma/client';
import { isoTime, isoTimeOrNull } from '../http/common-schemas';
import type { leadData } from './schemas';

export function leadView(lead: Lead): z.input<typeof leadData> {
  return {
    id: lead.id,
    campaign_id: lead.campaignId,
    external_id: lead.externalId,
    status: lead.status,
    email: lead.email,
    email_status: lead.emailStatus,
    // Apollo credits this address cost (enrichment).
    email_credits: lead.emailCredits,
    first_name: lead.firstName,
    last_name: lead.lastName,
    title: lead.title,
    company_name: lead.companyName,
    company_domain: lead.companyDomain,
    linkedin_url: lead.linkedinUrl,
    enrichment: lead.enrichment,
    research_sources: lead.researchSources as Array<{ url: string; title: string | null }> | null,
    research_cost_usd: lead.researchCostUsd,
    email_subject: lead.emailSubject,
    email_body: lead.emailBody,
    instantly_lead_id: lead.instantlyLeadId,
    pushed_at: isoTimeOrNull(lead.pushedAt),
    created_at: isoTime(lead.createdAt),
    updated_at: isoTime(lead.updatedAt),
  };
}
