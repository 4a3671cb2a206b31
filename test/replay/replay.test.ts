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

it('has recorded histories of both workflows', () => {
  expect(files.some((f) => f.startsWith('campaign-'))).toBe(true);
  expect(files.some((f) => f.startsWith('breaker-'))).toBe(true);
});

it.each(files)('replays %s without a non-determinism error', async (file) => {
  const history = temporal.api.history.v1.History.decode(readFileSync(path.join(DIR, file)));
  await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH, replayName: file }, history, file)).resolves.toBeUndefined();
});
