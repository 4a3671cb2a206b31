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

export interface Person {
  externalId: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  companyName: string | null;
  companyDomain: string | null;
  linkedinUrl: string | null;
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
  /** Apollo people search: one page of people matching the criteria. */
  searchPeople(criteria: SearchCriteria, page: number, perPage: number): Promise<{ people: Person[]; totalEntries: number }>;
  /** MillionVerifier single-email verification. */
  verifyEmail(email: string): Promise<{ verdict: EmailVerdict; deliverable: boolean }>;
  /** Perplexity chat completion researching the person and company. */
  enrichLead(lead: LeadForOutreach): Promise<{ summary: string }>;
  /** OpenAI chat completion writing personalised email copy. */
  writeCopy(lead: LeadForOutreach, research: string, prompt: string): Promise<EmailCopy>;
  /** Instantly v2: add the lead to an outreach campaign. Idempotent per leadId across retries and crashes. */
  pushLead(instantlyCampaignId: string, lead: LeadForOutreach, copy: EmailCopy): Promise<{ instantlyLeadId: string }>;
}

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
