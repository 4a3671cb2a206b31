import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, timeoutMs = 90_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const all: number[] = [];
  const stack = [pid];
  while (stack.length) for (const c of children.get(stack.pop()!) ?? []) all.push(c), stack.push(c);
  return all;
}

function commandOf(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  } catch {
    return '(gone)';
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start (the embedded stack)', () => {
  let child: ChildProcess | undefined;
  let dataDir: string;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the API and the Temporal Web UI, prints where they are, and Ctrl-C leaves no process behind', async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'leadgen-start-'));
    const [port, temporalPort, uiPort, simulatorPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: '',
        API_KEYS: '',
        DATA_DIR: dataDir,
        PORT: String(port),
        TEMPORAL_PORT: String(temporalPort),
        TEMPORAL_UI_PORT: String(uiPort),
        SIMULATOR_PORT: String(simulatorPort),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout!.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr!.resume();

    const health = await waitForHttp(`http://127.0.0.1:${port}/api/v1/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'success' });
    const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/<html/i);
    const sim = await fetch(`http://127.0.0.1:${simulatorPort}/sim/services`);
    expect(sim.status).toBe(200);

    expect(stdout).toContain(`http://127.0.0.1:${port}/api/v1`);
    expect(stdout).toContain(`http://127.0.0.1:${uiPort}`);
    const key = /Operator key\s+(\S+)/.exec(stdout)?.[1];
    expect(key).toBeDefined();
    const status = await fetch(`http://127.0.0.1:${port}/api/v1/queue-management/status`, { headers: { authorization: `Bearer ${key}` } });
    expect(status.status).toBe(200);
    const body = (await status.json()) as { data: { circuit_breaker: { state: string } } };
    expect(body.data.circuit_breaker.state).toBe('closed');

    const processes = descendants(child.pid!);
    expect(processes.length).toBeGreaterThan(0); // the Temporal dev server, at least
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child!.once('exit', resolve));
    expect(code).toBe(0);
    // Helpers (esbuild's service, the dev server) exit as their parent goes; give a loaded machine a moment.
    for (let i = 0; i < 50 && processes.some(alive); i++) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(processes.filter(alive).map((pid) => `${pid} ${commandOf(pid)}`)).toEqual([]);
  }, 180_000);
});
