import type { Client } from '@temporalio/client';

/** A query or signal answers at once when Temporal and a worker are up; waiting longer helps nobody. */
export const READ_DEADLINE_MS = 5_000;
/** Updates wait for their effects (a pause or resume cascade over every campaign). */
export const UPDATE_DEADLINE_MS = 60_000;
/**
 * How long resume-queue waits for every campaign workflow to be told before it answers that the resume is under
 * way (202): an operator at a screen, and the proxies in front of the API (nginx's default read timeout is 60 s),
 * should not wait on a fleet of thousands of campaigns.
 */
export const RESUME_ANSWER_MS = 30_000;

/**
 * Runs Temporal calls under a gRPC deadline, so a request never hangs on a server or worker that is
 * gone; the deadline error maps to 503. It applies to every call on the client's connection inside `fn`
 * (the BreakerClient must share that connection, as it does when built from the same Client).
 */
export function withTemporalDeadline<T>(temporal: Client, ms: number, fn: () => Promise<T>): Promise<T> {
  return temporal.withDeadline(Date.now() + ms, fn);
}
