import { Prisma } from '../generated/prisma/client';
import type { Db, Tx } from './tx';

/** The breaker's projection in the database (one row): the dispatch gate every claim passes. */
export interface SystemStateRow {
  breaker_state: 'OPEN' | 'CLOSED';
  queue_state: 'ACTIVE' | 'PAUSED';
  opened_at: Date | null;
  closed_at: Date | null;
  metadata: Prisma.JsonValue | null;
  generation: number;
  transition_seq: number;
  updated_at: Date;
}

const SYSTEM_STATE = Prisma.sql`
  SELECT breaker_state, queue_state, opened_at, closed_at, metadata, generation, transition_seq, updated_at
  FROM system_state WHERE id = 1`;
const NO_STATE_YET: SystemStateRow = {
  breaker_state: 'CLOSED',
  queue_state: 'ACTIVE',
  opened_at: null,
  closed_at: null,
  metadata: null,
  generation: 0,
  transition_seq: 0,
  updated_at: new Date(0),
};

export async function readSystemState(db: Db | Tx): Promise<SystemStateRow> {
  const [row] = await db.$queryRaw<SystemStateRow[]>`${SYSTEM_STATE}`;
  return row ?? NO_STATE_YET;
}

/** The same row as JSON, for a read that takes it with others in one statement; `systemStateOfJson` reads it. */
export const SYSTEM_STATE_JSON = Prisma.sql`(SELECT row_to_json(s) FROM (${SYSTEM_STATE}) s)`;

type Json<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

export function systemStateOfJson(json: Json<SystemStateRow> | null): SystemStateRow {
  if (!json) return NO_STATE_YET;
  const date = (value: string | null) => (value === null ? null : new Date(value));
  return { ...json, opened_at: date(json.opened_at), closed_at: date(json.closed_at), updated_at: new Date(json.updated_at) };
}

/**
 * How long a dispatch hold stands without the breaker's decision. A report normally reaches the breaker within a
 * second, within seconds when a worker dies on the way; one that never arrives (its worker died after the hold
 * and the retried call then succeeded) must not stop dispatch for good.
 */
export const DISPATCH_HOLD_TTL_SECONDS = 30;

// A hold counts for the breaker generation it was taken under (a reset voids it) while it is fresh.
export const HELD = Prisma.raw(`COALESCE(held_generation = generation AND held_at > now() - interval '${DISPATCH_HOLD_TTL_SECONDS} seconds', false)`);

export interface Gate {
  queue_state: SystemStateRow['queue_state'];
  generation: number;
  metadata: Prisma.JsonValue | null;
  /** A job's service failure is on its way to the breaker: no claim until it decides. */
  held: boolean;
}

/**
 * First in the lock order: a shared lock on the gate, so a transition (which takes it exclusively) waits for
 * this transaction and this transaction sees the transition's result, never something in between.
 */
export async function lockGateShared(tx: Tx): Promise<Gate> {
  const [row] = await tx.$queryRaw<Gate[]>`
    SELECT queue_state, generation, metadata, ${HELD} AS held FROM system_state WHERE id = 1 FOR SHARE`;
  return row ?? { queue_state: 'ACTIVE', generation: 0, metadata: null, held: false };
}

/**
 * The gate first (issue 9): a job whose service failed for good holds dispatch from its own process, before
 * its report reaches the breaker through its campaign workflow, a control activity and a signal (seconds when
 * workers are busy or dying). Only when one failure opens the breaker (threshold 1), so the breaker is sure to
 * decide as the hold does; only under the generation the job ran in and while the queue runs, so a report the
 * breaker will discard as stale holds nothing. One statement on the gate row alone: first in the lock order.
 */
export async function holdDispatch(db: Db, { generation }: { generation: number }): Promise<boolean> {
  const count = await db.$executeRaw`
    UPDATE system_state SET held_generation = generation, held_at = now(), updated_at = now()
    WHERE id = 1 AND generation = ${generation} AND breaker_state = 'CLOSED' AND queue_state = 'ACTIVE'`;
  return count === 1;
}

/** Whether a fresh hold stands (read without a lock: a waiting claim polls it). */
export async function dispatchHeld(db: Db): Promise<boolean> {
  const [row] = await db.$queryRaw<{ held: boolean }[]>`SELECT ${HELD} AS held FROM system_state WHERE id = 1`;
  return row?.held ?? false;
}

/** Closes the gate: from its commit on, no job can be claimed. Applies transition `seq` once, never over a newer one. */
export async function closeGate(
  tx: Tx,
  { seq, openedAt, metadata }: { seq: number; openedAt: Date; metadata: Prisma.InputJsonValue | null },
): Promise<boolean> {
  const count = await tx.$executeRaw`
    UPDATE system_state
    SET breaker_state = 'OPEN', queue_state = 'PAUSED', opened_at = ${openedAt},
        metadata = ${metadata === null ? null : JSON.stringify(metadata)}::jsonb, transition_seq = ${seq}, updated_at = now(),
        held_generation = NULL, held_at = NULL
    WHERE id = 1 AND transition_seq < ${seq}`;
  return count === 1;
}

export async function closeBreaker(
  tx: Tx,
  { seq, closedAt, wasOpen, generation }: { seq: number; closedAt: Date; wasOpen: boolean; generation: number },
): Promise<boolean> {
  const count = await tx.$executeRaw`
    UPDATE system_state
    SET breaker_state = 'CLOSED', metadata = NULL, generation = ${generation}, transition_seq = ${seq}, updated_at = now(),
        held_generation = NULL, held_at = NULL,
        closed_at = CASE WHEN ${wasOpen} THEN ${closedAt} ELSE closed_at END
    WHERE id = 1 AND transition_seq < ${seq}`;
  return count === 1;
}

/** Opens the gate again (resume-queue). Only while the breaker is CLOSED: a resume never overtakes a trip. */
export async function openGate(tx: Tx, { seq }: { seq: number }): Promise<boolean> {
  const count = await tx.$executeRaw`
    UPDATE system_state SET queue_state = 'ACTIVE', transition_seq = ${seq}, updated_at = now(), held_generation = NULL, held_at = NULL
    WHERE id = 1 AND transition_seq < ${seq} AND breaker_state = 'CLOSED'`;
  return count === 1;
}

/** A transition that only audits (a failure below the threshold) still takes its number. */
export async function takeTransition(tx: Tx, { seq }: { seq: number }): Promise<boolean> {
  const count = await tx.$executeRaw`
    UPDATE system_state SET transition_seq = ${seq}, updated_at = now() WHERE id = 1 AND transition_seq < ${seq}`;
  return count === 1;
}
