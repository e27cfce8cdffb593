// Turns an agent spec from the command line (`reference`, `noop`, `cheater`, `command:…`, `preset:…`, `module:…`) into an Agent.

import { isAbsolute, resolve } from 'node:path';
import { PlatformError } from '../../src/errors.ts';
import type { Agent } from '../types.ts';
import { cheaterAgent, noopAgent, referenceAgent } from './builtins.ts';
import { commandAgent, runAgentCommand } from './command.ts';
import { moduleAgent, resolveModule } from './module.ts';
import { missingEnv, PRESETS } from './presets.ts';

export { type CheatAttempt, parseCheatAttempts } from './builtins.ts';
export { type CommandRun, runAgentCommand } from './command.ts';
export { type ModuleAgentContext, moduleContext } from './module.ts';
export { type AgentPreset, missingEnv, PRESETS } from './presets.ts';
export { aiderUsage, claudeCodeUsage, cleanUsage, codexUsage, readUsageFile, USAGE_FILE, type Usage } from './usage.ts';

/** What loadAgent returns: an Agent, plus the variables it cannot run without (a preset's API key). */
export interface LoadedAgent extends Agent {
  kind: 'builtin' | 'command' | 'preset' | 'module';
  /** Each entry is met by any one of its names; the runner checks them before the first trial (assertAgentEnv). */
  needs: { anyOf: string[]; what: string }[];
}

export interface LoadAgentOptions {
  /** The project root (the runner's). */
  repoRoot: string;
  /** Where a relative `module:` path starts from (default: the current directory). */
  cwd?: string;
}

const SPECS =
  '`reference`, `noop`, `cheater`, `command:<shell command>`, `preset:claude-code`, `preset:codex`, `preset:aider` or `module:<path>`';

function specError(message: string): PlatformError {
  return new PlatformError('TWINS_AGENT_SPEC', message, `Use ${SPECS}; docs/agents.md describes each.`);
}

/**
 * The agent a spec names. Nothing runs yet: a module is only checked to exist (it is imported later, inside the
 * sandbox, never here).
 *
 * @example
 * const agent = await loadAgent('preset:claude-code', { repoRoot });
 * assertAgentEnv(agent, agentEnv); // TWINS_AGENT_ENV before any trial when ANTHROPIC_API_KEY is missing
 */
export async function loadAgent(spec: string, opts: LoadAgentOptions): Promise<LoadedAgent> {
  const builtin = { reference: referenceAgent, noop: noopAgent, cheater: cheaterAgent }[spec];
  if (builtin) return { ...builtin, kind: 'builtin', needs: [] };

  const colon = spec.indexOf(':');
  const kind = colon > 0 ? spec.slice(0, colon) : '';
  const rest = colon > 0 ? spec.slice(colon + 1) : '';
  if (kind === 'command') {
    if (!rest.trim()) throw specError('`command:` needs a shell command after the colon');
    return { ...commandAgent(spec, rest), kind: 'command', needs: [] };
  }
  if (kind === 'preset') {
    const preset = PRESETS[rest];
    if (!preset) throw specError(`no preset "${rest}"; the presets are ${Object.keys(PRESETS).join(', ')}`);
    return {
      spec,
      name: preset.name,
      kind: 'preset',
      needs: preset.needs,
      async generate(ctx) {
        const missing = missingEnv(preset, ctx.env);
        if (missing.length > 0) throw envError(spec, missing, preset.needs);
        return runAgentCommand(ctx, preset.command(ctx.sandbox.kind), { usage: preset.usage });
      },
    };
  }
  if (kind === 'module') {
    if (!rest.trim()) throw specError('`module:` needs the path of a JS or TS module after the colon');
    const path = resolveModule(spec, isAbsolute(rest) ? rest : resolve(opts.cwd ?? process.cwd(), rest));
    return { ...moduleAgent(spec, path), kind: 'module', needs: [] };
  }
  throw specError(`unknown agent "${spec}"`);
}

function envError(spec: string, missing: string[], needs: LoadedAgent['needs']): PlatformError {
  const names = needs.map((n) => n.anyOf[0]).join(' ');
  return new PlatformError(
    'TWINS_AGENT_ENV',
    `${spec} needs ${missing.join(' and ')} in the agent's environment`,
    `Set it and pass it through with --agent-env (e.g. --agent-env ${names}); nothing else of your environment reaches the agent.`,
  );
}

/** Throws TWINS_AGENT_ENV when `env` lacks a variable `agent` needs; agents that need none always pass. */
export function assertAgentEnv(agent: Agent, env: Record<string, string | undefined>): void {
  const needs = (agent as Partial<LoadedAgent>).needs ?? [];
  const missing = missingEnv({ needs }, env);
  if (missing.length > 0) throw envError(agent.spec, missing, needs);
}
