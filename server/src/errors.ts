// One error path: AppError carries a stable code; the handler in plugins/errors.ts renders it.
import { ERROR_STATUS, PASSWORD_PROBLEM_MESSAGES, type ErrorCode, type PasswordProblem } from '@messenger/protocol';

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
  }
}

export const errors = {
  unauthorized: (message = 'Sign in first: send a valid session token.') => new AppError('unauthorized', message),
  invalidCredentials: () => new AppError('invalid_credentials', 'Wrong username or password.'),
  forbidden: (message = 'Not allowed.') => new AppError('forbidden', message),
  insufficientScope: (message: string) => new AppError('insufficient_scope', message),
  badRequest: (message: string) => new AppError('bad_request', message),
  validation: (message: string) => new AppError('validation_failed', message),
  recipientNotFound: (name: string) => new AppError('recipient_not_found', `No user named "${name}".`),
  notFound: (message = 'Not found.') => new AppError('not_found', message),
  // Also for a group that exists but the asker is not in: its existence is not revealed.
  groupNotFound: () => new AppError('group_not_found', 'No such group, or you are not a member.'),
  groupFull: (max: number) => new AppError('group_full', `A group has at most ${max} members.`),
  messageNotFound: () => new AppError('message_not_found', 'No such message in this conversation.'),
  messageDeleted: () => new AppError('message_deleted', 'That message was deleted.'),
  notMessageAuthor: () => new AppError('not_message_author', 'Only its author can edit a message or delete it for everyone.'),
  editWindowClosed: (seconds: number) =>
    new AppError('edit_window_closed', `A message can be edited or deleted for everyone only within ${seconds} seconds of sending it.`),
  tooManyReactions: (max: number) => new AppError('too_many_reactions', `A message carries at most ${max} different reactions.`),
  passwordRefused: (problem: PasswordProblem) => new AppError(problem, PASSWORD_PROBLEM_MESSAGES[problem]),
  usernameTaken: () => new AppError('username_taken', 'That username is taken.'),
  idempotencyConflict: () =>
    new AppError('idempotency_conflict', 'This Idempotency-Key was already used for a different request.'),
  kafkaUnavailable: (retryAfterSeconds: number) =>
    new AppError('kafka_unavailable', 'The message could not be stored right now. Retry later.', {
      'retry-after': String(retryAfterSeconds),
    }),
  tooManyLoginFailures: (retryAfterSeconds: number) =>
    new AppError('rate_limited', `Too many failed sign-ins. Retry in ${retryAfterSeconds} s.`, {
      'retry-after': String(retryAfterSeconds),
    }),
  serviceUnavailable: (message = 'Temporarily unavailable. Retry later.') =>
    new AppError('service_unavailable', message, { 'retry-after': '5' }),
};
