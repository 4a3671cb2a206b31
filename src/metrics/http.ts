import { createServer, type Server } from 'node:http';
import type { RequestHandler } from 'express';
import { registry } from './registry';
import { sdkMetricsText } from './temporal-sdk';

/** The exposition text: ours, then the Temporal SDK's (its names start with `temporal_`, so none collide). */
export async function metricsText(): Promise<string> {
  const [ours, sdk] = await Promise.all([registry.metrics(), sdkMetricsText()]);
  return sdk ? `${ours.trimEnd()}\n\n${sdk}` : ours;
}

/** `GET /metrics` in an Express app. */
export const metricsHandler: RequestHandler = async (_req, res) => {
  res.set('Content-Type', registry.contentType).send(await metricsText());
};

/** The worker's listener: `GET /metrics` and nothing else. */
export async function startMetricsServer(host: string, port: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: GET /metrics\n');
      return;
    }
    metricsText().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => server.listen(port, host, resolve).once('error', reject));
  const { port: bound } = server.address() as { port: number };
  return { server, url: `http://${host}:${bound}/metrics` };
}
