/** /sim: inspect and steer the simulator (faults, counters, Instantly's stored leads, reset). */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { SERVICES, isServiceName } from '../providers/types';
import { faultSchema } from './faults';
import { rateLimitSchema } from './rate-limit';
import type { SimRegistry } from './registry';
import { httpStatusOf } from './service-router';
import { issuesText } from './validation';

export function controlRouter(registry: SimRegistry): Router {
  const router = express.Router();
  router.use(express.json());

  router.get('/services', (_req, res) => {
    success(res, { services: registry.status() });
  });

  router.post('/services/:service/fault', (req, res) => {
    const name = req.params.service;
    if (!isServiceName(name)) return failure(res, 404, `Unknown service: ${name}. Valid services: [${SERVICES.join(', ')}]`);
    const parsed = faultSchema.safeParse(req.body);
    if (!parsed.success) return failure(res, 400, `Invalid fault: ${issuesText(parsed.error)}`);
    registry.entries[name].faults.set(parsed.data);
    success(res, { service: name, fault: parsed.data });
  });

  router.post('/services/:service/rate-limit', (req, res) => {
    const name = req.params.service;
    if (!isServiceName(name)) return failure(res, 404, `Unknown service: ${name}. Valid services: [${SERVICES.join(', ')}]`);
    const parsed = rateLimitSchema.safeParse(req.body);
    if (!parsed.success) return failure(res, 400, `Invalid rate limit: ${issuesText(parsed.error)}`);
    const setting = parsed.data.limit === null ? null : { limit: parsed.data.limit, per_seconds: parsed.data.per_seconds };
    registry.entries[name].rateLimit.set(setting);
    success(res, { service: name, rate_limit: setting });
  });

  router.get('/services/instantly/leads', (req, res) => {
    const campaign = req.query.campaign;
    if (campaign !== undefined && typeof campaign !== 'string') return failure(res, 400, 'campaign must be a single string');
    const leads = registry.instantly.leads(campaign);
    success(res, { campaign: campaign ?? null, count: leads.length, leads });
  });

  router.post('/reset', (_req, res) => {
    registry.reset();
    success(res, { reset: true });
  });

  router.use((req, res) => failure(res, 404, `No simulator route ${req.method} ${req.originalUrl}`));
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = httpStatusOf(error);
    failure(res, status, status === 400 ? 'Malformed JSON body' : 'Simulator error');
  });
  return router;
}

function success(res: Response, data: unknown): void {
  res.status(200).json({ status: 'success', data });
}

function failure(res: Response, status: number, detail: string): void {
  res.status(status).json({ status: 'error', detail });
}
