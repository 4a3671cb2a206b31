import type { z } from 'zod';
import type { Campaign } from '../../generated/prisma/client';
import type { SearchCriteria } from '../../providers/types';
import { isoTime, isoTimeOrNull } from '../http/common-schemas';
import type { campaignData } from './schemas';
import { toCriteriaView } from './search-criteria';

/** A campaign as the API shows it: snake_case, criteria in the API's own shape. */
export function campaignView(campaign: Campaign): z.input<typeof campaignData> {
  return {
    id: campaign.id,
    name: campaign.name,
    status: campaign.status,
    status_reason: campaign.statusReason,
    search_criteria: toCriteriaView(campaign.searchCriteria as SearchCriteria),
    lead_limit: campaign.leadLimit,
    copy_prompt: campaign.copyPrompt,
    instantly_campaign_id: campaign.instantlyCampaignId,
    created_at: isoTime(campaign.createdAt),
    updated_at: isoTime(campaign.updatedAt),
    started_at: isoTimeOrNull(campaign.startedAt),
    completed_at: isoTimeOrNull(campaign.completedAt),
  };
}
