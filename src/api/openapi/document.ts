import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { STREAM_PATH } from '../queue-management/stream';
import { z } from 'zod';
import { requiredRole } from '../auth';
import { JSON_BODY_LIMIT } from '../http/json-body';
import { operationId, schemasOf, type ApiFeature, type ApiRoute } from '../http/route';
import { API_PREFIX, METRICS_PATH } from '../paths';

/** Where the reference lives (both open, like health). */
export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

const BEARER = 'bearerAuth';

const errorEnvelope = z
  .object({ status: z.literal('error'), detail: z.string().meta({ description: 'What went wrong, for a person to read' }) })
  .meta({ id: 'Error', description: 'Every error: `{"status":"error","detail":"..."}`. Never a stack.' });

/** The shared failures: which of them a route can answer follows from its definition. */
const SHARED_ERRORS = {
  400: 'Invalid input (the detail names every offending field), or a refused prerequisite',
  401: 'Missing or unknown API key',
  403: 'A viewer key on a route that needs the operator role',
  413: `Request body larger than ${JSON_BODY_LIMIT}`,
  415: 'A body that is not application/json',
  503: 'The database or Temporal is unavailable, or Temporal did not answer in time: try again shortly',
} as const;

/**
 * The OpenAPI 3.1 document, generated from the same route definitions Express mounts (never written by hand):
 * paths, parameters and bodies from the input schemas, responses from the success schema and the error envelope.
 */
export function buildOpenApiDocument(features: readonly ApiFeature[], info: { version: string }) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', BEARER, {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API key from API_KEYS (`operator:KEY,viewer:KEY`), or the key `npm start` generates. ' +
      'Viewer keys may only GET; every other method needs an operator key (see `x-required-role`).',
  });
  for (const feature of features) {
    for (const route of feature.routes) registry.registerPath(operationOf(feature.tag, route));
  }
  registry.registerPath({
    method: 'get',
    path: `${API_PREFIX}${OPENAPI_PATH}`,
    tags: ['Reference'],
    operationId: 'getOpenApiDocument',
    summary: 'This document (OpenAPI 3.1)',
    security: [],
    'x-required-role': null,
    responses: { 200: { description: 'The OpenAPI document', content: { 'application/json': { schema: z.looseObject({ openapi: z.string() }) } } } },
  });
  registry.registerPath({
    method: 'get',
    path: `${API_PREFIX}${DOCS_PATH}`,
    tags: ['Reference'],
    operationId: 'getApiReference',
    summary: 'This document, rendered (Swagger UI, served from this process)',
    security: [],
    'x-required-role': null,
    responses: { 200: { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } } },
  });
  registry.registerPath({
    method: 'get',
    path: `${API_PREFIX}${STREAM_PATH}`,
    tags: ['Queue management'],
    operationId: 'getQueueManagementStream',
    summary: "Live view for the dashboard: server-sent events (`snapshot` on every change, `problem` while it cannot be computed); never ends",
    security: [{ [BEARER]: [] }],
    'x-required-role': requiredRole('get'),
    responses: {
      200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
      401: { description: SHARED_ERRORS[401], content: { 'application/json': { schema: errorEnvelope } } },
      503: { description: SHARED_ERRORS[503], content: { 'application/json': { schema: errorEnvelope } } },
    },
  });
  registry.registerPath({
    method: 'get',
    path: METRICS_PATH,
    tags: ['Monitoring'],
    operationId: 'getMetrics',
    summary: 'Prometheus metrics of this process (and its Temporal SDK worker metrics, when it runs a worker)',
    security: [{ [BEARER]: [] }],
    'x-required-role': requiredRole('get'),
    responses: {
      200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } },
      401: { description: SHARED_ERRORS[401], content: { 'application/json': { schema: errorEnvelope } } },
    },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'leadgen-orchestrator API',
      version: info.version,
      description:
        'Campaigns, their jobs and leads, and the global circuit breaker. Success is `{"status":"success","data":{...}}`, ' +
        'an error `{"status":"error","detail":"..."}`. Recovery after an outage is two steps: ' +
        '`POST /queue-management/circuit-breakers/{service}/reset`, then `POST /queue-management/resume-queue`.',
    },
    servers: [{ url: '/', description: 'This server' }],
    tags: [...features.map(({ tag, description }) => ({ name: tag, description })), { name: 'Reference', description: 'This API reference' }, { name: 'Monitoring', description: 'Prometheus scrape target' }],
  });
}

function operationOf(tag: string, route: ApiRoute): RouteConfig {
  const role = route.open ? null : requiredRole(route.method);
  const responses: Record<number, ResponseConfig> = {};
  const schemas = schemasOf(route);
  if (schemas.success) {
    const { status, description, data, links } = schemas.success;
    const envelope = z.object({ status: z.literal('success'), data });
    responses[status] = { description, content: { 'application/json': { schema: envelope } }, ...(links ? { links } : {}) };
    if (schemas.underWay) responses[schemas.underWay.status] = { description: schemas.underWay.description, content: { 'application/json': { schema: envelope } } };
  }
  const errors: Partial<Record<number, string>> = {
    // Every route validates its query at least (an unknown field is a 400).
    400: SHARED_ERRORS[400],
    ...(role ? { 401: SHARED_ERRORS[401] } : {}),
    ...(role === 'operator' ? { 403: SHARED_ERRORS[403] } : {}),
    ...route.errors,
    ...(route.method === 'post' ? { 413: SHARED_ERRORS[413], 415: SHARED_ERRORS[415] } : {}),
    503: SHARED_ERRORS[503],
  };
  for (const [status, description] of Object.entries(errors)) {
    responses[Number(status)] = { description: description!, content: { 'application/json': { schema: errorEnvelope } } };
  }
  return {
    method: route.method,
    path: API_PREFIX + route.path.replace(/:(\w+)/g, '{$1}'),
    operationId: operationId(route.method, route.path),
    tags: [tag],
    summary: route.summary,
    description: [route.description, role ? `Needs an API key with the ${role} role.` : 'Open: needs no API key.'].filter(Boolean).join('\n\n'),
    security: role ? [{ [BEARER]: [] }] : [],
    'x-required-role': role,
    request: {
      ...(schemas.params ? { params: schemas.params as NonNullable<RouteConfig['request']>['params'] } : {}),
      ...(schemas.query ? { query: schemas.query as NonNullable<RouteConfig['request']>['query'] } : {}),
      ...(schemas.body ? { body: { required: !schemas.body.safeParse(undefined).success, content: { 'application/json': { schema: schemas.body } } } } : {}),
    },
    responses,
  };
}

