import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { HttpError } from './http/http-error';

export type ApiRole = 'operator' | 'viewer';
export interface ApiKey {
  key: string;
  role: ApiRole;
}

const ROLES: readonly ApiRole[] = ['operator', 'viewer'];
/** Shorter keys are guessable; 24 characters of base64 are 144 bits. */
export const MIN_API_KEY_LENGTH = 24;
// Viewers read; everything else changes state and needs an operator.
const READ_METHODS = new Set(['GET', 'HEAD']);

/** The least role a request with this method needs (the rule authenticate() enforces, and the API reference shows). */
export function requiredRole(method: string): ApiRole {
  return READ_METHODS.has(method.toUpperCase()) ? 'viewer' : 'operator';
}

/**
 * Parses `"operator:KEY1,viewer:KEY2"` (e.g. the API_KEYS variable). Errors name the entry's position,
 * never its key.
 */
export function parseApiKeys(spec: string | undefined): ApiKey[] {
  const entries = (spec ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  const keys = entries.map((entry, index): ApiKey => {
    const separator = entry.indexOf(':');
    const role = entry.slice(0, separator).trim();
    const key = entry.slice(separator + 1).trim();
    if (separator < 0 || !ROLES.includes(role as ApiRole) || !/^\S+$/.test(key)) {
      throw new Error(`API key entry ${index + 1} is malformed: expected <${ROLES.join('|')}>:<key>`);
    }
    if (key.length < MIN_API_KEY_LENGTH) {
      throw new Error(
        `API key entry ${index + 1} is too short: keys need at least ${MIN_API_KEY_LENGTH} characters (e.g. openssl rand -base64 24)`,
      );
    }
    return { role: role as ApiRole, key };
  });
  if (new Set(keys.map((k) => k.key)).size !== keys.length) throw new Error('API keys must be unique');
  return keys;
}

/** `Authorization: Bearer KEY` -> the key's role, or 401; a viewer on a method that changes state -> 403. */
export function authenticate(keys: ApiKey[]): RequestHandler {
  const known = keys.map(({ key, role }) => ({ digest: digest(key), role }));
  return (req, res, next) => {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!presented) return next(unauthorized('Missing API key: send Authorization: Bearer <key>', res));
    const role = roleOf(known, presented);
    if (!role) return next(unauthorized('Invalid API key', res));
    if (role !== 'operator' && requiredRole(req.method) === 'operator') {
      return next(new HttpError(403, `The ${role} role may only read; ${req.method} needs the operator role`));
    }
    res.locals.actor = role;
    next();
  };
}

/** Who is calling, for the audit log (the key's role, e.g. `operator`). */
export function actorOf(res: Response): string {
  const actor: unknown = res.locals.actor;
  if (typeof actor !== 'string') throw new Error('actorOf() used on a route that is not behind authenticate()');
  return actor;
}

function roleOf(known: { digest: Buffer; role: ApiRole }[], presented: string): ApiRole | undefined {
  // Equal-length digests compared in constant time, against every key (no early exit on a match).
  const candidate = digest(presented);
  let match: ApiRole | undefined;
  for (const { digest: expected, role } of known) {
    if (timingSafeEqual(candidate, expected)) match ??= role;
  }
  return match;
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

function unauthorized(detail: string, res: Response): HttpError {
  res.setHeader('WWW-Authenticate', 'Bearer');
  return new HttpError(401, detail);
}
