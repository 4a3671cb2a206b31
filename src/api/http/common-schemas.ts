import { z } from 'zod';

/** Routes without query fields refuse any (strict, like every schema at the edge). */
export const noQuery = z.strictObject({});
/** Routes that take no body accept none or `{}`, and nothing else. */
export const noBody = z.strictObject({}).optional();
/** Our ids are UUIDs; anything else is a 400 before the database is asked. */
export const uuid = (what: string) => z.uuid({ error: `must be a ${what} id (UUID)` });
