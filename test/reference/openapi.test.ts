/**
 * The API reference: a valid OpenAPI 3.1 document, generated from the route definitions, listing exactly
 * the routes Express serves, with the auth and error envelope of each; and the page that renders it.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import type { ApiDeps } from '../../src/api/deps';
import { requiredRole } from '../../src/api/auth';
import { capturedLogger } from '../helpers/captured-logger';

type Operation = {
  security: object[];
  'x-required-role': string | null;
  parameters?: { name: string; in: string }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
};
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, unknown>> };

/** `METHOD /path/{param}` of every route Express has, found by walking the app's router stack. */
function expressRoutes(app: Express): string[] {
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) found.push(`${method.toUpperCase()} ${layer.route.path}`);
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found;
}

describe('OpenAPI document', () => {
  let app: Express;
  let document: Document;
  beforeAll(async () => {
    // Building the app touches no dependency; these routes never reach one (reference and 401s only).
    const deps = { apiKeys: [{ role: 'operator', key: 'op-key-for-the-reference-test-0001' }], logger: capturedLogger('api').logger };
    app = createApp(deps as unknown as ApiDeps);
    const res = await request(app).get('/api/v1/openapi.json').expect(200).expect('Content-Type', /application\/json/);
    document = res.body as Document;
  });

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));

  it('is a valid OpenAPI 3.1 document, served without a key', async () => {
    // Throws, naming the first problem, on a document that breaks the OpenAPI 3.1 schema or has a dangling $ref.
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
    expect(document.openapi).toBe('3.1.0');
  });

  it('lists exactly the routes Express serves', () => {
    // Routers are mounted at /api/v1 (the walk does not see mount paths); /metrics sits beside it.
    const documented = operations().map(({ path, method }) => `${method.toUpperCase()} ${path.replace(/^\/api\/v1/, '').replace(/\{(\w+)\}/g, ':$1')}`);
    const served = expressRoutes(app).filter((route) => route !== 'GET /docs/init.js');
    expect(served.length).toBeGreaterThan(10);
    expect([...documented].sort()).toEqual([...served].sort());
  });

  it('names the Bearer scheme and the role each route needs, as authenticate() enforces it', () => {
    expect(document.components.securitySchemes).toEqual({ bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
    for (const { path, method, op } of operations()) {
      const open = ['/api/v1/health', '/api/v1/openapi.json', '/api/v1/docs'].includes(path);
      expect({ path, method, security: op.security, role: op['x-required-role'] }).toEqual({
        path,
        method,
        security: open ? [] : [{ bearerAuth: [] }],
        role: open ? null : requiredRole(method),
      });
      if (!open) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(path === '/metrics' ? ['401'] : ['401', '503']));
      if (!open && method === 'post') expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['403', '415']));
    }
    expect(operations().find((o) => o.path === '/api/v1/queue-management/pause-service')!.op['x-required-role']).toBe('operator');
    expect(operations().find((o) => o.path === '/api/v1/campaigns/{id}/jobs')!.op['x-required-role']).toBe('viewer');
  });

  it('documents parameters, bodies and the error envelope', () => {
    const op = (path: string, method: string) => document.paths[`/api/v1${path}`]![method]!;
    expect(op('/campaigns', 'get').parameters!.map((p) => `${p.in}:${p.name}`)).toEqual(['query:status', 'query:limit', 'query:cursor']);
    expect(op('/campaigns/{id}/start', 'post').parameters!.map((p) => `${p.in}:${p.name}`)).toEqual(['path:id']);
    expect(op('/campaigns', 'post').requestBody).toMatchObject({ required: true });
    expect(op('/queue-management/pause-service', 'post').requestBody).toMatchObject({ required: true });
    expect(op('/campaigns/{id}/pause', 'post').requestBody).toMatchObject({ required: false });
    expect(op('/campaigns/{id}/start', 'post').requestBody).toBeUndefined();
    expect(op('/campaigns/{id}', 'get').responses['404']!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/Error' });
    expect(op('/campaigns/{id}/resume', 'post').responses['409']).toBeDefined();
    expect(op('/campaigns/{id}/resume', 'post').responses['200']).toBeUndefined();
    expect(document.components.schemas!.Error).toMatchObject({ properties: { status: { enum: ['error'] }, detail: { type: 'string' } } });
  });

  it('links the new campaign id to the routes that take it, by operationIds that exist', () => {
    const ids = new Set(operations().map(({ op }) => (op as unknown as { operationId: string }).operationId));
    expect(ids.size).toBe(operations().length);
    const links = (document.paths['/api/v1/campaigns']!.post!.responses['201'] as { links?: Record<string, { operationId: string }> }).links!;
    expect(Object.keys(links)).toHaveLength(7);
    for (const link of Object.values(links)) expect(ids).toContain(link.operationId);
  });

  it('renders at /api/v1/docs from files this process serves (no CDN, no inline script)', async () => {
    const page = await request(app).get('/api/v1/docs').expect(200).expect('Content-Type', /text\/html/);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(['/api/v1/docs/swagger-ui.css', '/api/v1/docs/swagger-ui-bundle.js', '/api/v1/docs/init.js']);
    expect(page.text).not.toMatch(/<script>(?!<)/);
    for (const asset of assets) {
      const res = await request(app).get(asset).expect(200);
      expect(res.headers['content-type']).toMatch(asset.endsWith('.css') ? /text\/css/ : /javascript/);
    }
    const init = await request(app).get('/api/v1/docs/init.js');
    expect(init.text).toContain('"/api/v1/openapi.json"');
    expect(init.text).toContain('validatorUrl: null');
  });

  it('keeps the rest behind the key', async () => {
    await request(app).get('/api/v1/queue-management/status').expect(401);
  });
});
