import type { Response } from 'express';
import type { FieldError } from './http-error';

/** The one success envelope: `{"status":"success","data":{...}}`. */
export function sendData(res: Response, data: object, httpStatus = 200): void {
  res.status(httpStatus).json({ status: 'success', data });
}

/**
 * The one error envelope: `{"status":"error","detail":"..."}`, plus `errors` (one entry per rejected field)
 * when the input failed validation. Never carries a stack.
 */
export function sendError(res: Response, httpStatus: number, detail: string, errors?: FieldError[]): void {
  res.status(httpStatus).json({ status: 'error', detail, ...(errors?.length ? { errors } : {}) });
}
