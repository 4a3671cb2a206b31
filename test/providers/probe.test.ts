/** The provider check against the simulator: cheap calls, latency, remaining quota, and the error of a service in outage. */
import { checkProviders, createProviderProbes } from '../../src/providers/probe';
import { SERVICES } from '../../src/providers/types';
import { useSimulator } from '../simulator/use-simulator';

const harness = useSimulator();

test('every service answers its cheap call; remaining quota where the service tells it', async () => {
  const results = await checkProviders(createProviderProbes(harness.config()));
  expect(results.map((r) => r.service)).toEqual([...SERVICES]);
  for (const result of results) {
    expect(result).toMatchObject({ reachable: true, error: null });
    expect(result.latency_ms).toBeGreaterThanOrEqual(0);
  }
  const by = Object.fromEntries(results.map((r) => [r.service, r]));
  expect(by.apollo!.probe).toBe('POST /api/v1/usage_stats/api_usage_stats');
  // The usage-stats call itself is counted by Apollo's headers; the endpoints we use are untouched.
  expect(by.apollo!.remaining).toMatchObject({ api_search_minute: 200, bulk_match_day: 20_000, minute_requests: 199 });
  expect(by.millionverifier!.remaining).toEqual({ credits: 100_000 });
  expect(by.perplexity!.remaining).toBeNull();
  // No credits or paid calls were spent: nothing was verified, researched, written or pushed.
  const services = await harness.control.services();
  for (const service of SERVICES) expect(services[service].calls).toBe(1);
  expect(await harness.control.instantlyLeads()).toEqual([]);
});

test('a service in outage is unreachable with its error; the others still answer', async () => {
  await harness.control.setFault('perplexity', { mode: 'outage', status: 503 });
  const results = await checkProviders(createProviderProbes(harness.config()));
  const perplexity = results.find((r) => r.service === 'perplexity')!;
  expect(perplexity).toMatchObject({ reachable: false, probe: 'GET /v1/models', remaining: null });
  expect(perplexity.error).toMatch(/perplexity GET \/v1\/models: HTTP 503/);
  expect(results.filter((r) => !r.reachable).map((r) => r.service)).toEqual(['perplexity']);
});

test('a key the service refuses is reported, and never shown', async () => {
  const results = await checkProviders(createProviderProbes(harness.config({ apiKey: ' ' })));
  for (const result of results) {
    expect(result.reachable).toBe(false);
    expect(result.error).not.toContain('api=');
  }
  expect(results.find((r) => r.service === 'millionverifier')!.error).toMatch(/Apikey not found/);
});

test('a service that does not answer in time is unreachable with a timeout', async () => {
  await harness.control.setFault('openai', { mode: 'latency', latency_ms: 2_000 });
  const results = await checkProviders(createProviderProbes(harness.config({ timeoutMs: 300 })));
  expect(results.find((r) => r.service === 'openai')).toMatchObject({ reachable: false, error: expect.stringMatching(/no answer within 300 ms/) });
});
