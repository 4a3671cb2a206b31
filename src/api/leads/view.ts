import type { Lead } from '../../generated/prisma/client';

export function leadView(lead: Lead) {
  return {
    id: lead.id,
    campaign_id: lead.campaignId,
    external_id: lead.externalId,
    status: lead.status,
    email: lead.email,
    email_status: lead.emailStatus,
    first_name: lead.firstName,
    last_name: lead.lastName,
    title: lead.title,
    company_name: lead.companyName,
    company_domain: lead.companyDomain,
    linkedin_url: lead.linkedinUrl,
    enrichment: lead.enrichment,
    email_subject: lead.emailSubject,
    email_body: lead.emailBody,
    instantly_lead_id: lead.instantlyLeadId,
    pushed_at: lead.pushedAt,
    created_at: lead.createdAt,
    updated_at: lead.updatedAt,
  };
}
