// The harness's shared shapes: tasks, sandboxes, agents, trial results and run summaries. Every harness module codes against these.

import type { ScenarioTwin } from '../scenarios/support/config.ts';

/** Version of the JSON written for trials and runs; bump on any incompatible change and say so in docs/harness.md. */
export const RESULT_SCHEMA_VERSION = 2;
/** Older versions still read (upgraded in memory by harness/report/schema.ts, never rewritten on disk). */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2];

// ---------------------------------------------------------------------------------------------
// Tasks (harness/tasks/ID/task.yaml + brief.md + features/ + reference/)

export interface TaskLimits {
  /** Wall time the agent gets to build the app. */
  agentSeconds: number;
  /** Wall time for the app's install command. */
  installSeconds: number;
  /** Wall time for the app to answer its readiness path after start. */
  appStartSeconds: number;
  /** Transcript bytes kept (stdout+stderr); the rest is cut and the cut is flagged. */
  outputBytes: number;
  /** Processes the agent (or the app) may have alive at once inside the sandbox. */
  processes: number;
  /** Bytes the workspace may hold (task.yaml `workspaceBytes`, default 2 GiB); over it the command is stopped. */
  workspaceBytes: number;
}

export interface TaskApp {
  /** Shell command that installs the app's dependencies, run in the workspace when it has a package.json (default `npm install --no-audit --no-fund`). */
  install: string;
  /** Shell command that starts the app (default `npm start`); it must listen on $PORT. */
  start: string;
  /** Path polled until the app answers (any HTTP status), default `/`. */
  readyPath: string;
  /** Where each twin sends the app events: for Slack the events, commands and interactivity path (default `/slack/events`). */
  events: Partial<Record<ScenarioTwin, string>>;
}

export interface TaskSpec {
  id: string;
  title: string;
  twins: ScenarioTwin[];
  app: TaskApp;
  limits: TaskLimits;
  /** Absolute path of the task folder. */
  dir: string;
  /** brief.md's text: what to build, given to the agent. */
  brief: string;
  /** Absolute paths of the public .feature files, given to the agent. */
  publicFeatures: string[];
  /** Absolute path of the reference solution (never given to the agent). */
  referenceDir: string;
  /**
   * A vault of the task's own instead of the project's (task.yaml `holdouts:`), absolute paths. Only a demo
   * task ships the identity that opens it (`demoIdentity`): public on purpose, its holdouts are not secret.
   */
  holdouts?: { vault: string; demoIdentity?: string };
}

// ---------------------------------------------------------------------------------------------
// Sandboxes (harness/sandbox)

export type IsolationKind = 'bubblewrap' | 'none';

export interface SandboxRequest {
  /** A shell command (`sh -c`). */
  command: string;
  /** The only writable folder; the command's cwd. Inside bubblewrap it appears at the same absolute path. */
  workspace: string;
  /** The whole environment the command gets (nothing else is inherited); PATH and HOME are added if absent. */
  env: Record<string, string>;
  /** Extra folders visible read-only at the same path (e.g. the public features), never the repo, the vault or the identity. */
  readOnly?: string[];
  wallMs: number;
  outputBytes: number;
  processes: number;
  /** Each line of output as it comes (progress displays, logs). */
  onOutput?: (line: string) => void;
  /**
   * The command's network. Absent: the machine's network as it is (the plain fallback's only kind). Given: a network
   * of its own that reaches the outside world, where 127.0.0.1:<p> for each of `hostPorts` reaches the host's
   * 127.0.0.1:<p> (the trial's proxy to the twins) and nothing else of the host's loopback is reachable or listed;
   * `listenPort`, where the command listens (the app's PORT), is reachable from the host at 127.0.0.1:<listenPort>.
   */
  network?: { hostPorts: number[]; listenPort?: number };
  /** Bytes the workspace may hold; over it the command is stopped (`workspaceLimitHit`). Absent: no cap. */
  workspaceBytes?: number;
}

export interface SandboxResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Output went over outputBytes and was cut. */
  outputTruncated: boolean;
  /** The process limit was hit and the sandbox was killed. */
  processLimitHit: boolean;
  /** The workspace grew past workspaceBytes and the sandbox was killed. */
  workspaceLimitHit?: boolean;
  wallMs: number;
  /** stdout and stderr interleaved, at most outputBytes. */
  output: string;
  isolation: IsolationKind;
}

