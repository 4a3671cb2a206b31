/**
 * Simulated Apollo, X-Api-Key, deterministic people per criteria and page:
 * - POST /api/v1/mixed_people/api_search: people without emails (has_email, obfuscated last names), no credits;
 * - POST /api/v1/people/match and /api/v1/people/bulk_match (up to 10): emails, one credit per revealed address;
 * - POST /api/v1/usage_stats/api_usage_stats: per-endpoint minute/hour/day limits and what is left;
 * - POST /api/v1/mixed_people/search: refused to API keys, as Apollo now does.
 * Every answer carries x-minute-requests-left, x-hourly-requests-left and x-24-hour-requests-left.
 */
import { z } from 'zod';
import { issuesText } from '../validation';
import { hashHex, hexInt, pick } from '../fake-data';
import type { SimReply, SimRequest, SimService } from '../service';

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

export const BULK_MATCH_LIMIT = 10;
const matchDetailSchema = z.looseObject({ id: z.string().min(1).optional(), first_name: z.string().optional(), organization_name: z.string().optional() });
const bulkMatchSchema = z.looseObject({ details: z.array(matchDetailSchema).min(1).max(BULK_MATCH_LIMIT, `details takes at most ${BULK_MATCH_LIMIT} people`) });

/** The Basic plan's limits (docs.apollo.io rate limits), the same for every endpoint here. */
const LIMITS = { minute: 200, hour: 400 * 10, day: 2000 * 10 };
const WINDOW_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Requests per endpoint in the current fixed window (Apollo counts in fixed windows). */
class UsageWindows {
  private counts = new Map<string, { window: number; count: number }>();
  hit(endpoint: string, now: number): void {
    for (const name of Object.keys(WINDOW_MS) as Array<keyof typeof WINDOW_MS>) {
      const key = `${endpoint}|${name}`;
      const window = Math.floor(now / WINDOW_MS[name]);
      const entry = this.counts.get(key);
      this.counts.set(key, entry && entry.window === window ? { window, count: entry.count + 1 } : { window, count: 1 });
    }
  }
  used(endpoint: string, name: keyof typeof WINDOW_MS, now: number): number {
    const entry = this.counts.get(`${endpoint}|${name}`);
    return entry && entry.window === Math.floor(now / WINDOW_MS[name]) ? entry.count : 0;
  }
  reset(): void {
    this.counts.clear();
  }
}

export function createApolloService(seed: string): SimService {
  const errorReply = (status: number, message: string): SimReply => ({ status, body: { error: message } });
  const usage = new UsageWindows();
  /** Everyone a search has shown, by id, so enrichment finds them again (as Apollo's database would). */
  const known = new Map<string, FakePerson>();

  /** Authenticates, counts the call against its endpoint's windows and adds the requests-left headers. */
  const endpoint =
    (name: string, handle: (request: SimRequest) => SimReply): ((request: SimRequest) => SimReply) =>
    (request) => {
      const key = request.headers['x-api-key'];
      if (typeof key !== 'string' || key.trim() === '') return errorReply(401, 'Invalid access credentials.');
      const now = Date.now();
      usage.hit(name, now);
      const reply = handle(request);
      const left = (window: keyof typeof LIMITS) => String(Math.max(0, LIMITS[window] - usage.used(name, window, now)));
      return {
        ...reply,
        headers: { ...reply.headers, 'x-minute-requests-left': left('minute'), 'x-hourly-requests-left': left('hour'), 'x-24-hour-requests-left': left('day') },
      };
    };

  const match = (detail: z.output<typeof matchDetailSchema>) => {
    if (!detail.id || !APOLLO_ID.test(detail.id)) return null;
    // Someone a search showed; or (after a simulator restart forgot them) someone made up from the id alone, whose
    // address is locked or not as it was when a search showed them (both follow the id).
    const person = known.get(detail.id) ?? fakePerson(seed, 'by-id', hexInt(hashHex(seed, 'by-id', detail.id)), { page: 1, per_page: 1 }, detail.id);
    return { ...person, email: person.email === LOCKED ? null : person.email };
  };

  return {
    name: 'apollo',
    errorReply,
    quotaReply: () => errorReply(402, 'You have insufficient credits to enrich these people. Please upgrade your plan or buy more credits.'),
    malformedReply: () => ({ status: 200, body: { people: 'temporarily unavailable', total_entries: null } }),
    reset() {
      usage.reset();
      known.clear();
    },
    routes: [
      {
        method: 'post',
        path: '/api/v1/mixed_people/search',
        handle: endpoint('mixed_people/search', () =>
          errorReply(403, 'mixed_people/search is not accessible with an API key. Use mixed_people/api_search to search people, then people enrichment for their emails.'),
        ),
      },
      {
        method: 'post',
        path: '/api/v1/mixed_people/api_search',
        handle: endpoint('mixed_people/api_search', (request) => {
          const parsed = searchRequestSchema.safeParse(request.body ?? {});
          if (!parsed.success) return errorReply(422, issuesText(parsed.error));
          return { status: 200, body: apiSearch(seed, parsed.data, known) };
        }),
      },
      {
        method: 'post',
        path: '/api/v1/people/match',
        handle: endpoint('people/match', (request) => {
          const parsed = matchDetailSchema.safeParse(request.body ?? {});
          if (!parsed.success) return errorReply(422, issuesText(parsed.error));
          const person = match(parsed.data);
          return { status: 200, body: { person, credits_consumed: person?.email ? 1 : 0 } };
        }),
      },
      {
        method: 'post',
        path: '/api/v1/people/bulk_match',
        handle: endpoint('people/bulk_match', (request) => {
          const parsed = bulkMatchSchema.safeParse(request.body ?? {});
          if (!parsed.success) return errorReply(422, issuesText(parsed.error));
          const matches = parsed.data.details.map(match);
          const revealed = matches.filter((person) => person?.email).length;
          return {
            status: 200,
            body: {
              status: 'success',
              error_code: null,
              error_message: null,
              total_requested_enrichments: parsed.data.details.length,
              unique_enriched_records: matches.filter(Boolean).length,
              missing_records: matches.filter((person) => person === null).length,
              credits_consumed: revealed,
              matches,
            },
          };
        }),
      },
      {
        method: 'post',
        path: '/api/v1/usage_stats/api_usage_stats',
        handle: endpoint('usage_stats/api_usage_stats', () => {
          const now = Date.now();
          const stats: Record<string, unknown> = {};
          for (const name of ['mixed_people/api_search', 'people/match', 'people/bulk_match']) {
            const window = (w: keyof typeof LIMITS) => ({ limit: LIMITS[w], consumed: usage.used(name, w, now), left_over: LIMITS[w] - usage.used(name, w, now) });
            stats[JSON.stringify(['api/v1', ...name.split('/')])] = { minute: window('minute'), hour: window('hour'), day: window('day') };
          }
          return { status: 200, body: stats };
        }),
      },
    ],
  };
}

