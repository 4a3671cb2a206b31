/**
 * Standalone simulator: `tsx src/simulator/main.ts`. SIMULATOR_PORT (default 4010), SIMULATOR_HOST
 * (default 127.0.0.1), SIMULATOR_LATENCY_MS, SIMULATOR_SEED, SIMULATOR_CONTROL_PUBLIC (default false: the
 * fault API answers only on loopback).
 */
import pino from 'pino';
import { startSimulator } from './server';

const logger = pino({ name: 'simulator' });

async function main(): Promise<void> {
  const simulator = await startSimulator({
    port: Number(process.env.SIMULATOR_PORT ?? 4010),
    host: process.env.SIMULATOR_HOST || '127.0.0.1',
    baseLatencyMs: Number(process.env.SIMULATOR_LATENCY_MS ?? 0),
    seed: process.env.SIMULATOR_SEED || undefined,
    controlFromAnyHost: process.env.SIMULATOR_CONTROL_PUBLIC === 'true',
  });
  logger.info({ url: simulator.url, baseUrls: simulator.baseUrls }, `Simulator listening on ${simulator.url}`);
  const stop = (signal: string) => {
    logger.info({ signal }, 'Simulator stopping');
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  logger.error({ err: error }, 'Simulator failed to start');
  process.exit(1);
});
