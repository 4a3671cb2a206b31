/**
 * PostgreSQL cannot store a NUL character in text, nor (through UTF-8) an unpaired UTF-16 surrogate. Such text
 * from a client is refused at the API edge; text from outside that we must keep (a provider's error message or
 * answer) is made storable before it reaches a workflow or the database.
 */
const UNSTORABLE_SOURCE = '\\u0000|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
const UNSTORABLE = new RegExp(UNSTORABLE_SOURCE);
const UNSTORABLE_ALL = new RegExp(UNSTORABLE_SOURCE, 'g');

export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** NUL and lone surrogates become U+FFFD (the replacement character); everything else is kept as it is. */
export function storableText(text: string): string {
  return isStorableText(text) ? text : text.replace(UNSTORABLE_ALL, '\uFFFD');
}

export function storableOrNull(text: string | null | undefined): string | null {
  return text == null ? null : storableText(text);
}

/** The path (e.g. `name`, `search_criteria.titles.1`) of the first string or key that cannot be stored, if any. */
export function findUnstorableText(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findUnstorableText(item, [...path, String(i)]);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (!isStorableText(key)) return [...path, storableText(key)];
      const found = findUnstorableText(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** The same object with each of its own string values made storable (a provider's answer before it is saved). */
export function storableFields<T extends object>(fields: T): T {
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [key, typeof value === 'string' ? storableText(value) : value]),
  ) as T;
}
