import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { campaignStartOptions, startCampaignWorkflow } from '../../campaigns/workflow-start';
import {
  campaignProgressQuery,
  campaignWorkflowId,
  cancelCampaignSignal,
  pauseCampaignSignal,
} from '../../../workflows/definitions';
import type { campaignWorkflow } from '../../../workflows/campaign';
import { pauseOneCampaign } from '../../store/campaigns';
import type { ApiDeps } from '../deps';
import { unavailableDependency } from '../http/dependency-errors';
import { conflict } from '../http/http-error';
import { READ_DEADLINE_MS, UPDATE_DEADLINE_MS, withTemporalDeadline } from '../http/temporal-deadline';
import { RESUME_QUEUE_ROUTE } from '../paths';
import { resumeBlockedReason } from '../queue-management/breaker-view';

/**
 * Starts `campaign-<id>`. Refused (409) while the breaker is OPEN or the queue PAUSED: the rule we chose
 * for SPEC rule 4. A start racing a pause is still safe: the workflow's own start passes the queue gate.
 */
export async function startCampaign({ temporal, breaker, taskQueue }: ApiDeps, campaignId: string) {
  const snapshot = await withTemporalDeadline(temporal, READ_DEADLINE_MS, () => breaker.state());
  const blocked = resumeBlockedReason(snapshot);
  if (blocked) throw conflict(`Cannot start campaign: ${blocked}, then ${RESUME_QUEUE_ROUTE}`);
  if (snapshot.queue.status === 'PAUSED') throw conflict(`Cannot start campaign: the queue is PAUSED; resume it with ${RESUME_QUEUE_ROUTE}`);
  try {
    await withTemporalDeadline(temporal, READ_DEADLINE_MS, () => startCampaignWorkflow(temporal, taskQueue, campaignId));
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw conflict(`Campaign ${campaignId} is already started`);
    throw error;
  }
  return campaignWorkflowId(campaignId);
}

/**
 * Operator pause of one campaign: written to the database first (no job of it can be claimed from then on),
 * then the workflow is told; if that notice is lost, its next refused claim brings it to the same state.
 */
export async function requestPause({ temporal, prisma }: ApiDeps, campaignId: string, reason: string): Promise<void> {
  await pauseOneCampaign(prisma, campaignId, reason);
  try {
    await withTemporalDeadline(temporal, READ_DEADLINE_MS, () =>
      temporal.workflow.getHandle(campaignWorkflowId(campaignId)).signal(pauseCampaignSignal, { reason }),
    );
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw conflict(`Campaign ${campaignId} has no running workflow to pause`);
    throw error;
  }
}

/**
 * Cancel by signal-with-start: a running workflow just hears the signal; a campaign never started (or
 * whose workflow is gone) gets a run that sees the cancel before its first job and marks it CANCELLED.
 */
export async function requestCancel({ temporal, taskQueue }: ApiDeps, campaignId: string): Promise<void> {
  await withTemporalDeadline(temporal, UPDATE_DEADLINE_MS, () =>
    temporal.workflow.signalWithStart<typeof campaignWorkflow, []>('campaignWorkflow', {
      ...campaignStartOptions(taskQueue, campaignId),
      signal: cancelCampaignSignal,
    }),
  );
}

/**
 * The live workflow's view of a running or paused campaign. A missing workflow is `null`; Temporal being
 * down does not fail the request (the database half of the answer is still worth having).
 */
export async function workflowProgress({ temporal, logger }: ApiDeps, campaignId: string) {
  try {
    const progress = await withTemporalDeadline(temporal, READ_DEADLINE_MS, () =>
      temporal.workflow.getHandle(campaignWorkflowId(campaignId)).query(campaignProgressQuery),
    );
    return {
      workflow: {
        workflow_id: campaignWorkflowId(campaignId),
        status: progress.status,
        pause_reason: progress.pauseReason,
        in_flight: progress.inFlight,
        queued: progress.queued,
        counts: progress.counts,
      },
    };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { workflow: null };
    logger.warn({ err: error, campaignId }, `Progress query failed for campaign ${campaignId}`);
    const reason = unavailableDependency(error) === 'temporal' ? 'Temporal is unavailable' : 'The workflow did not answer';
    return { workflow: null, workflow_error: reason };
  }
}
