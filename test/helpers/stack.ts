import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Stack {
  child: ChildProcess;
  apiUrl: string;
  /** The operator dashboard (served by the API process at `/`). */
  dashboardUrl: string;
  uiUrl: string;
  simulatorUrl: string;
  /** The operator key: the generated one, or the first `operator:` entry of an API_KEYS given in extraEnv. */
  key: string;
  /** Where the generated operator key is kept. */
  keyFile: string;
  stdout(): string;
  /** Everything written to stderr (the JSON logs at LOG_LEVEL). */
  logs(): string;
  /** GET/POST the API with the operator key; returns the HTTP status and the parsed body. */
  api<T = any>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<{ status: number; body: T }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Ctrl-C, then the exit code. */
  interrupt(): Promise<number | null>;
  destroy(): void;
}

/** `npm start`'s entry point in a scratch data folder on free ports: the whole embedded product. */
export async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'leadgen-stack-'));
  const [port, temporalPort, uiPort, simulatorPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  // What `npm start` runs (node with tsx as its loader), without npm in between.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: '',
      API_KEYS: '',
      // The embedded dev server, whatever Temporal connection the developer's shell or config file names.
      TEMPORAL_ADDRESS: '',
      TEMPORAL_API_KEY: '',
      TEMPORAL_PROFILE: '',
      TEMPORAL_CONFIG_FILE: path.join(dataDir, 'no-temporal-config.toml'),
      DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      SIMULATOR_PORT: String(simulatorPort),
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own, as a terminal gives a foreground job: Ctrl-C reaches the whole group.
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  const apiUrl = `http://127.0.0.1:${port}/api/v1`;

  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}: ${stdout}`);
    if (/Ctrl-C stops everything/.test(stdout)) break;
    if (Date.now() > deadline) throw new Error(`npm start did not come up: ${stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // Its output is a pipe, not a terminal, so it names the key's file rather than showing the key; with API_KEYS
  // given, the operator key is the one passed in.
  const given = /(?:^|,)\s*operator:([^,\s]+)/.exec(extraEnv.API_KEYS ?? '')?.[1];
  const keyFile = path.join(dataDir, 'operator-api-key');
  const key = given ?? readFileSync(keyFile, 'utf8').trim();
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  return {
    child,
    apiUrl,
    dashboardUrl: `http://127.0.0.1:${port}/`,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    simulatorUrl: `http://127.0.0.1:${simulatorPort}`,
    key,
    keyFile,
    stdout: () => stdout,
    logs: () => stderr,
    async api(method, route, body) {
      const response = await fetch(`${apiUrl}${route}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as never };
    },
    async interrupt() {
      // What Ctrl-C in a terminal does: SIGINT to every process of the foreground group at once.
      signalGroup(child, 'SIGINT');
      const code = child.exitCode ?? (await new Promise<number | null>((resolve) => child.once('exit', resolve)));
      cleanup();
      return code;
    },
    destroy() {
      signalGroup(child, 'SIGKILL'); // the dev server and every other helper too, not only the entry point
      cleanup();
    },
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is gone already
  }
}

/** Every process below `pid`. */
export function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const all: number[] = [];
  const stack = [pid];
  while (stack.length) {
    for (const c of children.get(stack.pop()!) ?? []) {
      all.push(c);
      stack.push(c);
    }
  }
  return all;
}

export function commandOf(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  } catch {
    return '(gone)';
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
