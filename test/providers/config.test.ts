import { DEFAULT_BASE_URLS, providersConfigFromEnv, providersConfigSchema } from '../../src/providers';

const keys = {
  APOLLO_API_KEY: 'a',
  MILLIONVERIFIER_API_KEY: 'm',
  PERPLEXITY_API_KEY: 'p',
  OPENAI_API_KEY: 'o',
  INSTANTLY_API_KEY: 'i',
};

test('with only keys set, every service points at the real API with its default timeout', () => {
  const config = providersConfigFromEnv(keys);
  expect(config.apollo).toEqual({ baseUrl: DEFAULT_BASE_URLS.apollo, apiKey: 'a', timeoutMs: 15_000 });
  expect(config.openai).toMatchObject({ baseUrl: 'https://api.openai.com', apiKey: 'o', timeoutMs: 60_000 });
});

test('base URL, timeout and model can be overridden per service', () => {
  const config = providersConfigFromEnv({ ...keys, OPENAI_BASE_URL: 'http://127.0.0.1:4010/openai', OPENAI_TIMEOUT_MS: '5000', OPENAI_MODEL: 'gpt-4.1' });
  expect(config.openai).toEqual({ baseUrl: 'http://127.0.0.1:4010/openai', apiKey: 'o', timeoutMs: 5000, model: 'gpt-4.1' });
});

test('a missing key or a bad timeout is refused, naming the service', () => {
  const { INSTANTLY_API_KEY: _omitted, ...withoutInstantly } = keys;
  expect(() => providersConfigFromEnv(withoutInstantly)).toThrow(/instantly/);
  expect(() => providersConfigFromEnv({ ...keys, APOLLO_TIMEOUT_MS: 'soon' })).toThrow(/apollo/);
});

test('the schema can be embedded in the app config', () => {
  expect(providersConfigSchema.safeParse({}).success).toBe(false);
  expect(providersConfigSchema.safeParse(providersConfigFromEnv(keys)).success).toBe(true);
});
