import { Prisma } from '../generated/prisma/client';
import type { CampaignStatus, JobStatus } from '../generated/prisma/enums';
import type { Db } from './tx';

/**
 * Campaign and job counts by status, kept by the database itself: triggers on campaigns and jobs append one
 * delta row per status a statement changed (migration 20261124030000_status_counts). Reading sums a few rows,
 * however many campaigns and jobs there are; folding replaces the rows with one per status.
 */
export interface StatusCounts {
  campaigns: Partial<Record<CampaignStatus, number>>;
  jobs: Partial<Record<JobStatus, number>>;
}

// Past this many delta rows a read folds them first (a worker folds every few seconds as well).
const FOLD_AT_ROWS = 5_000;
// Folds never wait for each other: one at a time, the others skip (any key unique to this table).
const FOLD_LOCK_KEY = 0x5c0_0c7;

export interface StatusCountRow {
  entity: string;
  status: string;
  count: number;
  rows: number;
}

const COUNT_ROWS = Prisma.sql`
  SELECT entity, status, sum(delta)::int AS count, count(*)::int AS rows
  FROM status_count_deltas GROUP BY entity, status`;

export async function readStatusCounts(db: Db): Promise<StatusCounts> {
  return statusCountsOf(db, await db.$queryRaw<StatusCountRow[]>`${COUNT_ROWS}`);
}

/** The same rows as a JSON array, for a read that takes them with others in one statement (then `statusCountsOf`). */
export const STATUS_COUNT_ROWS_JSON = Prisma.sql`(SELECT COALESCE(json_agg(r), '[]') FROM (${COUNT_ROWS}) r)`;

/** The counts from their summed rows; folds first when the rows have piled up. */
export async function statusCountsOf(db: Db, rows: StatusCountRow[]): Promise<StatusCounts> {
  if (rows.reduce((sum, row) => sum + row.rows, 0) > FOLD_AT_ROWS) await foldStatusCounts(db);
  const counts: StatusCounts = { campaigns: {}, jobs: {} };
  for (const row of rows) {
    if (row.count === 0) continue;
    if (row.entity === 'campaigns') counts.campaigns[row.status as CampaignStatus] = row.count;
    else if (row.entity === 'jobs') counts.jobs[row.status as JobStatus] = row.count;
  }
  return counts;
}

/**
 * Replaces the delta rows with one per status. Writers only ever insert, so this never waits for one; a read
 * sees the rows before or after the fold, the same sums either way.
 */
export async function foldStatusCounts(db: Db): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const [{ locked }] = await tx.$queryRaw<[{ locked: boolean }]>`SELECT pg_try_advisory_xact_lock(${FOLD_LOCK_KEY}) AS locked`;
    if (!locked) return false;
    await tx.$executeRaw`
      WITH folded AS (DELETE FROM status_count_deltas RETURNING entity, status, delta)
      INSERT INTO status_count_deltas (entity, status, delta)
      SELECT entity, status, sum(delta) FROM folded GROUP BY entity, status HAVING sum(delta) <> 0`;
    return true;
  });
}
