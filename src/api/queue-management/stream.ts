import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { noQuery } from '../http/common-schemas';
import { parseInput } from '../http/validate';
import { readDashboardSnapshot } from './live';
import { LiveFeed } from './live-feed';

export const STREAM_PATH = '/queue-management/stream';

/**
 * Server-sent events (text/event-stream): `snapshot` whenever the dashboard's view changed, `problem` while it
 * cannot be computed. One shared computation per process, whatever the number of viewers. It never ends, so it
 * is mounted beside the JSON routes (and documented by hand in openapi/document.ts).
 */
export function liveStreamRouter(deps: ApiDeps): Router {
  const router = Router();
  const live = new LiveFeed((signal) => readDashboardSnapshot(deps, signal), deps.logger, deps.shutdown);
  router.get(STREAM_PATH, (req, res) => {
    parseInput(noQuery, req.query, 'query');
    live.subscribe(res);
  });
  return router;
}
