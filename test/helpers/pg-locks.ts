/**
 * Watching PostgreSQL's lock waits from a connection of the test's own (the "holder", which may sit inside a
 * transaction holding the row lock that stops another statement at an exact point).
 */
import type { Client } from 'pg';
import { until } from './until';

/** Deadlocks PostgreSQL has counted in this database so far. */
export async function deadlocks(holder: Client): Promise<number> {
  const { rows } = await holder.query<{ deadlocks: string }>('SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()');
  return Number(rows[0]!.deadlocks);
}

/** The backends of this database now waiting on a lock. */
export async function lockWaiters(holder: Client): Promise<number[]> {
  // Inside a transaction, statistics views keep their first snapshot unless cleared.
  await holder.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await holder.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
  );
  return rows.map((row) => row.pid);
}

/** Until `count` sessions of this database wait on a lock; their pids. */
export function waitersReach(holder: Client, count: number, what: string): Promise<number[]> {
  return until(async () => {
    const pids = await lockWaiters(holder);
    return pids.length >= count && pids;
  }, what, { timeoutMs: 10_000, intervalMs: 10 });
}
