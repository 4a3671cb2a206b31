import { z } from 'zod';
import type { ApiRole } from '../auth';
import { defineRoute, type ApiFeature } from '../http/route';

const sessionData = z.object({
  role: z.enum(['viewer', 'operator']).meta({ description: 'What the presented key may do: viewers read, operators act' }),
  temporal_ui: z.object({ url: z.string(), namespace: z.string() }).nullable().meta({ description: 'Where campaign workflows can be opened in the Temporal Web UI' }),
});

/**
 * Who the presented key is (its role) and what a client needs beside the data: the dashboard signs in with
 * it, and hides the actions a viewer may not take (the server refuses them anyway).
 */
export const sessionFeature: ApiFeature = {
  tag: 'Session',
  description: 'The presented key: its role, and where the Temporal Web UI is.',
  routes: [
    defineRoute({
      method: 'get',
      path: '/session',
      summary: "The key's role and the Temporal Web UI address",
      success: { status: 200, description: 'The session', data: sessionData },
      handle: (_input, { deps: { temporalUi }, res }) => Promise.resolve({
        role: res.locals.actor as ApiRole,
        temporal_ui: temporalUi ? { url: temporalUi.url.replace(/\/+$/, ''), namespace: temporalUi.namespace } : null,
      }),
    }),
  ],
};
