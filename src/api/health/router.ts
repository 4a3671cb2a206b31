import { z } from 'zod';
import { unavailable } from '../http/http-error';
import { defineRoute, type ApiFeature } from '../http/route';
import { withTemporalDeadline } from '../http/temporal-deadline';

const HEALTH_DEADLINE_MS = 3_000;

const healthData = z.object({ status: z.literal('ok'), database: z.literal('up'), temporal: z.literal('up') });

/** Open (no key): liveness of the two dependencies, nothing about campaigns or the breaker. */
export const healthFeature: ApiFeature = {
  tag: 'Health',
  description: 'Liveness of the database and Temporal; needs no API key.',
  routes: [
    defineRoute({
      method: 'get',
      path: '/health',
      open: true,
      summary: 'Database and Temporal reachable',
      description: '503 names what is down (`Unavailable: database, temporal`).',
      success: { status: 200, description: 'Both dependencies answer', data: healthData },
      async handle(_input, { deps: { prisma, temporal, logger } }) {
        const [database, temporalUp] = await Promise.all([
          probe(() => prisma.$queryRaw`SELECT 1`),
          probe(() => withTemporalDeadline(temporal, HEALTH_DEADLINE_MS, () => temporal.workflowService.getSystemInfo({}))),
        ]);
        const down = [database ? null : 'database', temporalUp ? null : 'temporal'].filter(Boolean);
        if (down.length > 0) {
          logger.warn({ event: 'health_degraded', down }, `Health check: ${down.join(', ')} unavailable`);
          throw unavailable(`Unavailable: ${down.join(', ')}`);
        }
        return { status: 'ok', database: 'up', temporal: 'up' } as const;
      },
    }),
  ],
};

async function probe(check: () => Promise<unknown>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch {
    return false;
  }
}
