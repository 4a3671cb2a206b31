import { actorOf } from '../auth';
import { defineRoute, type ApiFeature, UnderWay, underWay } from '../http/route';
import { pauseService, resetBreaker, resumeQueue } from './actions';
import { listBreakerEvents } from './events';
import {
  eventsPageData,
  listEventsQuery,
  pauseServiceBody,
  pauseServiceData,
  providerCheckData,
  queueStatusData,
  resetData,
  resetParams,
  resumeQueueData,
  resumeServiceBody,
  resumeServiceData,
} from './schemas';
import { readQueueStatusShared } from './status';
import { checkProviders } from '../../providers/probe';
import { unavailable } from '../http/http-error';
import { RESUME_ANSWER_MS } from '../http/temporal-deadline';

const RESUME_UNDER_WAY = { status: 202 as const, description: 'The resume is accepted and under way: campaign workflows are still being told' };

/** Queue management (SPEC section 4; shapes kept compatible with the seeds). */
export const queueManagementFeature: ApiFeature = {
  tag: 'Queue management',
  description:
    'The global circuit breaker and the queue. Recovery is two deliberate steps: reset the breaker, then resume the queue.',
  routes: [
    defineRoute({
      method: 'get',
      path: '/queue-management/status',
      summary: 'Breaker, queue, per-service failures, campaign and job counts',
      success: { status: 200, description: 'The operator view', data: queueStatusData },
      handle: (_input, { deps }) => readQueueStatusShared(deps),
    }),
    defineRoute({
      method: 'get',
      path: '/queue-management/providers',
      summary: 'Provider check: is each service reachable, how fast, with how much allowance left',
      description:
        'One cheap call per service (usage or credit endpoints where they exist, else the smallest real request). ' +
        'Informs the operator before a resume; changes nothing. 503 when this process has no provider configuration.',
      success: { status: 200, description: 'Every service probed', data: providerCheckData },
      handle: async (_input, { deps }) => {
        if (!deps.providerProbes) throw unavailable('The provider check is not configured in this process');
        const services = await checkProviders(deps.providerProbes);
        return {
          checked_at: new Date().toISOString(),
          all_reachable: services.every((service) => service.reachable),
          unreachable: services.filter((service) => !service.reachable).map((service) => service.service),
          services,
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/queue-management/events',
      summary: 'The audit timeline of breaker and queue transitions (who, when, why), newest first',
      query: listEventsQuery,
      success: { status: 200, description: 'One page of audit events', data: eventsPageData },
      handle: ({ query }, { deps }) => listBreakerEvents(deps, query),
    }),
    defineRoute({
      method: 'post',
      path: '/queue-management/circuit-breakers/:service/reset',
      summary: 'Step 1 of recovery: close the breaker',
      description: 'Idempotent. Resumes nothing: the queue stays PAUSED until resume-queue.',
      params: resetParams,
      success: { status: 200, description: 'The breaker is closed', data: resetData },
      handle: ({ params }, { deps, res }) => resetBreaker(deps, params.service, actorOf(res)),
    }),
    defineRoute({
      method: 'post',
      path: '/queue-management/resume-queue',
      summary: 'Step 2 of recovery: resume the queue, its campaigns and jobs',
      description:
        'Refused with 400 while the breaker is open. Answers once every campaign workflow has been told; with more ' +
        `campaigns than it can tell in ${RESUME_ANSWER_MS / 1000} s, answers 202 with what the database already shows resumed and how many ` +
        'workflows are still being told (`in_progress`, `campaigns_pending`): the resume goes on by itself.',
      success: { status: 200, description: 'The queue is ACTIVE and every campaign workflow told', data: resumeQueueData },
      underWay: RESUME_UNDER_WAY,
      handle: (_input, { deps, res }) => resumeQueue(deps, actorOf(res)),
    }),
    defineRoute({
      method: 'post',
      path: '/queue-management/pause-service',
      summary: 'Open the breaker by hand',
      description: 'The same cascade as a service failure: the queue and every running campaign pause.',
      body: pauseServiceBody,
      success: { status: 200, description: 'The breaker is open', data: pauseServiceData },
      handle: ({ body }, { deps, res }) => pauseService(deps, body.service, body.reason, actorOf(res)),
    }),
    // Kept from the seeds: the breaker is global, so resuming "a service" is resuming the queue.
    defineRoute({
      method: 'post',
      path: '/queue-management/resume-service',
      summary: 'Resume the queue (the breaker is global: the same as resume-queue)',
      body: resumeServiceBody,
      success: { status: 200, description: 'The queue is ACTIVE and every campaign workflow told', data: resumeServiceData },
      underWay: RESUME_UNDER_WAY,
      handle: async ({ body }, { deps, res }) => {
        const answer = await resumeQueue(deps, actorOf(res));
        return answer instanceof UnderWay ? underWay({ service: body.service, ...answer.data }) : { service: body.service, ...answer };
      },
    }),
  ],
};
