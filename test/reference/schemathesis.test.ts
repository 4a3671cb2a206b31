/**
 * API fuzzing: Schemathesis (pinned, from PyPI) generates requests from the served OpenAPI document for every
 * operation and runs them against `npm start`'s whole stack with the operator key. Every response must be
 * a non-5xx, with a documented status, content type and body shape.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STREAM_PATH } from '../../src/api/queue-management/stream';
import { startStack, type Stack } from '../helpers/stack';

const ROOT = path.resolve(__dirname, '../..');
const SCHEMATHESIS = path.join(ROOT, '.tools/schemathesis-venv/bin/schemathesis');
// Bounded: a few hundred requests per run, about a minute on two cores; the seed makes a failure reproducible.
const MAX_EXAMPLES = 25;
const SEED = 20261124;

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('Schemathesis against the running API', () => {
  let stack: Stack;
  let reports: string;
  beforeAll(async () => {
    execFileSync('bash', [path.join(ROOT, 'scripts/setup-schemathesis.sh')], { stdio: 'inherit', timeout: 300_000 });
    reports = mkdtempSync(path.join(os.tmpdir(), 'leadgen-schemathesis-'));
    stack = await startStack();
  }, 420_000);
  afterAll(async () => {
    await stack?.interrupt();
    if (reports) rmSync(reports, { recursive: true, force: true });
  });

  it('finds no server error and no response that breaks the document, in every operation', async () => {
    const documentUrl = `${stack.apiUrl}/openapi.json`;
    const document = (await (await fetch(documentUrl)).json()) as { paths: Record<string, object> };
    // Every operation but the document itself (Schemathesis loads it; it does not fuzz it) and the dashboard's
    // live stream (it never ends: test/api/live-feed.test.ts covers it).
    const operations = Object.entries(document.paths)
      .flatMap(([route, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${route}`))
      .filter((operation) => operation !== 'GET /api/v1/openapi.json' && operation !== `GET /api/v1${STREAM_PATH}`)
      .sort();
    const junit = path.join(reports, 'junit.xml');

    const { code, output } = await run(
      SCHEMATHESIS,
      [
        'run',
        documentUrl,
        '--exclude-path',
        `/api/v1${STREAM_PATH}`,
        '--url',
        new URL(stack.apiUrl).origin,
        '--header',
        `Authorization: Bearer ${stack.key}`,
        '--checks',
        'not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance',
        '--phases',
        // Stateful: follows the document's links (a new campaign's id into start, pause, cancel, jobs...).
        'examples,coverage,fuzzing,stateful',
        '--max-examples',
        String(MAX_EXAMPLES),
        '--seed',
        String(SEED),
        '--workers',
        '1',
        // Updates wait up to 60 s for the breaker's cascade; a slower answer is a failure of its own.
        '--request-timeout',
        '70',
        '--generation-database',
        'none',
        '--no-color',
        '--report',
        'junit',
        '--report-junit-path',
        junit,
      ],
      reports,
    );

    const summary = output.slice(output.indexOf('SUMMARY'));
    expect({ code, summary: code === 0 ? 'ok' : output }).toEqual({ code: 0, summary: 'ok' });
    expect(summary).toMatch(new RegExp(`Tested: ${operations.length}\\b`));
    const report = readFileSync(junit, 'utf8');
    const tested = [...report.matchAll(/<testcase name="([^"]+)"/g)].map((m) => m[1]!.replace(/&#x27;|&apos;/g, "'"));
    expect(tested.sort()).toEqual([...operations, 'Stateful tests'].sort());
    expect(report).not.toMatch(/<failure|<error/);
  }, 900_000);
});
