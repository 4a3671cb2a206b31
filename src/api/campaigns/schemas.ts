import { z } from 'zod';
import { paginationQuery } from '../http/pagination';
import { uuid } from '../http/common-schemas';
import { CAMPAIGN_STATUSES } from '../shared/statuses';
import { searchCriteriaBody } from './search-criteria';

export const MAX_LEAD_LIMIT = 1000;

export const createCampaignBody = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(200),
  search_criteria: searchCriteriaBody,
  lead_limit: z.number().int().min(1).max(MAX_LEAD_LIMIT),
  copy_prompt: z.string().trim().min(1, 'is required').max(10_000),
  instantly_campaign_id: z.string().trim().min(1, 'is required').max(200),
});

export const campaignParams = z.strictObject({ id: uuid('campaign') });

export const listCampaignsQuery = z.strictObject({
  status: z.enum(CAMPAIGN_STATUSES).optional(),
  ...paginationQuery,
});

/** An operator's pause of one campaign may say why. */
export const pauseCampaignBody = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() }).optional();
