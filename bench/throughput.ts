/**
 * npm run bench:throughput [-- --campaigns 20 --leads 50 --rounds 3 --database postgres|pglite]
 *
 * Leads per second through the whole pipeline (fetch, email batches of 10, per lead verify, enrich, write copy, then
 * push batches of up to 1,000) against the zero-latency simulator (a process of its own, as the real services would
 * be), one worker; and in the same process on the same dev server, the platform's own loop: as many workflows,
 * pushing as many no-op activities as the pipeline ran jobs, 5 in flight each. The ratio of the two is what the
 * product costs on top of Temporal. Two more loops of the same shape split that cost: activities making one HTTP call
 * between two `SELECT 1`, and activities making it between two committed single-row writes (the least a job's claim
 * and completion must do).
 *
 * A machine's speed drifts during a run (this one's no-op loop has run 0.7x-1.2x its own rate minutes apart), so
 * the four are measured in rounds, each round all four back to back: each ratio is taken within its round, and the
 * median round's is the figure. CPU of the worker process (by thread), the dev server, the PostgreSQL server and
 * the simulator is printed per job over all rounds, so the differences show where a job's time goes.
 * The last line is JSON.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from '@temporalio/worker';
import { request } from 'undici';
import { startCampaignWorkflow } from '../src/campaigns/workflow-start';
import { settleWithConcurrency } from '../src/util/concurrency';
import type { bareLoopWorkflow } from './workflows/bare-loop';
import { type BenchStack, type CpuSpent, cpuSpent, cpuText, cpuTotal, median, openBenchStack, round, sleep, type ThreadGroup, until } from './support';

const { values } = parseArgs({
  options: {
    campaigns: { type: 'string', default: '20' },
    leads: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    database: { type: 'string', default: 'postgres' },
    'in-memory': { type: 'boolean', default: false },
  },
});
const CAMPAIGNS = Number(values.campaigns);
const LEADS = Number(values.leads);
const ROUNDS = Number(values.rounds);
const TASK_QUEUE = 'leadgen-throughput';
// Issue 13's target: jobs/s against the no-op loop.
const RATIO_TARGET = 0.9;
// The target proposed in its place (README, "Benchmark figures"): jobs/s against the loop writing a job's least, the
// most the platform allows a job here; PostgreSQL only.
const WRITE_FLOOR_TARGET = 0.65;
const BARE_QUEUE = 'bench-bare';
if (!['postgres', 'pglite'].includes(values.database)) throw new Error('bench: --database postgres|pglite');
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 20) throw new Error('bench: --rounds takes a whole number from 1 to 20');

/** Work done in a measured span: activities or jobs, and what they cost. */
interface Span {
  done: number;
  ms: number;
  cpu: CpuSpent;
}

interface PipelineSpan extends Span {
  leads: number;
  pushed: number;
  /** The activities the same leads would have taken with one activity per lead step (a batch job once per lead). */
  unbatched: number;
  jobsByType: Record<string, number>;
}

interface Round {
  pipeline: PipelineSpan;
  noop: Span;
  floor: Span;
  writeFloor: Span;
}

const perSecond = (span: Span) => span.done / (span.ms / 1000);

