import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes the Web UI and the API filter campaigns by. Registered at server start. */
export const CampaignStatusAttribute = defineSearchAttributeKey('CampaignStatus', SearchAttributeType.KEYWORD);
export const CampaignIdAttribute = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [CampaignStatusAttribute, CampaignIdAttribute];
