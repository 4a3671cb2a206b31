/**
 * npm run bench:pause [-- --campaigns 1000 --backlog 200 --postgres]
 *
 * N campaigns on a real Temporal dev server, each with a backlog of B PENDING jobs (what fetching B leads leaves
 * behind), running against the zero-latency simulator (or, with --calls held, every call held in flight).
 *  1. Status read: R concurrent readers of GET /queue-management/status while the campaigns run (p50/p99), and the
 *     same readers on the old whole-table grouping for comparison.
 *  2. Trip: calls are held from here on (every job slot holds one, the pipeline no longer saturates the machine),
 *     and a probe on a connection of its own claims and completes jobs of a probe campaign in a loop, so jobs keep
 *     completing through the trip: the gate is the moment its claims stop (and none succeeds after). Then until the database shows every campaign, then every job, PAUSED; every campaign
 *     workflow acknowledged (campaigns.workflow_status); the Web UI (visibility) shows all PAUSED.
 *  3. Reset + resume-queue: the database RUNNING again; resume-queue answered (every campaign acknowledged).
 *  4. The platform on this machine, same run: a bare client signalling the N workflows, a bare acknowledgement
 *     (a no-op update each workflow answers), one UPDATE of all rows.
 * The worker's memory per 1,000 open campaigns is its resident set before and after the campaigns started.
 * The last line is JSON, so runs compare.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Server } from 'node:http';
import { createApp } from '../src/api/app';
import { startCampaignWorkflow } from '../src/campaigns/workflow-start';
import type { PrismaClient } from '../src/db/database';
import type { LeadProviders } from '../src/providers/types';
import { claimJob, completeJob } from '../src/store/jobs';
import { readStatusCounts } from '../src/store/status-counts';
import { settleWithConcurrency } from '../src/util/concurrency';
import { BREAKER_WORKFLOW_ID, campaignWorkflowId, recordFailureSignal, resumeCampaignUpdate } from '../workflows/definitions';
import { readLoad } from './read-load';
import { cpuSpent, cpuText, freePort, ms, openBenchStack, percentile, procCpuMs, round, rssMb, seedBacklogs, sleep, until } from './support';

const { values } = parseArgs({
  options: {
    campaigns: { type: 'string', default: '1000' },
    backlog: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '64' },
    // run: calls answer at once while the status read is measured, then stay in flight from the trip on (the
    // probe's jobs keep completing); held: every call stays in flight throughout.
    calls: { type: 'string', default: 'run' },
    readers: { type: 'string', default: '20' },
    'status-seconds': { type: 'string', default: '15' },
    // The dev server's own default keeps history in memory; `npm start` persists to SQLite (WAL).
    'in-memory': { type: 'boolean', default: false },
    postgres: { type: 'boolean', default: false },
  },
});
const N = Number(values.campaigns);
const BACKLOG = Number(values.backlog);
const CONCURRENCY = Number(values.concurrency);
let held = values.calls === 'held';
const READERS = Number(values.readers);
const STATUS_SECONDS = Number(values['status-seconds']);
const TASK_QUEUE = 'leadgen-bench';
const PROBE_JOBS = 20_000;
const PROBE_LANES = 2;
// Once refused, the probe only checks that no claim gets through: a 1 ms retry loop was ~500 refused claims a
// second on this process's event loop and PostgreSQL for the whole acknowledgement window, load that the bare
// acknowledgement it is compared with does not carry.
const PROBE_REFUSED_RETRY_MS = 50;
if (!(N >= 1 && N <= 10_000) || !(BACKLOG >= 1) || !['run', 'held'].includes(values.calls)) {
  throw new Error('bench: --campaigns 1..10000, --backlog >= 1, --calls run|held');
}

/** The simulator's clients, or every call held in flight until the bench ends. */
class BenchProviders implements LeadProviders {
  inFlight = 0;
  private fail!: (error: Error) => void;
  private readonly gate = new Promise<never>((_, reject) => (this.fail = reject));
  constructor(private readonly inner: LeadProviders) {
    this.gate.catch(() => undefined);
  }
  private async call<T>(run: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return held ? await this.gate : await run();
    } finally {
      this.inFlight--;
    }
  }
  /** Lets held calls end (as failures) so the workers can shut down. */
  releaseAll(): void {
    this.fail(new Error('bench finished'));
  }
  searchPeople: LeadProviders['searchPeople'] = (...args) => this.call(() => this.inner.searchPeople(...args));
  findEmails: LeadProviders['findEmails'] = (...args) => this.call(() => this.inner.findEmails(...args));
  verifyEmail: LeadProviders['verifyEmail'] = (...args) => this.call(() => this.inner.verifyEmail(...args));
  enrichLead: LeadProviders['enrichLead'] = (...args) => this.call(() => this.inner.enrichLead(...args));
  writeCopy: LeadProviders['writeCopy'] = (...args) => this.call(() => this.inner.writeCopy(...args));
  pushLeads: LeadProviders['pushLeads'] = (...args) => this.call(() => this.inner.pushLeads(...args));
}