/** The platform's loop on this stack: `activity` is what each of its activities does. */
function loopRunner(stack: BenchStack) {
  let loopRuns = 0;
  return async (activity: () => Promise<void>, activities: number): Promise<Span> => {
    const queue = `${BARE_QUEUE}-${++loopRuns}`;
    const workflows = await Worker.create({
      connection: stack.temporal.nativeConnection,
      taskQueue: `${queue}-workflows`,
      workflowsPath: require.resolve('./workflows/bare-loop'),
      // The product worker's workflow settings (src/worker.ts).
      maxCachedWorkflows: 2_500,
      maxConcurrentWorkflowTaskExecutions: 100,
    });
    const activityWorker = await Worker.create({ connection: stack.temporal.nativeConnection, taskQueue: queue, activities: { noop: activity }, maxConcurrentActivityTaskExecutions: 200 });
    const running = Promise.all([workflows.run(), activityWorker.run()]);
    await sleep(1_000);
    const from = stack.cpu.mark();
    const t = performance.now();
    const perWorkflow = Math.round(activities / CAMPAIGNS);
    const handles = await Promise.all(
      Array.from({ length: CAMPAIGNS }, (_, i) =>
        stack.temporal.client.workflow.start<typeof bareLoopWorkflow>('bareLoopWorkflow', {
          workflowId: `${queue}-${i}-${Date.now()}`,
          taskQueue: `${queue}-workflows`,
          args: [{ activities: perWorkflow, taskQueue: queue }],
        }),
      ),
    );
    const done = (await Promise.all(handles.map((handle) => handle.result()))).reduce((sum, k) => sum + k, 0);
    const span = { done, ms: performance.now() - t, cpu: cpuSpent(from, stack.cpu.mark()) };
    workflows.shutdown();
    activityWorker.shutdown();
    await running;
    return span;
  };
}

/** CAMPAIGNS new campaigns through the product's worker, from their start until every one is COMPLETED. */
async function runPipeline(stack: BenchStack, roundNumber: number): Promise<PipelineSpan> {
  const { db } = stack;
  const ids: string[] = [];
  for (let i = 0; i < CAMPAIGNS; i++) {
    const campaign = await db.prisma.campaign.create({
      data: { name: `throughput ${roundNumber}.${i}`, searchCriteria: { titles: ['CTO'], locations: ['Berlin'] }, leadLimit: LEADS, copyPrompt: 'Short and friendly.', instantlyCampaignId: 'bench' },
    });
    ids.push(campaign.id);
  }
  await sleep(1_000);
  const from = stack.cpu.mark();
  const t = performance.now();
  await settleWithConcurrency(ids, 64, (id) => startCampaignWorkflow(stack.temporal.client, TASK_QUEUE, id));
  await until(async () => (await db.prisma.campaign.count({ where: { id: { in: ids }, status: 'COMPLETED' } })) === CAMPAIGNS, 100, 3_600_000, 'every campaign COMPLETED');
  const ms = performance.now() - t;
  const cpu = cpuSpent(from, stack.cpu.mark());
  const ofRound = { campaignId: { in: ids } };
  const unfinished = await db.prisma.job.count({ where: { ...ofRound, status: { notIn: ['COMPLETED', 'FAILED'] } } });
  if (unfinished > 0) throw new Error(`bench: ${unfinished} jobs unfinished after every campaign COMPLETED`);
  const jobsByType = Object.fromEntries(
    (await db.prisma.job.groupBy({ by: ['type'], where: ofRound, _count: { _all: true }, orderBy: { type: 'asc' } })).map((row) => [row.type, row._count._all]),
  );
  const [{ unbatched }] = await db.prisma.$queryRaw<[{ unbatched: number }]>`
    SELECT sum(CASE WHEN lead_id IS NULL AND type <> 'FETCH_LEADS' THEN cardinality(lead_ids) ELSE 1 END)::int AS unbatched
    FROM jobs WHERE campaign_id = ANY(${ids}::uuid[])`;
  return {
    done: await db.prisma.job.count({ where: ofRound }),
    ms,
    cpu,
    leads: await db.prisma.lead.count({ where: ofRound }),
    pushed: await db.prisma.lead.count({ where: { ...ofRound, status: 'PUSHED' } }),
    unbatched,
    jobsByType,
  };
}

