// @messenger/client: the typed client of the messenger's API, for bots, scripts, the web app,
// the desktop agent, the bench and the e2e suite.
export { createClient, newIdempotencyKey, postToWebhook, MessengerClient, type ActionOptions, type ClientOptions, type HistoryOptions, type RequestOptions, type SearchOptions, type SendOptions } from './client.js';
export { ApiError, errorFromResponse, parseRetryAfter, type ClientErrorCode } from './api-error.js';
export { isRetryable, retryDelayMs, withRetries, type RetryEvent, type RetryOptions } from './retry.js';
export { subscribe } from './subscribe.js';
export { retryRefusals, type FinalRefusal, type RetryRefusalsOptions } from './refusals.js';
export type * from './subscribe-types.js';
