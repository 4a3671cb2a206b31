/**
 * Simulated MillionVerifier: GET /api/v3/?api=KEY&email=EMAIL&timeout=S and GET /api/v3/credits?api=KEY.
 * Like the real one it answers HTTP 200 with an `error` string for a missing key, missing email or
 * exhausted credits.
 */
import type { EmailVerdict } from '../../providers/types';
import { hashInt } from '../fake-data';
import type { SimReply, SimService } from '../service';

const STARTING_CREDITS = 100_000;
const RESULT_CODES: Record<EmailVerdict | 'error', number> = { ok: 1, catch_all: 2, unknown: 3, error: 4, disposable: 5, invalid: 6 };
const QUALITY: Record<EmailVerdict, string> = { ok: 'good', catch_all: 'risky', unknown: 'risky', invalid: 'bad', disposable: 'bad' };
const FREE_DOMAINS = new Set(['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'proton.me']);
const DISPOSABLE_DOMAINS = new Set(['mailinator.com', 'trashmail.com', '10minutemail.com']);
const ROLE_LOCALS = new Set(['info', 'sales', 'admin', 'support', 'contact', 'hello', 'team']);
const SYNTAX = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Local-part prefixes that force a verdict, so other tests can ask for one by name. */
const FORCED: Array<[RegExp, EmailVerdict]> = [
  [/^(invalid|bounce)/, 'invalid'],
  [/^catch_?all/, 'catch_all'],
  [/^unknown/, 'unknown'],
  [/^disposable/, 'disposable'],
];

/** The simulator's verdict for an address: about 82% ok, 4% invalid, the rest spread, by hash. */
export function simulatedVerdict(email: string, seed: string): EmailVerdict {
  const normalized = email.trim().toLowerCase();
  if (!SYNTAX.test(normalized)) return 'invalid';
  const [local = '', domain = ''] = normalized.split('@');
  for (const [pattern, verdict] of FORCED) if (pattern.test(local)) return verdict;
  if (DISPOSABLE_DOMAINS.has(domain)) return 'disposable';
  const bucket = hashInt(seed, 'verdict', normalized) % 100;
  if (bucket < 82) return 'ok';
  if (bucket < 90) return 'catch_all';
  if (bucket < 94) return 'unknown';
  if (bucket < 98) return 'invalid';
  return 'disposable';
}

export function createMillionVerifierService(seed: string): SimService {
  let credits = STARTING_CREDITS;
  const errorAnswer = (email: string, error: string): SimReply => ({
    status: 200,
    failed: true,
    body: answer({ email, result: 'error', quality: '', subresult: '', credits: 0, error }),
  });
  return {
    name: 'millionverifier',
    errorReply: (status, message) => ({ status, body: { error: message } }),
    quotaReply: () => errorAnswer('', 'Insufficient credits'),
    malformedReply: () => ({ status: 200, body: { email: '', result: 'maybe', resultcode: 9 } }),
    reset() {
      credits = STARTING_CREDITS;
    },
    routes: [
      {
        method: 'get',
        path: '/api/v3/credits',
        handle({ query }) {
          if (typeof query.api !== 'string' || query.api.trim() === '') return { status: 200, failed: true, body: { error: 'Apikey not found' } };
          return { status: 200, body: { credits, bulk_credits: 0, renewing_credits: 0, plan: 0 } };
        },
      },
      {
        method: 'get',
        path: '/api/v3',
        handle({ query }) {
          const email = typeof query.email === 'string' ? query.email : '';
          if (typeof query.api !== 'string' || query.api.trim() === '') return errorAnswer(email, 'Apikey not found');
          if (email.trim() === '') return errorAnswer(email, 'Missing parameter: email');
          if (query.timeout !== undefined && (typeof query.timeout !== 'string' || !/^([2-9]|[1-5]\d|60)$/.test(query.timeout))) {
            return errorAnswer(email, 'Invalid parameter: timeout must be between 2 and 60');
          }
          const verdict = simulatedVerdict(email, seed);
          credits -= 1;
          const [local = '', domain = ''] = email.toLowerCase().split('@');
          return {
            status: 200,
            body: answer({
              email,
              result: verdict,
              quality: QUALITY[verdict],
              subresult: verdict === 'invalid' && !SYNTAX.test(email) ? 'invalid_syntax' : verdict === 'invalid' ? 'mailbox_not_found' : verdict,
              free: FREE_DOMAINS.has(domain),
              role: ROLE_LOCALS.has(local),
              credits,
              error: '',
            }),
          };
        },
      },
    ],
  };
}

function answer(fields: { email: string; result: EmailVerdict | 'error'; quality: string; subresult: string; credits: number; error: string; free?: boolean; role?: boolean }) {
  return {
    email: fields.email,
    quality: fields.quality,
    result: fields.result,
    resultcode: RESULT_CODES[fields.result],
    subresult: fields.subresult,
    free: fields.free ?? false,
    role: fields.role ?? false,
    didyoumean: '',
    credits: fields.credits,
    executiontime: 1,
    error: fields.error,
    livemode: true,
  };
}