async function main(): Promise<void> {
  const stack = await openBenchStack({ taskQueue: TASK_QUEUE, postgres: values.database === 'postgres', inMemory: values['in-memory'], simulatorProcess: true });
  const { db } = stack;
  console.log(
    `bench:throughput — ${CAMPAIGNS} campaigns x ${LEADS} leads, zero-latency simulator, database ${db.kind}, ${os.cpus().length} cores, one worker, ${ROUNDS} round(s)`,
  );
  try {
    // The least a job does: one HTTP call to the simulator through the providers' HTTP client (undici), between two
    // statements; and the least it writes: the call between two committed single-row updates, as a job's claim and
    // completion each commit one (rows drawn at random from enough that two in flight rarely share one).
    const statusUrl = `${stack.simulatorUrl}/sim/services`;
    const FLOOR_ROWS = 10_000;
    await db.prisma.$executeRawUnsafe('CREATE TABLE bench_floor_rows (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0)');
    await db.prisma.$executeRaw`INSERT INTO bench_floor_rows (id) SELECT generate_series(1, ${FLOOR_ROWS}::int)`;
    const touchRow = () => db.prisma.$executeRaw`UPDATE bench_floor_rows SET n = n + 1 WHERE id = ${1 + Math.floor(Math.random() * FLOOR_ROWS)}::int`;
    const call = async () => void (await (await request(statusUrl)).body.arrayBuffer());
    const loops = {
      noop: { name: 'no-op activities', activity: () => Promise.resolve() },
      floor: {
        name: 'activities making one HTTP call between two `SELECT 1`',
        activity: async () => {
          await db.prisma.$queryRaw`SELECT 1`;
          await call();
          await db.prisma.$queryRaw`SELECT 1`;
        },
      },
      writeFloor: {
        name: 'activities making one HTTP call between two committed single-row writes',
        activity: async () => {
          await touchRow();
          await call();
          await touchRow();
        },
      },
    };
    const runLoop = loopRunner(stack);

    // Each round: the no-op loop, the pipeline, the two floors, back to back. The loops push as many activities
    // as the pipeline ran jobs (the first round's no-op loop, before any pipeline, as many as it would run if every
    // address were deliverable: a little more than it does).
    const rounds: Round[] = [];
    let activities = CAMPAIGNS * (LEADS * 4 + Math.ceil(LEADS / 10) + 1);
    for (let r = 1; r <= ROUNDS; r++) {
      const noop = await runLoop(loops.noop.activity, activities);
      const pipeline = await runPipeline(stack, r);
      activities = pipeline.done;
      const floor = await runLoop(loops.floor.activity, activities);
      const writeFloor = await runLoop(loops.writeFloor.activity, activities);
      const measured: Round = { pipeline, noop, floor, writeFloor };
      rounds.push(measured);
      console.log(
        `round ${r}: pipeline ${perSecond(pipeline).toFixed(1)} jobs/s (${pipeline.done} in ${(pipeline.ms / 1000).toFixed(1)} s), no-op loop ${perSecond(noop).toFixed(1)}/s, ` +
          `a job's least ${perSecond(floor).toFixed(1)}/s, its least writes ${perSecond(writeFloor).toFixed(1)}/s: ratio ${rateRatio(measured, 'pipeline', 'noop').toFixed(2)}, ` +
          `to the least ${rateRatio(measured, 'pipeline', 'floor').toFixed(2)}, to the least writes ${rateRatio(measured, 'pipeline', 'writeFloor').toFixed(2)}`,
      );
    }

    const medianOf = (pick: (round: Round) => number) => median(rounds.map(pick));
    const jobsPerSecond = medianOf((r) => perSecond(r.pipeline));
    const bareActivitiesPerSecond = medianOf((r) => perSecond(r.noop));
    const floorPerSecond = medianOf((r) => perSecond(r.floor));
    const writeFloorPerSecond = medianOf((r) => perSecond(r.writeFloor));
    const ratio = medianOf((r) => rateRatio(r, 'pipeline', 'noop'));
    const ratioToFloor = medianOf((r) => rateRatio(r, 'pipeline', 'floor'));
    const ratioToWriteFloor = medianOf((r) => rateRatio(r, 'pipeline', 'writeFloor'));
    // What the platform allows a job: the floors against the no-op loop of their own round.
    const floorToBare = medianOf((r) => rateRatio(r, 'floor', 'noop'));
    const writeFloorToBare = medianOf((r) => rateRatio(r, 'writeFloor', 'noop'));
    const leadsPerSecond = medianOf((r) => r.pipeline.leads / (r.pipeline.ms / 1000));
    // One activity per lead step would take `unbatched` activities: batching is how many fewer the jobs were, and the
    // ceiling is those activities at the round's no-op rate, against the time the pipeline took.
    const batching = medianOf((r) => r.pipeline.unbatched / r.pipeline.done);
    const toPerStepCeiling = medianOf((r) => r.pipeline.unbatched / perSecond(r.noop) / (r.pipeline.ms / 1000));
    const last = rounds.at(-1)!.pipeline;

    // CPU over every round, per job or activity.
    const total = (pick: (round: Round) => Span): Span => {
      const spans = rounds.map(pick);
      return { done: spans.reduce((n, s) => n + s.done, 0), ms: spans.reduce((n, s) => n + s.ms, 0), cpu: cpuTotal(spans.map((s) => s.cpu)) };
    };
    const all = { pipeline: total((r) => r.pipeline), noop: total((r) => r.noop), floor: total((r) => r.floor), writeFloor: total((r) => r.writeFloor) };
    const per = (seconds: number, n: number) => round((seconds * 1000) / n, 2);
    const perByThread = ({ cpu, done }: Span) =>
      Object.fromEntries(Object.entries(cpu.threads_s).map(([group, seconds]) => [group, per(seconds, done)])) as Record<ThreadGroup, number>;
    const perProcess = ({ cpu, done }: Span) => ({ worker: per(cpu.worker_s, done), server: per(cpu.server_s, done), database: per(cpu.database_s, done), simulator: per(cpu.simulator_s, done) });
    const cpuLines = (span: Span, unit: string) => {
      const p = perProcess(span);
      const t = perByThread(span);
      console.log(`   ${cpuText(span.cpu, db.kind)}`);
      console.log(`   CPU per ${unit}: worker ${p.worker} ms, dev server ${p.server} ms, database ${p.database} ms, simulator ${p.simulator} ms`);
      console.log(`   worker by thread: main (activities, client) ${t.main} ms, workflow sandbox ${t.workflows} ms, Temporal core ${t.core} ms, V8 and libuv background (GC, compiler) ${t.background} ms`);
    };
    console.log('');
    console.log(`pipeline: ${CAMPAIGNS} campaigns x ${LEADS} leads a round; the median round ${jobsPerSecond.toFixed(1)} jobs/s, ${leadsPerSecond.toFixed(1)} leads/s`);
    console.log(`   last round: ${last.leads} leads (${last.pushed} pushed), jobs by type: ${Object.entries(last.jobsByType).map(([type, n]) => `${type} ${n}`).join(', ')}`);
    cpuLines(all.pipeline, 'job, every round');
    console.log(`platform: ${CAMPAIGNS} workflows x as many no-op activities as the pipeline's jobs (5 in flight): the median round ${bareActivitiesPerSecond.toFixed(1)} activities/s`);
    cpuLines(all.noop, 'activity, every round');
    console.log(`platform + the least a job does: ${loops.floor.name}: the median round ${floorPerSecond.toFixed(1)} activities/s (${floorToBare.toFixed(2)}x its round's no-op loop, median)`);
    cpuLines(all.floor, 'activity, every round');
    console.log(`platform + the least a job writes: ${loops.writeFloor.name}: the median round ${writeFloorPerSecond.toFixed(1)} activities/s (${writeFloorToBare.toFixed(2)}x its round's no-op loop, median)`);
    cpuLines(all.writeFloor, 'activity, every round');
    console.log(
      `ratio (median of the rounds' own): ${ratio.toFixed(2)}; against the loop doing a job's least: ${ratioToFloor.toFixed(2)}; against the loop writing it: ${ratioToWriteFloor.toFixed(2)}`,
    );
    const verdict = (met: boolean) => (met ? 'met' : 'missed');
    console.log(
      `targets: ratio ${ratio.toFixed(2)} against >= ${RATIO_TARGET}: ${verdict(ratio >= RATIO_TARGET)}` +
        (writeFloorToBare < RATIO_TARGET ? `, a bar above this run's platform: the loop writing a job's least reached ${writeFloorToBare.toFixed(2)}x the no-op loop` : '') +
        (db.kind === 'postgresql'
          ? `; against the loop writing a job's least ${ratioToWriteFloor.toFixed(2)} against the proposed >= ${WRITE_FLOOR_TARGET}: ${verdict(ratioToWriteFloor >= WRITE_FLOOR_TARGET)}`
          : `; ${db.kind} is bounded by the one thread it runs on, and has no target of its own`),
    );
    console.log(
      `leads/s: ${leadsPerSecond.toFixed(1)}; one activity per lead step (${batching.toFixed(2)} activities a job) would allow ${(leadsPerSecond / batching).toFixed(1)} at this job rate ` +
        `(batching: ${batching.toFixed(2)}x that); against the no-op loop's rate at one activity per lead step: ${toPerStepCeiling.toFixed(2)}x`,
    );
    console.log(JSON.stringify({
      leads: last.leads,
      jobs: last.done,
      jobs_per_s: round(jobsPerSecond, 1),
      bare_activities_per_s: round(bareActivitiesPerSecond, 1),
      ratio: round(ratio, 2),
      floor_activities_per_s: round(floorPerSecond, 1),
      ratio_to_floor: round(ratioToFloor, 2),
      write_floor_activities_per_s: round(writeFloorPerSecond, 1),
      ratio_to_write_floor: round(ratioToWriteFloor, 2),
      floor_to_bare: round(floorToBare, 2),
      write_floor_to_bare: round(writeFloorToBare, 2),
      leads_per_s: round(leadsPerSecond, 1),
      batching: round(batching, 2),
      leads_ratio_to_per_step_ceiling: round(toPerStepCeiling, 2),
      rounds: rounds.map((r) => ({
        jobs_per_s: round(perSecond(r.pipeline), 1),
        bare_activities_per_s: round(perSecond(r.noop), 1),
        floor_activities_per_s: round(perSecond(r.floor), 1),
        write_floor_activities_per_s: round(perSecond(r.writeFloor), 1),
        ratio: round(rateRatio(r, 'pipeline', 'noop'), 2),
        ratio_to_write_floor: round(rateRatio(r, 'pipeline', 'writeFloor'), 2),
        floor_to_bare: round(rateRatio(r, 'floor', 'noop'), 2),
        write_floor_to_bare: round(rateRatio(r, 'writeFloor', 'noop'), 2),
      })),
      jobs_by_type: last.jobsByType,
      database: db.kind,
      campaigns: CAMPAIGNS,
      cpu_ms_per_job: perProcess(all.pipeline),
      worker_cpu_ms_per_job_by_thread: perByThread(all.pipeline),
      cpu_ms_per_bare_activity: perProcess(all.noop),
      worker_cpu_ms_per_bare_activity_by_thread: perByThread(all.noop),
      cpu_ms_per_write_floor_activity: perProcess(all.writeFloor),
      worker_cpu_ms_per_write_floor_activity_by_thread: perByThread(all.writeFloor),
    }));
  } finally {
    await stack.close();
  }
}

/** One span's rate against another's, both of the same round. */
function rateRatio(measured: Round, span: keyof Round, against: keyof Round): number {
  return perSecond(measured[span]) / perSecond(measured[against]);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
