/**
 * Simulated Instantly API v2 (OpenAPI 2.0.0, Nov 2026): leads kept in memory per campaign. Like the real API, a single
 * create (POST /api/v2/leads) adds a second lead with the same email unless skip_if_in_campaign is set, so a
 * non-idempotent push is observable; a bulk add (POST /api/v2/leads/add) never adds an address the campaign already
 * holds (duplicated_leads), its skip_if_in_campaign skips an address found in ANY campaign (skipped_count), and an
 * invalid address is counted (invalid_email_count) rather than failing the whole request.
 */
import { z } from 'zod';
import { issuesText } from '../validation';
import { hashHex, uuidFromHex } from '../fake-data';
import { bearerToken, type SimReply, type SimService } from '../service';

const customVariablesSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]), {
  error: 'custom_variables values must be string, number, boolean or null',
});

const createLeadSchema = z.looseObject({
  campaign: z.string().min(1),
  email: z.email(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  company_name: z.string().optional(),
  website: z.string().optional(),
  personalization: z.string().optional(),
  custom_variables: customVariablesSchema.optional(),
  skip_if_in_campaign: z.boolean().optional(),
});

const leadInputSchema = createLeadSchema.omit({ campaign: true, skip_if_in_campaign: true });
type LeadInput = z.output<typeof leadInputSchema>;
// A bulk add checks each address itself: a bad one is counted, not a 400 for the whole request.
const bulkLeadInputSchema = leadInputSchema.extend({ email: z.string().optional() });

/** POST /api/v2/leads/add: 1 to 1,000 leads for a campaign. */
export const ADD_LEADS_LIMIT = 1_000;
const addLeadsSchema = z.looseObject({
  campaign_id: z.string().min(1),
  leads: z.array(bulkLeadInputSchema).min(1).max(ADD_LEADS_LIMIT, `leads takes at most ${ADD_LEADS_LIMIT} leads`),
  skip_if_in_campaign: z.boolean().optional(),
});

/** Leads the (simulated) plan may still upload. */
const UPLOAD_LIMIT = 1_000_000;

const listLeadsSchema = z.looseObject({
  campaign: z.string().optional(),
  search: z.string().optional(),
  /** Addresses the leads must have. */
  contacts: z.array(z.string()).optional(),
  limit: z.number().int().min(1).max(100).default(100),
  starting_after: z.string().optional(),
});

export interface SimulatedInstantlyLead {
  id: string;
  campaign: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
  website: string | null;
  personalization: string | null;
  /** Custom variables, under the name the real API returns them by. */
  payload: Record<string, string | number | boolean | null>;
  status: number;
  timestamp_created: string;
  timestamp_updated: string;
}

export interface InstantlySimService extends SimService {
  leads(campaign?: string): SimulatedInstantlyLead[];
}

export function createInstantlyService(seed: string): InstantlySimService {
  /** Every lead in creation order; campaigns are filters over it. */
  let leads: SimulatedInstantlyLead[] = [];
  let remainingInPlan = UPLOAD_LIMIT;
  const errorReply = (status: number, message: string): SimReply => ({
    status,
    body: { statusCode: status, error: status >= 500 ? 'Internal Server Error' : status === 401 ? 'Unauthorized' : 'Bad Request', message },
  });
  const unauthorized = (headers: Parameters<typeof bearerToken>[0]) => (bearerToken(headers) ? undefined : errorReply(401, 'Invalid API key'));

  /** The one way a lead gets stored; `skip` keeps a second lead with the same email out of the campaign. */
  function addLead(campaign: string, request: LeadInput, skip: boolean): { lead: SimulatedInstantlyLead; created: boolean } {
    if (skip) {
      const existing = leads.find((lead) => lead.campaign === campaign && lead.email.toLowerCase() === request.email.toLowerCase());
      if (existing) return { lead: existing, created: false };
    }
    const now = new Date().toISOString();
    const lead: SimulatedInstantlyLead = {
      id: uuidFromHex(hashHex(seed, 'instantly-lead', String(leads.length), campaign, request.email)),
      campaign,
      email: request.email,
      first_name: request.first_name ?? null,
      last_name: request.last_name ?? null,
      company_name: request.company_name ?? null,
      website: request.website ?? null,
      personalization: request.personalization ?? null,
      payload: request.custom_variables ?? {},
      status: 1,
      timestamp_created: now,
      timestamp_updated: now,
    };
    leads.push(lead);
    remainingInPlan -= 1;
    return { lead, created: true };
  }

  return {
    name: 'instantly',
    errorReply,
    quotaReply: () => errorReply(402, 'Insufficient credits: your plan has reached its upload limit for leads.'),
    malformedReply: () => ({ status: 200, body: { ok: true } }),
    reset() {
      leads = [];
      remainingInPlan = UPLOAD_LIMIT;
    },
    leads: (campaign) => (campaign === undefined ? [...leads] : leads.filter((lead) => lead.campaign === campaign)),
    routes: [
      {
        method: 'post',
        path: '/api/v2/leads',
        handle({ headers, body }) {
          const denied = unauthorized(headers);
          if (denied) return denied;
          const parsed = createLeadSchema.safeParse(body ?? {});
          if (!parsed.success) return errorReply(400, issuesText(parsed.error));
          const request = parsed.data;
          return { status: 200, body: addLead(request.campaign, request, request.skip_if_in_campaign === true).lead };
        },
      },
      {
        method: 'post',
        path: '/api/v2/leads/add',
        handle({ headers, body }) {
          const denied = unauthorized(headers);
          if (denied) return denied;
          const parsed = addLeadsSchema.safeParse(body ?? {});
          if (!parsed.success) return errorReply(400, issuesText(parsed.error));
          const { campaign_id: campaign, leads: incoming, skip_if_in_campaign: skipInWorkspace } = parsed.data;
          const seen = new Set<string>();
          const created: Array<{ id: string; email: string; index: number }> = [];
          let skipped = 0;
          let duplicates = 0;
          let alreadyInCampaign = 0;
          let invalid = 0;
          incoming.forEach(({ email: rawEmail, ...input }, index) => {
            if (rawEmail === undefined || !z.email().safeParse(rawEmail).success) return void (invalid += 1);
            const email = rawEmail.toLowerCase();
            if (seen.has(email)) return void (duplicates += 1);
            seen.add(email);
            if (skipInWorkspace && leads.some((lead) => lead.email.toLowerCase() === email)) return void (skipped += 1);
            const { lead, created: isNew } = addLead(campaign, { ...input, email: rawEmail }, true);
            if (isNew) created.push({ id: lead.id, email: lead.email, index });
            else alreadyInCampaign += 1;
          });
          return {
            status: 200,
            body: {
              status: 'success',
              total_sent: incoming.length,
              leads_uploaded: created.length,
              in_blocklist: 0,
              blocklist_used: null,
              duplicated_leads: alreadyInCampaign,
              skipped_count: skipped,
              invalid_email_count: invalid,
              incomplete_count: 0,
              duplicate_email_count: duplicates,
              remaining_in_plan: remainingInPlan,
              created_leads: created,
            },
          };
        },
      },
      {
        method: 'post',
        path: '/api/v2/leads/list',
        handle({ headers, body }) {
          const denied = unauthorized(headers);
          if (denied) return denied;
          const parsed = listLeadsSchema.safeParse(body ?? {});
          if (!parsed.success) return errorReply(400, issuesText(parsed.error));
          const { campaign, search, contacts, limit, starting_after: after } = parsed.data;
          const needle = search?.toLowerCase();
          const addresses = contacts && new Set(contacts.map((email) => email.toLowerCase()));
          const matching = leads.filter(
            (lead) =>
              (campaign === undefined || lead.campaign === campaign) &&
              (addresses === undefined || addresses.has(lead.email.toLowerCase())) &&
              (needle === undefined || [lead.email, lead.first_name, lead.last_name].some((field) => field?.toLowerCase().includes(needle))),
          );
          const start = after === undefined ? 0 : matching.findIndex((lead) => lead.id === after) + 1;
          const items = matching.slice(start, start + limit);
          const more = start + limit < matching.length;
          return { status: 200, body: { items, next_starting_after: more ? items.at(-1)?.id : undefined } };
        },
      },
    ],
  };
}
