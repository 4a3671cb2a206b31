import type { Db } from './tx';

/** What a lead's step sends to its service: the lead and its campaign's outreach settings. */
export interface LeadForStep {
  id: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  companyName: string | null;
  companyDomain: string | null;
  enrichment: string | null;
  emailSubject: string | null;
  emailBody: string | null;
  copyPrompt: string;
  instantlyCampaignId: string;
}

/** One statement (a job's hot path): the lead joined with its campaign. */
export async function readLeadForStep(db: Db, leadId: string): Promise<LeadForStep> {
  const [lead] = await db.$queryRaw<LeadForStep[]>`
    SELECT l.id, l.email, l.first_name AS "firstName", l.last_name AS "lastName", l.title, l.company_name AS "companyName",
           l.company_domain AS "companyDomain", l.enrichment, l.email_subject AS "emailSubject", l.email_body AS "emailBody",
           c.copy_prompt AS "copyPrompt", c.instantly_campaign_id AS "instantlyCampaignId"
    FROM leads l JOIN campaigns c ON c.id = l.campaign_id
    WHERE l.id = ${leadId}::uuid`;
  if (!lead) throw new Error(`Lead ${leadId} does not exist`);
  return lead;
}
