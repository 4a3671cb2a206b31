/** The real providers: one HTTP client per service behind the `LeadProviders` interface. */
import { createApolloClient } from './apollo';
import type { ProvidersConfig } from './config';
import { createInstantlyClient } from './instantly';
import { createMillionVerifierClient } from './millionverifier';
import { createOpenAiClient } from './openai';
import { createPerplexityClient } from './perplexity';
import type { LeadProviders } from './types';

export function createProviders(config: ProvidersConfig): LeadProviders {
  return {
    ...createApolloClient(config.apollo),
    ...createMillionVerifierClient(config.millionverifier),
    ...createPerplexityClient(config.perplexity),
    ...createOpenAiClient(config.openai),
    ...createInstantlyClient(config.instantly),
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
