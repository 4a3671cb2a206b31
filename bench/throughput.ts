/**
 * npm run bench:throughput [-- --campaigns 20 --leads 50 --database postgres|pglite]
 *
 * Leads per second through the whole pipeline (fetch, then per lead verify, enrich, write copy, push) against the
 * zero-latency simulator (a process of its own, as the real services would be), one worker; then, in the same process on the same dev server, the platform's own loop:
 * as many workflows, pushing the same number of no-op activities, 5 in flight each. The ratio of the two is what
 * the product costs on top of Temporal. CPU of the worker process, the dev server and the database backends is
 * printed per job for both, so the difference shows where a job's time goes. The last line is JSON.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from '@temporalio/worker';
import { startCampaignWorkflow } from '../src/campaigns/workflow-start';
import { settleWithConcurrency } from '../src/util/concurrency';
import type { bareLoopWorkflow } from './workflows/bare-loop';
import { type CpuMark, cpuSpent, cpuText, openBenchStack, round, sleep, until } from './support';

const { values } = parseArgs({
  options: {
    campaigns: { type: 'string', default: '20' },
    leads: { type: 'string', default: '50' },
    database: { type: 'string', default: 'postgres' },
    'in-memory': { type: 'boolean', default: false },
  },
});
const CAMPAIGNS = Number(values.campaigns);
const LEADS = Number(values.leads);
const TASK_QUEUE = 'leadgen-throughput';
const BARE_QUEUE = 'bench-bare';
if (!['postgres', 'pglite'].includes(values.database)) throw new Error('bench: --database postgres|pglite');

async function main(): Promise<void> {
  const stack = await openBenchStack({ taskQueue: TASK_QUEUE, postgres: values.database === 'postgres', inMemory: values['in-memory'], simulatorProcess: true });
  const { db, cpu } = stack;
  const { client } = stack.temporal;
  console.log(`bench:throughput — ${CAMPAIGNS} campaigns x ${LEADS} leads, zero-latency simulator, database ${db.kind}, ${os.cpus().length} cores, one worker`);
  try {
    // ---- the pipeline -----------------------------------------------------------------------------------
    const ids: string[] = [];
    for (let i = 0; i < CAMPAIGNS; i++) {
      const campaign = await db.prisma.campaign.create({
        data: { name: `throughput ${i}`, searchCriteria: { titles: ['CTO'], locations: ['Berlin'] }, leadLimit: LEADS, copyPrompt: 'Short and friendly.', instantlyCampaignId: 'bench' },
      });
      ids.push(campaign.id);
    }
    let from: CpuMark | undefined;
    let t = 0;
    const started = async () => {
      from = cpu.mark();
      t = performance.now();
      await settleWithConcurrency(ids, 64, (id) => startCampaignWorkflow(client, TASK_QUEUE, id));
    };
    await started();
    await sleep(1_000);
    await cpu.findBackends();
    await until(async () => (await db.prisma.campaign.count({ where: { status: 'COMPLETED' } })) === CAMPAIGNS, 100, 3_600_000, 'every campaign COMPLETED');
    const pipelineMs = performance.now() - t;
    const pipelineCpu = cpuSpent(from!, cpu.mark());
    const jobs = await db.prisma.job.count({ where: { status: { in: ['COMPLETED', 'FAILED'] } } });
    const leads = await db.prisma.lead.count();
    const pushed = await db.prisma.lead.count({ where: { status: 'PUSHED' } });
    const unfinished = await db.prisma.job.count({ where: { status: { notIn: ['COMPLETED', 'FAILED'] } } });
    if (unfinished > 0) throw new Error(`bench: ${unfinished} jobs unfinished after every campaign COMPLETED`);
    const jobsPerSecond = jobs / (pipelineMs / 1000);
    const leadsPerSecond = leads / (pipelineMs / 1000);

    // ---- the platform's own loop, same shape -----------------------------------------------------------
    // Twice: no-op activities (Temporal alone), then activities doing the least a job must do (one HTTP call to
    // the simulator, two statements on the database), so the ratio splits into the platform and the product.
    const perWorkflow = Math.round(jobs / CAMPAIGNS);
    const bareWorkflows = await Worker.create({
      connection: stack.temporal.nativeConnection,
      taskQueue: BARE_QUEUE,
      workflowsPath: require.resolve('./workflows/bare-loop'),
      // The product worker's workflow settings (src/worker.ts).
      maxCachedWorkflows: 2_500,
      maxConcurrentWorkflowTaskExecutions: 100,
    });
    const statusUrl = `${stack.simulatorUrl}/sim/services`;
    const loops = [
      { name: 'no-op activities', queue: `${BARE_QUEUE}-noop`, noop: () => Promise.resolve(undefined) },
      {
        name: 'activities making one HTTP call and two database statements',
        queue: `${BARE_QUEUE}-floor`,
        noop: async () => {
          await db.prisma.$queryRaw`SELECT 1`;
          await (await fetch(statusUrl)).arrayBuffer();
          await db.prisma.$queryRaw`SELECT 1`;
        },
      },
    ];
    const bareActivityWorkers = await Promise.all(
      loops.map((loop) => Worker.create({ connection: stack.temporal.nativeConnection, taskQueue: loop.queue, activities: { noop: loop.noop }, maxConcurrentActivityTaskExecutions: 200 })),
    );
    const bareRunning = Promise.all([bareWorkflows.run(), ...bareActivityWorkers.map((worker) => worker.run())]);
    const results: { name: string; done: number; ms: number; cpu: ReturnType<typeof cpuSpent> }[] = [];
    for (const [n, loop] of loops.entries()) {
      await sleep(1_000);
      from = cpu.mark();
      t = performance.now();
      const handles = await Promise.all(
        Array.from({ length: CAMPAIGNS }, (_, i) =>
          client.workflow.start<typeof bareLoopWorkflow>('bareLoopWorkflow', {
            workflowId: `bare-${n}-${i}-${Date.now()}`,
            taskQueue: BARE_QUEUE,
            args: [{ activities: perWorkflow, taskQueue: loop.queue }],
          }),
        ),
      );
      const done = (await Promise.all(handles.map((handle) => handle.result()))).reduce((sum, k) => sum + k, 0);
      results.push({ name: loop.name, done, ms: performance.now() - t, cpu: cpuSpent(from, cpu.mark()) });
    }
    bareWorkflows.shutdown();
    for (const worker of bareActivityWorkers) worker.shutdown();
    await bareRunning;
    const [bare, floor] = results as [(typeof results)[0], (typeof results)[0]];
    const done = bare.done;
    const bareCpu = bare.cpu;
    const bareMs = bare.ms;
    const bareActivitiesPerSecond = done / (bareMs / 1000);
    const floorPerSecond = floor.done / (floor.ms / 1000);
    const ratio = jobsPerSecond / bareActivitiesPerSecond;

    const perJob = (seconds: number, n: number) => ((seconds * 1000) / n).toFixed(2);
    console.log('');
    console.log(`pipeline: ${CAMPAIGNS} campaigns, ${leads} leads (${pushed} pushed), ${jobs} jobs in ${(pipelineMs / 1000).toFixed(1)} s: ${leadsPerSecond.toFixed(1)} leads/s, ${jobsPerSecond.toFixed(1)} jobs/s`);
    console.log(`   ${cpuText(pipelineCpu, db.kind)}`);
    console.log(`   CPU per job: worker ${perJob(pipelineCpu.worker_s, jobs)} ms, dev server ${perJob(pipelineCpu.server_s, jobs)} ms, database ${perJob(pipelineCpu.database_s, jobs)} ms, simulator ${perJob(pipelineCpu.simulator_s, jobs)} ms`);
    console.log(`platform: ${CAMPAIGNS} workflows x ${perWorkflow} no-op activities (5 in flight): ${done} in ${(bareMs / 1000).toFixed(1)} s: ${bareActivitiesPerSecond.toFixed(1)} activities/s`);
    console.log(`   ${cpuText(bareCpu, db.kind)}`);
    console.log(`   CPU per activity: worker ${perJob(bareCpu.worker_s, done)} ms, dev server ${perJob(bareCpu.server_s, done)} ms`);
    console.log(`platform + the least a job does: ${floor.name}: ${floorPerSecond.toFixed(1)} activities/s (${(floorPerSecond / bareActivitiesPerSecond).toFixed(2)}x the no-op loop)`);
    console.log(`   ${cpuText(floor.cpu, db.kind)}`);
    console.log(`ratio: ${ratio.toFixed(2)} (target >= 0.9); against the loop doing a job's least: ${(jobsPerSecond / floorPerSecond).toFixed(2)}`);
    console.log(JSON.stringify({
      leads,
      jobs,
      jobs_per_s: round(jobsPerSecond, 1),
      bare_activities_per_s: round(bareActivitiesPerSecond, 1),
      ratio: round(ratio, 2),
      floor_activities_per_s: round(floorPerSecond, 1),
      ratio_to_floor: round(jobsPerSecond / floorPerSecond, 2),
      leads_per_s: round(leadsPerSecond, 1),
      database: db.kind,
      campaigns: CAMPAIGNS,
      cpu_ms_per_job: { worker: Number(perJob(pipelineCpu.worker_s, jobs)), server: Number(perJob(pipelineCpu.server_s, jobs)), database: Number(perJob(pipelineCpu.database_s, jobs)), simulator: Number(perJob(pipelineCpu.simulator_s, jobs)) },
      cpu_ms_per_bare_activity: { worker: Number(perJob(bareCpu.worker_s, done)), server: Number(perJob(bareCpu.server_s, done)) },
    }));
  } finally {
    await stack.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
