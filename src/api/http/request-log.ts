import type { RequestHandler } from 'express';
import type { Logger } from '../../logger';

/** One line per request: method, path (no query, no headers: keys never reach the log), status, time. */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
      const path = req.originalUrl.split('?')[0];
      logger.info(
        { event: 'http_request', method: req.method, path, status: res.statusCode, ms, actor: res.locals.actor ?? null },
        `${req.method} ${path} ${res.statusCode}`,
      );
    });
    next();
  };
}
