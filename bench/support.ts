/**
 * What the benches share: an embedded stack (dev server, a throw-away database, the simulator, the worker),
 * bulk seeding of campaigns with their backlogs, timing and CPU accounting. The benches never write to the
 * database DATABASE_URL names: PGlite, or with --postgres a throw-away database next to it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { PrismaPg } from '@prisma/adapter-pg';
import { BreakerClient } from '../src/breaker/client';
import { type AppConfig, loadConfig } from '../src/config';
import { type Database, openDatabase, type PrismaClient } from '../src/db/database';
import { createScratchPostgresDatabase, dropScratchPostgresDatabase } from '../src/db/scratch';
import { PrismaClient as Prisma } from '../src/generated/prisma/client';
import { createLogger, type Logger } from '../src/logger';
import { type LeadProviders, SERVICES } from '../src/providers/types';
import { SIMULATOR_API_KEY } from '../src/simulator/provider-config';
import { openProviders, openTemporal, type TemporalHandles } from '../src/runtime';
import { createWorkers, type Workers } from '../src/worker';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function until(probe: () => Promise<boolean>, intervalMs = 10, timeoutMs = 60_000, what = 'condition'): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`bench: ${what} not reached in ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const ms = (value: number) => `${value.toFixed(0).padStart(6)} ms`;
export const round = (value: number, digits = 0) => Number(value.toFixed(digits));

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** CPU milliseconds so far of this process, the dev server, the PostgreSQL server and the simulator (Linux /proc). */
export interface CpuMark {
  bench: number;
  /** This process by thread group (see threadGroupOf). */
  threads: Record<ThreadGroup, number>;
  server: number;
  database: number;
  simulator: number;
}

/** The fields of a /proc stat file after the command name: [0] the state, [1] the parent's pid, [11] utime, [12] stime. */
function procStatFields(statPath: string): string[] {
  return readFileSync(statPath, 'utf8').split(') ')[1]!.split(' ');
}

