import type { Client } from '@temporalio/client';
import { CampaignIdAttribute, CampaignStatusAttribute } from '../temporal/search-attributes';
import { campaignWorkflowId } from '../../workflows/definitions';
import type { campaignWorkflow } from '../../workflows/campaign';

/** Starts `campaign-<id>`; the Web UI can find it by CampaignId and filter by CampaignStatus at once. */
export function startCampaignWorkflow(client: Client, taskQueue: string, campaignId: string) {
  return client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', {
    workflowId: campaignWorkflowId(campaignId),
    taskQueue,
    args: [{ campaignId }],
    typedSearchAttributes: [
      { key: CampaignStatusAttribute, value: 'STARTING' },
      { key: CampaignIdAttribute, value: campaignId },
    ],
  });
}
