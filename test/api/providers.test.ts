/**
 * GET /queue-management/providers (the provider check before a resume) and the providers' last reported
 * allowances in GET /queue-management/status.
 */
import { createLimitsRecorder } from '../../src/db/provider-limits';
import { SimulatorControl } from '../../src/simulator/control';
import { SERVICES } from '../../src/providers/types';
import { capturedLogger } from '../helpers/captured-logger';
import { type ApiTestEnv, useApiEnv } from './support/api-env';

const PROVIDERS = '/api/v1/queue-management/providers';
const STATUS = '/api/v1/queue-management/status';

describe('provider check (pglite)', () => {
  let t: ApiTestEnv;
  useApiEnv('pglite', (env) => (t = env));
  const control = () => new SimulatorControl(t.sim.url);
  afterEach(async () => {
    await control().reset();
  });

  it('probes every service cheaply and reports reachability, latency and remaining quota', async () => {
    const { body } = await t.get(PROVIDERS, 'viewer').expect(200);
    expect(body.data).toMatchObject({ all_reachable: true, unreachable: [], checked_at: expect.any(String) });
    expect(body.data.services.map((s: { service: string }) => s.service)).toEqual([...SERVICES]);
    const mv = body.data.services.find((s: { service: string }) => s.service === 'millionverifier');
    expect(mv).toEqual({ service: 'millionverifier', reachable: true, probe: 'GET /api/v3/credits', latency_ms: expect.any(Number), remaining: { credits: 100_000 }, error: null });
  });

  it('reports a service in outage with its error, and changes nothing: the breaker and queue stay as they were', async () => {
    await control().setFault('instantly', { mode: 'outage', status: 503 });
    const before = (await t.get(STATUS).expect(200)).body.data;
    const { body } = await t.get(PROVIDERS).expect(200);
    expect(body.data).toMatchObject({ all_reachable: false, unreachable: ['instantly'] });
    const instantly = body.data.services.find((s: { service: string }) => s.service === 'instantly');
    expect(instantly).toMatchObject({ reachable: false, error: expect.stringMatching(/HTTP 503/) });
    const after = (await t.get(STATUS).expect(200)).body.data;
    expect(after.circuit_breaker.state).toBe(before.circuit_breaker.state);
    expect(after.queue.status).toBe(before.queue.status);
  });

  it('refuses a query string', async () => {
    await t.get(`${PROVIDERS}?deep=1`).expect(400);
  });

  it('status shows each service\'s last reported allowance', async () => {
    const recorder = createLimitsRecorder(t.h.db.prisma, capturedLogger('limits').logger);
    const observedAt = new Date();
    recorder.observe({ service: 'openai', remaining: { requests: 499, tokens: 199_000 }, resets: { requests: '60s' }, observedAt });
    recorder.observe({ service: 'apollo', remaining: { minute_requests: 48 }, observedAt });
    await recorder.close();
    const { body } = await t.get(STATUS).expect(200);
    expect(body.data.providers).toEqual({
      apollo: { remaining: { minute_requests: 48 }, resets: null, observed_at: observedAt.toISOString() },
      openai: { remaining: { requests: 499, tokens: 199_000 }, resets: { requests: '60s' }, observed_at: observedAt.toISOString() },
    });
  });
});
