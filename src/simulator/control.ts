/** A small client for the simulator's /sim routes, for tests and local tooling. */
import type { ServiceName } from '../providers/types';
import type { FaultInput } from './faults';
import type { ServiceStatus } from './registry';
import type { SimulatedInstantlyLead } from './services/instantly';

export class SimulatorControl {
  constructor(private readonly url: string) {}

  async setFault(service: ServiceName, fault: FaultInput): Promise<void> {
    await this.request('POST', `/sim/services/${service}/fault`, fault);
  }

  async clearFault(service: ServiceName): Promise<void> {
    await this.setFault(service, { mode: 'none' });
  }

  /** At most `limit` requests per `perSeconds` (429 with Retry-After beyond); null clears it. */
  async setRateLimit(service: ServiceName, limit: number | null, perSeconds = 1): Promise<void> {
    await this.request('POST', `/sim/services/${service}/rate-limit`, limit === null ? { limit: null } : { limit, per_seconds: perSeconds });
  }

  async services(): Promise<Record<ServiceName, ServiceStatus>> {
    const data = (await this.request('GET', '/sim/services')) as { services: Record<ServiceName, ServiceStatus> };
    return data.services;
  }

  async instantlyLeads(campaign?: string): Promise<SimulatedInstantlyLead[]> {
    const query = campaign === undefined ? '' : `?campaign=${encodeURIComponent(campaign)}`;
    const data = (await this.request('GET', `/sim/services/instantly/leads${query}`)) as { leads: SimulatedInstantlyLead[] };
    return data.leads;
  }

  async reset(): Promise<void> {
    await this.request('POST', '/sim/reset');
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const json = (await response.json()) as { status: string; data?: unknown; detail?: string };
    if (!response.ok || json.status !== 'success') throw new Error(`simulator ${method} ${path}: HTTP ${response.status}: ${json.detail ?? 'error'}`);
    return json.data;
  }
}
