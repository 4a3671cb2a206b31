import { breakerActivities } from './breaker';
import { campaignActivities } from './campaigns';
import type { ActivityDeps } from './deps';
import { jobActivities } from './jobs';

export type { ActivityDeps } from './deps';

/** Third-party calls, one per job: registered on each service's job task queue. */
export type JobActivities = ReturnType<typeof jobActivities>;
/** A campaign's bookkeeping on our own database: the control task queue. */
export type CampaignActivities = ReturnType<typeof campaignActivities>;
/** The breaker's transitions and their propagation: the breaker task queue. */
export type BreakerEffects = ReturnType<typeof breakerActivities>;

/** Every activity the worker registers, by the task queue it is served on, bound to the process's dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    jobs: jobActivities(deps),
    control: campaignActivities(deps),
    breaker: breakerActivities(deps),
  };
}
