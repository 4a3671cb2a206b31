import { Router } from 'express';
import { actorOf } from '../auth';
import type { ApiDeps } from '../deps';
import { noBody, noQuery } from '../http/common-schemas';
import { sendData } from '../http/envelope';
import { parseInput } from '../http/validate';
import { pauseService, resetBreaker, resumeQueue } from './actions';
import { pauseServiceBody, resetParams, resumeServiceBody } from './schemas';
import { coalesced } from '../../util/coalesce';
import { readQueueStatus } from './status';

/** Queue management (SPEC section 4; shapes kept compatible with the seeds). */
export function queueManagementRouter(deps: ApiDeps): Router {
  const router = Router();
  // Dashboards poll this: concurrent readers share one read of the breaker and the counters (each still read
  // after its request arrived), so twenty readers cost what two do.
  const readStatus = coalesced(() => readQueueStatus(deps));

  router.get('/queue-management/status', async (req, res) => {
    parseInput(noQuery, req.query, 'query');
    sendData(res, await readStatus());
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
