/** {SERVICE}_RATE_LIMIT / {SERVICE}_MAX_CONCURRENCY parsing, and the Worker options they become. */
import { loadConfig } from '../../src/config';
import { DEFAULT_LIMITS, parseRate, SIMULATED_DEFAULT_LIMIT, serviceLimitsFromEnv, workerOptionsForService } from '../../src/providers/limits';
import { SERVICES } from '../../src/providers/types';

describe('parseRate', () => {
  test.each([
    ['50/min', 50 / 60],
    ['5/s', 5],
    ['0.5/s', 0.5],
    ['3000/h', 3000 / 3600],
    [' 6000 / minute ', 100],
    ['1/sec', 1],
  ])('%s is %d calls per second', (text, perSecond) => {
    expect(parseRate(text)).toBeCloseTo(perSecond, 10);
  });

  test.each(['', '50', 'fast', '0/s', '-5/s', '5/day', '5/s/s', 'five/s'])('"%s" is refused with the accepted forms', (text) => {
    expect(() => parseRate(text)).toThrow(/e\.g\. "50\/min", "5\/s"/);
  });
});

describe('serviceLimitsFromEnv', () => {
  test('defaults to every provider\'s entry tier', () => {
    const limits = serviceLimitsFromEnv({});
    for (const service of SERVICES) {
      expect(limits[service].rate).toBe(DEFAULT_LIMITS[service].rate);
      expect(limits[service].maxConcurrency).toBe(DEFAULT_LIMITS[service].maxConcurrency);
    }
    expect(limits.perplexity.ratePerSecond).toBeCloseTo(50 / 60, 10);
    expect(limits.instantly.ratePerSecond).toBe(100);
  });

  test('reads each service from its own variables', () => {
    const limits = serviceLimitsFromEnv({ PERPLEXITY_RATE_LIMIT: '4/s', PERPLEXITY_MAX_CONCURRENCY: '3', APOLLO_RATE_LIMIT: '200/min' });
    expect(limits.perplexity).toEqual({ ratePerSecond: 4, rate: '4/s', maxConcurrency: 3 });
    expect(limits.apollo.ratePerSecond).toBeCloseTo(200 / 60, 10);
    expect(limits.openai.rate).toBe(DEFAULT_LIMITS.openai.rate);
  });

  test('a simulated service defaults to the simulator\'s generous limit, unless configured', () => {
    const limits = serviceLimitsFromEnv({ OPENAI_RATE_LIMIT: '2/s' }, { simulated: ['perplexity', 'openai'] });
    expect(limits.perplexity).toEqual({ ratePerSecond: 100, rate: SIMULATED_DEFAULT_LIMIT.rate, maxConcurrency: SIMULATED_DEFAULT_LIMIT.maxConcurrency });
    expect(limits.openai.ratePerSecond).toBe(2);
    expect(limits.apollo.rate).toBe(DEFAULT_LIMITS.apollo.rate);
  });

  test('one error names every bad variable', () => {
    const attempt = () => serviceLimitsFromEnv({ OPENAI_RATE_LIMIT: 'lots', INSTANTLY_MAX_CONCURRENCY: '0', APOLLO_MAX_CONCURRENCY: '2.5' });
    expect(attempt).toThrow(/OPENAI_RATE_LIMIT: "lots" is not a rate/);
    expect(attempt).toThrow(/INSTANTLY_MAX_CONCURRENCY: "0" is not a whole number/);
    expect(attempt).toThrow(/APOLLO_MAX_CONCURRENCY: "2.5"/);
  });

  test('become the worker options of the service\'s own task queue', () => {
    const limits = serviceLimitsFromEnv({ PERPLEXITY_RATE_LIMIT: '50/min', PERPLEXITY_MAX_CONCURRENCY: '7' });
    const options = workerOptionsForService(limits, 'perplexity');
    expect(options.maxConcurrentActivityTaskExecutions).toBe(7);
    expect(options.maxTaskQueueActivitiesPerSecond).toBeCloseTo(0.8333, 4);
  });
});

describe('RETRY_AFTER_CAP_MS', () => {
  test('defaults to 30 s and is read from the environment', () => {
    expect(loadConfig({}).RETRY_AFTER_CAP_MS).toBe(30_000);
    expect(loadConfig({ RETRY_AFTER_CAP_MS: '5000' }).RETRY_AFTER_CAP_MS).toBe(5_000);
    expect(() => loadConfig({ RETRY_AFTER_CAP_MS: 'soon' })).toThrow(/RETRY_AFTER_CAP_MS/);
  });
});
