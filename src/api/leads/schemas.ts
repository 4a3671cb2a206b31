import { z } from 'zod';
import { pageData, timestamp, uuid } from '../http/common-schemas';
import { paginationQuery } from '../http/pagination';
import { LEAD_STATUSES } from '../shared/statuses';

export const campaignLeadsParams = z.strictObject({ id: uuid('campaign') });
export const listLeadsQuery = z.strictObject({ status: z.enum(LEAD_STATUSES).optional(), ...paginationQuery });

export const leadData = z.object({
  id: z.uuid(),
  campaign_id: z.uuid(),
  external_id: z.string().meta({ description: "Apollo's person id" }),
  status: z.enum(LEAD_STATUSES),
  email: z.string().nullable(),
  email_status: z.string().nullable().meta({ description: "MillionVerifier's verdict: ok, catch_all, unknown, invalid, disposable" }),
  email_credits: z.number().nullable().meta({ description: 'Apollo credits the address cost (enrichment), null before enrichment' }),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  title: z.string().nullable(),
  company_name: z.string().nullable(),
  company_domain: z.string().nullable(),
  linkedin_url: z.string().nullable(),
  enrichment: z.string().nullable().meta({ description: "Perplexity's research" }),
  research_sources: z
    .array(z.object({ url: z.string(), title: z.string().nullable() }))
    .nullable()
    .meta({ description: 'The pages the research cites, in order of first citation' }),
  research_cost_usd: z.number().nullable().meta({ description: 'What the research call cost, as Perplexity reported it' }),
  email_subject: z.string().nullable(),
  email_body: z.string().nullable(),
  instantly_lead_id: z.string().nullable(),
  pushed_at: timestamp.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});

export const leadPageData = pageData('leads', leadData);
