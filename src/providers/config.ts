/**
 * Where each service lives and how long we wait for it. The zod schemas are exported so the app's
 * own config can embed them; `providersConfigFromEnv` is the ready-made reading of the environment.
 */
import { z } from 'zod';
import type { ServiceName } from './types';

export interface ServiceConfig {
  /** Without the API version path, e.g. https://api.openai.com (the client appends /v1/...). */
  baseUrl: string;
  apiKey: string;
  /** Per request, covering connect, headers and body. */
  timeoutMs: number;
}

export interface ModelServiceConfig extends ServiceConfig {
  /** Chat model; each client has a default. */
  model?: string;
}

export interface ProvidersConfig {
  apollo: ServiceConfig;
  millionverifier: ServiceConfig;
  perplexity: ModelServiceConfig;
  openai: ModelServiceConfig;
  instantly: ServiceConfig;
}

export const DEFAULT_BASE_URLS: Record<ServiceName, string> = {
  apollo: 'https://api.apollo.io',
  millionverifier: 'https://api.millionverifier.com',
  perplexity: 'https://api.perplexity.ai',
  openai: 'https://api.openai.com',
  instantly: 'https://api.instantly.ai',
};

/** LLM answers take tens of seconds; lookups should not. MillionVerifier's own SMTP wait is up to 10 s. */
export const DEFAULT_TIMEOUTS_MS: Record<ServiceName, number> = {
  apollo: 15_000,
  millionverifier: 20_000,
  perplexity: 60_000,
  openai: 60_000,
  instantly: 15_000,
};

export const DEFAULT_MODELS = { perplexity: 'perplexity/sonar', openai: 'gpt-4o-mini' } as const;

export const serviceConfigSchema = z.object({
  baseUrl: z.url(),
  apiKey: z.string().min(1),
  timeoutMs: z.number().int().positive(),
});

export const modelServiceConfigSchema = serviceConfigSchema.extend({ model: z.string().min(1).optional() });

export const providersConfigSchema = z.object({
  apollo: serviceConfigSchema,
  millionverifier: serviceConfigSchema,
  perplexity: modelServiceConfigSchema,
  openai: modelServiceConfigSchema,
  instantly: serviceConfigSchema,
});

// Keeps the hand-written interface and the schema from drifting apart.
const schemaMatchesInterface: (value: z.output<typeof providersConfigSchema>) => ProvidersConfig = (value) => value;
void schemaMatchesInterface;

/**
 * Reads APOLLO_API_KEY, APOLLO_BASE_URL, APOLLO_TIMEOUT_MS (and the same for MILLIONVERIFIER_,
 * PERPLEXITY_, OPENAI_, INSTANTLY_), plus OPENAI_MODEL and PERPLEXITY_MODEL. Keys are required;
 * the rest default to the real services. Throws a ZodError naming every missing or bad variable.
 */
export function providersConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ProvidersConfig {
  const service = (name: ServiceName) => {
    const prefix = name.toUpperCase();
    const timeout = env[`${prefix}_TIMEOUT_MS`];
    return {
      baseUrl: env[`${prefix}_BASE_URL`] || DEFAULT_BASE_URLS[name],
      apiKey: env[`${prefix}_API_KEY`] ?? '',
      timeoutMs: timeout ? Number(timeout) : DEFAULT_TIMEOUTS_MS[name],
    };
  };
  return providersConfigSchema.parse({
    apollo: service('apollo'),
    millionverifier: service('millionverifier'),
    perplexity: { ...service('perplexity'), model: env.PERPLEXITY_MODEL || undefined },
    openai: { ...service('openai'), model: env.OPENAI_MODEL || undefined },
    instantly: service('instantly'),
  });
}