export function procCpuMs(statPath: string): number {
  try {
    const fields = procStatFields(statPath);
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/**
 * Where the worker process's CPU goes, by thread: `main` runs the activities, the client and PGlite; `workflows`
 * are the threads the SDK starts to run workflow code in its sandbox; `core` is Temporal's Rust core (its tokio
 * and timer threads, named so); `background` are the threads Node had before the bench opened anything: V8's
 * garbage collector and optimizing compiler, and libuv's pool.
 */
export type ThreadGroup = 'main' | 'workflows' | 'core' | 'background';
const THREAD_GROUPS: ThreadGroup[] = ['main', 'workflows', 'core', 'background'];
const TASKS = '/proc/self/task';
const startupThreads = new Set(readdirSync(TASKS));

function threadGroupOf(tid: string): ThreadGroup {
  if (tid === String(process.pid)) return 'main';
  if (readFileSync(`${TASKS}/${tid}/comm`, 'utf8').trim() !== 'node') return 'core';
  return startupThreads.has(tid) ? 'background' : 'workflows';
}

function threadCpuMs(): Record<ThreadGroup, number> {
  const groups: Record<ThreadGroup, number> = { main: 0, workflows: 0, core: 0, background: 0 };
  for (const tid of readdirSync(TASKS)) {
    try {
      groups[threadGroupOf(tid)] += procCpuMs(`${TASKS}/${tid}/stat`) || 0;
    } catch {
      // The thread ended meanwhile.
    }
  }
  return groups;
}

/**
 * Every process of the PostgreSQL server (its backends, and the WAL writer, checkpointer and autovacuum our writes
 * cause), each kept at its last reading: the pool closes idle connections, and a connection that ends between two
 * marks keeps the CPU it spent. Read every 250 ms and at each mark.
 */
class PostgresCpu {
  private readonly lastSeen = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly postmasterPid: string) {
    this.timer = setInterval(() => this.read(), 250);
    this.timer.unref();
  }

  /** The server's CPU so far, in milliseconds (processes that ended at their last reading). */
  read(): number {
    const pm = this.postmasterPid;
    let children: string[] = [];
    try {
      children = readFileSync(`/proc/${pm}/task/${pm}/children`, 'utf8').split(' ').filter(Boolean);
    } catch {
      // The server is gone: what was read stays.
    }
    for (const pid of [pm, ...children]) {
      const spent = procCpuMs(`/proc/${pid}/stat`);
      if (!Number.isNaN(spent)) this.lastSeen.set(pid, Math.max(spent, this.lastSeen.get(pid) ?? 0));
    }
    let total = 0;
    for (const spent of this.lastSeen.values()) total += spent;
    return total;
  }

  close(): void {
    clearInterval(this.timer);
  }
}

export class CpuMeter {
  private constructor(
    private readonly serverPid: number | undefined,
    private readonly postgres: PostgresCpu | undefined,
    private readonly simulatorPid?: number,
  ) {}

  /** PostgreSQL is found through one of the bench's connections (its server process's parent); PGlite runs in this process. */
  static async open(serverPid: number | undefined, db: Database, simulatorPid?: number): Promise<CpuMeter> {
    if (db.kind !== 'postgresql') return new CpuMeter(serverPid, undefined, simulatorPid);
    const [{ pid }] = await db.prisma.$queryRaw<[{ pid: number }]>`SELECT pg_backend_pid() AS pid`;
    const postmasterPid = procStatFields(`/proc/${pid}/stat`)[1]!;
    return new CpuMeter(serverPid, new PostgresCpu(postmasterPid), simulatorPid);
  }

  mark(): CpuMark {
    const { user, system } = process.cpuUsage();
    return {
      bench: (user + system) / 1000,
      threads: threadCpuMs(),
      server: this.serverPid ? procCpuMs(`/proc/${this.serverPid}/stat`) : NaN,
      database: this.postgres?.read() ?? 0,
      simulator: this.simulatorPid ? procCpuMs(`/proc/${this.simulatorPid}/stat`) : 0,
    };
  }

  close(): void {
    this.postgres?.close();
  }
}

export interface CpuSpent {
  worker_s: number;
  threads_s: Record<ThreadGroup, number>;
  server_s: number;
  database_s: number;
  simulator_s: number;
}

export function cpuSpent(from: CpuMark, to: CpuMark): CpuSpent {
  return {
    worker_s: round((to.bench - from.bench) / 1000, 1),
    // A thread that ended between the marks takes its CPU with it: never below zero.
    threads_s: Object.fromEntries(THREAD_GROUPS.map((group) => [group, round(Math.max(0, to.threads[group] - from.threads[group]) / 1000, 1)])) as Record<ThreadGroup, number>,
    server_s: round((to.server - from.server) / 1000, 1),
    database_s: round(Math.max(0, to.database - from.database) / 1000, 1),
    simulator_s: round((to.simulator - from.simulator) / 1000, 1),
  };
}

/** CPU spent over several measured spans, added up. */
export function cpuTotal(spans: CpuSpent[]): CpuSpent {
  const sum = (pick: (cpu: CpuSpent) => number) => round(spans.reduce((total, cpu) => total + pick(cpu), 0), 1);
  return {
    worker_s: sum((cpu) => cpu.worker_s),
    threads_s: Object.fromEntries(THREAD_GROUPS.map((group) => [group, sum((cpu) => cpu.threads_s[group])])) as Record<ThreadGroup, number>,
    server_s: sum((cpu) => cpu.server_s),
    database_s: sum((cpu) => cpu.database_s),
    simulator_s: sum((cpu) => cpu.simulator_s),
  };
}

export const cpuText = (cpu: CpuSpent, dbKind: string) =>
  `CPU: worker process ${cpu.worker_s} s, dev server ${cpu.server_s} s` +
  (dbKind === 'postgresql' ? `, PostgreSQL server ${cpu.database_s} s` : ' (PGlite inside the worker process)') +
  (cpu.simulator_s > 0 ? `, simulator process ${cpu.simulator_s} s` : '');

export interface BenchStack {
  config: AppConfig;
  temporal: TemporalHandles;
  db: Database;
  breaker: BreakerClient;
  workers: Workers;
  logger: Logger;
  cpu: CpuMeter;
  /** The throw-away PostgreSQL database (undefined on PGlite). */
  databaseUrl?: string;
  /** The simulator's base URL. */
  simulatorUrl: string;
  /** A client of its own on the bench's database (PostgreSQL), for probes that must not queue behind the worker. */
  probePrisma(): PrismaClient;
  close(): Promise<void>;
}

export interface StackOptions {
  taskQueue: string;
  postgres: boolean;
  inMemory?: boolean;
  /** The product's providers against the zero-latency simulator unless given. */
  providers?: (simulated: LeadProviders) => LeadProviders;
  maxConcurrentJobs?: number;
  fanOutConcurrency?: number;
  /** The simulator as a process of its own (as a real service would be), not inside the worker's process. */
  simulatorProcess?: boolean;
  /** Sees every log line the product writes (at LOG_LEVEL, default warn). */
  onLogLine?: (line: string) => void;
}

/** Dev server, database, simulator, the product's worker and its breaker, all in this process but the server. */
export async function openBenchStack(options: StackOptions): Promise<BenchStack> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'leadgen-bench-'));
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: '',
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    SIMULATOR_PORT: '0',
    SIMULATOR_LATENCY_MS: '0',
  });
  const logger = createLogger(
    { level: process.env.LOG_LEVEL ?? 'warn' },
    new Writable({
      write(chunk, _encoding, done) {
        if (options.onLogLine) for (const line of String(chunk).split('\n')) if (line) options.onLogLine(line);
        done();
      },
    }),
  );
  const temporal = await openTemporal(config, { embedded: true, persist: !options.inMemory });
  let scratchUrl: URL | undefined;
  if (options.postgres) {
    if (!process.env.DATABASE_URL) throw new Error('bench: --postgres needs DATABASE_URL (a role that may CREATE DATABASE)');
    scratchUrl = await createScratchPostgresDatabase(process.env.DATABASE_URL, 'leadgen_bench');
  }
  const db = await openDatabase({ databaseUrl: scratchUrl?.toString(), pgliteDir: path.join(dataDir, 'pglite') });
  // No API keys in this environment: every service is simulated, at zero latency.
  let simulatorProcess: ChildProcess | undefined;
  let simulatorEnv: NodeJS.ProcessEnv = {};
  let simulatorUrl = '';
  if (options.simulatorProcess) {
    const port = await freePort();
    simulatorProcess = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts'], {
      cwd: path.resolve(__dirname, '..'),
      env: { ...process.env, SIMULATOR_PORT: String(port), SIMULATOR_HOST: '127.0.0.1', SIMULATOR_LATENCY_MS: '0', LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    const url = `http://127.0.0.1:${port}`;
    simulatorUrl = url;
    await until(async () => (await fetch(`${url}/sim/services`).catch(() => undefined))?.status === 200, 200, 60_000, 'simulator up');
    simulatorEnv = Object.fromEntries(
      SERVICES.flatMap((service) => [[`${service.toUpperCase()}_API_KEY`, SIMULATOR_API_KEY], [`${service.toUpperCase()}_BASE_URL`, `${url}/${service}`]]),
    );
  }
  const opened = await openProviders(config, logger, simulatorEnv);
  const providers = options.providers ? options.providers(opened.providers) : opened.providers;
  const workers = await createWorkers({
    connection: temporal.nativeConnection,
    taskQueue: options.taskQueue,
    maxConcurrentJobs: options.maxConcurrentJobs,
    deps: {
      prisma: db.prisma,
      breakerPrisma: db.breakerPrisma,
      providers,
      temporal: temporal.client,
      logger,
      taskQueue: options.taskQueue,
      failureThreshold: 1,
      fanOutConcurrency: options.fanOutConcurrency ?? 64,
    },
  });
  const running = workers.run();
  const breaker = new BreakerClient(temporal.client, options.taskQueue, 1);
  await breaker.ensureRunning();
  const probes: PrismaClient[] = [];
  const cpu = await CpuMeter.open(temporal.devServer?.pid, db, simulatorProcess?.pid);
  return {
    config,
    temporal,
    db,
    breaker,
    workers,
    logger,
    cpu,
    databaseUrl: scratchUrl?.toString(),
    simulatorUrl: simulatorUrl || opened.simulator!.url,
    probePrisma() {
      if (!scratchUrl) return db.prisma;
      const client = new Prisma({ adapter: new PrismaPg({ connectionString: scratchUrl.toString(), max: 4 }) });
      probes.push(client);
      return client;
    },
    async close() {
      cpu.close();
      workers.shutdown();
      await running;
      await Promise.all(probes.map((client) => client.$disconnect()));
      await db.close();
      await opened.simulator?.close();
      simulatorProcess?.kill('SIGTERM');
      if (scratchUrl) await dropScratchPostgresDatabase(scratchUrl);
      await temporal.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * N campaigns, CREATED, each with `backlog` leads and one PENDING VERIFY_EMAIL job per lead (what fetching
 * `backlog` leads leaves behind), written in a few statements. Returns the campaign ids.
 */
export async function seedBacklogs(prisma: PrismaClient, campaigns: number, backlog: number): Promise<string[]> {
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    INSERT INTO campaigns (id, name, search_criteria, lead_limit, copy_prompt, instantly_campaign_id, updated_at)
    SELECT gen_random_uuid(), 'bench ' || i, '{"titles":["CTO"]}'::jsonb, ${backlog}, 'bench', 'bench', now()
    FROM generate_series(1, ${campaigns}) AS i
    RETURNING id`;
  const ids = rows.map((row) => row.id);
  await prisma.$executeRaw`
    INSERT INTO jobs (id, campaign_id, type, status, updated_at, completed_at)
    SELECT gen_random_uuid(), id, 'FETCH_LEADS', 'COMPLETED', now(), now() FROM unnest(${ids}::uuid[]) AS id`;
  await prisma.$executeRaw`
    INSERT INTO leads (id, campaign_id, external_id, email, first_name, company_name, company_domain, updated_at)
    SELECT gen_random_uuid(), c.id, 'p' || j, 'p' || j || '.' || left(c.id::text, 8) || '@bench.test', 'Pat', 'Bench', 'bench.test', now()
    FROM unnest(${ids}::uuid[]) AS c(id), generate_series(1, ${backlog}) AS j`;
  await prisma.$executeRaw`
    INSERT INTO jobs (id, campaign_id, lead_id, type, status, updated_at)
    SELECT gen_random_uuid(), campaign_id, id, 'VERIFY_EMAIL', 'PENDING', now() FROM leads WHERE campaign_id = ANY(${ids}::uuid[])`;
  return ids;
}

/** The process's resident memory, in MB. */
export const rssMb = () => process.memoryUsage().rss / 1024 / 1024;
