import { z } from 'zod';
import { badRequest } from './http-error';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** `limit` and `cursor` query fields, shared by every list route. */
export const paginationQuery = {
  limit: z
    .string()
    .regex(/^\d+$/, `must be a whole number from 1 to ${MAX_PAGE_SIZE}`)
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_PAGE_SIZE))
    .meta({ description: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})` })
    .optional(),
  cursor: z
    .uuid({ error: 'must be the next_cursor of a previous page' })
    .meta({ description: 'The next_cursor of the previous page (same filters)' })
    .optional(),
};

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

type FindPage<T> = (args: { take: number; skip: number; cursor?: { id: string } }) => Promise<T[]>;

/**
 * Keyset pagination on a unique id (Prisma's cursor): stable while rows are added, unlike offsets. `count` counts
 * the list's rows (with `only`, just that one): it gives the total, and rejects a cursor from another list or filter
 * instead of returning a silent empty page.
 */
export async function pageOf<T extends { id: string }>(
  request: PageRequest,
  find: FindPage<T>,
  count: (only?: { id: string }) => Promise<number>,
): Promise<Page<T> & { total: number }> {
  const limit = request.limit ?? DEFAULT_PAGE_SIZE;
  if (request.cursor && (await count({ id: request.cursor })) === 0) {
    throw badRequest('query.cursor: not in this list (pass the next_cursor of a previous page with the same filters)');
  }
  const [rows, total] = await Promise.all([
    find({
      take: limit + 1,
      skip: request.cursor ? 1 : 0,
      ...(request.cursor ? { cursor: { id: request.cursor } } : {}),
    }),
    count(),
  ]);
  const items = rows.slice(0, limit);
  return { items, next_cursor: rows.length > limit ? items[items.length - 1]!.id : null, total };
}
