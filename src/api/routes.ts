import { campaignsFeature } from './campaigns/router';
import { healthFeature } from './health/router';
import type { ApiFeature } from './http/route';
import { jobsFeature } from './jobs/router';
import { leadsFeature } from './leads/router';
import { queueManagementFeature } from './queue-management/router';
import { sessionFeature } from './session/router';

/** Every feature of the API, in the reference's order: what Express mounts and what openapi.json documents. */
export const API_FEATURES: readonly ApiFeature[] = [healthFeature, queueManagementFeature, campaignsFeature, jobsFeature, leadsFeature, sessionFeature];
