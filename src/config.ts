import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_RETRY_AFTER_CAP_MS } from './providers/limits';
import { temporalConnectionFromEnv, type TemporalConnectionConfig } from './temporal/connection-config';

/**
 * Every setting the product reads, from the environment, validated once at start-up.
 * Unset means the embedded default: a Temporal dev server, PGlite and the simulator, all local.
 */
const envSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  DATA_DIR: z.string().default(path.resolve(__dirname, '../.data')),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgresql:// URL')
    .optional(),
  /** Both may also come from a Temporal config-file profile (see temporal/connection-config.ts). */
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_PORT: z.coerce.number().int().default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().default(8233),
  /** The Temporal Web UI the dashboard links campaign workflows to; `npm start` defaults it to its dev server's UI. */
  TEMPORAL_UI_URL: z.url({ protocol: /^https?$/, error: 'TEMPORAL_UI_URL must be an http(s):// URL' }).optional(),
  TASK_QUEUE: z.string().default('leadgen'),
  BREAKER_FAILURE_THRESHOLD: z.coerce.number().int().min(1).default(1),
  FAN_OUT_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(64),
  API_KEYS: z.string().optional(),
  SIMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  /** Added to every simulated call, so the embedded stack behaves like services across a network. */
  SIMULATOR_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** The worker's Prometheus listener (`npm run worker`); `npm start` serves /metrics on the API's port. */
  METRICS_HOST: z.string().default('127.0.0.1'),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** The Temporal SDK's own exporter, on loopback, appended to our /metrics; 0 picks a free port. */
  TEMPORAL_SDK_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** A 429 whose Retry-After is at most this long is waited out and retried; a longer one is a service failure at once. */
  RETRY_AFTER_CAP_MS: z.coerce.number().int().min(0).max(3_600_000).default(DEFAULT_RETRY_AFTER_CAP_MS),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export type AppConfig = z.output<typeof envSchema> & {
  /** TLS, API key and gRPC metadata for TEMPORAL_ADDRESS, from the SDK's environment configuration. */
  temporalConnectionOptions: TemporalConnectionConfig['options'];
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  // The SDK's loader applies TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE over the profile's, so its answer wins.
  const temporal = temporalConnectionFromEnv(env);
  return {
    ...parsed.data,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace ?? parsed.data.TEMPORAL_NAMESPACE,
    temporalConnectionOptions: temporal.options,
  };
}
