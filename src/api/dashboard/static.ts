import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler, Router } from 'express';

/** Where `npm run setup` (scripts/setup.sh) builds the dashboard (src/dashboard) with Vite. */
export const DASHBOARD_DIR = path.resolve(__dirname, '../../../dist/dashboard');

/**
 * The operator dashboard at `/`: a static single-page app, same origin as the API it calls, nothing
 * loaded from elsewhere. Hashed assets are cached for good; index.html is revalidated every time so a
 * rebuilt dashboard is picked up on the next load.
 */
export function dashboardRouter(dir = DASHBOARD_DIR): Router {
  const router = Router();
  if (!existsSync(path.join(dir, 'index.html'))) {
    router.get('/', notBuilt);
    return router;
  }
  router.use(
    express.static(dir, {
      index: 'index.html',
      setHeaders: (res, file) => {
        const hashed = file.startsWith(path.join(dir, 'assets') + path.sep);
        res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  return router;
}

const notBuilt: RequestHandler = (_req, res) => {
  res.status(503).type('text/plain').send('The dashboard is not built: run `npm run setup` (it builds src/dashboard into dist/dashboard).\n');
};
