import { z } from 'zod';
import { pageData, text, timestamp, uuid } from '../http/common-schemas';
import { paginationQuery } from '../http/pagination';
import { statusCounts } from '../shared/status-counts';
import { CAMPAIGN_STATUSES, JOB_STATUSES, LEAD_STATUSES } from '../shared/statuses';
import { searchCriteriaBody, searchCriteriaData } from './search-criteria';

export const MAX_LEAD_LIMIT = 1000;

// ---- input ----

export const createCampaignBody = z.strictObject({
  name: text({ max: 200 }),
  search_criteria: searchCriteriaBody,
  lead_limit: z.number().int().min(1).max(MAX_LEAD_LIMIT),
  copy_prompt: text({ max: 10_000 }),
  instantly_campaign_id: text({ max: 200 }),
});

export const campaignParams = z.strictObject({ id: uuid('campaign') });

export const listCampaignsQuery = z.strictObject({
  status: z.enum(CAMPAIGN_STATUSES).optional(),
  ...paginationQuery,
});

/** An operator's pause of one campaign may say why. */
export const pauseCampaignBody = z.strictObject({ reason: text({ max: 500 }).optional() }).optional();

// ---- output ----

export const campaignData = z.object({
  id: z.uuid(),
  name: z.string(),
  status: z.enum(CAMPAIGN_STATUSES),
  status_reason: z.string().nullable().meta({ description: 'Why it is PAUSED, FAILED or CANCELLED' }),
  search_criteria: searchCriteriaData,
  lead_limit: z.int(),
  copy_prompt: z.string(),
  instantly_campaign_id: z.string(),
  created_at: timestamp,
  updated_at: timestamp,
  started_at: timestamp.nullable(),
  completed_at: timestamp.nullable(),
});

const workflowProgressData = z.object({
  workflow_id: z.string(),
  status: z.enum(['STARTING', 'RUNNING', 'PAUSED', 'COMPLETED', 'CANCELLED']),
  pause_reason: z.string().nullable(),
  in_flight: z.int().min(0).meta({ description: 'Jobs running now' }),
  queued: z.int().min(0).meta({ description: 'Jobs waiting for a slot' }),
  counts: z.object({ completed: z.int().min(0), failed: z.int().min(0), paused: z.int().min(0) }),
});

export const campaignDetailData = campaignData.extend({
  job_counts: statusCounts(JOB_STATUSES),
  lead_counts: statusCounts(LEAD_STATUSES),
  workflow: workflowProgressData
    .nullable()
    .meta({ description: "The live workflow's progress (RUNNING or PAUSED campaigns); null when there is none or it did not answer" }),
  workflow_error: z.string().optional().meta({ description: 'Why `workflow` is null although the campaign is live' }),
});

/** A list item: the campaign, its workflow id and its progress (two grouped counts per page, never one per campaign). */
export const campaignListItemData = campaignData.extend({
  workflow_id: z.string(),
  progress: z.object({
    jobs: statusCounts(JOB_STATUSES),
    leads_pushed: z.int().min(0).meta({ description: 'Leads pushed to Instantly, of lead_limit' }),
  }),
});

export const campaignPageData = pageData('campaigns', campaignListItemData);

const campaignAction = <A extends string>(action: A) =>
  z.object({ id: z.uuid(), action: z.literal(action), message: z.string() });

export const startCampaignData = campaignAction('campaign_start_requested').extend({ workflow_id: z.string() });
export const pauseCampaignData = campaignAction('campaign_pause_requested').extend({ reason: z.string() });
export const cancelCampaignData = campaignAction('campaign_cancel_requested');
