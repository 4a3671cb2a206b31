/**
 * Records the histories the replay test checks the workflow code against (`npm run record-histories`).
 * Re-record only when a workflow change is deliberately incompatible and is deployed with Worker Versioning
 * (see the README's "Changing workflow code that is already running"); otherwise version the change with
 * `patched()` and keep the old histories: they are what production runs. `-- --as <patch-id>` writes
 * `<name>-<patch-id>.binpb` beside them instead (keep those the patch changes).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { WorkflowUpdateStage } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { BREAKER_WORKFLOW_ID, campaignWorkflowId, forceOpenUpdate } from '../../workflows/definitions';
import { createHarness, eventually } from '../helpers/core-harness';
import { startTimeSkippingEnv } from '../helpers/temporal';

const OUT = path.join(__dirname, 'histories');
const { values } = parseArgs({ options: { as: { type: 'string' } } });
const suffix = values.as ? `-${values.as}` : '';

type Save = (name: string, workflowId: string) => Promise<void>;

async function main(): Promise<void> {
  const env = await startTimeSkippingEnv();
  const save: Save = async (name, workflowId) => {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    // Binary protobuf, as `temporal workflow show --output` can also write; the replay test decodes it.
    writeFileSync(path.join(OUT, `${name}${suffix}.binpb`), temporal.api.history.v1.History.encode(history).finish());
    console.log(`recorded ${name}${suffix}: ${history.events?.length} events`);
  };
  try {
    await serviceFailureThenResume(env, save);
    await resetDuringTrip(env, save);
  } finally {
    await env.teardown();
  }
}

/**
 * A campaign that runs, is paused by a service failure, then resumes after reset + resume-queue and completes;
 * another that is paused by the breaker's cascade while running; the breaker through open, reset and resume.
 */
async function serviceFailureThenResume(env: TestWorkflowEnvironment, save: Save): Promise<void> {
  const h = await createHarness(env, { kind: 'pglite' });
  try {
    h.providers.fail('perplexity', 'server_error');
    const ids = await h.launch(2, 2);
    await eventually(env, async () => (await h.db.prisma.breakerEvent.count({ where: { type: 'QUEUE_PAUSED' } })) === 1, { what: 'the trip' });
    h.providers.recover('perplexity');
    await h.breaker.reset({ service: 'perplexity', actor: 'operator' });
    await h.breaker.resumeQueue({ actor: 'operator' });
    for (const id of ids) await env.client.workflow.getHandle(campaignWorkflowId(id)).result();

    const tripped = (await h.db.prisma.breakerEvent.findFirstOrThrow({ where: { type: 'BREAKER_OPENED' } })).metadata as { campaign_id: string };
    await save('campaign-service-failure-then-resume', campaignWorkflowId(tripped.campaign_id));
    await save('campaign-paused-by-cascade-then-resume', campaignWorkflowId(ids.find((id) => id !== tripped.campaign_id)!));
    await save('breaker-open-reset-resume', BREAKER_WORKFLOW_ID);
  } finally {
    await env.client.workflow.getHandle(BREAKER_WORKFLOW_ID).terminate('recorded').catch(() => undefined);
    await h.close();
  }
}

/**
 * The breaker opened by hand and reset while the trip's own write is still in flight: the reset's write is
 * scheduled in the same workflow task as the trip's cascade, so the trip's fan-out is ordered against it.
 */
async function resetDuringTrip(env: TestWorkflowEnvironment, save: Save): Promise<void> {
  const h = await createHarness(env, { kind: 'pglite' });
  try {
    const ids = await h.launch(2, 2);
    await eventually(env, async () => (await h.db.prisma.job.count({ where: { status: 'PENDING' } })) > 0, { what: 'a backlog' });
    await h.breaker.state(); // running, and rebuilt from the database
    const breaker = env.client.workflow.getHandle(BREAKER_WORKFLOW_ID);
    const opened = await breaker.startUpdate(forceOpenUpdate, {
      args: [{ service: 'apollo', reason: 'drill', actor: 'operator' }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    await h.breaker.reset({ service: 'apollo', actor: 'operator' });
    await opened.result();
    await h.breaker.resumeQueue({ actor: 'operator' });
    for (const id of ids) await env.client.workflow.getHandle(campaignWorkflowId(id)).result();
    await save('breaker-reset-during-trip', BREAKER_WORKFLOW_ID);
  } finally {
    await env.client.workflow.getHandle(BREAKER_WORKFLOW_ID).terminate('recorded').catch(() => undefined);
    await h.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
