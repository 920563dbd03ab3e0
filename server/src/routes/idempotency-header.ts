// The Idempotency-Key request header, as every route that accepts a message takes it.
import { IDEMPOTENCY_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH } from '@messenger/protocol';
import { Type } from '@sinclair/typebox';

export const SendHeaders = Type.Object({
  [IDEMPOTENCY_HEADER]: Type.Optional(
    Type.String({ minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH, pattern: '^[\\x21-\\x7e]+$' }),
  ),
});

