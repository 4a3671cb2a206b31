/**
 * `npm run api`: the REST API alone, for deployments on PostgreSQL and a Temporal cluster
 * (workers run separately with `npm run worker`).
 */
import path from 'node:path';
import { API_PREFIX } from './api/app';
import { METRICS_PATH } from './api/paths';
import { BreakerClient } from './breaker/client';
import { loadConfig } from './config';
import { openDatabase } from './db/database';
import { createLogger } from './logger';
import { assembleApi, generatedKeyNotice, openTemporal, providerProbesFromEnv, resolveApiKeys } from './runtime';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'leadgen-api' });
  // Before connecting anywhere: an API that may not start (no API_KEYS on a public HOST) stops here.
  const apiKeys = resolveApiKeys(config);
  const temporal = await openTemporal(config, { embedded: false });
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, pgliteDir: path.join(config.DATA_DIR, 'pglite') });
  const breaker = new BreakerClient(temporal.client, config.TASK_QUEUE, config.BREAKER_FAILURE_THRESHOLD);
  if (apiKeys.generated) process.stdout.write(`Operator key: ${generatedKeyNotice(apiKeys.generated)}\n`);
  const parts = { prisma: db.prisma, temporal, breaker, logger, apiKeys: apiKeys.keys, providerProbes: providerProbesFromEnv(config) };
  const origin = `http://${config.HOST}:${config.PORT}`;
  const api = await assembleApi(config, parts);
  logger.info(
    {
      url: `${origin}${API_PREFIX}`,
      dashboard: `${origin}/`,
      reference: `${origin}${API_PREFIX}/docs`,
      metrics: `${origin}${METRICS_PATH}`,
      temporal: temporal.address,
      namespace: config.TEMPORAL_NAMESPACE,
      security: temporal.security,
    },
    'API listening',
  );
  const stop = () => {
    void api.stop().then(async () => {
      await db.close();
      await temporal.close();
      logger.info('API stopped');
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
