import express from 'express';
import helmet from 'helmet';
import { authenticate } from './auth';
import { campaignsRouter } from './campaigns/router';
import { dashboardRouter } from './dashboard/static';
import type { ApiDeps } from './deps';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { parseJsonBody, requireJsonContentType } from './http/json-body';
import { requestLog } from './http/request-log';
import { healthRouter } from './health/router';
import { jobsRouter } from './jobs/router';
import { leadsRouter } from './leads/router';
import { API_PREFIX } from './paths';
import { queueManagementRouter } from './queue-management/router';
import { sessionRouter } from './session/router';

export type { ApiDeps } from './deps';
export { parseApiKeys, type ApiKey, type ApiRole } from './auth';
export { API_PREFIX } from './paths';

/**
 * The REST API (SPEC section 4) and the operator dashboard at `/` (SPEC section 8). Order matters: health
 * and the dashboard's static files are open; every API route is authenticated before its body is even read,
 * so an anonymous caller learns nothing but 401.
 */
export function createApp(deps: ApiDeps): express.Express {
  if (deps.apiKeys.length === 0) throw new Error('createApp needs at least one API key');
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Helmet's default CSP (same-origin scripts, styles, connections), minus upgrade-insecure-requests: the
  // dashboard is served over plain HTTP on a LAN address too, where upgraded asset requests would fail.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.use(requestLog(deps.logger));
  // Operator data changes by the second: never serve it from a cache.
  app.use(API_PREFIX, (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  app.use(API_PREFIX, healthRouter(deps));
  app.use(API_PREFIX, authenticate(deps.apiKeys));
  app.use(API_PREFIX, requireJsonContentType, parseJsonBody);
  app.use(API_PREFIX, queueManagementRouter(deps));
  app.use(API_PREFIX, campaignsRouter(deps));
  app.use(API_PREFIX, jobsRouter(deps));
  app.use(API_PREFIX, leadsRouter(deps));
  app.use(API_PREFIX, sessionRouter(deps));
  app.use(dashboardRouter());

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
