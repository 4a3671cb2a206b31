/** The real providers: one HTTP client per service behind the `LeadProviders` interface. */
import { createApolloClient } from './apollo';
import type { ProvidersConfig } from './config';
import { createInstantlyClient } from './instantly';
import { createMillionVerifierClient } from './millionverifier';
import { createOpenAiClient } from './openai';
import { createPerplexityClient } from './perplexity';
import type { LeadProviders, LimitsObserver } from './types';

/** `observe` hears every remaining-allowance signal the services send (headers and balances). */
export function createProviders(config: ProvidersConfig, { observe }: { observe?: LimitsObserver } = {}): LeadProviders {
  return {
    ...createApolloClient(config.apollo, observe),
    ...createMillionVerifierClient(config.millionverifier, observe),
    ...createPerplexityClient(config.perplexity, observe),
    ...createOpenAiClient(config.openai, observe),
    ...createInstantlyClient(config.instantly, observe),
  };
}

export * from './types';
export {
  DEFAULT_BASE_URLS,
  DEFAULT_MODELS,
  DEFAULT_TIMEOUTS_MS,
  modelServiceConfigSchema,
  providersConfigFromEnv,
  providersConfigSchema,
  serviceConfigSchema,
  type ModelServiceConfig,
  type ProvidersConfig,
  type ServiceConfig,
} from './config';
