/** The classification rules themselves (SPEC rule 1), without a server. */
import { classifyHttpFailure, describeErrorBody, parseRetryAfter, retryAfterMs } from '../../src/providers/http';
import { classifyErrorText } from '../../src/providers/millionverifier';
import { DataError, ServiceError } from '../../src/providers/types';

const NOW = Date.parse('2026-01-01T12:00:00Z');

describe('parseRetryAfter', () => {
  test.each([
    ['120', 120_000],
    ['0', 0],
    [' 3 ', 3_000],
    ['Thu, 01 Jan 2026 12:01:30 GMT', 90_000],
    ['Thu, 01 Jan 2026 11:00:00 GMT', 0], // already past
  ])('%j is %i ms', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });

  test.each([null, undefined, '', 'soon', '-5'])('%j is unknown', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });

  test("OpenAI's retry-after-ms wins over Retry-After", () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), NOW)).toBe(250);
  });
});

describe('classifyHttpFailure', () => {
  const classify = (status: number, body = '', headers: Record<string, string> = {}) =>
    classifyHttpFailure('openai', 'openai POST /v1/chat/completions', status, new Headers(headers), body, NOW);
  const kindOf = (error: ServiceError | DataError) => (error instanceof ServiceError ? error.kind : 'data');

  test.each([
    [402, '', 'quota'],
    [429, '{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}', 'quota'],
    [403, '{"error":"Insufficient credits"}', 'quota'],
    [429, '{"error":{"message":"Rate limit reached for requests"}}', 'rate_limited'],
    [401, '', 'auth'],
    [403, '{"error":"forbidden"}', 'auth'],
    [408, '', 'timeout'],
    [500, '', 'server_error'],
    [502, '<html>Bad gateway</html>', 'server_error'],
    [503, '', 'server_error'],
    [400, '{"error":{"message":"bad"}}', 'data'],
    [404, '', 'data'],
    [409, '', 'data'],
    [422, '', 'data'],
  ])('%i %s is %s', (status, body, expected) => {
    expect(kindOf(classify(status, body))).toBe(expected);
  });

  test('a 429 carries retryAfterMs and the status', () => {
    const error = classify(429, '', { 'retry-after': '5' }) as ServiceError;
    expect(error).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 5000, service: 'openai' });
  });

  test("the message names the call and carries the service's own message", () => {
    expect(classify(400, '{"error":{"message":"messages too long"}}').message).toBe('openai POST /v1/chat/completions: HTTP 400: messages too long');
  });
});

describe('MillionVerifier error strings (HTTP 200)', () => {
  test.each([
    ['Apikey not found', 'auth'],
    ['Insufficient credits', 'quota'],
    ['Internal server error, try again later', 'server_error'],
    ['Missing parameter: email', 'data'],
  ])('%s is %s', (text, expected) => {
    const error = classifyErrorText(text);
    expect(error instanceof ServiceError ? error.kind : 'data').toBe(expected);
  });
});

test('describeErrorBody keeps long bodies short', () => {
  expect(describeErrorBody('x'.repeat(1000)).length).toBeLessThan(320);
  expect(describeErrorBody('')).toBe('');
});
