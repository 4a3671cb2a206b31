/** A PostgreSQL connection of the drill's own that reconnects after the server restarts. */
import { Client as PgClient, type QueryResultRow } from 'pg';

export class DrillDb {
  private client: PgClient | undefined;

  constructor(private readonly url: string) {}

  /** Reads only, so a query that fails (PostgreSQL restarting) is simply tried again, for up to `retryMs`. */
  async query<T extends QueryResultRow = any>(sql: string, params: unknown[] = [], retryMs = 20_000): Promise<T[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const deadline = Date.now() + retryMs;
    for (;;) {
      try {
        const client = await this.connection();
        return (await client.query<T>(sql, params)).rows;
      } catch (error) {
        // The connection may be broken: the next attempt opens a new one.
        await this.reset();
        if (Date.now() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  async one<T extends QueryResultRow = any>(sql: string, params: unknown[] = [], retryMs?: number): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const [row] = await this.query<T>(sql, params, retryMs);
    if (!row) throw new Error(`no row: ${sql}`);
    return row;
  }

  async close(): Promise<void> {
    await this.reset();
  }

  private async reset(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async connection(): Promise<PgClient> {
    if (this.client) return this.client;
    const client = new PgClient({ connectionString: this.url, connectionTimeoutMillis: 2_000, statement_timeout: 30_000 });
    client.on('error', () => {
      // Noticed by the next query.
    });
    await client.connect();
    this.client = client;
    return client;
  }
}

/** The database's view of the breaker and the work, in one round trip. */
export interface Snapshot {
  at: Date;
  breaker_state: string;
  queue_state: string;
  opened_at: Date | null;
  campaigns_running: number;
  campaigns_paused: number;
  campaigns_completed: number;
  campaigns_created: number;
  jobs_pending: number;
  jobs_processing: number;
  jobs_paused: number;
  jobs_completed: number;
  jobs_changed_at: Date | null;
}

export function snapshot(db: DrillDb): Promise<Snapshot> {
  return db.one<Snapshot>(`
    SELECT clock_timestamp() AS at, s.breaker_state, s.queue_state, s.opened_at,
           c.running AS campaigns_running, c.paused AS campaigns_paused, c.completed AS campaigns_completed, c.created AS campaigns_created,
           j.pending AS jobs_pending, j.processing AS jobs_processing, j.paused AS jobs_paused, j.completed AS jobs_completed,
           j.changed_at AS jobs_changed_at
    FROM system_state s,
      (SELECT count(*) FILTER (WHERE status = 'RUNNING')::int AS running, count(*) FILTER (WHERE status = 'PAUSED')::int AS paused,
              count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed, count(*) FILTER (WHERE status = 'CREATED')::int AS created
       FROM campaigns) c,
      (SELECT count(*) FILTER (WHERE status = 'PENDING')::int AS pending, count(*) FILTER (WHERE status = 'PROCESSING')::int AS processing,
              count(*) FILTER (WHERE status = 'PAUSED')::int AS paused, count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed,
              max(updated_at) AS changed_at
       FROM jobs) j
    WHERE s.id = 1`);
}
