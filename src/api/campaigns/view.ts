import type { Campaign } from '../../generated/prisma/client';
import type { SearchCriteria } from '../../providers/types';
import { toCriteriaView } from './search-criteria';

/** A campaign as the API shows it: snake_case, criteria in the API's own shape. */
export function campaignView(campaign: Campaign) {
  return {
    id: campaign.id,
    name: campaign.name,
    status: campaign.status,
    status_reason: campaign.statusReason,
    search_criteria: toCriteriaView(campaign.searchCriteria as SearchCriteria),
    lead_limit: campaign.leadLimit,
    copy_prompt: campaign.copyPrompt,
    instantly_campaign_id: campaign.instantlyCampaignId,
    created_at: campaign.createdAt,
    updated_at: campaign.updatedAt,
    started_at: campaign.startedAt,
    completed_at: campaign.completedAt,
  };
}
