/**
 * Prometheus metrics through an outage and a recovery, on `npm start`'s whole stack (one process: the API's
 * /metrics carries the worker's metrics and the Temporal SDK's): a rate-limited OpenAI trips the breaker,
 * then the two recovery steps complete the campaign. Every family must be present and move as it happened.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Stack, startStack } from '../helpers/stack';
import { until } from '../helpers/until';

/** `name{a="1",b="2"} value` lines, by series key (`name{a="1",b="2"}` with labels as written). */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(\S+?(?:\{.*\})?)\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (match) samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

describe('metrics during an outage and a recovery', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ SIMULATOR_LATENCY_MS: '20' });
  }, 150_000);
  afterAll(async () => {
    await stack?.interrupt();
  });

  const metricsUrl = () => `${new URL(stack.apiUrl).origin}/metrics`;
  async function scrape(): Promise<Map<string, number>> {
    const response = await fetch(metricsUrl(), { headers: { authorization: `Bearer ${stack.key}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parse(await response.text());
  }
  const value = (samples: Map<string, number>, series: string) => samples.get(series) ?? 0;
  const fault = (service: string, body: object) =>
    fetch(`${stack.simulatorUrl}/sim/services/${service}/fault`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('needs a key', async () => {
    expect((await fetch(metricsUrl())).status).toBe(401);
  });

  it('moves with the outage, the reset and the resume', async () => {
    const before = await scrape();
    expect(before.get('leadgen_breaker_open')).toBe(0);
    expect(before.get('leadgen_queue_paused')).toBe(0);
    for (const status of ['CREATED', 'RUNNING', 'PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED']) {
      expect(before.get(`leadgen_campaigns{status="${status}"}`)).toBe(0);
    }
    expect(before.get('leadgen_jobs{status="PENDING"}')).toBe(0);
    // The Temporal SDK's own worker metrics and Node's process metrics come with ours.
    // Activities run on their own queues (control, breaker, each service's jobs): any of them has free slots.
    const activitySlots = [...before.entries()].filter(([key]) => key.startsWith('temporal_worker_task_slots_available{') && key.includes('worker_type="ActivityWorker"') && key.includes('task_queue="leadgen-control"'));
    expect(activitySlots.length).toBe(1);
    expect(activitySlots[0]![1]).toBeGreaterThan(0);
    expect([...before.keys()].some((k) => k.startsWith('temporal_num_pollers'))).toBe(true);
    expect(before.has('process_cpu_user_seconds_total')).toBe(true);

    // OpenAI answers 429 with Retry-After: 2 for every call: the first copy-writing job trips the breaker.
    expect((await fault('openai', { mode: 'outage', status: 429, retry_after_s: 2 })).status).toBe(200);
    const created = await stack.api('POST', '/campaigns', {
      name: 'metrics',
      search_criteria: { titles: ['CTO'], keywords: 'metrics-test' },
      lead_limit: 3,
      copy_prompt: 'Say hello.',
      instantly_campaign_id: 'inst-metrics',
    });
    expect(created.status).toBe(201);
    expect((await stack.api('POST', `/campaigns/${created.body.data.id}/start`)).status).toBe(202);

    // The campaign shows PAUSED as soon as the trip's transaction commits. The cascade (pausing its jobs) and
    // the fan-out (telling its workflow) run after it, side by side, and are observed as each ends: wait for both.
    const open = await until(async () => {
      const s = await scrape();
      const tripped = s.get('leadgen_breaker_open') === 1 && s.get('leadgen_campaigns{status="PAUSED"}') === 1;
      const propagated = s.has('leadgen_breaker_cascade_duration_seconds_count{transition="open"}') && s.has('leadgen_breaker_fan_out_duration_seconds_count{message="pause"}');
      return tripped && propagated ? s : undefined;
    }, 'breaker open, the cascade and the fan-out ended, in the metrics');
    expect(open.get('leadgen_queue_paused')).toBe(1);
    expect(open.get('leadgen_breaker_trips_total{service="openai",failure_type="rate_limited"}')).toBe(1);
    expect(value(open, 'leadgen_provider_calls_total{service="openai",outcome="rate_limited"}')).toBeGreaterThanOrEqual(1);
    expect(value(open, 'leadgen_provider_http_429_total{service="openai"}')).toBeGreaterThanOrEqual(1);
    expect(value(open, 'leadgen_provider_rate_limit_wait_seconds_count{service="openai"}')).toBeGreaterThanOrEqual(1);
    expect(value(open, 'leadgen_provider_rate_limit_wait_seconds_sum{service="openai"}')).toBeGreaterThanOrEqual(2);
    // The services before OpenAI answered: their calls and latencies are there.
    expect(value(open, 'leadgen_provider_calls_total{service="apollo",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(value(open, 'leadgen_provider_call_duration_seconds_count{service="apollo",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(value(open, 'leadgen_provider_call_duration_seconds_bucket{le="+Inf",service="millionverifier",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(open.get('leadgen_breaker_cascade_duration_seconds_count{transition="open"}')).toBe(1);
    expect(open.get('leadgen_breaker_fan_out_duration_seconds_count{message="pause"}')).toBe(1);
    expect(value(open, 'leadgen_jobs{status="PAUSED"}')).toBeGreaterThanOrEqual(1);

    // Step 1: the service is back and the breaker closes; the queue stays paused.
    await fault('openai', { mode: 'none' });
    expect((await stack.api('POST', '/queue-management/circuit-breakers/openai/reset')).status).toBe(200);
    const afterReset = await until(async () => {
      const s = await scrape();
      return s.get('leadgen_breaker_open') === 0 ? s : undefined;
    }, 'breaker closed in the metrics');
    expect(afterReset.get('leadgen_queue_paused')).toBe(1);

    // Step 2: the queue resumes and the campaign completes.
    const resumed = await stack.api('POST', '/queue-management/resume-queue');
    expect(resumed.status).toBe(200);
    const done = await until(async () => {
      const s = await scrape();
      return s.get('leadgen_campaigns{status="COMPLETED"}') === 1 ? s : undefined;
    }, 'campaign completed in the metrics', { timeoutMs: 60_000 });
    expect(done.get('leadgen_queue_paused')).toBe(0);
    expect(done.get('leadgen_breaker_open')).toBe(0);
    expect(done.get('leadgen_jobs{status="PAUSED"}')).toBe(0);
    expect(done.get('leadgen_breaker_cascade_duration_seconds_count{transition="resume"}')).toBe(1);
    expect(done.get('leadgen_breaker_fan_out_campaigns_total{message="resume",result="ok"}')).toBe(resumed.body.data.campaigns_resumed);
    expect(resumed.body.data.campaigns_resumed).toBe(1);
    expect(value(done, 'leadgen_provider_calls_total{service="openai",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(value(done, 'leadgen_provider_calls_total{service="instantly",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(done.get('leadgen_breaker_trips_total{service="openai",failure_type="rate_limited"}')).toBe(1);
    // The SDK's counters moved with the work.
    const polls = (s: Map<string, number>) =>
      [...s].filter(([k]) => k.startsWith('temporal_workflow_task_queue_poll_succeed_total')).reduce((n, [, v]) => n + v, 0);
    expect(polls(done)).toBeGreaterThan(polls(before));

    // Every series the Grafana dashboard queries exists.
    const dashboard = JSON.parse(readFileSync(path.join(__dirname, '../../src/metrics/grafana/leadgen.json'), 'utf8')) as {
      panels: { targets?: { expr: string }[] }[];
    };
    const queried = new Set(
      dashboard.panels.flatMap((p) => p.targets ?? []).flatMap((t) => t.expr.match(/\b(?:leadgen|temporal|process|nodejs)_\w+/g) ?? []),
    );
    expect(queried.size).toBeGreaterThan(15);
    const exported = [...done.keys()].map((series) => series.replace(/\{.*$/, ''));
    expect([...queried].filter((name) => !exported.includes(name))).toEqual([]);
  }, 240_000);
});
