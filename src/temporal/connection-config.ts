import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

/**
 * Where and how to reach Temporal, read the SDK's own way (`@temporalio/envconfig`): a profile of a TOML
 * config file (TEMPORAL_CONFIG_FILE, else the user's `temporalio/temporal.toml`; TEMPORAL_PROFILE, else
 * `default`), overridden by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS and
 * TEMPORAL_TLS_*. So the same settings that point the `temporal` CLI at a cluster or at Temporal Cloud
 * (TLS, mTLS, API key) point the product there too.
 */
export interface TemporalConnectionConfig {
  /** Unset: no address anywhere, so `npm start` runs the embedded dev server. */
  address?: string;
  namespace?: string;
  /** TLS (server CA, server name, client certificate pair), API key and gRPC metadata; the same for the
   *  client's Connection and the worker's NativeConnection. */
  options: Omit<NativeConnectionOptions, 'address'>;
}

export function temporalConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalConnectionConfig {
  // An empty variable means unset here, as everywhere in the product's configuration.
  const set = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => !!entry[1]));
  // The loader reads it, but the TypeScript SDK cannot apply it: refuse rather than verify regardless.
  if (['1', 'true'].includes(set.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION ?? '')) {
    throw new Error(
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported by the TypeScript SDK: ' +
        "set TEMPORAL_TLS_SERVER_NAME to the name in the server's certificate (and TEMPORAL_TLS_SERVER_CA_CERT_PATH to its CA) instead",
    );
  }
  let loaded;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: set });
  } catch (error) {
    throw new Error(`Invalid Temporal connection settings (TEMPORAL_* or the config file's profile): ${(error as Error).message}`);
  }
  const { address, ...options } = loaded.connectionOptions;
  // Drop what the loader left undefined, so logs and tests see only the settings in force.
  const present = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { address, namespace: loaded.namespace, options: present };
}

/** For logs and the start-up banner: how the connection is secured, never the secrets themselves. */
export function describeConnectionSecurity(options: TemporalConnectionConfig['options']): string {
  const tls = options.tls;
  const parts = [
    !tls ? 'plaintext' : typeof tls === 'object' && tls.clientCertPair ? 'mTLS' : 'TLS',
    ...(options.apiKey ? ['API key'] : []),
  ];
  return parts.join(' + ');
}
