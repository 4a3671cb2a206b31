import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../../logger';
import { BreakerStillOpenError } from '../../breaker/client';
import { unavailableDependency } from './dependency-errors';
import { sendError } from './envelope';
import { HttpError } from './http-error';
import { JSON_BODY_LIMIT } from './json-body';

/** Errors raised by express.json (body-parser) carry a `type`; each gets a fixed, safe detail. */
const BODY_PARSER_ERRORS: Record<string, [number, string]> = {
  'entity.parse.failed': [400, 'Malformed JSON body'],
  'entity.too.large': [413, `Request body exceeds ${JSON_BODY_LIMIT}`],
  'entity.verify.failed': [400, 'Request body could not be verified'],
  'request.aborted': [400, 'Request body was aborted'],
  'request.size.invalid': [400, 'Request body size does not match Content-Length'],
  'encoding.unsupported': [415, 'Unsupported Content-Encoding'],
  'charset.unsupported': [415, 'Unsupported charset: send UTF-8 JSON'],
  'stream.encoding.set': [500, 'Internal server error'],
};

const DEPENDENCY_DETAIL = {
  temporal: 'Temporal is unavailable: try again shortly',
  'temporal-timeout': 'Temporal did not answer in time (check the Temporal server and the workers): try again shortly',
  database: 'Database is unavailable: try again shortly',
} as const;

/** Unmatched routes: a 404 in the error envelope. */
export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(res, 404, `Not found: ${req.method} ${req.path}`);
};

/** The one place errors become HTTP responses. Bodies never carry stacks or internal messages. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    const [status, detail] = classify(error);
    if (status >= 500) {
      logger.error({ err: error, method: req.method, path: req.path, status }, `Request failed: ${detail}`);
    }
    sendError(res, status, detail, error instanceof HttpError ? error.errors : undefined);
  };
}

function classify(error: unknown): [number, string] {
  if (error instanceof HttpError) return [error.status, error.detail];
  if (error instanceof BreakerStillOpenError) return [400, error.message];
  const dependency = unavailableDependency(error);
  if (dependency) return [503, DEPENDENCY_DETAIL[dependency]];
  const { type, status } = (error ?? {}) as { type?: unknown; status?: unknown };
  if (typeof type === 'string' && BODY_PARSER_ERRORS[type]) return BODY_PARSER_ERRORS[type];
  // Other client errors raised by Express itself (e.g. a path that is not valid percent-encoding):
  // keep the status, never the message (it echoes internals).
  if (typeof status === 'number' && status >= 400 && status < 500) return [status, STATUS_CODES[status] ?? 'Bad request'];
  return [500, 'Internal server error'];
}
