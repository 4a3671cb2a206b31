/**
 * `npm run worker`: a worker alone, for deployments on PostgreSQL and a Temporal cluster.
 * Run as many as you like on the same TASK_QUEUE; each also serves the control queue.
 */
import path from 'node:path';
import { loadConfig } from './config';
import { openDatabase } from './db/database';
import { createLimitsRecorder } from './db/provider-limits';
import { createLogger } from './logger';
import { startMetricsServer } from './metrics/http';
import { registerStateMetrics } from './metrics/state';
import { freeLoopbackPort } from './metrics/temporal-sdk';
import { routeSdkLogsTo } from './temporal/sdk-logging';
import { createConfiguredWorkers, openProviders, openTemporal } from './runtime';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'leadgen-worker' });
  const sdkMetricsPort = config.TEMPORAL_SDK_METRICS_PORT || (await freeLoopbackPort());
  routeSdkLogsTo(logger, config.LOG_LEVEL, { metricsBindAddress: `127.0.0.1:${sdkMetricsPort}` });
  const temporal = await openTemporal(config, { embedded: false });
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, pgliteDir: path.join(config.DATA_DIR, 'pglite') });
  const limits = createLimitsRecorder(db.prisma, logger);
  const { providers, simulator, simulated } = await openProviders(config, logger, process.env, { observe: limits.observe });
  const workers = await createConfiguredWorkers(config, { prisma: db.prisma, breakerPrisma: db.breakerPrisma, providers, simulated, temporal, logger });
  registerStateMetrics(db.prisma, logger);
  const metrics = await startMetricsServer(config.METRICS_HOST, config.METRICS_PORT);
  const stop = () => workers.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  logger.info({ taskQueue: config.TASK_QUEUE, temporal: temporal.address, namespace: config.TEMPORAL_NAMESPACE, security: temporal.security, database: db.kind, metrics: metrics.url }, 'worker running');
  await workers.run();
  metrics.server.close();
  await simulator?.close();
  await limits.close();
  await db.close();
  await temporal.close();
  logger.info('worker stopped');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
