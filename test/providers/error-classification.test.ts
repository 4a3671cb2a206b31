/** Every client, against the real simulator, turns each kind of failure into the right error (SPEC rule 1). */
import { DataError, SERVICES, ServiceError, type ServiceName, createProviders } from '../../src/providers';
import { simulatorProvidersConfig } from '../../src/simulator/provider-config';
import { startSimulator } from '../../src/simulator/server';
import { CALLS, LEAD, rejectionOf, useSimulator } from '../simulator/use-simulator';

const harness = useSimulator();

function expectServiceError(error: unknown, service: ServiceName, kind: ServiceError['kind']): ServiceError {
  expect(error).toBeInstanceOf(ServiceError);
  const serviceError = error as ServiceError;
  expect({ service: serviceError.service, kind: serviceError.kind }).toEqual({ service, kind });
  return serviceError;
}

describe.each(SERVICES)('%s client', (service) => {
  const call = () => CALLS[service](harness.providers());

  test('a 503 outage is a server_error', async () => {
    await harness.control.setFault(service, { mode: 'outage' });
    const error = expectServiceError(await rejectionOf(call()), service, 'server_error');
    expect(error.status).toBe(503);
  });

  test('a 500 is a server_error too', async () => {
    await harness.control.setFault(service, { mode: 'outage', status: 500 });
    expectServiceError(await rejectionOf(call()), service, 'server_error');
  });

  test('a 429 with Retry-After in seconds is rate_limited with retryAfterMs', async () => {
    await harness.control.setFault(service, { mode: 'outage', status: 429, retry_after_s: 7 });
    const error = expectServiceError(await rejectionOf(call()), service, 'rate_limited');
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(7000);
  });

  test('a 429 with Retry-After as an HTTP-date is rate_limited with retryAfterMs', async () => {
    await harness.control.setFault(service, { mode: 'outage', status: 429, retry_after_s: 30, retry_after_format: 'http-date' });
    const error = expectServiceError(await rejectionOf(call()), service, 'rate_limited');
    // HTTP-dates have one-second resolution; the bound is generous on purpose.
    expect(error.retryAfterMs).toBeGreaterThan(20_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  test('a missing API key is an auth failure', async () => {
    const error = await rejectionOf(CALLS[service](harness.providers({ apiKey: '' })));
    expectServiceError(error, service, 'auth');
  });

  test('a 403 is an auth failure', async () => {
    await harness.control.setFault(service, { mode: 'outage', status: 403 });
    const error = expectServiceError(await rejectionOf(call()), service, 'auth');
    expect(error.status).toBe(403);
  });

  test("the service's out-of-credits answer is a quota failure", async () => {
    await harness.control.setFault(service, { mode: 'quota' });
    expectServiceError(await rejectionOf(call()), service, 'quota');
  });

  test('no answer within the client timeout is a timeout', async () => {
    await harness.control.setFault(service, { mode: 'latency', latency_ms: 5_000 });
    const started = Date.now();
    const error = await rejectionOf(CALLS[service](harness.providers({ timeoutMs: 200 })));
    expectServiceError(error, service, 'timeout');
    // Gave up well before the service would have answered.
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  test('a refused connection is a connection failure', async () => {
    const closed = await startSimulator();
    await closed.close();
    const providers = createProviders(simulatorProvidersConfig(closed.baseUrls));
    expectServiceError(await rejectionOf(CALLS[service](providers)), service, 'connection');
  });

  test.each([400, 404, 422])('a %i is a DataError, not a service failure', async (status) => {
    await harness.control.setFault(service, { mode: 'outage', status });
    const error = await rejectionOf(call());
    expect(error).toBeInstanceOf(DataError);
    expect(error).not.toBeInstanceOf(ServiceError);
    expect((error as DataError).service).toBe(service);
    expect((error as DataError).status).toBe(status);
  });

  test('the service recovers when the fault is cleared', async () => {
    await harness.control.setFault(service, { mode: 'outage' });
    await rejectionOf(call());
    await harness.control.clearFault(service);
    await expect(call()).resolves.toBeDefined();
  });
});

describe('a 2xx that breaks the API contract', () => {
  // The envelope is the service's fault; an unusable model answer concerns this lead only.
  test.each([
    ['apollo', 'service'],
    ['millionverifier', 'service'],
    ['instantly', 'service'],
    ['perplexity', 'data'],
    ['openai', 'data'],
  ] as const)('%s: malformed answer is a %s error', async (service, expected) => {
    await harness.control.setFault(service, { mode: 'malformed' });
    const error = await rejectionOf(CALLS[service](harness.providers()));
    if (expected === 'service') expectServiceError(error, service, 'server_error');
    else expect(error).toBeInstanceOf(DataError);
  });
});

describe('inputs the real services refuse are DataErrors', () => {
  test('apollo: a page size above 100 (422)', async () => {
    const error = await rejectionOf(harness.providers().searchPeople({ titles: ['CTO'] }, 1, 500));
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).status).toBe(422);
  });

  test('millionverifier: an empty email (HTTP 200 with an error string)', async () => {
    const error = await rejectionOf(harness.providers().verifyEmail(''));
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toMatch(/email/i);
  });

  test('perplexity: a model it does not serve (400)', async () => {
    const config = harness.config();
    const providers = createProviders({ ...config, perplexity: { ...config.perplexity, model: 'gpt-4o' } });
    const error = await rejectionOf(providers.enrichLead(LEAD));
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).status).toBe(400);
  });

  test('openai: research longer than the context window (400 context_length_exceeded)', async () => {
    const error = await rejectionOf(harness.providers().writeCopy(LEAD, 'x'.repeat(250_000), 'Keep it short.'));
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toMatch(/context length/);
  });
});

describe('error_rate and counters', () => {
  test('error_rate 0.5 fails exactly half the calls, and the simulator counts them', async () => {
    await harness.control.setFault('millionverifier', { mode: 'error_rate', rate: 0.5, status: 502 });
    const providers = harness.providers();
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => providers.verifyEmail('grace@example.com')));
    const failures = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(failures).toHaveLength(3);
    for (const failure of failures) expectServiceError(failure.reason, 'millionverifier', 'server_error');
    const status = await harness.control.services();
    expect(status.millionverifier).toMatchObject({ calls: 6, failures: 3 });
    expect(status.apollo).toMatchObject({ calls: 0, failures: 0 });
  });

  test("MillionVerifier's HTTP 200 quota answer counts as a failure", async () => {
    await harness.control.setFault('millionverifier', { mode: 'quota' });
    await rejectionOf(harness.providers().verifyEmail('grace@example.com'));
    expect((await harness.control.services()).millionverifier).toMatchObject({ calls: 1, failures: 1 });
  });
});
