import {
  DataError,
  type EmailCopy,
  type EmailMatch,
  type LeadForOutreach,
  type LeadProviders,
  type LeadToPush,
  type Person,
  type PersonToMatch,
  type PushedLead,
  type SearchCriteria,
  ServiceError,
  type ServiceFailureKind,
  type ServiceName,
  SERVICES,
} from '../../src/providers/types';

/**
 * An in-process LeadProviders that tests drive: deterministic people, a service can be taken down
 * (ServiceError of any kind), an email can be refused (DataError), calls can be held in flight.
 */
export class ScriptedProviders implements LeadProviders {
  readonly calls = Object.fromEntries(SERVICES.map((s) => [s, 0])) as Record<ServiceName, number>;
  readonly pushes: { instantlyCampaignId: string; leadId: string; email: string }[] = [];
  /** The size of each Instantly call's batch. */
  readonly pushBatches: number[] = [];
  private readonly down = new Map<ServiceName, { kind: ServiceFailureKind; message?: string }>();
  private readonly held = new Map<ServiceName, { promise: Promise<void>; release: () => void }>();
  private readonly faults = new Map<ServiceName, number>();
  readonly refusedEmails = new Set<string>();
  /** Addresses Instantly's bulk add leaves out (as it does a blocklisted one): refused in the answer, not an error. */
  readonly refusedByInstantly = new Set<string>();
  /** Callers currently held in flight, per service. */
  readonly waiting = Object.fromEntries(SERVICES.map((s) => [s, 0])) as Record<ServiceName, number>;

  /** Every call to `service` fails with `kind` (and the provider's own `message`, if given) until `recover`. */
  fail(service: ServiceName, kind: ServiceFailureKind = 'server_error', message?: string): void {
    this.down.set(service, { kind, message });
  }

  recover(service: ServiceName): void {
    this.down.delete(service);
  }

  /**
   * The next `count` calls to `service` (or those held now, once released) throw a plain Error: a fault of ours
   * around the call (a bug, a dropped socket), which the job retries as such, not a service failure.
   */
  faultNext(service: ServiceName, count = 1): void {
    this.faults.set(service, count);
  }

  /** Calls to `service` block until `release(service)`. */
  hold(service: ServiceName): void {
    let release!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.held.set(service, { promise, release });
  }

  release(service: ServiceName): void {
    this.held.get(service)?.release();
    this.held.delete(service);
  }

  private async enter(service: ServiceName): Promise<void> {
    this.calls[service]++;
    const gate = this.held.get(service);
    if (gate) {
      this.waiting[service]++;
      await gate.promise;
      this.waiting[service]--;
    }
    const faults = this.faults.get(service) ?? 0;
    if (faults > 0) {
      this.faults.set(service, faults - 1);
      throw new Error(`${service} call dropped (scripted fault)`);
    }
    const down = this.down.get(service);
    if (down) {
      const { kind, message } = down;
      throw new ServiceError(service, kind, message ?? `${service} unavailable (${kind})`, kind === 'server_error' ? 503 : undefined);
    }
  }

  async searchPeople(criteria: SearchCriteria, page: number, perPage: number) {
    await this.enter('apollo');
    const total = 500;
    const key = (criteria.keywords ?? criteria.titles?.join('-') ?? 'people').replace(/\W+/g, '-');
    const people: Person[] = [];
    for (let i = (page - 1) * perPage; i < Math.min(total, page * perPage); i++) {
      people.push({
        externalId: `${key}-${i}`,
        hasEmail: true,
        firstName: `First${i}`,
        lastName: null,
        title: 'CTO',
        companyName: `Company ${i}`,
        companyDomain: null,
        linkedinUrl: null,
      });
    }
    return { people, totalEntries: total };
  }

  /** Everyone has an address, derived from the id search gave: `${key}-${i}` is person{i}@{key}.example.com. */
  async findEmails(people: PersonToMatch[]): Promise<EmailMatch[]> {
    await this.enter('apollo');
    return people.map(({ externalId }) => {
      const cut = externalId.lastIndexOf('-');
      const key = externalId.slice(0, cut);
      const i = externalId.slice(cut + 1);
      return {
        externalId,
        email: `person${i}@${key}.example.com`,
        emailStatus: 'verified',
        lastName: `Last${i}`,
        title: null,
        companyDomain: `${key}.example.com`,
        linkedinUrl: null,
        credits: 1,
      };
    });
  }

  async verifyEmail(email: string) {
    await this.enter('millionverifier');
    if (this.refusedEmails.has(email)) throw new DataError('millionverifier', `Invalid email syntax: ${email}`, 400);
    return { verdict: 'ok' as const, deliverable: true };
  }

  async enrichLead(lead: LeadForOutreach) {
    await this.enter('perplexity');
    return { summary: `${lead.firstName} works at ${lead.companyName}.`, sources: [{ url: `https://${lead.companyDomain}/about`, title: null }], costUsd: 0.005 };
  }

  async writeCopy(lead: LeadForOutreach, research: string, prompt: string): Promise<EmailCopy> {
    await this.enter('openai');
    return { subject: `Hi ${lead.firstName}`, body: `${prompt} ${research}` };
  }

  async pushLeads(instantlyCampaignId: string, leads: LeadToPush[]): Promise<PushedLead[]> {
    await this.enter('instantly');
    this.pushBatches.push(leads.length);
    return leads.map(({ lead }) => {
      if (this.refusedByInstantly.has(lead.email)) return { leadId: lead.leadId, refused: `Instantly did not add ${lead.email}` };
      this.pushes.push({ instantlyCampaignId, leadId: lead.leadId, email: lead.email });
      return { leadId: lead.leadId, instantlyLeadId: `inst-${lead.leadId}` };
    });
  }
}
