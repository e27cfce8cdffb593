// The `module:` agent: a JS/TS module exporting generate(context), run by node inside the sandbox, never in the grader's process.

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { PlatformError } from '../../src/errors.ts';
import { real } from '../sandbox/paths.ts';
import type { Agent, AgentContext, TaskLimits, TaskSpec } from '../types.ts';
import { runAgentCommand, shortName } from './command.ts';

const MODULE_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'];
const RUNNER = new URL('./module-runner.mjs', import.meta.url);

/**
 * What a module's generate(context) gets inside the sandbox: the context as JSON (no sandbox, it is in one; `log`
 * prints a line to the transcript). The task carries no paths of the harness: its public features are the copies
 * in the workspace.
 */
export interface ModuleAgentContext {
  task: Omit<TaskSpec, 'dir' | 'referenceDir'>;
  workspace: string;
  env: Record<string, string>;
  limits: TaskLimits;
  trialId: string;
  log: (line: string) => void;
}

/** The serialisable part of ModuleAgentContext, written to `.twins/agent-context.json`. */
export function moduleContext(ctx: AgentContext): Omit<ModuleAgentContext, 'log'> {
  const { dir: _dir, referenceDir: _reference, ...task } = ctx.task;
  const features = ctx.env.TWINS_PUBLIC_FEATURES;
  const publicFeatures =
    features && existsSync(features)
      ? readdirSync(features)
          .filter((f) => f.endsWith('.feature'))
          .sort()
          .map((f) => join(features, f))
      : [];
  return { task: { ...task, publicFeatures }, workspace: ctx.workspace, env: ctx.env, limits: ctx.limits, trialId: ctx.trialId };
}

const shell = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Checks `path` names a module file; the spec it came from is in the message. */
export function resolveModule(spec: string, path: string): string {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new PlatformError(
      'TWINS_AGENT_SPEC',
      `${spec}: no module file at ${path}`,
      'Give the path of a .js, .mjs or .ts file exporting generate(context).',
    );
  }
  if (!MODULE_EXTENSIONS.includes(extname(path))) {
    throw new PlatformError('TWINS_AGENT_SPEC', `${spec}: ${path} is not a JS or TS module`, `Use one of ${MODULE_EXTENSIONS.join(', ')}.`);
  }
  return real(path);
}

/**
 * `module:<path>`: writes the context and a small runner into `.twins/`, then runs `node` in the sandbox, which
 * imports the module from a read-only view of its folder and calls generate(context). TypeScript is loaded with the
 * toolbox's tsx.
 */
export function moduleAgent(spec: string, modulePath: string): Agent {
  return {
    spec,
    name: shortName(`module:${basename(modulePath)}`),
    async generate(ctx) {
      const dot = join(ctx.workspace, '.twins');
      const contextFile = join(dot, 'agent-context.json');
      const runnerFile = join(dot, 'module-runner.mjs');
      mkdirSync(dot, { recursive: true });
      writeFileSync(contextFile, JSON.stringify(moduleContext(ctx)));
      writeFileSync(runnerFile, readFileSync(RUNNER));
      const toolbox = (ctx.sandbox as { toolbox?: string }).toolbox;
      const tsx: Record<string, string> = toolbox ? { TWINS_AGENT_TSX: `${toolbox}/node_modules/tsx/dist/esm/api/index.mjs` } : {};
      return runAgentCommand(ctx, `node ${shell(runnerFile)}`, {
        readOnly: [dirname(modulePath)],
        extraEnv: { TWINS_AGENT_MODULE: modulePath, TWINS_AGENT_CONTEXT: contextFile, ...tsx },
      });
    },
  };
}
