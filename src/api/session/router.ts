import { Router } from 'express';
import type { ApiRole } from '../auth';
import type { ApiDeps } from '../deps';
import { noQuery } from '../http/common-schemas';
import { sendData } from '../http/envelope';
import { parseInput } from '../http/validate';

/**
 * Who the presented key is (its role) and what a client needs beside the data: the dashboard signs in with
 * it, and hides the actions a viewer may not take (the server refuses them anyway).
 */
export function sessionRouter({ temporalUi }: ApiDeps): Router {
  const router = Router();
  router.get('/session', (req, res) => {
    parseInput(noQuery, req.query, 'query');
    sendData(res, {
      role: res.locals.actor as ApiRole,
      temporal_ui: temporalUi ? { url: temporalUi.url.replace(/\/+$/, ''), namespace: temporalUi.namespace } : null,
    });
  });
  return router;
}
