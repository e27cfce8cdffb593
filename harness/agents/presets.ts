// The documented presets: the command lines that run Claude Code, Codex and Aider headless in the sandbox, the variables each needs, and how each reports what it spent.

import type { IsolationKind } from '../types.ts';
import { aiderUsage, claudeCodeUsage, codexUsage, type Usage } from './usage.ts';

export interface AgentPreset {
  name: string;
  title: string;
  /** Where the tool's own documentation of these flags is. */
  docs: string;
  /** The shell command for a sandbox of this kind; the brief is read from $TWINS_TASK_BRIEF. */
  command(isolation: IsolationKind): string;
  /** Variables the tool needs, each entry satisfied by any one of its names (pass them with --agent-env NAME). */
  needs: { anyOf: string[]; what: string }[];
  /** Variables it reads when present (a model, a gateway). */
  optional: string[];
  /** Tokens and cost from what the tool printed. */
  usage(transcript: string): Usage;
}

const BRIEF = '"$(cat "$TWINS_TASK_BRIEF")"';

/**
 * Claude Code headless (`claude -p`), JSON output for usage and cost. As root it refuses to skip permissions unless
 * IS_SANDBOX=1 says it runs in a sandbox; that is said only under bubblewrap, where it is true.
 */
const claudeCode: AgentPreset = {
  name: 'claude-code',
  title: 'Claude Code (headless, `claude -p`)',
  docs: 'https://docs.anthropic.com/en/docs/claude-code/headless',
  command: (isolation) =>
    `${isolation === 'bubblewrap' ? 'IS_SANDBOX=1 ' : ''}claude -p ${BRIEF} --output-format json --dangerously-skip-permissions`,
  needs: [{ anyOf: ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN'], what: 'an Anthropic API key (or a Claude Code OAuth token)' }],
  optional: ['ANTHROPIC_MODEL', 'ANTHROPIC_BASE_URL'],
  usage: claudeCodeUsage,
};

/**
 * Codex (`codex exec`), JSONL events for usage. Under bubblewrap Codex's own sandbox is turned off
 * (`danger-full-access`, as its docs advise inside an isolated runner): it could not nest in ours, and its
 * workspace-write mode would cut the network that `npm install` and the twins need. Without bubblewrap, its own
 * workspace-write sandbox is all the isolation there is, so it stays on.
 */
const codex: AgentPreset = {
  name: 'codex',
  title: 'OpenAI Codex (`codex exec`)',
  docs: 'https://developers.openai.com/codex/noninteractive',
  command: (isolation) =>
    `codex exec --json --skip-git-repo-check --sandbox ${isolation === 'bubblewrap' ? 'danger-full-access' : 'workspace-write'} ${BRIEF}`,
  needs: [{ anyOf: ['OPENAI_API_KEY', 'CODEX_API_KEY'], what: 'an OpenAI API key' }],
  optional: ['OPENAI_BASE_URL'],
  usage: codexUsage,
};

/** Aider with the brief as its one message; no git (the workspace is not a repository), no prompts, plain output. */
const aider: AgentPreset = {
  name: 'aider',
  title: 'Aider (`aider --message-file`)',
  docs: 'https://aider.chat/docs/scripting.html',
  command: () =>
    'aider --yes-always --no-git --no-pretty --no-stream --no-show-model-warnings --no-check-update --analytics-disable --message-file "$TWINS_TASK_BRIEF"',
  needs: [
    {
      anyOf: ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'OPENROUTER_API_KEY', 'GEMINI_API_KEY', 'DEEPSEEK_API_KEY'],
      what: "an API key for the model's provider",
    },
  ],
  optional: ['AIDER_MODEL'],
  usage: aiderUsage,
};

export const PRESETS: Readonly<Record<string, AgentPreset>> = { 'claude-code': claudeCode, codex, aider };

/** The needs of `preset` that `env` does not meet, as sentences; empty when it has what it needs. */
export function missingEnv(preset: Pick<AgentPreset, 'needs'>, env: Record<string, string | undefined>): string[] {
  return preset.needs.filter((n) => !n.anyOf.some((name) => env[name])).map((n) => `${n.what} (${n.anyOf.join(' or ')})`);
}
