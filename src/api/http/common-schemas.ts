import { z } from 'zod';
import { isStorableText } from '../../util/storable-text';

/** Routes without query fields refuse any (strict, like every schema at the edge). */
export const noQuery = z.strictObject({});
/** Routes that take no body accept none or `{}`, and nothing else. */
export const noBody = z.strictObject({}).optional();

/**
 * Free text that PostgreSQL stores as given: no NUL character (text and jsonb refuse it) and no unpaired
 * UTF-16 surrogate (jsonb refuses it, text would store U+FFFD). Schemathesis found both (500s, and a
 * manual pause whose reason the breaker's activity could never write).
 */
export const text = ({ max, empty = 'is required' }: { max: number; empty?: string }) =>
  z
    .string()
    .trim()
    .min(1, empty)
    .max(max)
    .refine(isStorableText, 'must not contain NUL characters or unpaired surrogates');

/** Our ids are UUIDs; anything else is a 400 before the database is asked. */
export const uuid = (what: string) => z.uuid({ error: `must be a ${what} id (UUID)` });

/** Times leave the API as ISO 8601 in UTC (`2026-01-31T12:00:00.000Z`). */
export const timestamp = z.iso.datetime({ offset: true });
export const isoTime = (date: Date): string => date.toISOString();
export const isoTimeOrNull = (date: Date | null): string | null => date?.toISOString() ?? null;

/** A list route's page: `next_cursor` is null on the last page; `total` counts every match of the filter. */
export function pageData<K extends string, T extends z.ZodType>(key: K, item: T) {
  const items = { [key]: z.array(item) } as Record<K, z.ZodArray<T>>;
  return z.object({ next_cursor: z.uuid().nullable(), total: z.int().min(0) }).extend(items);
}
