/**
 * npm run bench:throughput [-- --campaigns 20 --leads 50 --database postgres|pglite]
 *
 * Leads per second through the whole pipeline (fetch, email batches of 10, per lead verify, enrich, write copy, then
 * push batches of up to 1,000) against the zero-latency simulator (a process of its own, as the real services would
 * be), one worker; then, in the same process on the same dev server, the platform's own loop: as many workflows,
 * pushing the same number of no-op activities, 5 in flight each. The ratio of the two is what the product costs on
 * top of Temporal. Two more loops of the same shape split that cost: activities making one HTTP call between two
 * `SELECT 1`, and activities making it between two committed single-row writes (the least a job's claim and
 * completion must do). CPU of the worker process (by thread), the dev server, the PostgreSQL server and the
 * simulator is printed per job, so the differences show where a job's time goes. The last line is JSON.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from '@temporalio/worker';
import { request } from 'undici';
import { startCampaignWorkflow } from '../src/campaigns/workflow-start';
import { settleWithConcurrency } from '../src/util/concurrency';
import type { bareLoopWorkflow } from './workflows/bare-loop';
import { cpuSpent, cpuText, openBenchStack, round, sleep, type ThreadGroup, until } from './support';

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

interface Loop {
  name: string;
  noop: () => Promise<void>;
}

interface LoopResult {
  name: string;
  done: number;
  ms: number;
  cpu: ReturnType<typeof cpuSpent>;
}
if (!['postgres', 'pglite'].includes(values.database)) throw new Error('bench: --database postgres|pglite');

async function main(): Promise<void> {
  const stack = await openBenchStack({ taskQueue: TASK_QUEUE, postgres: values.database === 'postgres', inMemory: values['in-memory'], simulatorProcess: true });
  const { db, cpu } = stack;
  const { client } = stack.temporal;
  console.log(`bench:throughput — ${CAMPAIGNS} campaigns x ${LEADS} leads, zero-latency simulator, database ${db.kind}, ${os.cpus().length} cores, one worker`);
  try {
    // ---- the platform's own loop, same shape -----------------------------------------------------------
    // No-op activities (Temporal alone), then activities doing the least a job must do (one HTTP call to the
    // simulator, through the providers' HTTP client, undici; two statements on the database), so the ratio splits
    // into the platform and the product. The no-op loop runs before and after the pipeline (the dev server's
    // history grows meanwhile): its mean is the platform's figure, and both runs are printed, so a noisy machine shows.
    // Before the pipeline, as many activities as it would run if every address were deliverable (a little more than it does).
    const leadJobs = CAMPAIGNS * (LEADS * 4 + Math.ceil(LEADS / 10) + 1);
    const statusUrl = `${stack.simulatorUrl}/sim/services`;
    const noop: Loop = { name: 'no-op activities', noop: () => Promise.resolve() };
    const floorLoop: Loop = {
      name: 'activities making one HTTP call and two database statements',
      noop: async () => {
        await db.prisma.$queryRaw`SELECT 1`;
        await (await request(statusUrl)).body.arrayBuffer();
        await db.prisma.$queryRaw`SELECT 1`;
      },
    };
    // A job's claim and completion each commit a write: this loop's activities commit one single-row update before
    // and after their call (rows drawn at random from enough that two in flight rarely share one).
    const FLOOR_ROWS = 10_000;
    await db.prisma.$executeRawUnsafe('CREATE TABLE bench_floor_rows (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0)');
    await db.prisma.$executeRaw`INSERT INTO bench_floor_rows (id) SELECT generate_series(1, ${FLOOR_ROWS}::int)`;
    const touchRow = () => db.prisma.$executeRaw`UPDATE bench_floor_rows SET n = n + 1 WHERE id = ${1 + Math.floor(Math.random() * FLOOR_ROWS)}::int`;
    const writeFloorLoop: Loop = {
      name: 'activities making one HTTP call between two committed single-row writes',
      noop: async () => {
        await touchRow();
        await (await request(statusUrl)).body.arrayBuffer();
        await touchRow();
      },
    };
    let loopRuns = 0;
    const runLoop = async (loop: Loop, activities: number): Promise<LoopResult> => {
      const queue = `${BARE_QUEUE}-${++loopRuns}`;
      const workflows = await Worker.create({
        connection: stack.temporal.nativeConnection,
        taskQueue: `${queue}-workflows`,
        workflowsPath: require.resolve('./workflows/bare-loop'),
        // The product worker's workflow settings (src/worker.ts).
        maxCachedWorkflows: 2_500,
        maxConcurrentWorkflowTaskExecutions: 100,
      });
      const activityWorker = await Worker.create({ connection: stack.temporal.nativeConnection, taskQueue: queue, activities: { noop: loop.noop }, maxConcurrentActivityTaskExecutions: 200 });
      const running = Promise.all([workflows.run(), activityWorker.run()]);
      await sleep(1_000);
      const from = cpu.mark();
      const t = performance.now();
      const perWorkflow = Math.round(activities / CAMPAIGNS);
      const handles = await Promise.all(
        Array.from({ length: CAMPAIGNS }, (_, i) =>
          client.workflow.start<typeof bareLoopWorkflow>('bareLoopWorkflow', {
            workflowId: `${queue}-${i}-${Date.now()}`,
            taskQueue: `${queue}-workflows`,
            args: [{ activities: perWorkflow, taskQueue: queue }],
          }),
        ),
      );
      const done = (await Promise.all(handles.map((handle) => handle.result()))).reduce((sum, k) => sum + k, 0);
      const result = { name: loop.name, done, ms: performance.now() - t, cpu: cpuSpent(from, cpu.mark()) };
      workflows.shutdown();
      activityWorker.shutdown();
      await running;
      return result;
    };
    const bareBefore = await runLoop(noop, leadJobs);

    // ---- the pipeline -----------------------------------------------------------------------------------
    const ids: string[] = [];
    for (let i = 0; i < CAMPAIGNS; i++) {
      const campaign = await db.prisma.campaign.create({
        data: { name: `throughput ${i}`, searchCriteria: { titles: ['CTO'], locations: ['Berlin'] }, leadLimit: LEADS, copyPrompt: 'Short and friendly.', instantlyCampaignId: 'bench' },
      });
      ids.push(campaign.id);
    }
    await sleep(1_000);
    const from = cpu.mark();
    const t = performance.now();
    await settleWithConcurrency(ids, 64, (id) => startCampaignWorkflow(client, TASK_QUEUE, id));
    await sleep(1_000);
    await until(async () => (await db.prisma.campaign.count({ where: { status: 'COMPLETED' } })) === CAMPAIGNS, 100, 3_600_000, 'every campaign COMPLETED');
    const pipelineMs = performance.now() - t;
    const pipelineCpu = cpuSpent(from, cpu.mark());
    const jobs = await db.prisma.job.count({ where: { status: { in: ['COMPLETED', 'FAILED'] } } });
    const jobsByType = Object.fromEntries(
      (await db.prisma.job.groupBy({ by: ['type'], _count: { _all: true }, orderBy: { type: 'asc' } })).map((row) => [row.type, row._count._all]),
    );
    // The same run with every lead step an activity of its own: each batch job counted once per lead it covers.
    const [{ unbatched }] = await db.prisma.$queryRaw<[{ unbatched: number }]>`
      SELECT sum(CASE WHEN lead_id IS NULL AND type <> 'FETCH_LEADS' THEN cardinality(lead_ids) ELSE 1 END)::int AS unbatched
      FROM jobs WHERE status IN ('COMPLETED', 'FAILED')`;
    const leads = await db.prisma.lead.count();
    const pushed = await db.prisma.lead.count({ where: { status: 'PUSHED' } });
    const unfinished = await db.prisma.job.count({ where: { status: { notIn: ['COMPLETED', 'FAILED'] } } });
    if (unfinished > 0) throw new Error(`bench: ${unfinished} jobs unfinished after every campaign COMPLETED`);
    const jobsPerSecond = jobs / (pipelineMs / 1000);
    const leadsPerSecond = leads / (pipelineMs / 1000);

    const bareAfter = await runLoop(noop, jobs);
    const floor = await runLoop(floorLoop, jobs);
    const writeFloor = await runLoop(writeFloorLoop, jobs);
    const perSecond = (loop: LoopResult) => loop.done / (loop.ms / 1000);
    const bareRuns = [bareBefore, bareAfter].map(perSecond);
    const bareActivitiesPerSecond = (bareRuns[0]! + bareRuns[1]!) / 2;
    const bare = bareAfter;
    const done = bare.done;
    const bareCpu = bare.cpu;
    const bareMs = bare.ms;
    const floorPerSecond = perSecond(floor);
    const writeFloorPerSecond = perSecond(writeFloor);
    const ratio = jobsPerSecond / bareActivitiesPerSecond;
    // Leads/s if every lead step were one activity: at this run's job rate (what batching goes beyond), and at the
    // platform's no-op rate (the ceiling for one activity per step).
    const perStepAtJobRate = (jobsPerSecond * leads) / unbatched;
    const perStepLeadsPerSecond = (bareActivitiesPerSecond * leads) / unbatched;

    const perJob = (seconds: number, n: number) => ((seconds * 1000) / n).toFixed(2);
    const perJobByThread = (cpu: LoopResult['cpu'], n: number) =>
      Object.fromEntries(Object.entries(cpu.threads_s).map(([group, seconds]) => [group, Number(perJob(seconds, n))])) as Record<ThreadGroup, number>;
    const threadText = (cpu: LoopResult['cpu'], n: number) => {
      const by = perJobByThread(cpu, n);
      return `worker by thread: main (activities, client) ${by.main} ms, workflow sandbox ${by.workflows} ms, Temporal core ${by.core} ms, V8 and libuv background (GC, compiler) ${by.background} ms`;
    };
    console.log('');
    console.log(`pipeline: ${CAMPAIGNS} campaigns, ${leads} leads (${pushed} pushed), ${jobs} jobs in ${(pipelineMs / 1000).toFixed(1)} s: ${leadsPerSecond.toFixed(1)} leads/s, ${jobsPerSecond.toFixed(1)} jobs/s`);
    console.log(`   jobs by type: ${Object.entries(jobsByType).map(([type, n]) => `${type} ${n}`).join(', ')}`);
    console.log(`   ${cpuText(pipelineCpu, db.kind)}`);
    console.log(`   CPU per job: worker ${perJob(pipelineCpu.worker_s, jobs)} ms, dev server ${perJob(pipelineCpu.server_s, jobs)} ms, database ${perJob(pipelineCpu.database_s, jobs)} ms, simulator ${perJob(pipelineCpu.simulator_s, jobs)} ms`);
    console.log(`   ${threadText(pipelineCpu, jobs)}`);
    console.log(`platform: ${CAMPAIGNS} workflows x ${Math.round(done / CAMPAIGNS)} no-op activities (5 in flight): ${bareActivitiesPerSecond.toFixed(1)} activities/s (before the pipeline ${bareRuns[0]!.toFixed(1)}, after it ${bareRuns[1]!.toFixed(1)}: ${done} in ${(bareMs / 1000).toFixed(1)} s)`);
    console.log(`   ${cpuText(bareCpu, db.kind)}`);
    console.log(`   CPU per activity: worker ${perJob(bareCpu.worker_s, done)} ms, dev server ${perJob(bareCpu.server_s, done)} ms`);
    console.log(`   ${threadText(bareCpu, done)}`);
    const printFloor = (heading: string, loop: LoopResult) => {
      console.log(`${heading}: ${loop.name}: ${perSecond(loop).toFixed(1)} activities/s (${(perSecond(loop) / bareActivitiesPerSecond).toFixed(2)}x the no-op loop)`);
      console.log(`   ${cpuText(loop.cpu, db.kind)}`);
      console.log(`   CPU per activity: worker ${perJob(loop.cpu.worker_s, loop.done)} ms, dev server ${perJob(loop.cpu.server_s, loop.done)} ms, database ${perJob(loop.cpu.database_s, loop.done)} ms`);
      console.log(`   ${threadText(loop.cpu, loop.done)}`);
    };
    printFloor('platform + the least a job does', floor);
    printFloor('platform + the least a job writes', writeFloor);
    console.log(`ratio: ${ratio.toFixed(2)} (target >= 0.9); against the loop doing a job's least: ${(jobsPerSecond / floorPerSecond).toFixed(2)}; against the loop writing a job's least: ${(jobsPerSecond / writeFloorPerSecond).toFixed(2)}`);
    console.log(`leads/s: ${leadsPerSecond.toFixed(1)}; one activity per lead step (${unbatched} activities, ${(unbatched / leads).toFixed(2)} a lead) would allow ${perStepAtJobRate.toFixed(1)} at this job rate (batching: ${(leadsPerSecond / perStepAtJobRate).toFixed(2)}x that), at most ${perStepLeadsPerSecond.toFixed(1)} at the no-op loop's rate (${(leadsPerSecond / perStepLeadsPerSecond).toFixed(2)}x)`);
    console.log(JSON.stringify({
      leads,
      jobs,
      jobs_per_s: round(jobsPerSecond, 1),
      bare_activities_per_s: round(bareActivitiesPerSecond, 1),
      bare_runs_per_s: bareRuns.map((value) => round(value, 1)),
      ratio: round(ratio, 2),
      floor_activities_per_s: round(floorPerSecond, 1),
      ratio_to_floor: round(jobsPerSecond / floorPerSecond, 2),
      write_floor_activities_per_s: round(writeFloorPerSecond, 1),
      ratio_to_write_floor: round(jobsPerSecond / writeFloorPerSecond, 2),
      leads_per_s: round(leadsPerSecond, 1),
      unbatched_activities: unbatched,
      per_step_leads_per_s_at_job_rate: round(perStepAtJobRate, 1),
      per_step_ceiling_leads_per_s: round(perStepLeadsPerSecond, 1),
      leads_ratio_to_per_step_ceiling: round(leadsPerSecond / perStepLeadsPerSecond, 2),
      jobs_by_type: jobsByType,
      database: db.kind,
      campaigns: CAMPAIGNS,
      cpu_ms_per_job: { worker: Number(perJob(pipelineCpu.worker_s, jobs)), server: Number(perJob(pipelineCpu.server_s, jobs)), database: Number(perJob(pipelineCpu.database_s, jobs)), simulator: Number(perJob(pipelineCpu.simulator_s, jobs)) },
      worker_cpu_ms_per_job_by_thread: perJobByThread(pipelineCpu, jobs),
      cpu_ms_per_bare_activity: { worker: Number(perJob(bareCpu.worker_s, done)), server: Number(perJob(bareCpu.server_s, done)) },
      worker_cpu_ms_per_bare_activity_by_thread: perJobByThread(bareCpu, done),
      worker_cpu_ms_per_write_floor_activity_by_thread: perJobByThread(writeFloor.cpu, writeFloor.done),
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