/** A long-running sandboxed process (the app under test). */
export interface SandboxProcess {
  pid: number | undefined;
  isolation: IsolationKind;
  /** Output so far (bounded). */
  output(): string;
  /** Resolves when it exits. */
  exited: Promise<SandboxResult>;
  stop(): Promise<SandboxResult>;
}

export interface Sandbox {
  kind: IsolationKind;
  /** One line for reports and progress: what this sandbox isolates, or loudly that it isolates nothing. */
  describe(): string;
  run(req: SandboxRequest): Promise<SandboxResult>;
  start(req: SandboxRequest): SandboxProcess;
}

// ---------------------------------------------------------------------------------------------
// Agents (harness/agents)

export interface AgentContext {
  task: TaskSpec;
  /** The trial's workspace (empty at the start); the agent writes the app here. */
  workspace: string;
  /**
   * The agent's whole environment: the twins' variables for its own tenant (SLACK_API_URL, …),
   * TWINS_TASK_BRIEF (a file in the workspace's .twins/ folder), TWINS_PUBLIC_FEATURES (a folder
   * holding copies of the public features), TWINS_WORKSPACE, PATH, HOME.
   */
  env: Record<string, string>;
  sandbox: Sandbox;
  limits: TaskLimits;
  trialId: string;
  log: (line: string) => void;
}

export interface AgentOutcome {
  exitCode: number | null;
  timedOut: boolean;
  wallMs: number;
  /** What the agent printed, bounded: the transcript. */
  transcript: string;
  transcriptTruncated: boolean;
  /** The agent had more than limits.processes processes alive at once and was killed. */
  processLimitHit?: boolean;
  isolation: IsolationKind;
  /** Reported by the agent (a `.twins/usage.json` file in the workspace: {"tokens":{"input":N,"output":N},"costUsd":N}). */
  tokens?: { input?: number; output?: number; total?: number };
  costUsd?: number;
  /** `costUsd` is the agent's (or its tool's) own word, which the harness cannot check. */
  costSelfReported?: boolean;
  /** The workspace grew past limits.workspaceBytes and the agent was stopped. */
  workspaceLimitHit?: boolean;
}

export interface Agent {
  /** As given on the command line: `reference`, `noop`, `cheater`, `command:…`, `preset:claude-code`, `module:./x.ts`. */
  spec: string;
  /** Short name for reports and leaderboards. */
  name: string;
  generate(ctx: AgentContext): Promise<AgentOutcome>;
}

// ---------------------------------------------------------------------------------------------
// Trials and runs (harness/trial, harness/score)

export type ScenarioStatus = 'passed' | 'failed' | 'undefined' | 'ambiguous' | 'pending' | 'skipped' | 'unknown';

export interface ScenarioResult {
  /** The scenario's canary tag (its stable id across trials). */
  id: string;
  name: string;
  status: ScenarioStatus;
  durationMs: number;
  /** The first failing step's text and error message. */
  error?: string;
}

export interface ContaminationHit {
  /** `tampering`: the app or agent called the twins' control plane (refused by the grader's proxy). */
  kind: 'canary' | 'step' | 'tampering';
  /** The canary id, the verbatim step line, or the refused call (`METHOD /_twin/…`). */
  needle: string;
  where: 'workspace' | 'transcript' | 'requests';
  /** A workspace file, or the operation of the request. */
  location?: string;
}

export type FailureKind = 'agent' | 'infrastructure';

