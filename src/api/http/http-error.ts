/** One rejected input field: `field` is its path (`body.lead_limit`), `message` what is wrong with it. */
export interface FieldError {
  field: string;
  message: string;
}

/** An error whose status and detail are meant for the client (everything else becomes a bare 500). */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly detail: string,
    /** Per-field details of a validation error, so a form can show each message beside its field. */
    readonly errors?: FieldError[],
  ) {
    super(detail);
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) => new HttpError(400, detail, errors);
export const notFound = (detail: string) => new HttpError(404, detail);
export const conflict = (detail: string) => new HttpError(409, detail);
export const unavailable = (detail: string) => new HttpError(503, detail);
