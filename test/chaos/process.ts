/**
 * One of the product's processes (`tsx <entry>`, what `npm run worker`/`api` run), started the way a process
 * manager would: its own process group, so a SIGKILL takes tsx and the node process under it at once, output
 * appended to a log file, restarted on demand.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { sleep } from './record';

const ROOT = path.resolve(__dirname, '../..');

/** Every group still running, so an exit of the drill for any reason takes them down. */
const live = new Set<number>();
export function killAllProcessGroups(): void {
  for (const pgid of live) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

export interface ProcessSpec {
  name: string;
  entry: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  /** A line of its output that says it is ready (the worker), or a probe (servers answering /health). */
  readyLine?: RegExp;
  readyProbe?: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** Lines worth counting across restarts (e.g. deadlock errors), by name. */
  countLines?: Record<string, RegExp>;
}

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly log: WriteStream;
  private ready = false;
  private expectedExit = false;
  starts = 0;
  /** Periods it was not ready (killed, starting), as [from, to) in epoch ms; the last may still be open. */
  private readonly downs: [number, number | undefined][] = [];
  readonly lineCounts: Record<string, number> = {};
  /** Called when the process ends without the drill having asked (a crash). */
  onUnexpectedExit: (code: number | null, signal: NodeJS.Signals | null) => void = () => {};

  constructor(private readonly spec: ProcessSpec) {
    this.log = createWriteStream(spec.logFile, { flags: 'a' });
    for (const name of Object.keys(spec.countLines ?? {})) this.lineCounts[name] = 0;
  }

  get name(): string {
    return this.spec.name;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get isReady(): boolean {
    return this.running && this.ready;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Milliseconds between `from` and `to` during which it was not ready. */
  notReadyMs(from: number, to: number): number {
    let total = 0;
    for (const [start, end] of this.downs) total += Math.max(0, Math.min(end ?? to, to) - Math.max(start, from));
    return total;
  }

  private markDown(at = Date.now()): void {
    const last = this.downs.at(-1);
    if (!last || last[1] !== undefined) this.downs.push([at, undefined]);
  }

  private markReady(at = Date.now()): void {
    const last = this.downs.at(-1);
    if (last && last[1] === undefined) last[1] = at;
  }

  /** Starts it and resolves once it is ready, with the milliseconds that took. */
  async start(): Promise<number> {
    if (this.running) throw new Error(`${this.name} is already running`);
    const startedAt = Date.now();
    this.markDown(startedAt);
    this.starts++;
    this.ready = false;
    this.expectedExit = false;
    this.log.write(`\n===== [chaos] start #${this.starts} of ${this.name} at ${new Date(startedAt).toISOString()} =====\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', this.spec.entry], {
      cwd: ROOT,
      env: this.spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    live.add(child.pid!);
    let pending = '';
    const scan = (chunk: Buffer) => {
      this.log.write(chunk);
      const text = pending + chunk.toString('utf8');
      const lines = text.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!this.ready && this.spec.readyLine?.test(line)) this.ready = true;
        for (const [name, pattern] of Object.entries(this.spec.countLines ?? {})) if (pattern.test(line)) this.lineCounts[name]! += 1;
      }
    };
    child.stdout.on('data', scan);
    child.stderr.on('data', scan);
    this.exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        live.delete(child.pid!);
        this.ready = false;
        this.markDown();
        this.log.write(`\n===== [chaos] ${this.name} exited (code ${code}, signal ${signal}) at ${new Date().toISOString()} =====\n`);
        if (!this.expectedExit) this.onUnexpectedExit(code, signal);
        resolve();
      }),
    );

    const deadline = startedAt + (this.spec.readyTimeoutMs ?? 120_000);
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited during start-up (see ${this.spec.logFile})`);
      if (!this.ready && this.spec.readyProbe) this.ready = await this.spec.readyProbe().catch(() => false);
      if (this.ready) {
        this.markReady();
        return Date.now() - startedAt;
      }
      if (Date.now() > deadline) throw new Error(`${this.name} was not ready within ${this.spec.readyTimeoutMs ?? 120_000} ms (see ${this.spec.logFile})`);
      await sleep(100);
    }
  }

  /** SIGKILL to the whole group (tsx and the node process it runs), then waits for the exit. */
  async kill(): Promise<void> {
    if (!this.child || !this.running) return;
    this.expectedExit = true;
    this.ready = false;
    this.markDown();
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      // Gone already.
    }
    await this.exited;
  }

  /** SIGTERM, as a process manager stops it; SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.child || !this.running) return;
    this.expectedExit = true;
    this.ready = false;
    try {
      process.kill(-this.child.pid!, 'SIGTERM');
    } catch {
      // Gone already.
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-this.child!.pid!, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  async closeLog(): Promise<void> {
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}
