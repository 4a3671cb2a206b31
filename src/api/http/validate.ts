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
  const detail = result.error.issues
    .map((issue) => {
      if (issue.code === 'custom' && issue.params?.standalone) return issue.message;
      return `${[where, ...issue.path.map(String)].join('.')}: ${issue.message}`;
    })
    .join('; ');
  throw badRequest(detail);
}
