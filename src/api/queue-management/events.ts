import type { BreakerEvent } from '../../generated/prisma/client';
import type { ApiDeps } from '../deps';
import { type PageRequest, pageOf } from '../http/pagination';

/** An audit row as the API shows it; the id (a bigint in the database) travels as a string. */
function eventView(event: BreakerEvent) {
  return {
    id: String(event.id),
    type: event.type,
    service: event.service,
    actor: event.actor,
    reason: event.reason,
    metadata: event.metadata,
    created_at: event.createdAt.toISOString(),
  };
}

/** The audit timeline of breaker and queue transitions (who, when, why), newest first. */
export async function listBreakerEvents({ prisma }: Pick<ApiDeps, 'prisma'>, request: PageRequest) {
  const toId = (cursor: { id: string }) => ({ id: BigInt(cursor.id) });
  // The id is the insertion order, so it orders events created in the same millisecond too.
  const { items, next_cursor, total } = await pageOf(
    request,
    async ({ cursor, ...args }) =>
      (await prisma.breakerEvent.findMany({ orderBy: { id: 'desc' }, ...args, ...(cursor ? { cursor: toId(cursor) } : {}) })).map(eventView),
    (only) => prisma.breakerEvent.count({ where: only ? toId(only) : {} }),
  );
  return { events: items, next_cursor, total };
}
