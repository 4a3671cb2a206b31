/**
 * `npm start`: the whole product on one machine — Temporal dev server (+ Web UI), worker, API and dashboard,
 * database (PGlite unless DATABASE_URL) and the simulator for any service without an API key.
 * Ctrl-C stops all of it.
 */
import path from 'node:path';
import { API_PREFIX } from './api/app';
import { METRICS_PATH } from './api/paths';
import { createLimitsRecorder } from './db/provider-limits';
import { createProviderProbes } from './providers/probe';
import { BreakerClient } from './breaker/client';
import { loadConfig } from './config';
import { openDatabase } from './db/database';
import { createLogger } from './logger';
import { freeLoopbackPort } from './metrics/temporal-sdk';
import { routeSdkLogsTo } from './temporal/sdk-logging';
import { assembleApi, createConfiguredWorkers, generatedKeyNotice, openProviders, openTemporal, resolveApiKeys } from './runtime';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL });
  // The SDK's worker metrics on loopback, served through the API's /metrics.
  const sdkMetricsPort = config.TEMPORAL_SDK_METRICS_PORT || (await freeLoopbackPort());
  routeSdkLogsTo(logger, config.LOG_LEVEL, { metricsBindAddress: `127.0.0.1:${sdkMetricsPort}` });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error) => logger.error({ err: error }, 'shutdown step failed'));
  };

  try {
    // First: an API that may not start (no API_KEYS on a public HOST) must not start a dev server either.
    const apiKeys = resolveApiKeys(config);
    const temporal = await openTemporal(config, { embedded: true });
    stops.push(() => temporal.close());
    const db = await openDatabase({ databaseUrl: config.DATABASE_URL, pgliteDir: path.join(config.DATA_DIR, 'pglite') });
    stops.push(() => db.close());
    const limits = createLimitsRecorder(db.prisma, logger);
    stops.push(() => limits.close());
    const { providers, providersConfig, simulator, simulated } = await openProviders(config, logger, process.env, { observe: limits.observe });
    if (simulator) stops.push(() => simulator.close());

    const worker = await createConfiguredWorkers(config, { prisma: db.prisma, breakerPrisma: db.breakerPrisma, providers, simulated, temporal, logger });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
    });

    const breaker = new BreakerClient(temporal.client, config.TASK_QUEUE, config.BREAKER_FAILURE_THRESHOLD);
    await breaker.ensureRunning();
    const parts = { prisma: db.prisma, temporal, breaker, logger, apiKeys: apiKeys.keys, providerProbes: createProviderProbes(providersConfig) };
    const api = await assembleApi(config, parts);
    stops.push(() => api.stop());

    const origin = `http://${config.HOST}:${config.PORT}`;
    const apiUrl = `${origin}${API_PREFIX}`;
    const lines = [
      '',
      'leadgen-orchestrator is running',
      `  Dashboard      http://${config.HOST}:${config.PORT}/   (sign in with the operator key below)`,
      `  API            ${apiUrl}   (try: curl ${apiUrl}/health)`,
      `  API reference  ${apiUrl}/docs   (OpenAPI 3.1: ${apiUrl}/openapi.json)`,
      `  Metrics        ${origin}${METRICS_PATH}   (Prometheus, with the key; includes the Temporal SDK's worker metrics)`,
      temporal.devServer ? `  Temporal UI    ${temporal.devServer.uiUrl}` : `  Temporal       ${temporal.address}`,
      `  Temporal gRPC  ${temporal.address}  (${temporal.security}, namespace ${config.TEMPORAL_NAMESPACE})`,
      `  Database       ${db.kind === 'pglite' ? `PGlite in ${path.join(config.DATA_DIR, 'pglite')}` : 'PostgreSQL (DATABASE_URL)'}`,
      simulator ? `  Simulator      ${simulator.url}  (simulating: ${simulated.join(', ')}; faults: POST /sim/services/{service}/fault)` : '  Simulator      off (every service has an API key)',
      // Shown once per start, on the terminal only; never written to the logs.
      apiKeys.generated ? `  Operator key   ${generatedKeyNotice(apiKeys.generated)}` : '  API keys       from API_KEYS',
      '  Ctrl-C stops everything.',
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    await stopAll();
    // Exit outright: the SDK runtime installed above keeps the event loop alive on its own.
    process.exit(1);
  }

  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  await stopAll();
  logger.info('stopped');
}

void main();
