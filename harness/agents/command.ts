// The `command:` agent: any CLI run in the sandbox with the workspace as cwd; also the engine of the presets, the module runner and the cheater.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Agent, AgentContext, AgentOutcome } from '../types.ts';
import { readUsageFile, type Usage } from './usage.ts';

export interface CommandRun {
  /** More read-only folders for the sandbox (a module agent's folder). */
  readOnly?: string[];
  /** Variables added to the agent's environment for this command only. */
  extraEnv?: Record<string, string>;
  /** Tokens and cost from what the command printed; `.twins/usage.json` wins where both say something. */
  usage?: (transcript: string) => Usage;
}

/**
 * Runs `command` in `ctx.sandbox` in the workspace with exactly `ctx.env`, under the task's limits, and describes
 * what happened. Never throws for anything the command does (a crash, a hang, a flood of output or processes).
 */
export async function runAgentCommand(ctx: AgentContext, command: string, run: CommandRun = {}): Promise<AgentOutcome> {
  mkdirSync(join(ctx.workspace, '.twins'), { recursive: true });
  ctx.log(`agent: running in ${ctx.sandbox.kind === 'none' ? 'NO sandbox' : ctx.sandbox.kind}: ${command}`);
  const r = await ctx.sandbox.run({
    command,
    workspace: ctx.workspace,
    env: { ...ctx.env, ...run.extraEnv },
    readOnly: run.readOnly,
    wallMs: ctx.limits.agentSeconds * 1000,
    outputBytes: ctx.limits.outputBytes,
    processes: ctx.limits.processes,
  });
  const parsed = run.usage ? safe(() => run.usage!(r.output)) : {};
  const reported = readUsageFile(ctx.workspace);
  const tokens = reported.tokens ?? parsed.tokens;
  const costUsd = reported.costUsd ?? parsed.costUsd;
  const how = r.timedOut
    ? `cut at its wall time (${ctx.limits.agentSeconds} s)`
    : r.processLimitHit
      ? `killed over the process limit (${ctx.limits.processes})`
      : r.signal
        ? `killed by ${r.signal}`
        : `exited ${r.exitCode}`;
  ctx.log(`agent: ${how} after ${(r.wallMs / 1000).toFixed(1)} s`);
  return {
    exitCode: r.exitCode,
    timedOut: r.timedOut,
    wallMs: r.wallMs,
    transcript: r.output,
    transcriptTruncated: r.outputTruncated,
    ...(r.processLimitHit ? { processLimitHit: true } : {}),
    isolation: r.isolation,
    ...(r.workspaceLimitHit ? { workspaceLimitHit: true } : {}),
    ...(tokens ? { tokens } : {}),
    // Whether from .twins/usage.json or the tool's output, the cost is the agent's word: the harness cannot check it.
    ...(costUsd !== undefined ? { costUsd, costSelfReported: true } : {}),
  };
}

function safe(f: () => Usage): Usage {
  try {
    return f();
  } catch {
    return {}; // output we cannot read is no usage, not a failed trial
  }
}

/** Short, stable names for reports: the spec itself, cut to 48 characters. */
export function shortName(spec: string): string {
  return spec.length <= 48 ? spec : `${spec.slice(0, 47)}…`;
}

/** `command:<shell command>`: runs the command in the sandbox, its output kept as the transcript. */
export function commandAgent(spec: string, command: string): Agent {
  return {
    spec,
    name: shortName(spec),
    generate: (ctx) => runAgentCommand(ctx, command),
  };
}