const LOCKED = 'email_not_unlocked@domain.com';
/** Apollo's person ids: 24 hex digits. */
const APOLLO_ID = /^[0-9a-f]{24}$/;
type FakePerson = ReturnType<typeof fakePerson>;

/** People API Search: the people of `searchPeople`, minus what only enrichment reveals. */
export function apiSearch(seed: string, request: SearchRequest, known = new Map<string, FakePerson>()) {
  const result = searchPeople(seed, request);
  return {
    total_entries: result.pagination.total_entries,
    people: result.people.map((person) => {
      known.set(person.id, person);
      return {
        id: person.id,
        first_name: person.first_name,
        last_name_obfuscated: `${person.last_name.slice(0, 2)}***${person.last_name.slice(-1)}`,
        title: person.title,
        last_refreshed_at: '2026-11-01T00:00:00.000+00:00',
        has_email: person.email !== LOCKED,
        has_city: true,
        has_state: true,
        has_country: true,
        has_direct_phone: 'Maybe: please request direct dial via people/bulk_match',
        organization: { name: person.organization.name, has_industry: true, has_phone: true, has_city: true, has_state: true, has_country: true },
      };
    }),
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

function fakePerson(seed: string, criteriaKey: string, index: number, request: SearchRequest, knownId?: string) {
  const h = hashHex(seed, 'person', criteriaKey, String(index));
  const firstName = pick(FIRST_NAMES, hexInt(h, 0));
  const lastName = pick(LAST_NAMES, hexInt(h, 8));
  const company = `${pick(COMPANY_STEMS, hexInt(h, 16))} ${pick(COMPANY_ENDINGS, hexInt(h, 24))}`;
  const domain = `${company.toLowerCase().replace(/\s+/g, '')}.com`;
  const titles = request.person_titles?.length ? request.person_titles : TITLES;
  const location = pick(request.person_locations?.length ? request.person_locations : LOCATIONS, hexInt(h, 40));
  // The id depends on who the person is, so the same person has one id in every search; and whether their address
  // is unlocked depends on the id alone, so every search that shows them (and enrichment) agrees on has_email.
  const id = knownId ?? hashHex(seed, 'person-id', firstName, lastName, company).slice(0, 24);
  const locked = hexInt(hashHex(seed, 'locked', id)) % 100 < LOCKED_EMAIL_PERCENT;
  return {
    id,
    first_name: firstName,
    last_name: lastName,
    name: `${firstName} ${lastName}`,
    title: pick(titles, hexInt(h, 48)),
    email: locked ? LOCKED : `${firstName}.${lastName}@${domain}`.toLowerCase(),
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
