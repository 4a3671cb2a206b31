import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from './search-attributes';
import { TEMPORAL_CLI_PATH } from './tools';

const SETPRIV = '/usr/bin/setpriv';

export interface DevServer {
  address: string;
  uiUrl: string;
  /** The server's process id (benches read its CPU time). */
  pid: number;
  stop(): Promise<void>;
}

/**
 * `temporal server start-dev` persisting to a SQLite file in the data folder, Web UI on, the product's
 * search attributes registered. Resolves once the frontend answers.
 */
export async function startDevServer(options: {
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** false: the dev server keeps everything in memory (its own default), as benches may want. */
  persist?: boolean;
  /** Where the server's own (error-level) log goes: this process's stderr by default, or an open file. */
  stderr?: 'inherit' | 'ignore' | number;
}): Promise<DevServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--ui-port', String(options.uiPort),
    ...(options.persist === false
      ? []
      : [
          '--db-filename', path.join(options.dataDir, 'temporal.db'),
          // WAL with normal sync: survives a crash of any process, and spares an fsync on every write.
          '--sqlite-pragma', 'journal_mode=wal',
          '--sqlite-pragma', 'synchronous=normal',
        ]),
    '--namespace', options.namespace,
    '--log-level', 'error',
    ...SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
  ];
  // Linux: util-linux's setpriv makes the kernel SIGKILL the server when this process dies, even by SIGKILL,
  // which no exit handler sees; an orphaned server would hold its ports and whatever waits on its output.
  const [command, commandArgs] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', TEMPORAL_CLI_PATH, ...args]] : [TEMPORAL_CLI_PATH, args];
  const child = spawn(command, commandArgs, {
    stdio: ['ignore', 'ignore', options.stderr ?? 'inherit'],
    // Out of the terminal's process group: Ctrl-C must not stop the server under a worker still shutting down;
    // stop() ends it last.
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Never leave the server behind if this process dies some other way.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const address = `127.0.0.1:${options.port}`;
  await waitUntilServing(address, child, exited);
  return {
    address,
    uiUrl: `http://127.0.0.1:${options.uiPort}`,
    pid: child.pid!,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitUntilServing(address: string, child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  const deadline = Date.now() + 60_000;
  let failed = false;
  void exited.then(() => (failed = true));
  for (;;) {
    if (failed) throw new Error(`temporal server start-dev exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Temporal dev server did not answer on ${address} within 60 s: ${String(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
