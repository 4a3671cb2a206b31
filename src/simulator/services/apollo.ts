/** Simulated Apollo: POST /api/v1/mixed_people/search, X-Api-Key, deterministic people per criteria and page. */
import { z } from 'zod';
import { issuesText } from '../validation';
import { hashHex, hexInt, pick } from '../fake-data';
import type { SimReply, SimService } from '../service';

const FIRST_NAMES = ['Ada', 'Ben', 'Carla', 'Dev', 'Elena', 'Farid', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Keiko', 'Liam', 'Maya', 'Nils', 'Olga', 'Priya', 'Quinn', 'Rosa', 'Sam', 'Tariq', 'Uma', 'Victor', 'Wen', 'Yara', 'Zoe'];
const LAST_NAMES = ['Andersen', 'Baptiste', 'Chen', 'Diaz', 'Eriksen', 'Fischer', 'Garcia', 'Haddad', 'Ito', 'Jensen', 'Kowalski', 'Larsen', 'Moreau', 'Novak', 'Okafor', 'Patel', 'Rossi', 'Schmidt', 'Tanaka', 'Usman', 'Varga', 'Weber', 'Young', 'Zhang'];
const COMPANY_STEMS = ['Acme', 'Bright', 'Cobalt', 'Delta', 'Ember', 'Fjord', 'Granite', 'Harbor', 'Ion', 'Juniper', 'Kite', 'Lumen', 'Maple', 'Nimbus', 'Orbit', 'Pixel', 'Quartz', 'Ridge', 'Summit', 'Tidal'];
const COMPANY_ENDINGS = ['Labs', 'Systems', 'Analytics', 'Cloud', 'Works', 'Health', 'Logistics', 'Robotics', 'Software', 'Capital'];
const TITLES = ['Head of Sales', 'VP Marketing', 'CTO', 'Founder', 'Director of Operations', 'Growth Lead'];
const LOCATIONS = ['Berlin, Germany', 'London, United Kingdom', 'Austin, Texas', 'Toronto, Canada', 'Paris, France'];
/** Share of people whose address the (simulated) account has not unlocked. */
const LOCKED_EMAIL_PERCENT = 8;

const stringList = z.array(z.string());
export const searchRequestSchema = z.looseObject({
  person_titles: stringList.optional(),
  person_locations: stringList.optional(),
  person_seniorities: stringList.optional(),
  q_organization_keyword_tags: stringList.optional(),
  q_keywords: z.string().optional(),
  organization_num_employees_ranges: z.array(z.string().regex(/^\d+,\d+$/, 'ranges are written "min,max"')).optional(),
  page: z.number().int().min(1).max(500).default(1),
  per_page: z.number().int().min(1).max(100).default(25),
});
type SearchRequest = z.output<typeof searchRequestSchema>;

export function createApolloService(seed: string): SimService {
  const errorReply = (status: number, message: string): SimReply => ({ status, body: { error: message } });
  return {
    name: 'apollo',
    errorReply,
    quotaReply: () => errorReply(402, 'You have insufficient credits to perform this search. Please upgrade your plan.'),
    malformedReply: () => ({ status: 200, body: { people: 'temporarily unavailable', pagination: null } }),
    reset() {},
    routes: [
      {
        method: 'post',
        path: '/api/v1/mixed_people/search',
        handle(request) {
          const key = request.headers['x-api-key'];
          if (typeof key !== 'string' || key.trim() === '') return errorReply(401, 'Invalid access credentials.');
          const parsed = searchRequestSchema.safeParse(request.body ?? {});
          if (!parsed.success) return errorReply(422, issuesText(parsed.error));
          return { status: 200, body: searchPeople(seed, parsed.data) };
        },
      },
    ],
  };
}

/** The same criteria always find the same people in the same order, whatever the page size. */
export function searchPeople(seed: string, request: SearchRequest) {
  const criteriaKey = JSON.stringify([
    request.person_titles,
    request.person_locations,
    request.person_seniorities,
    request.q_organization_keyword_tags,
    request.q_keywords,
    request.organization_num_employees_ranges,
  ]);
  const totalEntries = 20 + (hexInt(hashHex(seed, 'total', criteriaKey)) % 230);
  const start = (request.page - 1) * request.per_page;
  const end = Math.min(totalEntries, start + request.per_page);
  const people = [];
  for (let index = start; index < end; index += 1) people.push(fakePerson(seed, criteriaKey, index, request));
  return {
    breadcrumbs: [],
    partial_results_only: false,
    contacts: [],
    people,
    pagination: {
      page: request.page,
      per_page: request.per_page,
      total_entries: totalEntries,
      total_pages: Math.ceil(totalEntries / request.per_page),
    },
  };
}

function fakePerson(seed: string, criteriaKey: string, index: number, request: SearchRequest) {
  const h = hashHex(seed, 'person', criteriaKey, String(index));
  const firstName = pick(FIRST_NAMES, hexInt(h, 0));
  const lastName = pick(LAST_NAMES, hexInt(h, 8));
  const company = `${pick(COMPANY_STEMS, hexInt(h, 16))} ${pick(COMPANY_ENDINGS, hexInt(h, 24))}`;
  const domain = `${company.toLowerCase().replace(/\s+/g, '')}.com`;
  const locked = hexInt(h, 32) % 100 < LOCKED_EMAIL_PERCENT;
  const titles = request.person_titles?.length ? request.person_titles : TITLES;
  const location = pick(request.person_locations?.length ? request.person_locations : LOCATIONS, hexInt(h, 40));
  // The id depends on who the person is, so the same person has one id in every search.
  const id = hashHex(seed, 'person-id', firstName, lastName, company).slice(0, 24);
  return {
    id,
    first_name: firstName,
    last_name: lastName,
    name: `${firstName} ${lastName}`,
    title: pick(titles, hexInt(h, 48)),
    email: locked ? 'email_not_unlocked@domain.com' : `${firstName}.${lastName}@${domain}`.toLowerCase(),
    email_status: locked ? 'unavailable' : 'verified',
    linkedin_url: `http://www.linkedin.com/in/${firstName}-${lastName}-${id.slice(0, 6)}`.toLowerCase(),
    formatted_address: location,
    organization: {
      id: hashHex(seed, 'organization', company).slice(0, 24),
      name: company,
      primary_domain: domain,
      website_url: `http://www.${domain}`,
    },
  };
}
