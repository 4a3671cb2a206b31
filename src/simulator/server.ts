/**
 * One HTTP server that speaks the five services' APIs, each under its own prefix
 * ({url}/apollo, {url}/millionverifier, ...), plus /sim to inject faults and inspect state.
 * A client's baseUrl is `{url}/{service}`.
 */
import type { AddressInfo } from 'node:net';
import express, { type Express, type RequestHandler } from 'express';
import { SERVICES, type ServiceName } from '../providers/types';
import { controlRouter } from './control-routes';
import { DEFAULT_SEED } from './fake-data';
import { SimRegistry } from './registry';
import { serviceRouter } from './service-router';

export interface SimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Added to every service call before it is answered. */
  baseLatencyMs?: number;
  /** Changes all generated data; the same seed gives the same data. */
  seed?: string;
  /**
   * The control API (/sim: faults, state) answers only callers on this machine's loopback unless true,
   * even when the services listen on every interface (as in a container).
   */
  controlFromAnyHost?: boolean;
}

export interface RunningSimulator {
  url: string;
  port: number;
  baseUrls: Record<ServiceName, string>;
  close(): Promise<void>;
}

export function createSimulatorApp(options: Pick<SimulatorOptions, 'baseLatencyMs' | 'seed' | 'controlFromAnyHost'> = {}): { app: Express; registry: SimRegistry } {
  const registry = new SimRegistry(options.seed ?? DEFAULT_SEED);
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    res.json({ status: 'success', data: { services: SERVICES } });
  });
  if (!options.controlFromAnyHost) app.use('/sim', loopbackOnly);
  app.use('/sim', controlRouter(registry));
  for (const name of SERVICES) app.use(`/${name}`, serviceRouter(registry.entries[name], options.baseLatencyMs ?? 0));
  app.use((req, res) => {
    res.status(404).json({ status: 'error', detail: `No route ${req.method} ${req.originalUrl}` });
  });
  return { app, registry };
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const { app } = createSimulatorApp(options);
  const host = options.host ?? '127.0.0.1';
  const server = app.listen(options.port ?? 0, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const baseUrls = Object.fromEntries(SERVICES.map((name) => [name, `${url}/${name}`])) as Record<ServiceName, string>;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    baseUrls,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive and delayed (latency fault) connections would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

const loopbackOnly: RequestHandler = (req, res, next) => {
  const from = req.socket.remoteAddress ?? '';
  if (from === '::1' || /^(::ffff:)?127\./.test(from)) return next();
  res.status(403).json({
    status: 'error',
    detail: 'The simulator control API answers only on loopback; start the simulator with SIMULATOR_CONTROL_PUBLIC=true to allow other hosts',
  });
};
