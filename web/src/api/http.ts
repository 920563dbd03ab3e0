// The app's requests go through the shared client (@messenger/client): same-origin cookie auth,
// JSON in and out, one ApiError for every failure, answers checked against the contract.
import { ApiError, createClient, type RequestOptions } from '@messenger/client';
import type { Static, TSchema } from '@sinclair/typebox';

export { ApiError, type RequestOptions };

/** The app's one client; api/*.ts may call its typed operations directly (tokens, bots). */
export const client = createClient({ credentials: 'same-origin' });

/** Sends a request and returns the JSON answer, checked against `schema`. */
export function requestJson<S extends TSchema>(path: string, schema: S, options: RequestOptions = {}): Promise<Static<S>> {
  return client.request(path, schema, options);
}

/** Sends a request whose answer has no body we need. */
export async function requestEmpty(path: string, options: RequestOptions = {}): Promise<void> {
  await client.request(path, null, options);
}
