/** provider_limits: what the services report about their allowance, written at most once a second per service. */
import { createLimitsRecorder, readProviderLimits } from '../../src/db/provider-limits';
import { createProviders } from '../../src/providers';
import { capturedLogger } from '../helpers/captured-logger';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { LEAD, pushOne, useSimulator } from '../simulator/use-simulator';

const harness = useSimulator();
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('pglite');
});
afterAll(async () => {
  await db?.destroy();
});
beforeEach(async () => {
  await db.prisma.providerLimit.deleteMany();
});

const at = (ms: number) => new Date(Date.UTC(2026, 10, 24, 2, 0, 0, ms));

test('the first reading is written at once; later ones in the same second wait, merged, for one trailing write', async () => {
  const recorder = createLimitsRecorder(db.prisma, capturedLogger('limits').logger, { intervalMs: 500 });
  const writes = jest.spyOn(db.prisma.providerLimit, 'upsert');
  try {
    recorder.observe({ service: 'apollo', remaining: { minute_requests: 49 }, observedAt: at(0) });
    for (let left = 48; left > 40; left--) recorder.observe({ service: 'apollo', remaining: { minute_requests: left }, observedAt: at(50 - left) });
    recorder.observe({ service: 'apollo', remaining: { daily_requests: 590 }, observedAt: at(20) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(writes).toHaveBeenCalledTimes(1);
    expect((await readProviderLimits(db.prisma)).apollo!.remaining).toEqual({ minute_requests: 49 });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(writes).toHaveBeenCalledTimes(2);
    expect(await readProviderLimits(db.prisma)).toEqual({
      apollo: { remaining: { minute_requests: 41, daily_requests: 590 }, resets: null, observed_at: at(20).toISOString() },
    });
  } finally {
    writes.mockRestore();
    await recorder.close();
  }
});

test('every service the clients hear from gets its row: headers and balances', async () => {
  const recorder = createLimitsRecorder(db.prisma, capturedLogger('limits').logger);
  const providers = createProviders(harness.config(), { observe: recorder.observe });
  await providers.searchPeople({ titles: ['CTO'] }, 1, 5);
  await providers.verifyEmail(LEAD.email);
  await providers.writeCopy(LEAD, 'research', 'prompt');
  await pushOne(providers, 'campaign-limits', LEAD, { subject: 's', body: 'b' });
  await recorder.close();
  const limits = await readProviderLimits(db.prisma);
  expect(Object.keys(limits).sort()).toEqual(['apollo', 'instantly', 'millionverifier', 'openai']);
  expect(limits.apollo!.remaining).toEqual({ minute_requests: 199, hourly_requests: 3999, daily_requests: 19_999 });
  expect(limits.openai!.remaining).toMatchObject({ requests: 499 });
  expect(limits.openai!.resets).toMatchObject({ requests: expect.stringMatching(/^\d+s$/) });
  expect(limits.millionverifier!.remaining).toEqual({ credits: 99_999 });
  expect(limits.instantly!.remaining).toEqual({ leads_in_plan: 999_999 });
});
