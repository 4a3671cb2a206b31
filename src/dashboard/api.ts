// The dashboard's only way to the server: same-origin JSON calls with the signed-in key.

export const API = '/api/v1';

/** A refused call, with the API's own message and, for bad input, one message per field. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly fieldErrors: { field: string; message: string }[] = [],
  ) {
    super(detail);
  }
}

export async function apiCall<T>(key: string, method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${API}${route}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'The server could not be reached');
  }
  const payload = (await response.json().catch(() => null)) as
    | { status: 'success'; data: T }
    | { status: 'error'; detail: string; errors?: { field: string; message: string }[] }
    | null;
  if (response.ok && payload?.status === 'success') return payload.data;
  if (payload?.status === 'error') throw new ApiError(response.status, payload.detail, payload.errors);
  throw new ApiError(response.status, `Unexpected answer from the server (HTTP ${response.status})`);
}

/** The key lives in this tab only (sessionStorage): closing the tab signs out. */
const KEY_STORAGE = 'leadgen.apiKey';
export const storedKey = (): string | null => sessionStorage.getItem(KEY_STORAGE);
export const storeKey = (key: string): void => sessionStorage.setItem(KEY_STORAGE, key);
export const forgetKey = (): void => sessionStorage.removeItem(KEY_STORAGE);
