import { DefaultLogger, type LogLevel, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { Logger } from '../logger';
import { sdkMetricsTelemetry, setSdkMetricsAddress } from '../metrics/temporal-sdk';

const SDK_LEVELS: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

/**
 * Sends the Temporal SDK's own logs (worker lifecycle, bundler, core) through our pino logger, so the
 * process writes one JSON event a line. The SDK's chatty INFO output is kept at WARN unless asked for.
 * With `metricsBindAddress`, the SDK also exports its worker metrics there (appended to our /metrics).
 * Must run before the first Worker or NativeConnection is created.
 */
export function routeSdkLogsTo(logger: Logger, level: string, { metricsBindAddress }: { metricsBindAddress?: string } = {}): void {
  const sdkLevel = SDK_LEVELS[level] === 'INFO' ? 'WARN' : (SDK_LEVELS[level] ?? 'ERROR');
  Runtime.install({
    logger: new DefaultLogger(sdkLevel, ({ level: entryLevel, message, meta }) => {
      // The SDK's levels are pino's, upper-cased.
      logger[entryLevel.toLowerCase() as Lowercase<LogLevel>]({ sdk: true, ...meta }, message);
    }),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: sdkLevel }), forward: {} },
      ...(metricsBindAddress ? { metrics: sdkMetricsTelemetry(metricsBindAddress) } : {}),
    },
  });
  if (metricsBindAddress) setSdkMetricsAddress(metricsBindAddress);
}
