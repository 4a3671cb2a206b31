/**
 * Apollo, as its API reference documents it (docs.apollo.io, checked Nov 2026; rate limits page updated
 * 2026-07-28, usage stats page 2026-08-21). X-Api-Key header on every call.
 *
 * - People API Search, POST /api/v1/mixed_people/api_search: free (no credits), but no emails or phones,
 *   and last names obfuscated; `has_email` says whether enrichment would find an address.
 *   (`mixed_people/search` no longer serves API keys.)
 * - Bulk People Enrichment, POST /api/v1/people/bulk_match: up to 10 people a call, by Apollo id; costs
 *   credits (`credits_consumed`); `matches[i]` answers `details[i]`, null for a miss.
 * - POST /api/v1/usage_stats/api_usage_stats: limits and usage per endpoint, 0 credits (the provider check).
 * Every answer carries x-minute-requests-left, x-hourly-requests-left, x-24-hour-requests-left.
 */
import { z } from 'zod';
import type { ServiceConfig } from './config';
import { callJson, expectShape } from './http';
import { ENRICH_BATCH_SIZE, type EmailMatch, type LeadProviders, type LimitsObserver, type Person, type SearchCriteria } from './types';

/** Apollo's placeholder for an address the account has not unlocked: not an address at all. */
const LOCKED_EMAIL = /^email_not_unlocked@/i;

const searchPersonSchema = z.object({
  id: z.string(),
  first_name: z.string().nullish(),
  title: z.string().nullish(),
  has_email: z.boolean().nullish(),
  organization: z.object({ name: z.string().nullish() }).nullish(),
});

const searchResponseSchema = z.object({
  total_entries: z.number().int().nonnegative(),
  people: z.array(searchPersonSchema),
});

const matchSchema = z.object({
  id: z.string(),
  last_name: z.string().nullish(),
  title: z.string().nullish(),
  email: z.string().nullish(),
  email_status: z.string().nullish(),
  linkedin_url: z.string().nullish(),
  organization: z.object({ primary_domain: z.string().nullish() }).nullish(),
});

const bulkMatchResponseSchema = z.object({
  matches: z.array(matchSchema.nullable()),
  credits_consumed: z.number().nonnegative().nullish(),
});

export function toSearchBody(criteria: SearchCriteria, page: number, perPage: number) {
  return {
    person_titles: criteria.titles,
    person_locations: criteria.locations,
    person_seniorities: criteria.seniorities,
    // Apollo filters industries by tag id; names go in as company keyword tags instead.
    q_organization_keyword_tags: criteria.industries,
    q_keywords: criteria.keywords,
    // Apollo writes ranges as "11,50"; accept "11-50" too.
    organization_num_employees_ranges: criteria.employeeRanges?.map((range) => range.replace('-', ',')),
    page,
    per_page: perPage,
  };
}

export function createApolloClient(config: ServiceConfig, observe?: LimitsObserver): Pick<LeadProviders, 'searchPeople' | 'findEmails'> {
  const post = (path: string, body: unknown) =>
    callJson({
      service: 'apollo',
      method: 'POST',
      baseUrl: config.baseUrl,
      path,
      headers: { 'x-api-key': config.apiKey, 'cache-control': 'no-cache' },
      body,
      timeoutMs: config.timeoutMs,
      observe,
    });

  return {
    async searchPeople(criteria, page, perPage) {
      const json = await post('/api/v1/mixed_people/api_search', toSearchBody(criteria, page, perPage));
      const result = expectShape('apollo', searchResponseSchema, json, 'people search response');
      return { people: result.people.map(toPerson), totalEntries: result.total_entries };
    },

    async findEmails(people) {
      if (people.length === 0) return [];
      if (people.length > ENRICH_BATCH_SIZE) throw new RangeError(`apollo bulk_match takes at most ${ENRICH_BATCH_SIZE} people, got ${people.length}`);
      const json = await post('/api/v1/people/bulk_match', {
        details: people.map((person) => ({ id: person.externalId, first_name: person.firstName ?? undefined, organization_name: person.companyName ?? undefined })),
        reveal_personal_emails: false,
        reveal_phone_number: false,
      });
      const { matches, credits_consumed: credits } = expectShape('apollo', bulkMatchResponseSchema, json, 'bulk enrichment response');
      const revealed = matches.filter((match) => match?.email && !LOCKED_EMAIL.test(match.email)).length;
      const creditsEach = revealed > 0 && credits ? credits / revealed : 0;
      return people.map((person, index): EmailMatch => {
        const match = matches[index] ?? null;
        const email = match?.email && !LOCKED_EMAIL.test(match.email) ? match.email : null;
        return {
          externalId: person.externalId,
          email,
          emailStatus: match?.email_status ?? null,
          lastName: match?.last_name ?? null,
          title: match?.title ?? null,
          companyDomain: match?.organization?.primary_domain ?? null,
          linkedinUrl: match?.linkedin_url ?? null,
          credits: email ? creditsEach : 0,
        };
      });
    },
  };
}

function toPerson(person: z.infer<typeof searchPersonSchema>): Person {
  return {
    externalId: person.id,
    hasEmail: person.has_email === true,
    firstName: person.first_name ?? null,
    // Search shows it obfuscated ("Lo***e"); enrichment fills it in.
    lastName: null,
    title: person.title ?? null,
    companyName: person.organization?.name ?? null,
    companyDomain: null,
    linkedinUrl: null,
  };
}
