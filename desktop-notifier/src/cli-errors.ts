// How a chat-notifier command ends when it cannot do its job: the message and the exit code.

/** Wrong use of the command line: exit 64 with a pointer to --help. */
export class UsageError extends Error {}

/** A failure with a documented exit code (1 error, 2 not signed in / refused, 3 cannot notify). */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
