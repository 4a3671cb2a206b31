/**
 * `npm run demo [-- --campaigns 6 --leads 40 --stagger 3s --fault apollo@10s]`
 *
 * The concurrent-campaigns flow (seed 004, step 19) against the running product, over its REST API:
 * pre-flight queue check (abort if paused), several campaigns started a few seconds apart and running
 * at once, the queue polled continuously with a live progress line, an optional injected fault, and a
 * final report. A breaker-triggered pause ends the demo gracefully (exit 0), reporting how far each
 * campaign got. Starts the embedded stack (`npm start`) itself when none answers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SERVICES, type ServiceName } from '../providers/types';
import { ApiClient, type CampaignDetail, type QueueStatus, type StatusCounts } from './api-client';

const ROOT = path.resolve(__dirname, '../..');

interface ProviderCheck {
  all_reachable: boolean;
  unreachable: string[];
  services: Array<{ service: string; reachable: boolean; latency_ms: number; error: string | null }>;
}

const { values } = parseArgs({
  options: {
    campaigns: { type: 'string', default: '6' },
    leads: { type: 'string', default: '40' },
    stagger: { type: 'string', default: '3s' },
    fault: { type: 'string' },
    poll: { type: 'string', default: '1s' },
    timeout: { type: 'string', default: '600s' },
    api: { type: 'string', default: process.env.LEADGEN_API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8080}/api/v1` },
    simulator: { type: 'string', default: process.env.SIMULATOR_URL ?? `http://127.0.0.1:${process.env.SIMULATOR_PORT ?? 4010}` },
    key: { type: 'string', default: process.env.LEADGEN_API_KEY },
  },
});

function seconds(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value);
  if (!match) throw new Error(`Not a duration: ${value} (try 10s)`);
  const n = Number(match[1]);
  return match[2] === 'ms' ? n / 1000 : match[2] === 'm' ? n * 60 : n;
}

function parseFault(spec: string | undefined): { service: ServiceName; atSeconds: number } | undefined {
  if (!spec) return undefined;
  const [service, at = '0s'] = spec.split('@');
  if (!service || !(SERVICES as readonly string[]).includes(service)) {
    throw new Error(`--fault wants <service>@<time>, service one of ${SERVICES.join(', ')}`);
  }
  return { service: service as ServiceName, atSeconds: seconds(at) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function reachable(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`)).ok;
  } catch {
    return false;
  }
}

/** Starts `npm start`'s stack as a child, with some simulated network latency so the run is watchable. */
async function startEmbeddedStack(api: string): Promise<{ child: ChildProcess; key: string }> {
  console.log('No API answering: starting the embedded stack (Temporal dev server, worker, API, simulator)...');
  const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: { SIMULATOR_LATENCY_MS: '120', LOG_LEVEL: 'error', ...process.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the stack exited with code ${child.exitCode}`);
    // Piped output never shows a generated key, only its file: read it from there.
    const key = /Operator key/.test(output) ? apiKeyFromDataDir() : undefined;
    if (key && (await reachable(api))) return { child, key };
    await sleep(250);
  }
  throw new Error('the embedded stack did not come up within 150 s');
}

function apiKeyFromDataDir(): string | undefined {
  try {
    return readFileSync(path.join(process.env.DATA_DIR ?? path.join(ROOT, '.data'), 'operator-api-key'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function progressLine(elapsed: number, status: QueueStatus, details: CampaignDetail[]): string {
  const nonZero = (counts: StatusCounts) =>
    Object.entries(counts.by_status).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(' ') || '-';
  const pushed = details.reduce((sum, c) => sum + (c.lead_counts.by_status.PUSHED ?? 0), 0);
  const target = details.reduce((sum, c) => sum + c.lead_limit, 0);
  return `[${elapsed.toFixed(0).padStart(4)}s] campaigns: ${nonZero(status.campaigns)} | jobs: ${nonZero(status.jobs)} | leads pushed ${pushed}/${target} | breaker ${status.circuit_breaker.state.toUpperCase()} | queue ${status.queue.status}`;
}

function report(outcome: string, status: QueueStatus, details: CampaignDetail[], api: string): void {
  const line = '-'.repeat(110);
  console.log(`\n${line}\nFINAL REPORT — ${outcome}\n${line}`);
  console.log(`breaker ${status.circuit_breaker.state.toUpperCase()}${status.circuit_breaker.opened_at ? ` since ${status.circuit_breaker.opened_at}` : ''}, queue ${status.queue.status}`);
  if (status.circuit_breaker.state === 'open') console.log(`what opened it: ${JSON.stringify(status.circuit_breaker.metadata)}`);
  console.log('');
  console.log(`${'campaign'.padEnd(38)} ${'status'.padEnd(10)} ${'pushed'.padStart(9)}  jobs`);
  for (const c of details) {
    const jobs = Object.entries(c.job_counts.by_status).filter(([, n]) => n > 0).map(([k, n]) => `${k}:${n}`).join(' ');
    console.log(`${`${c.name} ${c.id.slice(0, 8)}`.padEnd(38)} ${c.status.padEnd(10)} ${`${c.lead_counts.by_status.PUSHED ?? 0}/${c.lead_limit}`.padStart(9)}  ${jobs}`);
    if (c.status_reason) console.log(`${''.padEnd(38)} reason: ${c.status_reason}`);
  }
  const byStatus = details.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c.status]: (acc[c.status] ?? 0) + 1 }), {});
  console.log(`\ncampaigns: ${Object.entries(byStatus).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (status.queue_paused) {
    const service = (status.circuit_breaker.metadata.service as string | undefined) ?? 'apollo';
    console.log('\nRecover in two deliberate steps once the service is healthy again:');
    console.log(`  curl -X POST -H "Authorization: Bearer $KEY" ${api}/queue-management/circuit-breakers/${service}/reset`);
    console.log(`  curl -X POST -H "Authorization: Bearer $KEY" ${api}/queue-management/resume-queue`);
  }
}

async function main(): Promise<number> {
  const campaignCount = Number(values.campaigns);
  const leads = Number(values.leads);
  const stagger = seconds(values.stagger);
  const fault = parseFault(values.fault);
  const pollMs = seconds(values.poll) * 1000;
  const timeout = seconds(values.timeout);
  const apiUrl = values.api;

  let stack: { child: ChildProcess; key: string } | undefined;
  if (!(await reachable(apiUrl))) stack = await startEmbeddedStack(apiUrl);
  const key = values.key ?? stack?.key ?? apiKeyFromDataDir();
  if (!key) throw new Error('No API key: pass --key or set LEADGEN_API_KEY');
  const api = new ApiClient(apiUrl, key);

  try {
    // 1. Pre-flight: never start campaigns into a paused queue.
    const preflight = await api.call<QueueStatus>('GET', '/queue-management/status');
    console.log(`pre-flight: breaker ${preflight.circuit_breaker.state.toUpperCase()}, queue ${preflight.queue.status}`);
    if (preflight.queue_paused || preflight.circuit_breaker.state === 'open') {
      console.error('Aborting: the queue is paused or the breaker is open. Recover first (see the README runbook).');
      return 3;
    }
    // The provider check: informs only (a service down now would trip the breaker once campaigns reach it).
    const check = await api.call<ProviderCheck>('GET', '/queue-management/providers');
    const describe = (p: ProviderCheck['services'][number]) => (p.reachable ? `${p.service} ${p.latency_ms} ms` : `${p.service} DOWN (${p.error})`);
    console.log(`provider check: ${check.services.map(describe).join(', ')}`);
    if (!check.all_reachable) console.warn(`warning: ${check.unreachable.join(', ')} unreachable; campaigns that reach it will pause`);
    if (fault) await fetch(`${values.simulator}/sim/services/${fault.service}/fault`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'none' }) });

    const started = Date.now();
    const elapsed = () => (Date.now() - started) / 1000;
    const ids: string[] = [];
    let faultInjected = false;
    const tty = process.stdout.isTTY;
    let lastPrinted = 0;

    // 2. Launch campaigns a few seconds apart; 3. watch the queue the whole time.
    for (;;) {
      while (ids.length < campaignCount && elapsed() >= ids.length * stagger) {
        const status = await api.call<QueueStatus>('GET', '/queue-management/status');
        if (status.queue_paused) break;
        const created = await api.call<{ id: string }>('POST', '/campaigns', {
          name: `Demo ${ids.length + 1}`,
          search_criteria: { titles: ['VP Engineering', 'CTO'], locations: ['Berlin', 'London'], keywords: `demo-${started}-${ids.length}` },
          lead_limit: leads,
          copy_prompt: 'Write a two-line, friendly intro about our developer tooling.',
          instantly_campaign_id: `demo-${started}`,
        });
        await api.call('POST', `/campaigns/${created.id}/start`);
        ids.push(created.id);
        console.log(`${tty ? '\n' : ''}[${elapsed().toFixed(0).padStart(4)}s] started campaign ${ids.length}/${campaignCount} ${created.id}`);
      }
      if (fault && !faultInjected && elapsed() >= fault.atSeconds) {
        faultInjected = true;
        await fetch(`${values.simulator}/sim/services/${fault.service}/fault`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ mode: 'outage', status: 503 }),
        });
        console.log(`${tty ? '\n' : ''}[${elapsed().toFixed(0).padStart(4)}s] injected fault: ${fault.service} answers 503 from now on`);
      }

      const status = await api.call<QueueStatus>('GET', '/queue-management/status');
      const details = await Promise.all(ids.map((id) => api.call<CampaignDetail>('GET', `/campaigns/${id}`)));
      const line = progressLine(elapsed(), status, details);
      if (tty) process.stdout.write(`\r${line.padEnd(150)}`);
      else if (Date.now() - lastPrinted > 2_000) {
        console.log(line);
        lastPrinted = Date.now();
      }

      if (status.queue_paused) {
        // Let the pause settle in the database before reading the final states.
        await sleep(2_000);
        const final = await api.call<QueueStatus>('GET', '/queue-management/status');
        const finalDetails = await Promise.all(ids.map((id) => api.call<CampaignDetail>('GET', `/campaigns/${id}`)));
        const done = finalDetails.filter((c) => c.status === 'COMPLETED').length;
        report(`PAUSED by the circuit breaker after ${elapsed().toFixed(0)} s (${done} of ${ids.length} campaigns completed before it opened)`, final, finalDetails, apiUrl);
        return 0;
      }
      if (ids.length === campaignCount && details.every((c) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(c.status))) {
        report(`every campaign finished in ${elapsed().toFixed(0)} s`, status, details, apiUrl);
        return 0;
      }
      if (elapsed() > timeout) {
        report(`TIMED OUT after ${timeout} s`, status, details, apiUrl);
        return 1;
      }
      await sleep(pollMs);
    }
  } finally {
    if (stack) {
      stack.child.kill('SIGINT');
      await new Promise((resolve) => stack.child.once('exit', resolve));
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
