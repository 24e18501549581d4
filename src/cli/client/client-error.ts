import { EXIT, type ExitCode } from './exit-codes.js';

/**
 * A failure a client command reports as one line (`outdial: <message>`), optionally followed by
 * indented detail lines (the rows a CSV was refused for), and exits with `exitCode`.
 */
export class ClientError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.error,
    readonly details: readonly string[] = [],
    /** The API's error body as received, printed on stdout with --json. */
    readonly apiBody?: string,
  ) {
    super(message);
  }
}

/** The command line is wrong: exit code 2, as for commander's own usage errors. */
export class UsageError extends ClientError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/**
 * A request that failed: `status` is the HTTP status of the answer, undefined when none came (the
 * server unreachable, the connection lost, no answer in time).
 */
export class RequestError extends ClientError {
  constructor(
    message: string,
    readonly status: number | undefined,
    options: { details?: readonly string[]; apiBody?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message, EXIT.error, options.details, options.apiBody);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
  readonly retryAfterSeconds: number | undefined;
}
