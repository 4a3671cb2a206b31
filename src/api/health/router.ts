import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { noQuery } from '../http/common-schemas';
import { sendData } from '../http/envelope';
import { unavailable } from '../http/http-error';
import { withTemporalDeadline } from '../http/temporal-deadline';
import { parseInput } from '../http/validate';

const HEALTH_DEADLINE_MS = 3_000;

/** Open (no key): liveness of the two dependencies, nothing about campaigns or the breaker. */
export function healthRouter({ prisma, temporal, logger }: ApiDeps): Router {
  const router = Router();

  router.get('/health', async (req, res) => {
    parseInput(noQuery, req.query, 'query');
    const [database, temporalUp] = await Promise.all([
      probe(() => prisma.$queryRaw`SELECT 1`),
      probe(() => withTemporalDeadline(temporal, HEALTH_DEADLINE_MS, () => temporal.workflowService.getSystemInfo({}))),
    ]);
    const down = [database ? null : 'database', temporalUp ? null : 'temporal'].filter(Boolean);
    if (down.length > 0) {
      logger.warn({ event: 'health_degraded', down }, `Health check: ${down.join(', ')} unavailable`);
      throw unavailable(`Unavailable: ${down.join(', ')}`);
    }
    sendData(res, { status: 'ok', database: 'up', temporal: 'up' });
  });

  return router;
}

async function probe(check: () => Promise<unknown>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch {
    return false;
  }
}
