/**
 * npm run bench:pause [-- --campaigns 1000 --jobs 3]
 *
 * N campaigns on a real Temporal dev server, each with J jobs blocked in flight on a held service call.
 * Trips the breaker with a failure report and measures until (a) the breaker is OPEN, (b) every campaign
 * workflow has acknowledged the pause (its CampaignStatus search attribute reads PAUSED), (c) the database
 * shows every campaign and job PAUSED; then the same for reset + resume-queue. Beside them, the platform
 * limits on this machine: a bare client signalling the N workflows, a bare acknowledgement (a no-op update
 * each workflow answers: the least any workflow-acknowledged message costs), and one UPDATE of all the rows.
 * CPU time of this process (worker, client, PGlite) and of the dev server is printed beside each window.
 *
 * The database is a fresh PGlite, or with --postgres a throw-away database created next to DATABASE_URL's (and
 * dropped after): the bench never writes to the database DATABASE_URL names.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { BreakerClient } from '../src/breaker/client';
import { startCampaignWorkflow } from '../src/campaigns/workflow-start';
import { openDatabase } from '../src/db/database';
import { createScratchPostgresDatabase, dropScratchPostgresDatabase } from '../src/db/scratch';
import { createLogger } from '../src/logger';
import type { LeadProviders } from '../src/providers/types';
import { openTemporal } from '../src/runtime';
import { loadConfig } from '../src/config';
import { settleWithConcurrency } from '../src/util/concurrency';
import { createWorkers } from '../src/worker';
import { BREAKER_WORKFLOW_ID, campaignWorkflowId, recordFailureSignal, resumeCampaignUpdate } from '../workflows/definitions';

const { values } = parseArgs({
  options: {
    campaigns: { type: 'string', default: '1000' },
    jobs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '64' },
    // The dev server's own default keeps history in memory; `npm start` persists to SQLite (WAL).
    'in-memory': { type: 'boolean', default: false },
    postgres: { type: 'boolean', default: false },
  },
});
const N = Number(values.campaigns);
const JOBS = Number(values.jobs);
const CONCURRENCY = Number(values.concurrency);
const TASK_QUEUE = 'leadgen-bench';

/** Every call is held in flight until the bench ends: the jobs are "in flight" when the breaker trips. */
class HeldProviders implements LeadProviders {
  inFlight = 0;
  private fail!: (error: Error) => void;
  private readonly gate = new Promise<never>((_, reject) => (this.fail = reject));
  private async hold(): Promise<never> {
    this.inFlight++;
    return this.gate;
  }
  /** Lets held calls end (as failures) so the workers can shut down. */
  releaseAll(): void {
    this.fail(new Error('bench finished'));
  }
  searchPeople = () => this.hold();
  findEmails = () => this.hold();
  verifyEmail = () => this.hold();
  enrichLead = () => this.hold();
  writeCopy = () => this.hold();
  pushLead = () => this.hold();
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function until(probe: () => Promise<boolean>, intervalMs = 10, timeoutMs = 60_000, what = 'condition'): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`bench: ${what} not reached in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const ms = (value: number) => `${value.toFixed(0).padStart(6)} ms`;

/** CPU milliseconds used so far by this process and by the dev server (Linux /proc; clock ticks of 10 ms). */
interface CpuMark {
  bench: number;
  server: number;
}
function cpuMark(serverPid: number | undefined): CpuMark {
  const { user, system } = process.cpuUsage();
  let server = NaN;
  try {
    const fields = readFileSync(`/proc/${serverPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    server = (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    // Not Linux, or no embedded server: the figure is left out.
  }
  return { bench: (user + system) / 1000, server };
}
const cpuSpent = (from: CpuMark, to: CpuMark) =>
  `CPU: worker process ${((to.bench - from.bench) / 1000).toFixed(1)} s, dev server ${((to.server - from.server) / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'leadgen-bench-'));
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, TEMPORAL_ADDRESS: '', TEMPORAL_PORT: String(await freePort()), TEMPORAL_UI_PORT: String(await freePort()) });
  // The breaker's fan-out logs queue_paused (at warn) once every campaign workflow has answered
  // its update: the moment of that line is the moment all of them acknowledged.
  let pausedAckedAt: number | undefined;
  // Set once the dev server is up; the log sink below, created before it, reads it.
  // eslint-disable-next-line prefer-const
  let serverPid: number | undefined;
  let ackedCpu: CpuMark | undefined;
  const logger = createLogger(
    { level: process.env.LOG_LEVEL ?? 'warn' },
    new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) {
          if (line.includes('"event":"queue_paused"')) {
            pausedAckedAt = performance.now();
            ackedCpu = cpuMark(serverPid);
          }
        }
        done();
      },
    }),
  );
  console.log(`bench:pause — ${N} campaigns x ${JOBS} jobs in flight, fan-out concurrency ${CONCURRENCY}, ${os.cpus().length} cores, dev server ${values['in-memory'] ? 'in memory' : 'on SQLite (WAL)'}`);

  const temporal = await openTemporal(config, { embedded: true, persist: !values['in-memory'] });
  serverPid = temporal.devServer?.pid;
  let scratchUrl: URL | undefined;
  if (values.postgres) {
    if (!process.env.DATABASE_URL) throw new Error('bench: --postgres needs DATABASE_URL (a role that may CREATE DATABASE)');
    scratchUrl = await createScratchPostgresDatabase(process.env.DATABASE_URL, 'leadgen_bench');
  }
  const db = await openDatabase({ databaseUrl: scratchUrl?.toString(), pgliteDir: path.join(dataDir, 'pglite') });
  console.log(`database: ${db.kind}`);
  const providers = new HeldProviders();
  const workers = await createWorkers({
    connection: temporal.nativeConnection,
    taskQueue: TASK_QUEUE,
    maxConcurrentJobs: 500,
    deps: { prisma: db.prisma, breakerPrisma: db.breakerPrisma, providers, temporal: temporal.client, logger, taskQueue: TASK_QUEUE, failureThreshold: 1, fanOutConcurrency: CONCURRENCY },
  });
  const running = workers.run();
  const breaker = new BreakerClient(temporal.client, TASK_QUEUE, 1);
  await breaker.ensureRunning();
  const { client } = temporal;
  const count = async (query: string) => (await client.workflow.count(query)).count;

  try {
    // ---- set-up: N running campaigns, each with J verify jobs dispatched and held ----------------
    let t = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const campaign = await db.prisma.campaign.create({
        data: {
          name: `bench ${i}`,
          searchCriteria: { titles: ['CTO'] },
          leadLimit: JOBS,
          copyPrompt: 'bench',
          instantlyCampaignId: 'bench',
          jobs: { create: { type: 'FETCH_LEADS', status: 'COMPLETED' } },
          leads: { create: Array.from({ length: JOBS }, (_, j) => ({ externalId: `p${i}-${j}`, email: `p${i}-${j}@bench.test` })) },
        },
        include: { leads: true },
      });
      await db.prisma.job.createMany({ data: campaign.leads.map((lead) => ({ campaignId: campaign.id, leadId: lead.id, type: 'VERIFY_EMAIL' as const })) });
      ids.push(campaign.id);
    }
    await settleWithConcurrency(ids, CONCURRENCY, (id) => startCampaignWorkflow(client, TASK_QUEUE, id));
    await until(async () => (await count(`TaskQueue = '${TASK_QUEUE}' AND CampaignStatus = 'RUNNING'`)) === N, 200, 600_000);
    await until(() => Promise.resolve(providers.inFlight >= Math.min(N * JOBS, 500)), 200, 600_000);
    console.log(`set-up: ${N} campaigns running, ${providers.inFlight} calls held in flight (${((performance.now() - t) / 1000).toFixed(1)} s)`);

    const totalJobs = await db.prisma.job.count({ where: { status: { in: ['PENDING', 'PROCESSING'] } } });

    // ---- trip ------------------------------------------------------------------------------------
    const trippedCpu = cpuMark(serverPid);
    const trippedAt = performance.now();
    await client.workflow.getHandle(BREAKER_WORKFLOW_ID).signal(recordFailureSignal, {
      service: 'apollo', error: 'bench: HTTP 503', failureType: 'server_error',
    });
    const since = (at: number) => () => performance.now() - at;
    const [open, acked, dbPaused, visible] = await Promise.all([
      until(async () => (await breaker.state()).state === 'OPEN', 5, 60_000, 'breaker OPEN').then(since(trippedAt)),
      until(() => Promise.resolve(pausedAckedAt !== undefined), 5, 300_000, 'every workflow acknowledged').then(() => pausedAckedAt! - trippedAt),
      until(async () => {
        const [campaigns, jobs] = await Promise.all([
          db.prisma.campaign.count({ where: { status: { not: 'PAUSED' } } }),
          db.prisma.job.count({ where: { status: { in: ['PENDING', 'PROCESSING'] } } }),
        ]);
        return campaigns === 0 && jobs === 0;
      }, 5, 60_000, 'database PAUSED').then(since(trippedAt)),
      until(async () => (await count(`TaskQueue = '${TASK_QUEUE}' AND CampaignStatus = 'PAUSED'`)) === N, 100, 300_000, 'Web UI shows every campaign PAUSED').then(since(trippedAt)),
    ]);

    console.log('');
    console.log(`trip -> breaker OPEN (query)                    ${ms(open)}`);
    console.log(`trip -> database: every campaign and job PAUSED ${ms(dbPaused)}   (target < 1000 ms)`);
    console.log(`trip -> every campaign workflow acked PAUSED    ${ms(acked)}`);
    console.log(`trip -> Web UI (visibility) shows all PAUSED    ${ms(visible)}`);

    // ---- recover: reset, then resume -------------------------------------------------------------
    await breaker.reset({ service: 'apollo', actor: 'bench' });
    const resumedAt = performance.now();
    const resumeCall = breaker.resumeQueue({ actor: 'bench' }).then((result) => ({ result, at: performance.now() - resumedAt }));
    // The resume-queue update returns once its fan-out has had every campaign's answer: that is the ack.
    const [resume, dbResumed] = await Promise.all([
      resumeCall,
      until(async () => (await db.prisma.campaign.count({ where: { status: 'RUNNING' } })) === N, 5, 60_000, 'database RUNNING').then(since(resumedAt)),
    ]);

    // ---- platform limits -------------------------------------------------------------------------
    // Let the resumed campaigns re-dispatch their held jobs before measuring the platform alone.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    let cpu = cpuMark(serverPid);
    t = performance.now();
    await settleWithConcurrency(ids, CONCURRENCY, (id) => client.workflow.getHandle(campaignWorkflowId(id)).signal('benchProbe'));
    const bareSignal = performance.now() - t;
    const bareSignalCpu = cpuSpent(cpu, cpuMark(serverPid));
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    // The floor for any acknowledgement a workflow gives: an update whose handler changes nothing (resume
    // to a running campaign), so one workflow task per campaign and no command.
    cpu = cpuMark(serverPid);
    t = performance.now();
    const bareAckResults = await settleWithConcurrency(ids, CONCURRENCY, (id) =>
      client.workflow.getHandle(campaignWorkflowId(id)).executeUpdate(resumeCampaignUpdate),
    );
    const bareAck = performance.now() - t;
    const bareAckCpu = cpuSpent(cpu, cpuMark(serverPid));
    const bareAckFailed = bareAckResults.filter((result) => result.status === 'rejected' || result.value !== 'RUNNING').length;
    if (bareAckFailed > 0) throw new Error(`bench: ${bareAckFailed} campaigns did not answer the no-op update with RUNNING`);
    t = performance.now();
    await db.prisma.$transaction([
      db.prisma.$executeRaw`UPDATE campaigns SET updated_at = now()`,
      db.prisma.$executeRaw`UPDATE jobs SET updated_at = now()`,
    ]);
    const bareUpdate = performance.now() - t;

    console.log('');
    console.log(`platform: bare client signals ${N} workflows      ${ms(bareSignal)}   (${bareSignalCpu})`);
    console.log(`platform: bare acknowledgement, ${N} no-op updates ${ms(bareAck)}   (${bareAckCpu})`);
    console.log(`platform: one UPDATE of ${N} campaigns + ${totalJobs} jobs  ${ms(bareUpdate)}`);
    console.log('');
    console.log(`trip -> every campaign workflow acked PAUSED    ${ms(acked)}   (${(acked / bareSignal).toFixed(2)}x bare signal, target <= 1.5x; ${(acked / bareAck).toFixed(2)}x bare acknowledgement)`);
    console.log(`   ${cpuSpent(trippedCpu, ackedCpu!)}`);
    console.log('');
    console.log(`resume-queue returned: every campaign acked     ${ms(resume.at)}   (${resume.result.jobs_resumed} jobs, ${resume.result.campaigns_resumed} campaigns; ${(resume.at / bareSignal).toFixed(2)}x bare signal)`);
    console.log(`resume -> database: every campaign RUNNING      ${ms(dbResumed)}`);
  } finally {
    providers.releaseAll();
    workers.shutdown();
    await running;
    await db.close();
    if (scratchUrl) await dropScratchPostgresDatabase(scratchUrl);
    await temporal.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
