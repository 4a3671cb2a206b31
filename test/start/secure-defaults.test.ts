/**
 * Secure by default: no API reachable from other machines without keys the operator chose, no short keys, a
 * generated key never in logs or piped output, and the simulator's fault API on loopback unless asked.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { generatedKeyNotice, isLoopbackHost, resolveApiKeys } from '../../src/runtime';
import { startSimulator } from '../../src/simulator/server';

const ROOT = path.resolve(__dirname, '../..');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'leadgen-secure-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const NO_TEMPORAL_FILE = { TEMPORAL_CONFIG_FILE: path.join(dataDir, 'absent.toml') };
const configWith = (env: Record<string, string>) => loadConfig({ DATA_DIR: dataDir, ...NO_TEMPORAL_FILE, ...env });

/** Runs an entry point to its exit; returns the exit code and everything it printed. */
function run(entry: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), entry], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', TEMPORAL_ADDRESS: '', LOG_LEVEL: 'info', ...NO_TEMPORAL_FILE, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('API keys', () => {
  it.each(['0.0.0.0', '::', '192.0.2.10', 'api.example.com'])('HOST=%s without API_KEYS: refused, saying what to set', (host) => {
    expect(() => resolveApiKeys(configWith({ HOST: host }))).toThrow(
      new RegExp(`HOST=${host.replace(/\./g, '\\.')} makes the API reachable from other machines, so API_KEYS is required`),
    );
  });

  it.each(['127.0.0.1', 'localhost', '::1', '127.0.0.53'])('HOST=%s without API_KEYS: one operator key, generated once, private', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
    const first = resolveApiKeys(configWith({ HOST: host }));
    expect(first.generated!.key.length).toBeGreaterThanOrEqual(24);
    expect(first.keys).toEqual([{ role: 'operator', key: first.generated!.key }]);
    expect(readFileSync(first.generated!.file, 'utf8')).toBe(first.generated!.key);
    expect(statSync(first.generated!.file).mode & 0o077).toBe(0);
    expect(resolveApiKeys(configWith({ HOST: host })).generated!.key).toBe(first.generated!.key);
  });

  it('keys shorter than 24 characters are refused without echoing them; 24 are enough', () => {
    expect(() => resolveApiKeys(configWith({ HOST: '0.0.0.0', API_KEYS: 'operator:short-key-123' }))).toThrow(
      'API key entry 1 is too short: keys need at least 24 characters (e.g. openssl rand -base64 24)',
    );
    expect(() => resolveApiKeys(configWith({ API_KEYS: 'operator:abcdefghijklmnopqrstuvwxyz,viewer:only-23-characters-long' }))).toThrow(
      /entry 2 is too short/,
    );
    expect(resolveApiKeys(configWith({ HOST: '0.0.0.0', API_KEYS: 'operator:abcdefghijklmnopqrstuvwx' })).keys).toEqual([
      { role: 'operator', key: 'abcdefghijklmnopqrstuvwx' },
    ]);
  });

  it('a generated key is shown only on a private terminal; elsewhere only its file is named', () => {
    const generated = { key: 'generated-key-0123456789abcdef', file: '/data/operator-api-key' };
    const piped = generatedKeyNotice(generated, { isTTY: false });
    expect(piped).not.toContain(generated.key);
    expect(piped).toContain('in /data/operator-api-key');
  });

  it('npm run api refuses a public HOST without API_KEYS, and a short key, before connecting anywhere', async () => {
    const open = await run('src/api-main.ts', { HOST: '0.0.0.0', API_KEYS: '' });
    expect(open.code).toBe(1);
    expect(open.output).toContain('HOST=0.0.0.0 makes the API reachable from other machines, so API_KEYS is required');
    const short = await run('src/api-main.ts', { HOST: '0.0.0.0', API_KEYS: 'operator:too-short', TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(short.code).toBe(1);
    expect(short.output).toContain('API key entry 1 is too short');
    expect(short.output).not.toContain('too-short');
  });

  it('npm start refuses a public HOST without API_KEYS before starting anything', async () => {
    const result = await run('src/main.ts', { HOST: '0.0.0.0', API_KEYS: '' });
    expect(result.code).toBe(1);
    expect(result.output).toContain('API_KEYS is required');
    expect(result.output).not.toContain('leadgen-orchestrator is running');
  });
});

describe('simulator control API', () => {
  /** An address of this machine that is not loopback, so a request from it is "another host" to the simulator. */
  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;

  it('answers only loopback unless asked, while the simulated services answer everyone', async () => {
    if (!external) throw new Error('this test needs a non-loopback IPv4 interface');
    const closed = await startSimulator({ host: '0.0.0.0' });
    const open = await startSimulator({ host: '0.0.0.0', controlFromAnyHost: true });
    try {
      const fault = (port: number, host: string) =>
        fetch(`http://${host}:${port}/sim/services/apollo/fault`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ mode: 'outage', status: 503 }),
        });
      const refused = await fault(closed.port, external);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({ status: 'error', detail: expect.stringContaining('SIMULATOR_CONTROL_PUBLIC=true') });
      // Not applied, and the simulated services and health still answer the other host.
      const faultOf = async (port: number) =>
        ((await (await fetch(`http://127.0.0.1:${port}/sim/services`)).json()) as { data: { services: { apollo: { fault: unknown } } } }).data.services.apollo.fault;
      expect(await faultOf(closed.port)).toEqual(await faultOf(open.port));
      expect((await fetch(`http://${external}:${closed.port}/health`)).status).toBe(200);
      expect((await fault(closed.port, '127.0.0.1')).status).toBe(200);
      expect(await faultOf(closed.port)).toMatchObject({ mode: 'outage', status: 503 });
      expect((await fault(open.port, external)).status).toBe(200);
    } finally {
      await closed.close();
      await open.close();
    }
  });
});
