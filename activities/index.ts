import { breakerActivities } from './breaker';
import { campaignActivities } from './campaigns';
import type { ActivityDeps } from './deps';
import { jobActivities } from './jobs';

export type { ActivityDeps } from './deps';

/** Every activity the worker registers, bound to the process's database, providers and Temporal client. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...jobActivities(deps),
    ...campaignActivities(deps),
    ...breakerActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
