import express from 'express';
import helmet from 'helmet';
import { authenticate } from './auth';
import { dashboardRouter } from './dashboard/static';
import type { ApiDeps } from './deps';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { parseJsonBody, requireJsonContentType } from './http/json-body';
import { requestLog } from './http/request-log';
import { routerOf } from './http/route';
import { referenceRouter } from './openapi/router';
import { API_PREFIX, METRICS_PATH } from './paths';
import { liveStreamRouter } from './queue-management/stream';
import { API_FEATURES } from './routes';
import { metricsHandler } from '../metrics/http';
import { registerStateMetrics } from '../metrics/state';

export type { ApiDeps } from './deps';
export { parseApiKeys, type ApiKey, type ApiRole } from './auth';
export { API_PREFIX } from './paths';

/**
 * The REST API (SPEC section 4) and the operator dashboard at `/` (SPEC section 8). Order matters: health, the API
 * reference and the dashboard's static files are open; everything else is authenticated before its body is even
 * read, so an anonymous caller learns nothing but 401.
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
  // Prometheus, behind a key like the rest (any role): scrape with `authorization: { credentials: <key> }`.
  registerStateMetrics(deps.prisma, deps.logger);
  app.get(METRICS_PATH, authenticate(deps.apiKeys), metricsHandler);
  // Operator data changes by the second: never serve it from a cache.
  app.use(API_PREFIX, (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  const routes = API_FEATURES.flatMap((feature) => feature.routes);
  app.use(API_PREFIX, referenceRouter());
  app.use(API_PREFIX, routerOf(routes.filter((route) => route.open), deps));
  app.use(API_PREFIX, authenticate(deps.apiKeys));
  app.use(API_PREFIX, requireJsonContentType, parseJsonBody);
  app.use(API_PREFIX, routerOf(routes.filter((route) => !route.open), deps));
  app.use(API_PREFIX, liveStreamRouter(deps));
  app.use(dashboardRouter());

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