/** The status readers, run as a process of their own (bench/status-readers.ts): their latencies, sorted. */
async function statusReaders(url: string, key: string): Promise<{ latencies: number[]; failed: number; cpuMs: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'status-readers.ts'), '--url', url, '--key', key, '--readers', String(READERS), '--seconds', String(STATUS_SECONDS)], {
    cwd: path.resolve(__dirname, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`bench: the status readers exited with ${code}`);
  return JSON.parse(out) as { latencies: number[]; failed: number; cpuMs: number };
}

/**
 * Claims (and completes) the probe campaign's jobs in a loop from a connection of its own, as any worker would:
 * the gate is closed from the first refused claim on, and no claim may succeed after it.
 */
class ClaimProbe {
  lastClaimAt = 0;
  firstRefusedAt: number | undefined;
  claimsAfterRefusal = 0;
  claims = 0;
  private stopped = false;
  private lanes: Promise<void>[] = [];
  constructor(
    private readonly prisma: PrismaClient,
    private readonly campaignId: string,
    private readonly jobIds: string[],
  ) {}

  start(): void {
    let next = 0;
    this.lanes = Array.from({ length: PROBE_LANES }, async () => {
      while (!this.stopped && next < this.jobIds.length) {
        const startedAt = performance.now();
        const job = await claimJob(this.prisma, { jobId: this.jobIds[next++]!, campaignId: this.campaignId, dispatchId: randomUUID() });
        if (job) {
          this.claims++;
          this.lastClaimAt = performance.now();
          if (this.firstRefusedAt !== undefined && startedAt > this.firstRefusedAt) this.claimsAfterRefusal++;
          await completeJob(this.prisma, job, { next: { leadIds: [], types: [] } });
        } else {
          this.firstRefusedAt ??= performance.now();
          await sleep(PROBE_REFUSED_RETRY_MS);
        }
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.lanes);
  }
}

async function main(): Promise<void> {
  let providers!: BenchProviders;
  const stack = await openBenchStack({
    taskQueue: TASK_QUEUE,
    postgres: values.postgres,
    inMemory: values['in-memory'],
    maxConcurrentJobs: 500,
    fanOutConcurrency: CONCURRENCY,
    simulatorProcess: true,
    providers: (simulated) => (providers = new BenchProviders(simulated)),
  });
  const { db, breaker, cpu } = stack;
  const { client } = stack.temporal;
  const probePrisma = stack.probePrisma();
  let api: Server | undefined;
  let apiProcess: ChildProcess | undefined;
  console.log(
    `bench:pause — ${N} campaigns x ${BACKLOG} backlog, calls ${held ? 'held in flight' : 'answered at once during the status read, then held'}, ` +
      `fan-out concurrency ${CONCURRENCY}, ${os.cpus().length} cores, dev server ${values['in-memory'] ? 'in memory' : 'on SQLite (WAL)'}, database ${db.kind}`,
  );

  try {
    // ---- set-up -----------------------------------------------------------------------------------
    let t = performance.now();
    const rssBefore = rssMb();
    const ids = await seedBacklogs(db.prisma, N, BACKLOG);
    const [probeCampaign] = await seedBacklogs(db.prisma, 1, PROBE_JOBS);
    await db.prisma.campaign.update({ where: { id: probeCampaign }, data: { status: 'RUNNING' } });
    const probeJobs = (await db.prisma.job.findMany({ where: { campaignId: probeCampaign, status: 'PENDING' }, select: { id: true } })).map((job) => job.id);
    console.log(`seeded: ${N} campaigns, ${N * BACKLOG} PENDING jobs (${((performance.now() - t) / 1000).toFixed(1)} s)`);
    t = performance.now();
    await settleWithConcurrency(ids, CONCURRENCY, (id) => startCampaignWorkflow(client, TASK_QUEUE, id));
    await until(async () => (await db.prisma.campaign.count({ where: { workflowStatus: 'RUNNING', id: { not: probeCampaign } } })) === N, 200, 900_000, 'every campaign RUNNING');
    await until(() => Promise.resolve(providers.inFlight >= Math.min(N * 5, 500) || !held), 200, 600_000, 'calls in flight');
    const rssAfter = rssMb();
    const rssPer1000 = ((rssAfter - rssBefore) / N) * 1000;
    console.log(`set-up: ${N} campaigns running (${((performance.now() - t) / 1000).toFixed(1)} s); worker RSS ${rssAfter.toFixed(0)} MB, ${rssPer1000.toFixed(0)} MB per 1,000 open campaigns`);

    // ---- 1. the status read under load -----------------------------------------------------------
    // On PostgreSQL the API runs as deployed (`npm run api`, a process of its own); PGlite lives in this process,
    // so there it runs in-process, as under `npm start`.
    const key = randomUUID();
    const port = await freePort();
    if (stack.databaseUrl) {
      apiProcess = spawn(process.execPath, ['--import', 'tsx', 'src/api-main.ts'], {
        cwd: path.resolve(__dirname, '..'),
        env: { ...process.env, TEMPORAL_ADDRESS: stack.temporal.address, DATABASE_URL: stack.databaseUrl, HOST: '127.0.0.1', PORT: String(port), API_KEYS: `operator:${key}`, TASK_QUEUE, BREAKER_FAILURE_THRESHOLD: '1', LOG_LEVEL: 'warn' },
        stdio: 'ignore',
      });
      await until(async () => (await fetch(`http://127.0.0.1:${port}/api/v1/health`).catch(() => undefined))?.status === 200, 200, 120_000, 'API up');
    } else {
      const app = createApp({ prisma: db.prisma, temporal: client, breaker, taskQueue: TASK_QUEUE, logger: stack.logger, apiKeys: [{ role: 'operator', key }] });
      api = await new Promise<Server>((resolve) => {
        const server = app.listen(port, '127.0.0.1', () => resolve(server));
      });
    }
    const statusUrl = `http://127.0.0.1:${port}/api/v1/queue-management/status`;
    const completedBefore = await db.prisma.job.count({ where: { status: 'COMPLETED' } });
    t = performance.now();
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const apiCpuBefore = apiProcess?.pid ? procCpuMs(`/proc/${apiProcess.pid}/stat`) : NaN;
    const { latencies: statusLatencies, failed: failedReads, cpuMs: readersCpuMs } = await statusReaders(statusUrl, key);
    const apiCpuMs = apiProcess?.pid ? procCpuMs(`/proc/${apiProcess.pid}/stat`) - apiCpuBefore : NaN;
    loopDelay.disable();
    const jobsPerSecondDuringReads = ((await db.prisma.job.count({ where: { status: 'COMPLETED' } })) - completedBefore) / ((performance.now() - t) / 1000);
    // The read as it was before the counters: both tables grouped on every request.
    const groupByLatencies = await readLoad(READERS, Math.min(5, STATUS_SECONDS), async () => {
      await Promise.all([
        db.prisma.campaign.groupBy({ by: ['status'], _count: { _all: true } }),
        db.prisma.job.groupBy({ by: ['status'], _count: { _all: true } }),
      ]);
    });
    // The two halves alone: the breaker workflow's state query (a query to a workflow on this busy worker: the
    // platform's part) and the counters (the database's part).
    const queryLatencies = await readLoad(READERS, Math.min(5, STATUS_SECONDS), async () => {
      await breaker.state();
    });
    const countLatencies = await readLoad(READERS, Math.min(5, STATUS_SECONDS), async () => {
      await readStatusCounts(probePrisma);
    });
    const status = {
      queryP99: percentile(queryLatencies, 99),
      countsP99: percentile(countLatencies, 99),
      p50: percentile(statusLatencies, 50),
      p95: percentile(statusLatencies, 95),
      p99: percentile(statusLatencies, 99),
      groupByP99: percentile(groupByLatencies, 99),
      workerLoopP50: loopDelay.percentile(50) / 1e6,
      workerLoopP99: loopDelay.percentile(99) / 1e6,
      apiCpuPerRead: apiCpuMs / Math.max(1, statusLatencies.length),
      readersCpuPerRead: readersCpuMs / Math.max(1, statusLatencies.length),
    };
    console.log('');
    console.log(`status read (API ${stack.databaseUrl ? 'in a process of its own' : 'in the worker process'}), ${READERS} readers, ${STATUS_SECONDS} s, ${statusLatencies.length} reads (${failedReads} not 200) while ${jobsPerSecondDuringReads.toFixed(0)} jobs/s complete:`);
    console.log(`   p50 ${ms(status.p50)}   p95 ${ms(status.p95)}   p99 ${ms(status.p99)}   (target p99 <= 100 ms; readers in a process of their own)`);
    console.log(`   meanwhile the worker's event loop (this process) was late by p50 ${ms(status.workerLoopP50)}, p99 ${ms(status.workerLoopP99)}: delays readers living here would add`);
    console.log(`   CPU per read: the API process ${apiProcess ? `${status.apiCpuPerRead.toFixed(2)} ms` : 'n/a (in this process)'}, the readers' own process ${status.readersCpuPerRead.toFixed(2)} ms`);
    console.log(`   its parts alone, ${READERS} readers each: the breaker's state query p99 ${ms(status.queryP99)}, the maintained counts p99 ${ms(status.countsP99)}`);
    console.log(`   the old whole-table grouping alone (database only): p99 ${ms(status.groupByP99)}`);

    // From here on calls stay in flight: the system settles (every job slot holds a call) and the probe's jobs are
    // the ones completing through the trip, so the trip is measured on a machine the pipeline does not saturate.
    held = true;
    await until(() => Promise.resolve(providers.inFlight >= Math.min(N * 5, 500)), 200, 600_000, 'calls in flight');
    await sleep(5_000);
    const totalJobs = await db.prisma.job.count({ where: { status: { in: ['PENDING', 'PROCESSING'] }, campaignId: { not: probeCampaign } } });

    // ---- 2. trip, with jobs completing -------------------------------------------------------------
    const probe = new ClaimProbe(probePrisma, probeCampaign!, probeJobs);
    probe.start();
    await sleep(500);
    if (probe.claims === 0) throw new Error('bench: the probe claimed nothing before the trip');
    const trippedCpu = cpu.mark();
    const trippedAt = performance.now();
    await client.workflow.getHandle(BREAKER_WORKFLOW_ID).signal(recordFailureSignal, {
      service: 'apollo', error: 'bench: HTTP 503', failureType: 'server_error',
    });
    const since = (at: number) => () => performance.now() - at;
    let ackedCpu = trippedCpu;
    const [open, gateRow, campaignsPaused, jobsPaused, acked, visible] = await Promise.all([
      until(async () => (await breaker.state()).state === 'OPEN', 5, 60_000, 'breaker OPEN').then(since(trippedAt)),
      until(async () => (await probePrisma.systemState.findUniqueOrThrow({ where: { id: 1 } })).queueState === 'PAUSED', 2, 60_000, 'gate closed').then(since(trippedAt)),
      until(async () => (await db.prisma.campaign.count({ where: { status: 'RUNNING' } })) === 0, 5, 120_000, 'campaigns PAUSED').then(since(trippedAt)),
      until(async () => (await db.prisma.job.findFirst({ where: { status: { in: ['PENDING', 'PROCESSING'] } }, select: { id: true } })) === null, 5, 300_000, 'jobs PAUSED').then(since(trippedAt)),
      until(async () => (await db.prisma.campaign.count({ where: { OR: [{ workflowStatus: null }, { workflowStatus: { not: 'PAUSED' } }] } })) === 0, 20, 600_000, 'every workflow acknowledged')
        .then(since(trippedAt))
        .then((at) => ((ackedCpu = cpu.mark()), at)),
      until(async () => (await client.workflow.count(`TaskQueue = '${TASK_QUEUE}' AND CampaignStatus = 'PAUSED'`)).count === N, 250, 600_000, 'Web UI shows every campaign PAUSED').then(since(trippedAt)),
    ]);
    await sleep(500);
    await probe.stop();
    if (probe.firstRefusedAt === undefined) throw new Error('bench: the probe was never refused');
    if (probe.claimsAfterRefusal > 0) throw new Error(`bench: ${probe.claimsAfterRefusal} claims succeeded after the gate refused one`);
    const gate = probe.firstRefusedAt - trippedAt;
    const lastClaim = probe.lastClaimAt - trippedAt;
    const pausedCpu = cpuSpent(trippedCpu, ackedCpu);

    console.log('');
    console.log(`trip -> breaker OPEN (query)                    ${ms(open)}`);
    console.log(`trip -> gate: claims refused                    ${ms(gate)}   (target <= 300 ms; last claim returned at ${lastClaim.toFixed(0)} ms, system_state PAUSED seen at ${gateRow.toFixed(0)} ms, no claim after)`);
    console.log(`trip -> database: every campaign PAUSED         ${ms(campaignsPaused)}   (target <= 1000 ms)`);
    console.log(`trip -> database: every job PAUSED              ${ms(jobsPaused)}   (target <= 3000 ms; ${totalJobs} unfinished jobs)`);
    console.log(`trip -> every campaign workflow acked PAUSED    ${ms(acked)}   (${cpuText(pausedCpu, db.kind)})`);
    console.log(`trip -> Web UI (visibility) shows all PAUSED    ${ms(visible)}`);

    // ---- 3. reset, then resume ----------------------------------------------------------------------
    await db.prisma.campaign.delete({ where: { id: probeCampaign } });
    await breaker.reset({ service: 'apollo', actor: 'bench' });
    const resumedAt = performance.now();
    const resumeCall = breaker.resumeQueue({ actor: 'bench' }).then((result) => ({ result, at: performance.now() - resumedAt }));
    const [resume, dbResumed] = await Promise.all([
      resumeCall,
      until(async () => (await db.prisma.campaign.count({ where: { status: 'RUNNING' } })) === N, 5, 300_000, 'database RUNNING').then(since(resumedAt)),
    ]);
    if (resume.result.campaign_resume_errors.length > 0) throw new Error(`bench: resume errors ${JSON.stringify(resume.result.campaign_resume_errors)}`);

    // ---- 4. platform limits -------------------------------------------------------------------------
    await sleep(5_000);
    let mark = cpu.mark();
    t = performance.now();
    await settleWithConcurrency(ids, CONCURRENCY, (id) => client.workflow.getHandle(campaignWorkflowId(id)).signal('benchProbe'));
    const bareSignal = performance.now() - t;
    const bareSignalCpu = cpuSpent(mark, cpu.mark());
    await sleep(5_000);
    // The floor for any acknowledgement a workflow gives: an update whose handler changes nothing (resume to a
    // running campaign), so one workflow task per campaign and no command.
    mark = cpu.mark();
    t = performance.now();
    const bareAckResults = await settleWithConcurrency(ids, CONCURRENCY, (id) =>
      client.workflow.getHandle(campaignWorkflowId(id)).executeUpdate(resumeCampaignUpdate),
    );
    const bareAck = performance.now() - t;
    const bareAckCpu = cpuSpent(mark, cpu.mark());
    // Reported, not fatal: at 10,000 campaigns a few updates can fail under the load (the figure stays honest).
    const bareAckMisses = bareAckResults.filter((result) => result.status === 'rejected' || result.value !== 'RUNNING');
    const bareAckFailed = bareAckMisses.length;
    if (bareAckFailed > 0) {
      const first = bareAckMisses[0]!;
      console.log(`WARNING: ${bareAckFailed} campaigns did not answer the no-op update with RUNNING; the first: ${first.status === 'rejected' ? String(first.reason) : `answered ${String(first.value)}`}`);
    }
    t = performance.now();
    await db.prisma.$transaction([
      db.prisma.$executeRaw`UPDATE campaigns SET updated_at = now()`,
      db.prisma.$executeRaw`UPDATE jobs SET updated_at = now() WHERE status IN ('PENDING', 'PROCESSING', 'PAUSED')`,
    ]);
    const bareUpdate = performance.now() - t;

    console.log('');
    console.log(`platform: bare client signals ${N} workflows      ${ms(bareSignal)}   (${cpuText(bareSignalCpu, db.kind)})`);
    console.log(`platform: bare acknowledgement, ${N} no-op updates ${ms(bareAck)}   (${cpuText(bareAckCpu, db.kind)})`);
    console.log(`platform: one UPDATE of ${N} campaigns + their unfinished jobs ${ms(bareUpdate)}`);
    console.log('');
    console.log(`trip -> every campaign workflow acked PAUSED    ${ms(acked)}   (${(acked / bareAck).toFixed(2)}x bare acknowledgement, target <= 1.5x; ${(acked / bareSignal).toFixed(2)}x bare signal)`);
    console.log(`resume-queue returned: every campaign acked     ${ms(resume.at)}   (${(resume.at / bareAck).toFixed(2)}x bare acknowledgement, target <= 2x; ${resume.result.jobs_resumed} jobs, ${resume.result.campaigns_resumed} campaigns)`);
    console.log(`resume -> database: every campaign RUNNING      ${ms(dbResumed)}`);
    console.log(`worker memory: ${rssPer1000.toFixed(0)} MB per 1,000 open campaigns (RSS ${rssBefore.toFixed(0)} -> ${rssAfter.toFixed(0)} MB)`);
    console.log(JSON.stringify({
      campaigns: N,
      backlog: BACKLOG,
      database: db.kind,
      gate_ms: round(gate),
      db_campaigns_paused_ms: round(campaignsPaused),
      db_jobs_paused_ms: round(jobsPaused),
      acked_ms: round(acked),
      bare_ack_ms: round(bareAck),
      bare_ack_failed: bareAckFailed,
      bare_signal_ms: round(bareSignal),
      resume_ms: round(dbResumed),
      resume_acked_ms: round(resume.at),
      worker_rss_mb: round(rssAfter),
      worker_rss_mb_per_1000_campaigns: round(rssPer1000),
      status_readers: READERS,
      status_p50_ms: round(status.p50, 1),
      status_p99_ms: round(status.p99, 1),
      worker_event_loop_p99_ms: round(status.workerLoopP99, 1),
      status_groupby_p99_ms: round(status.groupByP99, 1),
      status_breaker_query_p99_ms: round(status.queryP99, 1),
      status_counts_p99_ms: round(status.countsP99, 1),
      status_api_cpu_ms_per_read: apiProcess ? round(status.apiCpuPerRead, 2) : null,
      status_readers_cpu_ms_per_read: round(status.readersCpuPerRead, 2),
      jobs_per_s_during_reads: round(jobsPerSecondDuringReads),
    }));
  } finally {
    providers.releaseAll();
    api?.close();
    apiProcess?.kill('SIGTERM');
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
