import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** Structured JSON logs, one event a line (SPEC section 5). Keys and secrets are redacted. */
export function createLogger(options: { level?: string; name?: string } = {}, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: options.name ?? 'leadgen',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: ['req.headers.authorization', '*.apiKey', '*.api_key', 'apiKey'], censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
