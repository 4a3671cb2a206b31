/**
 * A provider's request limit, as a test or an operator sets it: `limit` requests per `per_seconds`, as a token
 * bucket the way Perplexity and OpenAI describe theirs (a burst of up to `limit`, refilled continuously at
 * limit/per_seconds), refused beyond that with 429 and a Retry-After saying when the next token comes. Also
 * measures the load itself: the most requests that arrived in any one wall-clock second.
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
  private tokens = 0;
  private refilledAt = 0;
  private second = -1;
  private inSecond = 0;

  set(setting: RateLimitSetting, now: number = Date.now()): void {
    this.setting = setting;
    // A new limit starts with a full bucket.
    this.tokens = setting?.limit ?? 0;
    this.refilledAt = now;
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
    const perMs = this.setting.limit / (this.setting.per_seconds * 1000);
    this.tokens = Math.min(this.setting.limit, this.tokens + (now - this.refilledAt) * perMs);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    this.rateLimited += 1;
    return Math.max(1, Math.ceil((1 - this.tokens) / perMs / 1000));
  }
}
