import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { createApp } from './api/app';
import { type ApiKey, parseApiKeys } from './api/auth';
import type { ApiDeps } from './api/deps';
import type { AppConfig } from './config';
import type { Logger } from './logger';
import { DEFAULT_TIMEOUTS_MS, providersConfigFromEnv, type ProvidersConfig } from './providers/config';
import { createProviders } from './providers';
import { serviceLimitsFromEnv, workerOptionsForService } from './providers/limits';
import { createProviderProbes, type ProviderProbes } from './providers/probe';
import { SERVICES, type LeadProviders, type LimitsObserver, type ServiceName } from './providers/types';
import { SIMULATOR_API_KEY } from './simulator/provider-config';
import { type RunningSimulator, startSimulator } from './simulator/server';
import { describeConnectionSecurity } from './temporal/connection-config';
import { type DevServer, startDevServer } from './temporal/dev-server';
import { createWorkers, type Workers } from './worker';
import type { PrismaClient } from './db/database';

/** The pieces every entry point (start, worker, api) assembles from configuration. */

export interface TemporalHandles {
  address: string;
  /** `plaintext`, `TLS`, `mTLS`, with `+ API key` when one is sent. */
  security: string;
  client: Client;
  nativeConnection: NativeConnection;
  devServer?: DevServer;
  close(): Promise<void>;
}

/**
 * The options both the client's Connection and the worker's NativeConnection connect with: the configured
 * address with its TLS / API key settings, or the embedded dev server's address in plain gRPC.
 */
export function temporalConnectOptions(config: AppConfig, devServerAddress?: string): NativeConnectionOptions {
  if (devServerAddress === undefined) return { ...config.temporalConnectionOptions, address: config.TEMPORAL_ADDRESS };
  refuseSecuritySettingsWithoutAddress(config);
  return { address: devServerAddress };
}

function refuseSecuritySettingsWithoutAddress(config: AppConfig): void {
  if (Object.keys(config.temporalConnectionOptions).length === 0) return;
  throw new Error(
    "TEMPORAL_API_KEY, TEMPORAL_TLS* and a profile's TLS or API key settings need TEMPORAL_ADDRESS (or a profile " +
      'address): without one, npm start runs the embedded dev server, which speaks plain gRPC',
  );
}

/** Connects to TEMPORAL_ADDRESS (or a config-file profile's), or starts the embedded dev server when none is configured. */
export async function openTemporal(
  config: AppConfig,
  { embedded, persist = true }: { embedded: boolean; persist?: boolean },
): Promise<TemporalHandles> {
  let devServer: DevServer | undefined;
  if (!config.TEMPORAL_ADDRESS) {
    if (!embedded) throw new Error('TEMPORAL_ADDRESS is required (e.g. temporal:7233), or TEMPORAL_PROFILE naming a profile with an address');
    refuseSecuritySettingsWithoutAddress(config);
    devServer = await startDevServer({
      dataDir: config.DATA_DIR,
      port: config.TEMPORAL_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      namespace: config.TEMPORAL_NAMESPACE,
      persist,
    });
  }
  const options = temporalConnectOptions(config, devServer?.address);
  try {
    const connection = await Connection.connect(options);
    const nativeConnection = await NativeConnection.connect(options).catch(async (error: unknown) => {
      await connection.close();
      throw error;
    });
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    return {
      address: options.address!,
      security: describeConnectionSecurity(options),
      client,
      nativeConnection,
      devServer,
      async close() {
        await connection.close();
        await nativeConnection.close();
        await devServer?.stop();
      },
    };
  } catch (error) {
    await devServer?.stop();
    throw error;
  }
}

export interface ProviderHandles {
  providers: LeadProviders;
  providersConfig: ProvidersConfig;
  simulator?: RunningSimulator;
  simulated: ServiceName[];
}

/** Services without an API key: the local simulator stands in for them. */
function simulatedServices(env: NodeJS.ProcessEnv): ServiceName[] {
  return SERVICES.filter((service) => !env[`${service.toUpperCase()}_API_KEY`]);
}

/** The providers' config, with simulated services pointed at `simulatorUrl` ({url}/{service}). */
function providersConfigWithSimulator(env: NodeJS.ProcessEnv, simulatorUrl: string): ProvidersConfig {
  const fallbackEnv: NodeJS.ProcessEnv = { ...env };
  for (const service of simulatedServices(env)) {
    const prefix = service.toUpperCase();
    fallbackEnv[`${prefix}_API_KEY`] = SIMULATOR_API_KEY;
    fallbackEnv[`${prefix}_BASE_URL`] = `${simulatorUrl}/${service}`;
    fallbackEnv[`${prefix}_TIMEOUT_MS`] ??= String(DEFAULT_TIMEOUTS_MS[service]);
  }
  return providersConfigFromEnv(fallbackEnv);
}

/**
 * Real clients for every service with an API key; the local simulator for the rest
 * (all of them on a fresh clone), so the product runs anywhere. `observe` hears every
 * remaining-allowance signal the services send (see createLimitsRecorder).
 */
export async function openProviders(
  config: AppConfig,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
  { observe }: { observe?: LimitsObserver } = {},
): Promise<ProviderHandles> {
  const simulated = simulatedServices(env);
  let simulator: RunningSimulator | undefined;
  if (simulated.length > 0) {
    simulator = await startSimulator({ port: config.SIMULATOR_PORT, host: '127.0.0.1', baseLatencyMs: config.SIMULATOR_LATENCY_MS });
    logger.info({ simulated, url: simulator.url }, `Simulator serving ${simulated.join(', ')} at ${simulator.url}`);
  }
  const providersConfig = providersConfigWithSimulator(env, simulator?.url ?? '');
  return { providers: createProviders(providersConfig, { observe }), providersConfig, simulator, simulated };
}

