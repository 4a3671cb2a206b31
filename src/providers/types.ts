/**
 * The five third-party services a campaign goes through, and the one interface activities call them by.
 * Real HTTP clients (src/providers/<service>.ts) and test doubles implement `LeadProviders`.
 */

import { SERVICES, type ServiceKey } from '../../workflows/definitions';

// One list and one type of services for the whole product (defined beside the workflows, which need it too).
export { SERVICES };
export type ServiceName = ServiceKey;

export function isServiceName(value: string): value is ServiceName {
  return (SERVICES as readonly string[]).includes(value);
}

export interface SearchCriteria {
  titles?: string[];
  locations?: string[];
  seniorities?: string[];
  industries?: string[];
  keywords?: string;
  employeeRanges?: string[];
}

/** A person as People API Search finds them: no email yet (enrichment reveals it, for credits). */
export interface Person {
  externalId: string;
  /** Apollo knows an address for them: worth paying to enrich. */
  hasEmail: boolean;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  companyName: string | null;
  companyDomain: string | null;
  linkedinUrl: string | null;
}

/** Who to enrich: Apollo's id, plus what we know, which helps it match. */
export interface PersonToMatch {
  externalId: string;
  firstName: string | null;
  lastName: string | null;
  companyName: string | null;
}

/** People Enrichment's answer for one person: the address and the details search left out. */
export interface EmailMatch {
  externalId: string;
  email: string | null;
  emailStatus: string | null;
  lastName: string | null;
  title: string | null;
  companyDomain: string | null;
  linkedinUrl: string | null;
  /** Apollo credits this person cost (the call's credits shared over the people it revealed). */
  credits: number;
}

export interface ResearchSource {
  url: string;
  title: string | null;
}

export interface Research {
  summary: string;
  /** The web pages the answer cites, in order of first citation. */
  sources: ResearchSource[];
  /** What the call cost in USD, as Perplexity reported it. */
  costUsd: number | null;
}

export type EmailVerdict = 'ok' | 'catch_all' | 'unknown' | 'invalid' | 'disposable';

export interface LeadForOutreach {
  /** Our lead id: also the idempotency key for pushing it to Instantly. */
  leadId: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  companyName: string | null;
  companyDomain: string | null;
}

export interface EmailCopy {
  subject: string;
  body: string;
}

export interface LeadProviders {
  /** Apollo People API Search (no credits, no emails): one page of people matching the criteria. */
  searchPeople(criteria: SearchCriteria, page: number, perPage: number): Promise<{ people: Person[]; totalEntries: number }>;
  /** Apollo People Enrichment for up to ENRICH_BATCH_SIZE people in one call (costs credits). */
  findEmails(people: PersonToMatch[]): Promise<EmailMatch[]>;
  /** MillionVerifier single-email verification. */
  verifyEmail(email: string): Promise<{ verdict: EmailVerdict; deliverable: boolean }>;
  /** Perplexity Agent API researching the person and company, with its sources. */
  enrichLead(lead: LeadForOutreach): Promise<Research>;
  /** OpenAI chat completion writing personalised email copy. */
  writeCopy(lead: LeadForOutreach, research: string, prompt: string): Promise<EmailCopy>;
  /**
   * Instantly v2: add up to PUSH_BATCH_SIZE leads to one outreach campaign in one call. Idempotent per leadId across
   * retries and crashes. Each lead comes back with its Instantly id, or why Instantly would not take it.
   */
  pushLeads(instantlyCampaignId: string, leads: LeadToPush[]): Promise<PushedLead[]>;
}

export interface LeadToPush {
  lead: LeadForOutreach;
  copy: EmailCopy;
}

export type PushedLead = { leadId: string; instantlyLeadId: string } | { leadId: string; refused: string };

/** People one Apollo bulk enrichment call takes. */
export const ENRICH_BATCH_SIZE = 10;

/** Leads one Instantly bulk add takes (POST /api/v2/leads/add). */
export const PUSH_BATCH_SIZE = 1_000;

/**
 * What a service said about its remaining allowance on one answer: rate-limit headers (Apollo's
 * x-minute-requests-left..., OpenAI's x-ratelimit-remaining-*) or a balance in the body (credits).
 */
export interface LimitsObservation {
  service: ServiceName;
  /** e.g. { minute_requests: 48, daily_requests: 590 } or { credits: 99812 }. */
  remaining: Record<string, number>;
  /** When each window resets, as the service wrote it (e.g. OpenAI's "6m0s"). */
  resets?: Record<string, string>;
  observedAt: Date;
}

export type LimitsObserver = (observation: LimitsObservation) => void;

/** Why a service failed: every kind trips the breaker (SPEC rule 1). */
export type ServiceFailureKind = 'timeout' | 'connection' | 'server_error' | 'rate_limited' | 'auth' | 'quota';

/** The service itself failed: timeout, connection, 5xx, 429, 401/403 or quota. Trips the breaker. */
export class ServiceError extends Error {
  override name = 'ServiceError';
  constructor(
    readonly service: ServiceName,
    readonly kind: ServiceFailureKind,
    message: string,
    readonly status?: number,
    /** From a 429's Retry-After header, when the service sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The job's own data was refused (invalid input, a 4xx that is not auth/quota). Fails that job only. */
export class DataError extends Error {
  override name = 'DataError';
  constructor(
    readonly service: ServiceName,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}
