import { Router, type Response } from 'express';
import type { z } from 'zod';
import type { ApiDeps } from '../deps';
import { noBody, noQuery } from './common-schemas';
import { sendData } from './envelope';
import { parseInput } from './validate';

type Schema = z.ZodType;
type Parsed<S> = S extends Schema ? z.output<S> : undefined;

/** Statuses a route may answer besides the ones every route shares (400, 401, 403, 503: see openapi/document.ts). */
export type RouteErrorStatus = 404 | 409;

/**
 * One route of the API: its input schemas, its success shape and its handler, side by side. Express
 * mounts it (routerOf) and the API reference documents it (openapi/document.ts) from this one
 * definition, so a route cannot be served without its schemas, nor documented differently from what it does.
 */
export interface RouteDefinition<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined, D extends Schema | undefined> {
  method: 'get' | 'post';
  /** Express syntax, relative to API_PREFIX: `/campaigns/:id`. */
  path: string;
  summary: string;
  description?: string;
  /** No API key needed (health). Otherwise GET needs a viewer key, POST an operator key (auth.ts requiredRole). */
  open?: true;
  params?: P;
  /** Default: no query fields (any is a 400). */
  query?: Q;
  /** POST only. Default: no body, or `{}`. */
  body?: B;
  /** The `data` of the success envelope; omitted for a route that always refuses. */
  success?: { status: 200 | 201 | 202; description: string; data: D; links?: Record<string, RouteLink> };
  /** The same `data`, sent with 202 when the handler answers `underWay(data)`: accepted, and still being carried out. */
  underWay?: { status: 202; description: string };
  errors?: Partial<Record<RouteErrorStatus, string>>;
  /** Gets the parsed input; returns the success `data` (or `underWay(data)`), or throws an HttpError. */
  handle(
    input: { params: Parsed<P>; query: Parsed<Q>; body: Parsed<B> },
    context: { deps: ApiDeps; res: Response },
  ): Promise<Answer<D extends Schema ? z.input<D> : never>>;
}

/** A handler's answer that the request is accepted and its work still under way (the route's `underWay` status). */
export class UnderWay<T> {
  constructor(readonly data: T) {}
}

export const underWay = <T>(data: T): UnderWay<T> => new UnderWay(data);

type Answer<T> = T | UnderWay<T>;

/** An OpenAPI link: where a value of this route's answer goes next (clients and Schemathesis follow them). */
export interface RouteLink {
  operationId: string;
  parameters: Record<string, string>;
  description?: string;
}

/** `post /campaigns/:id/start` -> `postCampaignsIdStart`: the operationId the reference gives a route. */
export function operationId(method: 'get' | 'post', path: string): string {
  const words = path.split(/[/:-]+/).filter(Boolean);
  return method + words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
}

// Type-erased, to keep routes of different shapes in one list.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ApiRoute = RouteDefinition<any, any, any, any>;

/** A feature's routes under one tag of the API reference. */
export interface ApiFeature {
  tag: string;
  description: string;
  routes: ApiRoute[];
}

/** What mounting and documenting read of a route: its schemas, as plain zod types (the list erases their types). */
export interface RouteSchemas {
  params?: Schema;
  query?: Schema;
  body?: Schema;
  success?: { status: 200 | 201 | 202; description: string; data: Schema; links?: Record<string, RouteLink> };
  underWay?: { status: 202; description: string };
}

export function schemasOf(route: ApiRoute): RouteSchemas {
  return route as RouteSchemas;
}

/** Identity, for type inference of the handler's input and output from the schemas. */
export function defineRoute<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  D extends Schema | undefined = undefined,
>(route: RouteDefinition<P, Q, B, D>): RouteDefinition<P, Q, B, D> {
  return route;
}

/** Mounts routes: every input parsed at the edge (400 naming each bad field), success sent in the envelope. */
export function routerOf(routes: readonly ApiRoute[], deps: ApiDeps): Router {
  const router = Router();
  for (const route of routes) {
    const schemas = schemasOf(route);
    router[route.method](route.path, async (req, res) => {
      const params: unknown = schemas.params ? parseInput(schemas.params, req.params, 'params') : undefined;
      const query: unknown = parseInput(schemas.query ?? noQuery, req.query, 'query');
      const body: unknown = route.method === 'post' ? parseInput(schemas.body ?? noBody, req.body, 'body') : undefined;
      const answer: unknown = await route.handle({ params, query, body }, { deps, res });
      const [data, sent] = answer instanceof UnderWay ? [answer.data, schemas.underWay] : [answer, schemas.success];
      if (!sent) throw new Error(`${route.method.toUpperCase()} ${route.path} answered with a status it does not document`);
      sendData(res, data as object, sent.status);
    });
  }
  return router;
}
