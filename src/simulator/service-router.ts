/**
 * Mounts one simulated service under its prefix: counts calls, applies base latency and the injected
 * fault (before the handler, or after it when the fault loses the response), then answers.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { FaultAction } from './faults';
import type { ServiceEntry } from './registry';
import type { SimReply, SimRoute, SimService } from './service';

export function serviceRouter(entry: ServiceEntry, baseLatencyMs: number): Router {
  const { service, faults } = entry;
  const router = express.Router();

  router.use((_req, res, next) => {
    faults.calls += 1;
    res.on('finish', () => {
      if (res.statusCode >= 400 || res.locals.simFailed === true) faults.failures += 1;
    });
    next();
  });
  router.use(express.json({ limit: '2mb' }));

  for (const route of service.routes) {
    router[route.method](route.path, (req, res) => answer(entry, route, baseLatencyMs, req, res));
  }

  router.use((req, res) => send(res, service.errorReply(404, `Route ${req.method}:${req.path} not found`)));
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = httpStatusOf(error);
    send(res, service.errorReply(status, status === 400 ? 'Malformed JSON body' : 'Request could not be read'));
  });
  return router;
}

async function answer(entry: ServiceEntry, route: SimRoute, baseLatencyMs: number, req: Request, res: Response): Promise<void> {
  // The caller may give up (its timeout): stop waiting and answer nobody.
  const gone = new AbortController();
  res.on('close', () => gone.abort());
  try {
    // Like the providers, the limit counts requests as they arrive, before any work.
    const retryAfter = entry.rateLimit.arrive();
    if (retryAfter !== undefined) {
      const reply = entry.service.errorReply(429, `Rate limit exceeded: at most ${entry.rateLimit.setting?.limit} requests per ${entry.rateLimit.setting?.per_seconds} s. Retry after ${retryAfter} s.`);
      return send(res, { ...reply, headers: { ...reply.headers, 'retry-after': String(retryAfter) } });
    }
    await sleep(baseLatencyMs, gone.signal);
    const { action, loseResponse } = entry.faults.next();
    const request = { headers: req.headers, query: req.query as Record<string, unknown>, body: req.body as unknown };
    let reply: SimReply;
    if (loseResponse) {
      const processed = await route.handle(request);
      reply = (await interpose(entry.service, action, gone.signal)) ?? processed;
    } else {
      reply = (await interpose(entry.service, action, gone.signal)) ?? (await route.handle(request));
    }
    send(res, reply);
  } catch (error) {
    if (gone.signal.aborted) return;
    throw error;
  }
}

/** The fault's own answer, or undefined to let the real answer through (after any delay). */
async function interpose(service: SimService, action: FaultAction, signal: AbortSignal): Promise<SimReply | undefined> {
  switch (action.kind) {
    case 'pass':
      return undefined;
    case 'delay':
      await sleep(action.ms, signal);
      return undefined;
    case 'fail': {
      const reply = service.errorReply(action.status, `Simulated ${service.name} failure (HTTP ${action.status})`);
      return { ...reply, headers: { ...reply.headers, ...action.headers } };
    }
    case 'quota':
      return service.quotaReply();
    case 'malformed':
      return service.malformedReply();
  }
}

function send(res: Response, reply: SimReply): void {
  if (res.headersSent || res.writableEnded) return;
  if (reply.failed) res.locals.simFailed = true;
  res.status(reply.status).set(reply.headers ?? {}).json(reply.body);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('caller went away'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('caller went away'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function httpStatusOf(error: unknown): number {
  const status = error !== null && typeof error === 'object' && 'status' in error ? Number(error.status) : NaN;
  return Number.isInteger(status) && status >= 400 && status < 600 ? status : 500;
}
