/** Apollo people search: POST /api/v1/mixed_people/search with the X-Api-Key header. */
import { z } from 'zod';
import type { ServiceConfig } from './config';
import { callJson, expectShape } from './http';
import type { LeadProviders, Person, SearchCriteria } from './types';

/** Apollo's placeholder for an address the account has not unlocked: not an address at all. */
const LOCKED_EMAIL = /^email_not_unlocked@/i;

const apolloPersonSchema = z.object({
  id: z.string(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  title: z.string().nullish(),
  email: z.string().nullish(),
  linkedin_url: z.string().nullish(),
  organization: z.object({ name: z.string().nullish(), primary_domain: z.string().nullish() }).nullish(),
});

const searchResponseSchema = z.object({
  // "mixed" search answers with people and with the account's saved contacts; both are candidates.
  contacts: z.array(apolloPersonSchema).nullish(),
  people: z.array(apolloPersonSchema).nullish(),
  pagination: z.object({ total_entries: z.number().int().nonnegative() }),
});

export type ApolloSearchBody = ReturnType<typeof toSearchBody>;

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

export function createApolloClient(config: ServiceConfig): Pick<LeadProviders, 'searchPeople'> {
  return {
    async searchPeople(criteria, page, perPage) {
      const json = await callJson({
        service: 'apollo',
        method: 'POST',
        baseUrl: config.baseUrl,
        path: '/api/v1/mixed_people/search',
        headers: { 'x-api-key': config.apiKey, 'cache-control': 'no-cache' },
        body: toSearchBody(criteria, page, perPage),
        timeoutMs: config.timeoutMs,
      });
      const result = expectShape('apollo', searchResponseSchema, json, 'people search response');
      const people = [...(result.contacts ?? []), ...(result.people ?? [])].map(toPerson);
      return { people, totalEntries: result.pagination.total_entries };
    },
  };
}

function toPerson(person: z.infer<typeof apolloPersonSchema>): Person {
  const email = person.email && !LOCKED_EMAIL.test(person.email) ? person.email : null;
  return {
    externalId: person.id,
    email,
    firstName: person.first_name ?? null,
    lastName: person.last_name ?? null,
    title: person.title ?? null,
    companyName: person.organization?.name ?? null,
    companyDomain: person.organization?.primary_domain ?? null,
    linkedinUrl: person.linkedin_url ?? null,
  };
}
