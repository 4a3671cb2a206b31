import { heartbeat } from '@temporalio/activity';

/**
 * Heartbeats every `intervalMs` while `work` runs (the SDK throttles what reaches the server), so an attempt held
 * by a worker that died is retried after the activity's heartbeat timeout, not its whole start-to-close timeout.
 */
export async function withKeepAlive<T>(intervalMs: number, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => heartbeat(), intervalMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
