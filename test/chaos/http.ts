/** The drill's view from outside: the REST API with the operator key, and the simulator's /sim routes. */

export interface Answer<T = any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  status: number;
  body: T;
  ms: number;
}

export class ProductApi {
  constructor(
    private readonly apiUrl: string,
    private readonly key: string,
  ) {}

  /** Never throws: a connection failure or a timeout is status 0 with the error as the body. */
  async call<T = any>(method: 'GET' | 'POST', route: string, { body, timeoutMs = 10_000 }: { body?: unknown; timeoutMs?: number } = {}): Promise<Answer<T>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const started = Date.now();
    try {
      const response = await fetch(`${this.apiUrl}${route}`, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: keep the text.
      }
      return { status: response.status, body: parsed as T, ms: Date.now() - started };
    } catch (error) {
      return { status: 0, body: { error: String(error) } as T, ms: Date.now() - started };
    }
  }

  /** The breaker as the operator sees it, or undefined when the API cannot tell right now. */
  async breaker(timeoutMs = 2_000): Promise<{ state: 'open' | 'closed'; openedAt: string | null; queue: 'ACTIVE' | 'PAUSED'; pausedAt: string | null } | undefined> {
    const answer = await this.call('GET', '/queue-management/status', { timeoutMs });
    const data = answer.status === 200 ? answer.body?.data : undefined;
    if (!data?.circuit_breaker) return undefined;
    return { state: data.circuit_breaker.state, openedAt: data.circuit_breaker.opened_at ?? null, queue: data.queue?.status, pausedAt: data.queue?.paused_at ?? null };
  }
}

export interface SimulatedLead {
  id: string;
  campaign: string;
  email: string;
  payload: Record<string, unknown>;
}

export class Simulator {
  constructor(private readonly url: string) {}

  async setFault(service: string, fault: object): Promise<void> {
    const response = await fetch(`${this.url}/sim/services/${service}/fault`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fault),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`simulator refused the fault ${JSON.stringify(fault)}: HTTP ${response.status} ${await response.text()}`);
  }

  /** Every lead "Instantly" holds, in creation order. */
  async instantlyLeads(): Promise<SimulatedLead[]> {
    const response = await fetch(`${this.url}/sim/services/instantly/leads`, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`simulator lead list: HTTP ${response.status}`);
    const json = (await response.json()) as { data: { leads: SimulatedLead[] } };
    return json.data.leads;
  }

  async services(): Promise<Record<string, { calls: number; failures: number }>> {
    const response = await fetch(`${this.url}/sim/services`, { signal: AbortSignal.timeout(10_000) });
    const json = (await response.json()) as { data: { services: Record<string, { calls: number; failures: number }> } };
    return json.data.services;
  }
}
