// The platform's own errors (CLI, vault, harness): one catalogue of stable codes, each saying what to do.

export const ERRORS = {
  TWINS_USAGE: { exit: 2, summary: 'The command line is wrong: an unknown flag, a missing value, or an unknown command.' },
  TWINS_UNKNOWN_TWIN: { exit: 2, summary: 'A twin was named that this version does not have.' },
  TWINS_PORT_IN_USE: { exit: 1, summary: 'The port asked for is taken by another process.' },
  TWINS_LISTEN_FAILED: { exit: 1, summary: 'A twin could not listen on the host and port asked for.' },
  TWINS_UNHEALTHY: { exit: 1, summary: 'A twin started but did not answer its health check in time.' },
  TWINS_ENV_FILE: { exit: 1, summary: 'The --env-file could not be written.' },
  TWINS_COMPANY_INVALID: {
    exit: 2,
    summary: 'The company file is unreadable, not YAML or JSON, or breaks its schema or its own references.',
  },
  TWINS_INIT_EXISTS: { exit: 1, summary: 'The file `twins init` would write exists already.' },
  TWINS_TWINS_ENV: { exit: 2, summary: 'The --twins-env file is missing, unreadable, or names no twin that answers.' },
  TWINS_NO_FEATURES: { exit: 2, summary: 'No .feature file was found where the command looked.' },
  TWINS_APP_START_FAILED: { exit: 1, summary: 'The app given with --app exited, or never answered, before the scenarios could run.' },
  TWINS_SCENARIO_INVALID: {
    exit: 1,
    summary: 'A feature file does not parse or fails the lint (undefined steps, empty scenarios, duplicate names).',
  },
  TWINS_SCENARIO_EXISTS: {
    exit: 1,
    summary: 'A public feature file of that name already exists for the task, with different scenarios.',
  },
  TWINS_VAULT_NOT_INITIALISED: { exit: 2, summary: 'The vault has no recipients file yet.' },
  TWINS_VAULT_RECIPIENTS: { exit: 2, summary: 'A line of the vault recipients file is not an age X25519 recipient (`age1…`).' },
  TWINS_VAULT_IDENTITY_EXISTS: { exit: 1, summary: 'An identity file already exists where `vault init` would write one.' },
  TWINS_VAULT_NO_IDENTITY: { exit: 2, summary: 'The vault identity file is missing or unreadable.' },
  TWINS_VAULT_WRONG_IDENTITY: { exit: 1, summary: 'The identity cannot open a sealed holdout: it is not one of the vault recipients.' },
  TWINS_VAULT_TAMPERED: {
    exit: 1,
    summary: 'A sealed holdout does not match the vault index, or does not decrypt: it was changed or truncated.',
  },
  TWINS_VAULT_INDEX: { exit: 1, summary: 'The vault index is missing entries, unreadable, or not valid JSON.' },
  TWINS_VAULT_WRITE: {
    exit: 1,
    summary: 'The vault could not be changed: a write failed, or another `twins` command holds its lock. Nothing was changed.',
  },
  TWINS_RESULTS_NOT_FOUND: { exit: 2, summary: 'A results folder holds no trials/*.json and no run.json.' },
  TWINS_RESULTS_INVALID: {
    exit: 1,
    summary: 'A results file is not valid JSON, does not match its schema, was written by a newer twins, or disagrees with its folder.',
  },
  TWINS_RESULTS_MISMATCH: {
    exit: 1,
    summary:
      'Results that cannot be combined: different runs (run id, task, agent, trials requested), or one trial recorded twice with different contents.',
  },
  TWINS_RESULTS_WRITE: { exit: 1, summary: 'A results file or report could not be written.' },
  TWINS_TASK_NOT_FOUND: { exit: 2, summary: 'No task of that id in harness/tasks, or the path given holds no task.yaml.' },
  TWINS_TASK_INVALID: {
    exit: 2,
    summary: "A task's task.yaml is not valid YAML or breaks its schema, or its brief.md is missing or empty.",
  },
  TWINS_NO_HOLDOUTS: { exit: 2, summary: 'The task has no sealed holdout in the vault: there is nothing to grade with.' },
  TWINS_OUT_EXISTS: {
    exit: 2,
    summary: 'The --out folder already holds trial results and --resume was not given (or they belong to another run).',
  },
  TWINS_INFRASTRUCTURE: {
    exit: 1,
    summary: 'A run finished, but some trials failed for reasons of the infrastructure (twins, sandbox, vault), not the agent.',
  },
  TWINS_SANDBOX_UNAVAILABLE: {
    exit: 2,
    summary: 'The bubblewrap sandbox was asked for, but `bwrap` is missing or cannot make its namespaces on this machine.',
  },
  TWINS_SANDBOX_PATH: {
    exit: 2,
    summary:
      'A folder given to the agent sandbox is, or lies inside, something an agent must never see (the vault, the identity, the tasks).',
  },
  TWINS_AGENT_SPEC: { exit: 2, summary: 'The agent spec is unknown, or names a preset or module that does not exist.' },
  TWINS_AGENT_ENV: { exit: 2, summary: "An agent preset needs a variable (its API key) that is not in the agent's environment." },
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
