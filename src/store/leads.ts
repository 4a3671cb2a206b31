import { Prisma } from '../generated/prisma/client';
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

// A LeadForStep as JSON, from `l` (the lead) and `c` (its campaign).
const LEAD_FOR_STEP_JSON = Prisma.sql`json_build_object(
    'id', l.id, 'email', l.email, 'firstName', l.first_name, 'lastName', l.last_name, 'title', l.title,
    'companyName', l.company_name, 'companyDomain', l.company_domain, 'enrichment', l.enrichment,
    'emailSubject', l.email_subject, 'emailBody', l.email_body,
    'copyPrompt', c.copy_prompt, 'instantlyCampaignId', c.instantly_campaign_id)`;

/**
 * The LeadForStep of the job row in scope (`jobs`), as JSON, or null for a job without a lead: read by the claim
 * itself, so a job's hot path needs no statement of its own for it.
 */
export const LEAD_FOR_STEP_OF_JOB = Prisma.sql`(
  SELECT ${LEAD_FOR_STEP_JSON}
  FROM leads l JOIN campaigns c ON c.id = l.campaign_id
  WHERE l.id = jobs.lead_id)`;

/** The leads a batch job covers, as their step needs them, in the order they joined it. */
export async function leadsForStep(db: Db, leadIds: string[]): Promise<LeadForStep[]> {
  const rows = await db.$queryRaw<{ lead: LeadForStep }[]>`
    SELECT ${LEAD_FOR_STEP_JSON} AS lead
    FROM unnest(${leadIds}::uuid[]) WITH ORDINALITY AS batch(id, position)
    JOIN leads l ON l.id = batch.id JOIN campaigns c ON c.id = l.campaign_id
    ORDER BY batch.position`;
  return rows.map((row) => row.lead);
}
