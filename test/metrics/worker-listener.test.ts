/**
 * The worker's own listener (`npm run worker`, METRICS_HOST:METRICS_PORT): GET /metrics in Prometheus's text
 * format, everything else a 404.
 */
import { startMetricsServer } from '../../src/metrics/http';
import { observeFanOut } from '../../src/metrics/breaker';

describe('worker metrics listener', () => {
  let listener: Awaited<ReturnType<typeof startMetricsServer>>;
  beforeAll(async () => {
    listener = await startMetricsServer('127.0.0.1', 0);
  });
  afterAll(async () => {
    await new Promise((resolve) => listener.server.close(resolve));
  });

  it('serves the registry at /metrics on loopback', async () => {
    expect(listener.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    observeFanOut('pause', 1500, 3, 1);
    const response = await fetch(listener.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('leadgen_breaker_fan_out_duration_seconds_count{message="pause"} 1');
    expect(text).toContain('leadgen_breaker_fan_out_campaigns_total{message="pause",result="ok"} 2');
    expect(text).toContain('leadgen_breaker_fan_out_campaigns_total{message="pause",result="error"} 1');
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it('answers nothing else', async () => {
    const base = listener.url.replace(/\/metrics$/, '');
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(404);
  });
});
