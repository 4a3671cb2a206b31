import { prepared } from '../db/prepared-statements';
import { PROVIDER_LIMIT_ROWS_JSON, providerLimitsOf } from '../db/provider-limits';
import { STATUS_COUNT_ROWS_JSON, statusCountsOf, type StatusCountRow } from './status-counts';
import { SYSTEM_STATE_JSON, systemStateOfJson } from './system-state';
import type { Db } from './tx';

/**
 * What the operator's status shows from the database, in one statement: the breaker's projection, the maintained
 * counts and the providers' last allowances. One round trip on one connection, not three side by side: the status
 * read's tail is one query's, not the slowest of three (dashboards poll it while the workers keep the machine busy).
 * Each part's SQL stays with its table.
 */
export async function readStatusSources(db: Db) {
  const [row] = await db.$queryRaw<[{ system: Parameters<typeof systemStateOfJson>[0]; counts: StatusCountRow[]; providers: Parameters<typeof providerLimitsOf>[0] }]>`${prepared('status_read')}
    SELECT ${SYSTEM_STATE_JSON} AS system, ${STATUS_COUNT_ROWS_JSON} AS counts, ${PROVIDER_LIMIT_ROWS_JSON} AS providers`;
  return {
    stored: systemStateOfJson(row.system),
    counts: await statusCountsOf(db, row.counts),
    providers: providerLimitsOf(row.providers),
  };
}
