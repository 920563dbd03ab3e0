import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/http';
import { describeError } from './describe-error';

describe('describeError', () => {
  it('shows the server’s message with its code, and how long to wait when throttled', () => {
    expect(describeError(new ApiError(409, 'username_taken', 'That username is taken.'))).toEqual({
      text: 'That username is taken.',
      code: 'username_taken',
    });
    expect(describeError(new ApiError(429, 'rate_limited', 'Too many requests.', 42))).toEqual({
      text: 'Too many requests. Try again in 42 s.',
      code: 'rate_limited',
    });
  });

  it('hides the codes the client made up, and anything that is not an ApiError', () => {
    expect(describeError(new ApiError(0, 'network_error', 'Cannot reach the server.')).code).toBeNull();
    expect(describeError(new Error('boom'))).toEqual({ text: 'Something went wrong. Please try again.', code: null });
  });
});
