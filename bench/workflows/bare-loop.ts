/**
 * The platform's own loop for bench:throughput: one workflow pushing `activities` no-op activities through,
 * at most 5 in flight (the campaign workflow's shape), nothing else.
 */
import { proxyActivities } from '@temporalio/workflow';

export interface BareActivities {
  noop(): Promise<void>;
}

const IN_FLIGHT = 5;

export async function bareLoopWorkflow({ activities, taskQueue }: { activities: number; taskQueue: string }): Promise<number> {
  const { noop } = proxyActivities<BareActivities>({ taskQueue, startToCloseTimeout: '2 minutes' });
  let started = 0;
  let done = 0;
  async function lane(): Promise<void> {
    while (started < activities) {
      started++;
      await noop();
      done++;
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return done;
}
