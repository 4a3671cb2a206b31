import type { Client } from '@temporalio/client';
import { CampaignIdAttribute, CampaignStatusAttribute } from '../temporal/search-attributes';
import { campaignWorkflowId } from '../../workflows/definitions';
import type { campaignWorkflow } from '../../workflows/campaign';

/** How `campaign-<id>` starts: the Web UI finds it by CampaignId and filters by CampaignStatus from the outset. */
export function campaignStartOptions(taskQueue: string, campaignId: string) {
  return {
    workflowId: campaignWorkflowId(campaignId),
    taskQueue,
    args: [{ campaignId }] as Parameters<typeof campaignWorkflow>,
    typedSearchAttributes: [
      { key: CampaignStatusAttribute, value: 'STARTING' },
      { key: CampaignIdAttribute, value: campaignId },
    ],
  };
}

export function startCampaignWorkflow(client: Client, taskQueue: string, campaignId: string) {
  return client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', campaignStartOptions(taskQueue, campaignId));
}
