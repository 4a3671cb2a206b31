/**
 * Records the histories the replay test checks the workflow code against (`npm run record-histories`).
 * Re-record only when a workflow change is deliberately incompatible and is deployed with Worker Versioning
 * (see the README's "Changing workflow code that is already running"); otherwise version the change with
 * `patched()` and keep the old histories: they are what production runs.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { BREAKER_WORKFLOW_ID, campaignWorkflowId } from '../../workflows/definitions';
import { createHarness, eventually } from '../helpers/core-harness';
import { startTimeSkippingEnv } from '../helpers/temporal';

const OUT = path.join(__dirname, 'histories');

async function main(): Promise<void> {
  const env = await startTimeSkippingEnv();
  const h = await createHarness(env, { kind: 'pglite' });
  try {
    // A campaign that runs, is paused by a service failure, then resumes after reset + resume-queue and completes;
    // another that is paused by the breaker's cascade while running; the breaker through open, reset and resume.
    h.providers.fail('perplexity', 'server_error');
    const ids = await h.launch(2, 2);
    await eventually(env, async () => (await h.db.prisma.breakerEvent.count({ where: { type: 'QUEUE_PAUSED' } })) === 1, { what: 'the trip' });
    h.providers.recover('perplexity');
    await h.breaker.reset({ service: 'perplexity', actor: 'operator' });
    await h.breaker.resumeQueue({ actor: 'operator' });
    for (const id of ids) await env.client.workflow.getHandle(campaignWorkflowId(id)).result();

    const save = async (name: string, workflowId: string) => {
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      // Binary protobuf, as `temporal workflow show --output` can also write; the replay test decodes it.
      writeFileSync(path.join(OUT, `${name}.binpb`), temporal.api.history.v1.History.encode(history).finish());
      console.log(`recorded ${name}: ${history.events?.length} events`);
    };
    const tripped = (await h.db.prisma.breakerEvent.findFirstOrThrow({ where: { type: 'BREAKER_OPENED' } })).metadata as { campaign_id: string };
    await save('campaign-service-failure-then-resume', campaignWorkflowId(tripped.campaign_id));
    await save('campaign-paused-by-cascade-then-resume', campaignWorkflowId(ids.find((id) => id !== tripped.campaign_id)!));
    await save('breaker-open-reset-resume', BREAKER_WORKFLOW_ID);
  } finally {
    await env.client.workflow.getHandle(BREAKER_WORKFLOW_ID).terminate('recorded').catch(() => undefined);
    await h.close();
    await env.teardown();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
