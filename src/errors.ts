// The platform's own errors (CLI, vault, harness): one catalogue of stable codes, each saying what to do.

export const ERRORS = {
  TWINS_USAGE: { exit: 2, summary: 'The command line is wrong: an unknown flag, a missing value, or an unknown command.' },
  TWINS_UNKNOWN_TWIN: { exit: 2, summary: 'A twin was named that this version does not have.' },
  TWINS_PORT_IN_USE: { exit: 1, summary: 'The port asked for is taken by another process.' },
  TWINS_LISTEN_FAILED: { exit: 1, summary: 'A twin could not listen on the host and port asked for.' },
  TWINS_UNHEALTHY: { exit: 1, summary: 'A twin started but did not answer its health check in time.' },
  TWINS_ENV_FILE: { exit: 1, summary: 'The --env-file could not be written.' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** An error a person can act on: a stable code, what went wrong and what to do about it. */
export class PlatformError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  constructor(code: ErrorCode, message: string, hint: string) {
    super(message);
    this.code = code;
    this.hint = hint;
  }

  get exitCode(): number {
    return ERRORS[this.code].exit;
  }

  /** One line for a terminal: `twins: <what went wrong> (<code>): <what to do>`. */
  toLine(): string {
    return `twins: ${this.message} (${this.code}). ${this.hint}`;
  }
}
