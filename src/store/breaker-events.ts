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
