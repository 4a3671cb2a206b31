import express, { type RequestHandler } from 'express';
import { HttpError } from './http-error';

export const JSON_BODY_LIMIT = '64kb';

/** Parses JSON bodies (objects and arrays only) up to the limit; oversize is 413, malformed 400. */
export const parseJsonBody: RequestHandler = express.json({ limit: JSON_BODY_LIMIT });

/** A request that carries a body must say it is JSON; anything else is 415 rather than silently ignored. */
export const requireJsonContentType: RequestHandler = (req, _res, next) => {
  if (hasBody(req.headers) && !req.is('application/json')) {
    return next(new HttpError(415, 'Content-Type must be application/json'));
  }
  next();
};

function hasBody(headers: { 'transfer-encoding'?: string; 'content-length'?: string }): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}
