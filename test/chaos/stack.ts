/**
 * The product as it runs in production, one process each: a Temporal dev server of its own (SQLite file),
 * a throw-away PostgreSQL database, the simulator, `npm run api` and `npm run worker`, all on free ports.
 * Knows how to kill and restart each of them, and how to restart PostgreSQL itself.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { createScratchPostgresDatabase, dropScratchPostgresDatabase } from '../../src/db/scratch';
import { SERVICES } from '../../src/providers/types';
import { SIMULATED_DEFAULT_LIMIT } from '../../src/providers/limits';
import { SIMULATOR_API_KEY } from '../../src/simulator/provider-config';
import { type DevServer, startDevServer } from '../../src/temporal/dev-server';
import { killAllProcessGroups, ManagedProcess } from './process';
import { type Recorder, sleep, waitFor } from './record';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

export interface StackOptions {
  databaseUrl: string;
  latencyMs: number;
  /** 'auto', 'off', or a shell command that restarts the PostgreSQL server DATABASE_URL points at. */
  pgRestart: string;
  recorder: Recorder;
}

const NAMESPACE = 'default';

export class ChaosStack {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'leadgen-chaos-'));
  readonly logDir = path.join(this.dir, 'logs');
  readonly operatorKey = randomBytes(18).toString('base64url');
  dbUrl: URL | undefined;
  temporal: DevServer | undefined;
  temporalAddress = '';
  apiUrl = '';
  simulatorUrl = '';
  simulator!: ManagedProcess;
  api!: ManagedProcess;
  worker!: ManagedProcess;
  private temporalPorts = { port: 0, uiPort: 0 };
  private temporalLogFd: number | undefined;
  private closed = false;

  constructor(private readonly options: StackOptions) {
    mkdirSync(this.logDir, { recursive: true });
  }

  private get recorder(): Recorder {
    return this.options.recorder;
  }

  async start(): Promise<void> {
    const [temporalPort, uiPort, simulatorPort, apiPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    this.temporalPorts = { port: temporalPort, uiPort };
    this.dbUrl = await createScratchPostgresDatabase(this.options.databaseUrl, 'leadgen_chaos');
    this.recorder.event('setup', `throw-away database ${this.dbUrl.pathname.slice(1)}; logs in ${this.logDir}`);

    await this.startTemporal();
    this.simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
    this.apiUrl = `http://127.0.0.1:${apiPort}/api/v1`;

    const base: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: path.join(this.dir, 'data'),
      DATABASE_URL: this.dbUrl.toString(),
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_NAMESPACE: NAMESPACE,
      BREAKER_FAILURE_THRESHOLD: '1',
      LOG_LEVEL: 'info',
    };
    // Every service "has a key" and points at the one simulator, so no process starts a simulator of its own.
    for (const service of SERVICES) {
      const prefix = service.toUpperCase();
      base[`${prefix}_API_KEY`] = SIMULATOR_API_KEY;
      base[`${prefix}_BASE_URL`] = `${this.simulatorUrl}/${service}`;
      // The simulator is not the provider: its entry-tier limits (Perplexity 50/min) would only stretch the drill.
      base[`${prefix}_RATE_LIMIT`] = `${SIMULATED_DEFAULT_LIMIT.rate}`;
      base[`${prefix}_MAX_CONCURRENCY`] = String(SIMULATED_DEFAULT_LIMIT.maxConcurrency);
    }
    const healthy = (url: string) => async () => (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok;

    this.simulator = this.managed(
      new ManagedProcess({
        name: 'simulator',
        entry: 'src/simulator/main.ts',
        env: { ...base, SIMULATOR_PORT: String(simulatorPort), SIMULATOR_HOST: '127.0.0.1', SIMULATOR_LATENCY_MS: String(this.options.latencyMs) },
        logFile: path.join(this.logDir, 'simulator.log'),
        readyProbe: healthy(`${this.simulatorUrl}/health`),
      }),
    );
    this.api = this.managed(
      new ManagedProcess({
        name: 'api',
        entry: 'src/api-main.ts',
        env: { ...base, HOST: '127.0.0.1', PORT: String(apiPort), API_KEYS: `operator:${this.operatorKey}` },
        logFile: path.join(this.logDir, 'api.log'),
        readyProbe: healthy(`${this.apiUrl}/health`),
      }),
    );
    this.worker = this.managed(
      new ManagedProcess({
        name: 'worker',
        entry: 'src/worker-main.ts',
        env: base,
        logFile: path.join(this.logDir, 'worker.log'),
        readyLine: /"msg":"worker running"/,
        countLines: { deadlock: /deadlock detected/i, nondeterminism: /Nondeterminism error/ },
      }),
    );
    const [simulatorMs, apiMs] = await Promise.all([this.simulator.start(), this.api.start()]);
    // The api migrated the database; the worker starts on a migrated schema.
    const workerMs = await this.worker.start();
    this.recorder.event('setup', `simulator ready in ${simulatorMs} ms, api in ${apiMs} ms, worker in ${workerMs} ms; api ${this.apiUrl}, simulator ${this.simulatorUrl}, temporal ${this.temporalAddress}`);
  }

  /** A process the drill did not stop itself is restarted, as a process manager would, and the crash recorded. */
  private managed(proc: ManagedProcess): ManagedProcess {
    proc.onUnexpectedExit = (code, signal) => {
      if (this.closed) return;
      this.recorder.unexpectedExits.push({ at: new Date().toISOString(), process: proc.name, code, signal });
      this.recorder.warn(`${proc.name} exited by itself (code ${code}, signal ${signal}); restarting it`);
      void sleep(500).then(() => {
        if (this.closed || proc.running) return;
        proc.start().catch((error: unknown) => this.recorder.warn(`${proc.name} restart failed: ${String(error)}`));
      });
    };
    return proc;
  }

  private async startTemporal(): Promise<void> {
    this.temporalLogFd ??= openSync(path.join(this.logDir, 'temporal.log'), 'a');
    this.temporal = await startDevServer({
      dataDir: path.join(this.dir, 'temporal'),
      port: this.temporalPorts.port,
      uiPort: this.temporalPorts.uiPort,
      namespace: NAMESPACE,
      stderr: this.temporalLogFd,
    });
    this.temporalAddress = this.temporal.address;
  }

  /** SIGTERM to the dev server, then the same command again: same ports, same SQLite file. */
  async restartTemporal(): Promise<number> {
    const startedAt = Date.now();
    await this.temporal!.stop();
    this.recorder.event('temporal', `dev server stopped (SIGTERM) after ${Date.now() - startedAt} ms; starting it again on ${this.temporalAddress}`);
    await this.startTemporal();
    const downMs = Date.now() - startedAt;
    this.recorder.restarts.push({ what: 'temporal', at: new Date(startedAt).toISOString(), downMs });
    this.recorder.event('temporal', `dev server serving again after ${downMs} ms`);
    return downMs;
  }

  /** The command that restarts the PostgreSQL server, or why there is none. */
  pgRestartCommand(): { argv: string[] } | { skip: string } {
    const setting = this.options.pgRestart;
    if (setting === 'off') return { skip: 'disabled (--pg-restart off)' };
    if (setting !== 'auto') return { argv: ['sh', '-c', setting] };
    const port = new URL(this.options.databaseUrl).port || '5432';
    if (process.getuid?.() === 0) {
      try {
        const clusters = execFileSync('pg_lsclusters', ['-h'], { encoding: 'utf8' });
        const line = clusters.split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[2] === port && f[3] === 'online');
        if (line) return { argv: ['pg_ctlcluster', line[0]!, line[1]!, 'restart'] };
      } catch {
        // No Debian cluster tools: try PGDATA below.
      }
    }
    if (process.env.PGDATA) return { argv: ['pg_ctl', 'restart', '-D', process.env.PGDATA, '-m', 'fast', '-w'] };
    return { skip: `neither pg_ctlcluster (as root, a cluster online on port ${port}) nor PGDATA with pg_ctl is available` };
  }

  /** Restarts PostgreSQL; resolves with the milliseconds until it accepted connections again, or undefined if skipped. */
  async restartPostgres(): Promise<number | undefined> {
    const command = this.pgRestartCommand();
    if ('skip' in command) {
      this.recorder.warn(`!!! PostgreSQL restart SKIPPED: ${command.skip}. Set --pg-restart "<command>" to test it. !!!`);
      this.recorder.restarts.push({ what: 'postgresql', at: new Date().toISOString(), downMs: -1, detail: `skipped: ${command.skip}` });
      return undefined;
    }
    const startedAt = Date.now();
    this.recorder.event('postgresql', `restarting: ${command.argv.join(' ')}`);
    execFileSync(command.argv[0]!, command.argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    const up = await waitFor(async () => {
      const client = new PgClient({ connectionString: this.dbUrl!.toString(), connectionTimeoutMillis: 1_000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } finally {
        await client.end().catch(() => {});
      }
    }, 60_000, 100);
    const downMs = Date.now() - startedAt;
    if (!up) throw new Error(`PostgreSQL did not come back within 60 s after ${command.argv.join(' ')}`);
    this.recorder.restarts.push({ what: 'postgresql', at: new Date(startedAt).toISOString(), downMs, detail: command.argv.join(' ') });
    this.recorder.event('postgresql', `accepting connections again after ${downMs} ms`);
    return downMs;
  }

  /** Stops everything and drops the database; idempotent, never throws. Keeps the logs when asked to. */
  async close({ keepLogs }: { keepLogs: boolean }): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const procs = [this.worker, this.api, this.simulator].filter(Boolean);
    await Promise.all(procs.map((proc) => proc.stop(5_000).catch(() => {})));
    killAllProcessGroups();
    await this.temporal?.stop().catch(() => {});
    await Promise.all(procs.map((proc) => proc.closeLog().catch(() => {})));
    if (this.temporalLogFd !== undefined) closeSync(this.temporalLogFd);
    if (this.dbUrl) {
      await dropScratchPostgresDatabase(this.dbUrl).catch((error: unknown) => this.recorder.warn(`could not drop ${String(this.dbUrl)}: ${String(error)}`));
    }
    if (keepLogs) {
      rmSync(path.join(this.dir, 'temporal'), { recursive: true, force: true });
      rmSync(path.join(this.dir, 'data'), { recursive: true, force: true });
    } else {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
