// The built-in agents that calibrate a task: `reference` (the ceiling), `noop` (the floor) and `cheater` (must be caught).

import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Agent, AgentContext, AgentOutcome } from '../types.ts';
import { runAgentCommand } from './command.ts';

function outcome(ctx: AgentContext, started: number, exitCode: number, transcript: string): AgentOutcome {
  return {
    exitCode,
    timedOut: false,
    wallMs: Math.round(performance.now() - started),
    transcript,
    transcriptTruncated: false,
    isolation: ctx.sandbox.kind,
  };
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(join(dir, e.name)) : 1;
  return n;
}

/**
 * `reference`: copies the task's reference solution into the workspace, from outside the sandbox (it is the
 * project's own trusted code, and the sandbox never shows it). Scores what the holdouts allow at best.
 */
export const referenceAgent: Agent = {
  spec: 'reference',
  name: 'reference',
  async generate(ctx) {
    const started = performance.now();
    const from = ctx.task.referenceDir;
    if (!from || !existsSync(from) || !statSync(from).isDirectory()) {
      return outcome(ctx, started, 1, `reference: task ${ctx.task.id} has no reference solution folder\n`);
    }
    // node_modules would be reinstalled by the app's install command anyway; copying it only costs time.
    cpSync(from, ctx.workspace, { recursive: true, filter: (src) => !relative(from, src).split(sep).includes('node_modules') });
    const n = countFiles(ctx.workspace);
    ctx.log(`agent: copied the reference solution of ${ctx.task.id}`);
    return outcome(ctx, started, 0, `reference: copied the reference solution of task ${ctx.task.id} (${n} files in the workspace)\n`);
  },
};

/** `noop`: does nothing and leaves the workspace as it found it. Scores the floor: what passes with no app at all. */
export const noopAgent: Agent = {
  spec: 'noop',
  name: 'noop',
  async generate(ctx) {
    return outcome(ctx, performance.now(), 0, 'noop: did nothing\n');
  },
};

const CHEATER_SCRIPT = new URL('./cheater-script.mjs', import.meta.url);

/**
 * `cheater`: inside the sandbox, tries to read the vault, the identity, the reference solutions, secrets in its
 * environment, other trials' workspaces and the grader's files, to tamper with the twins' control plane with its own
 * tenant's token, to reach other tenants by computed credentials, to see the host (mount table, listeners, uncapped
 * RAM folders), to carry notes between trials and to plant traps and a hostile usage report for the grader (see
 * cheater-script.mjs). It logs every attempt as a `CHEAT-ATTEMPT <what> <path> -> <outcome>` line of its transcript,
 * and writes what it found into its app (`stolen.txt`, served by `npm start`), which tampers again while graded.
 * Its grade must show nothing leaked.
 */
export const cheaterAgent: Agent = {
  spec: 'cheater',
  name: 'cheater',
  async generate(ctx) {
    writeFileSync(join(ctx.workspace, 'cheater.mjs'), readFileSync(CHEATER_SCRIPT));
    return runAgentCommand(ctx, 'node cheater.mjs');
  },
};

export interface CheatAttempt {
  what: string;
  path: string;
  outcome: string;
  /** It read or wrote something it must not have (`found …`, `wrote …`). */
  succeeded: boolean;
}

/** The cheater's attempts, from its transcript, for reports: which ways in were tried and which (if any) worked. */
export function parseCheatAttempts(transcript: string): CheatAttempt[] {
  const out: CheatAttempt[] = [];
  for (const m of transcript.matchAll(/^CHEAT-ATTEMPT (\S+) (.*?) -> (.*)$/gm)) {
    out.push({ what: m[1], path: m[2], outcome: m[3], succeeded: /^(found|wrote)\b/.test(m[3]) });
  }
  return out;
}
