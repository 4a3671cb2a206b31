/**
 * A provider's request limit, as a test or an operator sets it: at most `limit` requests in any window of
 * `per_seconds`, refused beyond that with 429 and a Retry-After saying when a slot frees up. Also measures
 * the load itself: the most requests that arrived in any one wall-clock second.
 */
import { z } from 'zod';

export const rateLimitSchema = z.union([
  z.strictObject({ limit: z.null() }),
  z.strictObject({ limit: z.number().int().min(1).max(100_000), per_seconds: z.number().gt(0).max(86_400).default(1) }),
]);

export type RateLimitInput = z.input<typeof rateLimitSchema>;
export type RateLimitSetting = { limit: number; per_seconds: number } | null;

export class RateLimiter {
  setting: RateLimitSetting = null;
  rateLimited = 0;
  peakPerSecond = 0;
  /** Arrival times of the requests let through, within the current window. */
  private admitted: number[] = [];
  private second = -1;
  private inSecond = 0;

  set(setting: RateLimitSetting): void {
    this.setting = setting;
    this.admitted = [];
  }

  reset(): void {
    this.set(null);
    this.rateLimited = 0;
    this.peakPerSecond = 0;
    this.second = -1;
    this.inSecond = 0;
  }

  /** Counts the arrival; undefined to let it through, or the Retry-After (whole seconds) of its 429. */
  arrive(now: number = Date.now()): number | undefined {
    const second = Math.floor(now / 1000);
    this.inSecond = second === this.second ? this.inSecond + 1 : 1;
    this.second = second;
    this.peakPerSecond = Math.max(this.peakPerSecond, this.inSecond);
    if (!this.setting) return undefined;
    const windowMs = this.setting.per_seconds * 1000;
    while (this.admitted.length > 0 && this.admitted[0]! <= now - windowMs) this.admitted.shift();
    if (this.admitted.length < this.setting.limit) {
      this.admitted.push(now);
      return undefined;
    }
    this.rateLimited += 1;
    return Math.max(1, Math.ceil((this.admitted[0]! + windowMs - now) / 1000));
  }
}
