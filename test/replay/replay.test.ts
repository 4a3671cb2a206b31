/**
 * Replays recorded histories of both workflows against the current workflow code: a change that would break a
 * campaign or the breaker already running in production (a non-deterministic change) fails here, before deploy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../src/worker';

const DIR = path.join(__dirname, 'histories');
const files = readdirSync(DIR).filter((file) => file.endsWith('.binpb'));
const load = (file: string) => temporal.api.history.v1.History.decode(readFileSync(path.join(DIR, file)));

type PauseFanOutOrder = 'beside the cascade' | 'after the cascade' | 'after the cascade and a later transition';

/**
 * For each trip in a breaker history, when its pause fan-out was scheduled: while its cascade ran (the patch), or
 * after it, perhaps behind a later transition's write (a reset) that the old code scheduled in between.
 */
function pauseFanOutOrders(history: temporal.api.history.v1.IHistory): PauseFanOutOrder[] {
  const cascadesRunning = new Set<number>();
  let scheduledSinceCascade = 0;
  const orders: PauseFanOutOrder[] = [];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    const activity = scheduled?.activityType?.name;
    if (activity === 'pauseCascade') {
      cascadesRunning.add(Number(event.eventId));
      scheduledSinceCascade = 0;
    } else if (activity === 'fanOut') {
      const [request] = (scheduled!.input?.payloads ?? []).map((p) => JSON.parse(Buffer.from(p.data!).toString()) as { target: string });
      if (request?.target !== 'PAUSED') continue;
      if (cascadesRunning.size > 0) orders.push('beside the cascade');
      else orders.push(scheduledSinceCascade > 0 ? 'after the cascade and a later transition' : 'after the cascade');
    } else if (activity) {
      scheduledSinceCascade++;
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) cascadesRunning.delete(Number(completed.scheduledEventId));
  }
  return orders;
}

it('has recorded histories of both workflows', () => {
  expect(files.some((f) => f.startsWith('campaign-'))).toBe(true);
  expect(files.some((f) => f.startsWith('breaker-'))).toBe(true);
});

// Breakers started before the patch `pause-fan-out-beside-cascade` fan out after the cascade; both orders must replay.
// A reset written between the cascade and the fan-out is the old order a build without the patch cannot replay.
it('has breaker histories from before and after the trip fanned out beside its cascade', () => {
  const orders = files.filter((f) => f.startsWith('breaker-')).flatMap((f) => pauseFanOutOrders(load(f)));
  expect(orders).toContain('after the cascade and a later transition');
  expect(orders).toContain('beside the cascade');
});

it.each(files)('replays %s without a non-determinism error', async (file) => {
  await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH, replayName: file }, load(file), file)).resolves.toBeUndefined();
});
