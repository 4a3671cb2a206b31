/** Provider config pointing every client at a running simulator. */
import { DEFAULT_TIMEOUTS_MS, type ProvidersConfig } from '../providers/config';
import { SERVICES, type ServiceName } from '../providers/types';

export const SIMULATOR_API_KEY = 'sim-api-key';

export function simulatorProvidersConfig(
  baseUrls: Record<ServiceName, string>,
  overrides: { apiKey?: string; timeoutMs?: number } = {},
): ProvidersConfig {
  const entry = (name: ServiceName) => ({
    baseUrl: baseUrls[name],
    apiKey: overrides.apiKey ?? SIMULATOR_API_KEY,
    timeoutMs: overrides.timeoutMs ?? DEFAULT_TIMEOUTS_MS[name],
  });
  return Object.fromEntries(SERVICES.map((name) => [name, entry(name)])) as unknown as ProvidersConfig;
}
