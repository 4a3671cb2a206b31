import type { Response } from 'express';

/** The one success envelope: `{"status":"success","data":{...}}`. */
export function sendData(res: Response, data: object, httpStatus = 200): void {
  res.status(httpStatus).json({ status: 'success', data });
}

/** The one error envelope: `{"status":"error","detail":"..."}`. Never carries a stack. */
export function sendError(res: Response, httpStatus: number, detail: string): void {
  res.status(httpStatus).json({ status: 'error', detail });
}
