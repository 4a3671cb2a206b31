/**
 * Simulated Instantly API v2: leads kept in memory per campaign. Like the real API it adds a second
 * lead with the same email unless skip_if_in_campaign is set, so a non-idempotent push is observable.
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

const listLeadsSchema = z.looseObject({
  campaign: z.string().optional(),
  search: z.string().optional(),
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
  const errorReply = (status: number, message: string): SimReply => ({
    status,
    body: { statusCode: status, error: status >= 500 ? 'Internal Server Error' : status === 401 ? 'Unauthorized' : 'Bad Request', message },
  });
  const unauthorized = (headers: Parameters<typeof bearerToken>[0]) => (bearerToken(headers) ? undefined : errorReply(401, 'Invalid API key'));

  return {
    name: 'instantly',
    errorReply,
    quotaReply: () => errorReply(402, 'Insufficient credits: your plan has reached its upload limit for leads.'),
    malformedReply: () => ({ status: 200, body: { ok: true } }),
    reset() {
      leads = [];
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
          if (request.skip_if_in_campaign) {
            const existing = leads.find((lead) => lead.campaign === request.campaign && lead.email.toLowerCase() === request.email.toLowerCase());
            if (existing) return { status: 200, body: existing };
          }
          const now = new Date().toISOString();
          const lead: SimulatedInstantlyLead = {
            id: uuidFromHex(hashHex(seed, 'instantly-lead', String(leads.length), request.campaign, request.email)),
            campaign: request.campaign,
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
          return { status: 200, body: lead };
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
          const { campaign, search, limit, starting_after: after } = parsed.data;
          const needle = search?.toLowerCase();
          const matching = leads.filter(
            (lead) =>
              (campaign === undefined || lead.campaign === campaign) &&
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
