import { CampaignStatus, JobStatus, JobType, LeadStatus } from '../../generated/prisma/enums';

/** Every status of each model, in the schema's order (for validation and zero-filled counts). */
export const CAMPAIGN_STATUSES = Object.values(CampaignStatus);
export const JOB_STATUSES = Object.values(JobStatus);
export const LEAD_STATUSES = Object.values(LeadStatus);
export const JOB_TYPES = Object.values(JobType);

/** Campaign statuses that never change again. */
export const TERMINAL_CAMPAIGN_STATUSES: readonly CampaignStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];