export interface TrialResult {
  schemaVersion: number;
  runId: string;
  task: string;
  agent: string;
  /** 0-based trial number within the run. */
  trial: number;
  status: 'passed' | 'failed' | 'error';
  /** Why the trial did not grade cleanly, and whose fault it was. */
  failure?: { kind: FailureKind; stage: 'agent' | 'install' | 'start' | 'grade' | 'setup'; reason: string };
  scenarios: ScenarioResult[];
  agentRun: {
    exitCode: number | null;
    timedOut: boolean;
    wallMs: number;
    tokens?: AgentOutcome['tokens'];
    costUsd?: number;
    /** `costUsd` is the agent's own report, not checked by the harness. */
    costSelfReported?: boolean;
  };
  app: { installed: boolean; started: boolean; readyMs?: number; output: string };
  contamination: { flagged: boolean; hits: ContaminationHit[] };
  isolation: IsolationKind;
  /** The agent's transcript (bounded). */
  transcript: string;
  /** The calls the app made to the twins while the holdouts ran, from the grader's proxy (every scenario); `args` is a redacted summary. */
  journal: { twin: ScenarioTwin; operation?: string; status: number; error?: string; time: string; args?: unknown }[];
  /** What the grader's proxy saw: requests recorded, those beyond its bound (inspected, not kept), and refused control-plane calls. */
  requests?: { recorded: number; dropped: number; refused: number };
  /** How far to trust the twins for this trial: the vendor operations the app called, with their fidelity (harness/fidelity.ts). */
  fidelity?: TrialFidelity;
  timings: {
    setupMs: number;
    agentMs: number;
    installMs: number;
    startMs: number;
    gradeMs: number;
    teardownMs: number;
    overheadMs: number;
  };
  startedAt: string;
  finishedAt: string;
}

export interface ScenarioScore {
  id: string;
  name: string;
  trials: number;
  passed: number;
  /** Estimated chance that at least one of k trials passes, for k = 1…trials (Chen et al. 2021 unbiased estimator). */
  passAtK: Record<string, number>;
  /** Estimated chance that all of k trials pass. */
  passHatK: Record<string, number>;
}

export interface RunScores {
  /** Share of scenario-trials that passed. */
  satisfaction: number;
  /** 95 % Wilson score interval of satisfaction. */
  interval: [number, number];
  scenarioTrials: number;
  passedScenarioTrials: number;
  /** Means over scenarios, per k. */
  passAtK: Record<string, number>;
  passHatK: Record<string, number>;
  scenarios: ScenarioScore[];
  trials: { total: number; graded: number; agentFailures: number; infrastructureFailures: number; contaminated: number };
  agentWallMs: { median: number; max: number };
  costUsd?: number;
  tokens?: number;
}

export interface RunSummary {
  schemaVersion: number;
  runId: string;
  task: string;
  agent: string;
  /** Trials the whole run asked for (before sharding). */
  trialsRequested: number;
  /** The shards whose trials this summary holds, e.g. ["1/2", "2/2"] after a merge. */
  shards: string[];
  isolation: IsolationKind;
  trials: TrialResult[];
  scores: RunScores;
  /** The run's fidelity figure, pooled over its scored trials that measured one (harness/fidelity.ts runFidelity). */
  fidelity?: RunFidelity;
  startedAt: string;
  finishedAt: string;
}

// ---------------------------------------------------------------------------------------------
// Fidelity: how far to trust the twins a grade was earned on (harness/fidelity.ts, docs/harness.md)

/** What the twin is for an operation the app called: `implemented`; in its contract but `not-implemented` (501); or `unknown` (no operation of the contract). */
export type OperationFidelityStatus = 'implemented' | 'not-implemented' | 'unknown';

/** One vendor operation the app called in a trial, with the twin's fidelity for it. */
export interface OperationCall {
  twin: ScenarioTwin;
  /** The contract's operationId; for an unknown operation, `METHOD /path` (the tenant prefix taken off). */
  operation: string;
  calls: number;
  status: OperationFidelityStatus;
  /** The `Limitations:` notes of its handler. */
  limitations: string[];
  /** The official clients whose tests cover it; empty: none does. */
  sdk: string[];
  /** Implemented, without limitations, and covered by an official client's tests. */
  trusted: boolean;
}

export interface TrialFidelity {
  /** The app's vendor calls counted (every one in the proxy's record, from the app's install on). */
  calls: number;
  /** Those on trusted operations. */
  trustedCalls: number;
  /** trustedCalls / calls; null when the app made no call. */
  figure: number | null;
  /** Calls on operations the twin does not model (unknown or not implemented): the grade was earned on an unmodelled operation. */
  unmodelledCalls: number;
  unmodelled: boolean;
  /** By calls, most first (at most 200; the rest are in `otherCalls`). */
  operations: OperationCall[];
  /** Calls on operations beyond the 200 listed. */
  otherCalls?: number;
}

export interface RunFidelity {
  /** Scored trials with a fidelity record, and of those the ones graded on an unmodelled operation. */
  trials: number;
  unmodelledTrials: number;
  calls: number;
  trustedCalls: number;
  /** trustedCalls / calls over those trials; null when they made no call. */
  figure: number | null;
}
