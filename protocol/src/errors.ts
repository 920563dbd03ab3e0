// Stable error codes and the one error body shape, shared by REST answers and socket acks.
import { Type, type Static } from '@sinclair/typebox';

export const ERROR_CODES = [
  'bad_request',
  'validation_failed',
  'unsupported_media_type',
  'unauthorized',
  'invalid_credentials',
  'forbidden',
  'insufficient_scope',
  'not_found',
  'recipient_not_found',
  'message_not_found',
  'group_not_found',
  'group_full',
  /** Only a message's author may edit it or delete it for everyone. */
  'not_message_author',
  /** The edit/delete window (MESSAGE_EDIT_WINDOW_SECONDS) has passed for this message. */
  'edit_window_closed',
  /** The message was deleted for everyone: it cannot be edited, reacted to or replied to. */
  'message_deleted',
  'too_many_reactions',
  'username_taken',
  'password_too_short',
  'password_contains_username',
  'password_too_common',
  'idempotency_conflict',
  'payload_too_large',
  'unsupported_image',
  'invalid_image',
  'rate_limited',
  'kafka_unavailable',
  'service_unavailable',
  'internal_error',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(ERROR_CODES.map((c) => Type.Literal(c))),
      message: Type.String(),
    }),
  },
  { $id: 'ErrorBody' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** The HTTP status each code is answered with. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  unsupported_media_type: 415,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  insufficient_scope: 403,
  not_found: 404,
  recipient_not_found: 404,
  message_not_found: 404,
  group_not_found: 404,
  group_full: 409,
  not_message_author: 403,
  edit_window_closed: 403,
  message_deleted: 409,
  too_many_reactions: 409,
  username_taken: 409,
  password_too_short: 400,
  password_contains_username: 400,
  password_too_common: 400,
  idempotency_conflict: 409,
  payload_too_large: 413,
  /** The bytes are not a PNG, JPEG, WebP or GIF (whatever the Content-Type said); SVG never is. */
  unsupported_image: 415,
  /** A supported format that does not decode, or has more pixels than the server will decode. */
  invalid_image: 400,
  rate_limited: 429,
  kafka_unavailable: 503,
  service_unavailable: 503,
  internal_error: 500,
};

export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
