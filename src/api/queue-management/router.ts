import { Router } from 'express';
import { actorOf } from '../auth';
import type { ApiDeps } from '../deps';
import { noBody, noQuery } from '../http/common-schemas';
import { sendData } from '../http/envelope';
import { parseInput } from '../http/validate';
import { pauseService, resetBreaker, resumeQueue } from './actions';
import { listBreakerEvents } from './events';
import { readDashboardSnapshot } from './live';
import { LiveFeed } from './live-feed';
import { listEventsQuery, pauseServiceBody, resetParams, resumeServiceBody } from './schemas';
import { readQueueStatus } from './status';

/** Queue management (SPEC section 4; shapes kept compatible with the seeds). */
export function queueManagementRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/queue-management/status', async (req, res) => {
    parseInput(noQuery, req.query, 'query');
    sendData(res, await readQueueStatus(deps));
  });

  // Server-sent events (text/event-stream): `snapshot` whenever the dashboard's view changed, `problem`
  // while it cannot be computed. One shared computation per process, whatever the number of viewers.
  const live = new LiveFeed((signal) => readDashboardSnapshot(deps, signal), deps.logger, deps.shutdown);
  router.get('/queue-management/stream', (req, res) => {
    parseInput(noQuery, req.query, 'query');
    live.subscribe(res);
  });

  router.get('/queue-management/events', async (req, res) => {
    sendData(res, await listBreakerEvents(deps, parseInput(listEventsQuery, req.query, 'query')));
  });

  router.post('/queue-management/circuit-breakers/:service/reset', async (req, res) => {
    const { service } = parseInput(resetParams, req.params, 'params');
    parseInput(noQuery, req.query, 'query');
    parseInput(noBody, req.body, 'body');
    sendData(res, await resetBreaker(deps, service, actorOf(res)));
  });

  router.post('/queue-management/resume-queue', async (req, res) => {
    parseInput(noQuery, req.query, 'query');
    parseInput(noBody, req.body, 'body');
    sendData(res, await resumeQueue(deps, actorOf(res)));
  });

  router.post('/queue-management/pause-service', async (req, res) => {
    parseInput(noQuery, req.query, 'query');
    const { service, reason } = parseInput(pauseServiceBody, req.body, 'body');
    sendData(res, await pauseService(deps, service, reason, actorOf(res)));
  });

  // Kept from the seeds: the breaker is global, so resuming "a service" is resuming the queue.
  router.post('/queue-management/resume-service', async (req, res) => {
    parseInput(noQuery, req.query, 'query');
    const { service } = parseInput(resumeServiceBody, req.body, 'body');
    sendData(res, { service, ...(await resumeQueue(deps, actorOf(res))) });
  });

  return router;
}
