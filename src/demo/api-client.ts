/** The few REST calls the demo makes, as any operator script would. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly key: string,
  ) {}

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = (await response.json()) as { status: string; data?: T; detail?: string };
    if (!response.ok || payload.status !== 'success') {
      throw new Error(`${method} ${path} -> ${response.status}: ${payload.detail ?? 'no detail'}`);
    }
    return payload.data as T;
  }
}

/** Counts as the API reports them. */
export interface StatusCounts {
  total: number;
  by_status: Record<string, number>;
}

export interface QueueStatus {
  circuit_breaker: { state: 'open' | 'closed'; opened_at: string | null; metadata: Record<string, unknown> };
  queue: { status: 'ACTIVE' | 'PAUSED' };
  queue_paused: boolean;
  campaigns: StatusCounts;
  jobs: StatusCounts;
  can_resume: boolean;
}

export interface CampaignDetail {
  id: string;
  name: string;
  status: string;
  status_reason: string | null;
  lead_limit: number;
  job_counts: StatusCounts;
  lead_counts: StatusCounts;
}