/**
 * The provider check for a process that makes no calls itself (`npm run api`): the same services as the
 * workers, simulated ones at the simulator the worker runs on SIMULATOR_PORT of this host.
 */
export function providerProbesFromEnv(config: AppConfig, env: NodeJS.ProcessEnv = process.env): ProviderProbes {
  return createProviderProbes(providersConfigWithSimulator(env, `http://127.0.0.1:${config.SIMULATOR_PORT}`));
}

export interface ApiKeyConfig {
  keys: ApiKey[];
  /** Set when no keys were configured and one was generated for this data folder. */
  generated?: { key: string; file: string };
}

/**
 * API_KEYS="operator:KEY1,viewer:KEY2"; without it, one operator key is generated and kept in the data folder,
 * but only for an API on a loopback HOST: one reachable from elsewhere must be given its keys deliberately.
 */
export function resolveApiKeys(config: AppConfig): ApiKeyConfig {
  if (config.API_KEYS) return { keys: parseApiKeys(config.API_KEYS) };
  if (!isLoopbackHost(config.HOST)) {
    throw new Error(
      `HOST=${config.HOST} makes the API reachable from other machines, so API_KEYS is required ` +
        `(e.g. API_KEYS=operator:$(openssl rand -base64 24)); a key is generated only for a loopback HOST such as 127.0.0.1`,
    );
  }
  const file = path.join(config.DATA_DIR, 'operator-api-key');
  mkdirSync(config.DATA_DIR, { recursive: true });
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600 });
  const key = readFileSync(file, 'utf8').trim();
  return { keys: [{ role: 'operator', key }], generated: { key, file } };
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(bare);
}

/**
 * How to tell the operator about a generated key: the key itself only on an interactive terminal outside a
 * container; anywhere else (piped output, `docker logs`, a log collector) only the file that holds it.
 */
export function generatedKeyNotice(generated: { key: string; file: string }, stdout: { isTTY?: boolean } = process.stdout): string {
  const onPrivateTerminal = stdout.isTTY === true && !insideContainer();
  return onPrivateTerminal
    ? `${generated.key}   (kept in ${generated.file}; send as "Authorization: Bearer <key>")`
    : `in ${generated.file}   (not shown here: output is not a private terminal; send as "Authorization: Bearer <key>")`;
}

function insideContainer(): boolean {
  return existsSync('/.dockerenv') || existsSync('/run/.containerenv') || process.env.container !== undefined;
}

/** What the API is built from beyond the configuration. */
export interface ApiParts extends Pick<ApiDeps, 'prisma' | 'breaker' | 'logger' | 'apiKeys' | 'providerProbes'> {
  temporal: TemporalHandles;
}

export interface RunningApi {
  server: Server;
  /** Ends the dashboards' live streams, then closes the server: resolves once it has closed. */
  stop(): Promise<void>;
}

/**
 * The API and dashboard on HOST:PORT, for `npm start` and `npm run api`: resolves once the server listens, and
 * rejects when it cannot (the port taken, the address not ours) rather than announcing an API nobody serves.
 */
export async function assembleApi(config: AppConfig, { temporal, ...parts }: ApiParts): Promise<RunningApi> {
  // The configured Web UI, else the embedded dev server's (only `npm start` runs one).
  const temporalUiUrl = config.TEMPORAL_UI_URL ?? temporal.devServer?.uiUrl;
  const stopping = new AbortController();
  const app = createApp({
    ...parts,
    temporal: temporal.client,
    taskQueue: config.TASK_QUEUE,
    temporalUi: temporalUiUrl ? { url: temporalUiUrl, namespace: config.TEMPORAL_NAMESPACE } : undefined,
    shutdown: stopping.signal,
  });
  // Express 5 hands a failed listen to this callback (with the error) instead of emitting it.
  const server = await new Promise<Server>((resolve, reject) => {
    const listening: Server = app.listen(config.PORT, config.HOST, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  return {
    server,
    stop() {
      stopping.abort(); // ends the dashboards' live streams, which would hold server.close() open
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The product's workers as configured, for `npm start` and `npm run worker`: each service's job worker with
 * that service's rate (enforced by the Temporal server across every worker) and this process's concurrency cap.
 */
export function createConfiguredWorkers(
  config: AppConfig,
  {
    prisma,
    breakerPrisma,
    providers,
    simulated,
    temporal,
    logger,
  }: {
    prisma: PrismaClient;
    breakerPrisma?: PrismaClient;
    providers: LeadProviders;
    simulated: readonly ServiceName[];
    temporal: TemporalHandles;
    logger: Logger;
  },
  env: NodeJS.ProcessEnv = process.env,
): Promise<Workers> {
  const limits = serviceLimitsFromEnv(env, { simulated });
  logger.info(
    { rateLimits: Object.fromEntries(SERVICES.map((service) => [service, `${limits[service].rate}, ${limits[service].maxConcurrency} in flight per worker`])) },
    'Job workers rate-limited per service',
  );
  return createWorkers({
    jobWorkerOptions: (service) => workerOptionsForService(limits, service),
    connection: temporal.nativeConnection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE,
    deps: {
      prisma,
      breakerPrisma,
      providers,
      temporal: temporal.client,
      logger,
      taskQueue: config.TASK_QUEUE,
      failureThreshold: config.BREAKER_FAILURE_THRESHOLD,
      fanOutConcurrency: config.FAN_OUT_CONCURRENCY,
      retryAfterCapMs: config.RETRY_AFTER_CAP_MS,
    },
  });
}
