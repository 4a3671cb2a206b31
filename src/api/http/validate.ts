import type { z } from 'zod';
import { findUnstorableText } from '../../util/storable-text';
import { badRequest } from './http-error';

export type InputLocation = 'params' | 'query' | 'body';

/**
 * Issues flagged `standalone` carry a complete, client-facing message (e.g. the seed's
 * "Invalid service name: ..."), so it is shown as is, without the field path in front.
 */
export const STANDALONE = { standalone: true } as const;

/** Parses request input at the edge; any mismatch (or unstorable text) is a 400 naming the offending field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: InputLocation): z.output<S> {
  // Text PostgreSQL cannot store would fail (or wedge) whatever it reaches later: refuse it here, by field.
  const unstorable = findUnstorableText(value);
  if (unstorable) {
    throw badRequest(`${[where, ...unstorable].join('.')}: contains a character that cannot be stored (NUL or an unpaired UTF-16 surrogate)`);
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
    standalone: issue.code === 'custom' && issue.params?.standalone === true,
  }));
  const detail = errors.map((e) => (e.standalone ? e.message : `${e.field}: ${e.message}`)).join('; ');
  throw badRequest(detail, errors.map(({ field, message }) => ({ field, message })));
}
