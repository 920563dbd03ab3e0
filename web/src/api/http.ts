// The one fetch wrapper: same-origin cookie auth, JSON in and out, typed errors, checked answers.
import { isErrorBody, parse } from '@messenger/protocol';
import type { Static, TSchema } from '@sinclair/typebox';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  try {
    return await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal ?? null,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection.');
  }
}

async function failure(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: fall through to a generic error
  }
  const retry = Number(response.headers.get('Retry-After'));
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : undefined;
  if (isErrorBody(body)) return new ApiError(response.status, body.error.code, body.error.message, retryAfter);
  return new ApiError(response.status, 'http_error', `The server answered ${response.status}.`, retryAfter);
}

/** Sends a request and returns the JSON answer, checked against `schema`. */
export async function requestJson<S extends TSchema>(path: string, schema: S, options: RequestOptions = {}): Promise<Static<S>> {
  const response = await send(path, options);
  if (!response.ok) throw await failure(response);
  return parse(schema, await response.json(), `${options.method ?? 'GET'} ${path.split('?')[0]}`);
}

/** Sends a request whose answer has no body we need. */
export async function requestEmpty(path: string, options: RequestOptions = {}): Promise<void> {
  const response = await send(path, options);
  if (!response.ok) throw await failure(response);
}
