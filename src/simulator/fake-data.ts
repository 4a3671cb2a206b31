/** Deterministic fake data: everything is derived from a hash of the simulator's seed and the input. */
import { createHash } from 'node:crypto';

export const DEFAULT_SEED = 'leadgen-simulator';

export function hashHex(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/** A non-negative integer from 8 hex digits of `hex`, starting at `offset`. */
export function hexInt(hex: string, offset = 0): number {
  return Number.parseInt(hex.slice(offset, offset + 8), 16);
}

export function hashInt(...parts: string[]): number {
  return hexInt(hashHex(...parts));
}

export function pick<T>(list: readonly T[], n: number): T {
  if (list.length === 0) throw new Error('pick from an empty list');
  return list[n % list.length] as T;
}

/** A UUID-shaped id (version 4 layout) from a hash, so ids are stable for the same input. */
export function uuidFromHex(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
