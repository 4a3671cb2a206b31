import type { BreakerEventType } from '../generated/prisma/enums';
import type { Prisma } from '../generated/prisma/client';
import { storableOrNull } from '../util/storable-text';
import type { Db, Tx } from './tx';

export interface BreakerEventInput {
  /** One row per key: a transition's effect run twice writes it once. */
  key: string;
  type: BreakerEventType;
  service?: string | null;
  actor: string;
  reason?: string | null;
  metadata?: Prisma.InputJsonValue;
}

/** Appends audit rows; a row whose key is already there is left as it is. Returns how many were new. */
export async function recordBreakerEvents(db: Db | Tx, events: BreakerEventInput[]): Promise<number> {
  const { count } = await db.breakerEvent.createMany({
    data: events.map((event) => ({
      idempotencyKey: event.key,
      type: event.type,
      service: event.service ?? null,
      actor: event.actor,
      reason: storableOrNull(event.reason),
      metadata: event.metadata,
    })),
    skipDuplicates: true,
  });
  return count;
}

export async function breakerEventByKey(db: Db | Tx, key: string) {
  return db.breakerEvent.findUnique({ where: { idempotencyKey: key } });
}

/** The newest audit row's number (0 when there is none): later rows have larger ones. */
export async function lastBreakerEventId(db: Db): Promise<bigint> {
  const [row] = await db.$queryRaw<[{ id: bigint }]>`SELECT COALESCE(max(id), 0)::bigint AS id FROM breaker_events`;
  return row.id;
}

/** The first audit row of this type written after row `afterId`. */
export async function firstBreakerEventAfter(db: Db, type: BreakerEventType, afterId: bigint) {
  return db.breakerEvent.findFirst({ where: { type, id: { gt: afterId } }, orderBy: { id: 'asc' } });
}
