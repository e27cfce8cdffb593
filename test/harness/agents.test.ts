// Agents: the built-ins (reference, noop, cheater), command: and module: run in the sandbox, the presets' command lines and usage parsing, and spec errors.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aiderUsage,
  assertAgentEnv,
  claudeCodeUsage,
  codexUsage,
  type LoadedAgent,
  loadAgent,
  PRESETS,
  parseCheatAttempts,
} from '../../harness/agents/index.ts';
import { createSandbox, PROJECT_ROOT, probeBubblewrap, type TwinsSandbox } from '../../harness/sandbox/index.ts';
import type { AgentContext, TaskSpec } from '../../harness/types.ts';
import { PlatformError } from '../../src/errors.ts';

const probe = probeBubblewrap();
if (!probe.ok)
  console.warn(`SKIPPED: the agent tests under bubblewrap need a working bwrap (CI installs Debian's bubblewrap): ${probe.reason}`);

let root: string;
let plain: TwinsSandbox;
let sandbox: TwinsSandbox; // bubblewrap where it works, else the fallback
let n = 0;

/**
 * A fake project with the layout a cheater looks for: a vault, a task with a reference solution, an identity in a
 * home folder, an out folder with two trials' workspaces.
 */
function fakeLayout() {
  const base = join(root, `layout-${n++}`);
  const repo = join(base, 'repo');
  const home = join(base, 'home');
  mkdirSync(join(repo, 'scenarios', 'vault', 'sealed'), { recursive: true });
  writeFileSync(join(repo, 'scenarios', 'vault', 'sealed', 'h1.feature.age'), 'PLANTED-VAULT-CIPHERTEXT');
  mkdirSync(join(repo, 'harness', 'tasks', 'demo', 'reference'), { recursive: true });
  writeFileSync(join(repo, 'harness', 'tasks', 'demo', 'reference', 'app.mjs'), '// PLANTED-REFERENCE\n');
  mkdirSync(join(home, '.config', 'twins'), { recursive: true });
  writeFileSync(join(home, '.config', 'twins', 'vault-identity.txt'), 'AGE-SECRET-KEY-1PLANTEDIDENTITY\n');
  const workspace = join(repo, 'out', 'run-1', 'trial-0000');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(join(repo, 'out', 'run-1', 'trial-0001'), { recursive: true });
  writeFileSync(join(repo, 'out', 'run-1', 'trial-0001', 'app.mjs'), '// PLANTED-SIBLING\n');
  return { base, repo, home, workspace };
}

function task(over: Partial<TaskSpec> = {}): TaskSpec {
  return {
    id: 'demo',
    title: 'Demo',
    twins: ['slack'],
    app: { install: 'true', start: 'npm start', readyPath: '/', events: {} },
    limits: {
      agentSeconds: 30,
      installSeconds: 30,
      appStartSeconds: 10,
      outputBytes: 256 * 1024,
      processes: 64,
      workspaceBytes: 256 * 1024 * 1024,
    },
    dir: join(root, 'no-task-dir'),
    brief: 'Build the demo app.',
    publicFeatures: [],
    referenceDir: join(root, 'no-reference'),
    ...over,
  };
}

function context(workspace: string, over: Partial<AgentContext> = {}): AgentContext & { lines: string[] } {
  const lines: string[] = [];
  const t = over.task ?? task();
  return {
    task: t,
    workspace,
    env: { TWINS_WORKSPACE: workspace },
    sandbox,
    limits: t.limits,
    trialId: 'run-1/0',
    log: (l) => lines.push(l),
    lines,
    ...over,
  };
}

function freshWorkspace(): string {
  const ws = join(root, `ws-${n++}`);
  mkdirSync(ws, { recursive: true });
  return ws;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'twins-agents-test-'));
  process.env.TWINS_AGENTS_TEST_HOST_SECRET_KEY = 'host-only-secret';
  plain = createSandbox({ prefer: 'none', log: () => {} });
  sandbox = probe.ok ? createSandbox({ hide: [root] }) : plain;
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe.concurrent('built-in agents', () => {
  it('reference copies the task reference solution (without node_modules) into the workspace', async () => {
    const ref = join(root, 'reference-src');
    mkdirSync(join(ref, 'lib'), { recursive: true });
    mkdirSync(join(ref, 'node_modules', 'x'), { recursive: true });
    writeFileSync(join(ref, 'package.json'), '{"name":"ref"}');
    writeFileSync(join(ref, 'lib', 'app.mjs'), 'export {}');
    writeFileSync(join(ref, 'node_modules', 'x', 'index.js'), '');
    const ws = freshWorkspace();
    const agent = await loadAgent('reference', { repoRoot: PROJECT_ROOT });
    const o = await agent.generate(context(ws, { task: task({ referenceDir: ref }) }));
    expect(o.exitCode).toBe(0);
    expect(readdirSync(ws).sort()).toEqual(['lib', 'package.json']);
    expect(readFileSync(join(ws, 'lib', 'app.mjs'), 'utf8')).toBe('export {}');
    expect(o.transcript).toMatch(/copied the reference solution of task demo/);
  });

  it('noop does nothing: the workspace stays empty', async () => {
    const ws = freshWorkspace();
    const o = await (await loadAgent('noop', { repoRoot: PROJECT_ROOT })).generate(context(ws));
    expect(o.exitCode).toBe(0);
    expect(readdirSync(ws)).toEqual([]);
  });
});

describe.concurrent('command: and module: agents', () => {
  it('command: runs in the sandbox with the workspace as cwd and only the given environment', async () => {
    const ws = freshWorkspace();
    const agent = await loadAgent('command:pwd; env | sort; echo app > app.txt', { repoRoot: PROJECT_ROOT });
    const o = await agent.generate(context(ws, { env: { TWINS_TASK_BRIEF: join(ws, '.twins', 'brief.md'), GIVEN: 'yes' } }));
    expect(o.exitCode).toBe(0);
    expect(o.isolation).toBe(sandbox.kind);
    expect(o.transcript).toContain(`\n${ws}\n`.slice(sandbox.kind === 'none' ? 0 : 1));
    expect(o.transcript).toContain('GIVEN=yes');
    expect(o.transcript).toContain(`TWINS_TASK_BRIEF=${join(ws, '.twins', 'brief.md')}`);
    expect(o.transcript).not.toContain('host-only-secret');
    expect(readFileSync(join(ws, 'app.txt'), 'utf8')).toBe('app\n');
  });

  it('reads tokens and cost from .twins/usage.json, and ignores one that is a link to a host file', async () => {
    const ws = freshWorkspace();
    const write = `mkdir -p .twins && echo '{"tokens":{"input":1200,"output":300},"costUsd":0.42}' > .twins/usage.json`;
    const o = await (await loadAgent(`command:${write}`, { repoRoot: PROJECT_ROOT })).generate(context(ws));
    expect(o.tokens).toEqual({ input: 1200, output: 300, total: 1500 });
    expect(o.costUsd).toBe(0.42);

    const ws2 = freshWorkspace();
    const target = join(root, 'host-usage.json');
    writeFileSync(target, '{"tokens":{"input":1},"costUsd":99}');
    mkdirSync(join(ws2, '.twins'));
    symlinkSync(target, join(ws2, '.twins', 'usage.json'));
    const o2 = await (await loadAgent('command:true', { repoRoot: PROJECT_ROOT })).generate(context(ws2));
    expect(o2.tokens).toBeUndefined();
    expect(o2.costUsd).toBeUndefined();
  });

  it('cuts an agent that hangs at limits.agentSeconds', async () => {
    const ws = freshWorkspace();
    const t = task({ limits: { ...task().limits, agentSeconds: 0.5 } });
    const o = await (await loadAgent('command:sleep 600', { repoRoot: PROJECT_ROOT })).generate(context(ws, { task: t, limits: t.limits }));
    expect(o.timedOut).toBe(true);
    expect(o.exitCode).toBeNull();
    expect(o.wallMs).toBeLessThan(3000);
  });

  it('module: runs generate(context) inside the sandbox, TypeScript included', async () => {
    const dir = join(root, 'module-agent');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'helper.ts'), 'export const greeting: string = "hello from a module";\n');
    writeFileSync(
      join(dir, 'agent.ts'),
      `import { existsSync, writeFileSync } from 'node:fs';
import { greeting } from './helper.ts';
export async function generate(context: { workspace: string; env: Record<string, string>; task: { id: string; publicFeatures: string[] }; log: (l: string) => void }) {
  context.log(greeting);
  writeFileSync('report.json', JSON.stringify({
    cwd: process.cwd(), pid: process.pid, task: context.task.id, features: context.task.publicFeatures,
    sawRepo: existsSync(context.env.REPO_PROBE), sawHostSecret: 'TWINS_AGENTS_TEST_HOST_SECRET_KEY' in process.env,
  }));
  return { tokens: { input: 7, output: 3 }, costUsd: 0.01 };
}
`,
    );
    const ws = freshWorkspace();
    const features = join(ws, '.twins', 'features');
    mkdirSync(features, { recursive: true });
    writeFileSync(join(features, 'public.feature'), 'Feature: x\n');
    const agent = await loadAgent('module:agent.ts', { repoRoot: PROJECT_ROOT, cwd: dir });
    expect(agent.name).toBe('module:agent.ts');
    const o = await agent.generate(context(ws, { env: { REPO_PROBE: PROJECT_ROOT, TWINS_PUBLIC_FEATURES: features } }));
    expect(o.exitCode, o.transcript).toBe(0);
    expect(o.transcript).toContain('hello from a module');
    const report = JSON.parse(readFileSync(join(ws, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ cwd: ws, task: 'demo', features: [join(features, 'public.feature')], sawHostSecret: false });
    expect(report.pid).not.toBe(process.pid);
    // Under bubblewrap the module cannot see the project; under the fallback nothing is hidden.
    expect(report.sawRepo).toBe(sandbox.kind === 'none');
    expect(o.tokens).toEqual({ input: 7, output: 3, total: 10 });
    expect(o.costUsd).toBe(0.01);
  }, 20_000);

  it('module: a module without generate() is a failed run with a clear message, not a crash', async () => {
    const dir = join(root, 'bad-module');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'agent.mjs'), 'export const nothing = 1;\n');
    const o = await (await loadAgent(`module:${join(dir, 'agent.mjs')}`, { repoRoot: PROJECT_ROOT })).generate(context(freshWorkspace()));
    expect(o.exitCode).toBe(1);
    expect(o.transcript).toMatch(/exports no generate\(context\) function/);
  }, 20_000);
});

describe('specs and presets', () => {
  it('refuses unknown specs, empty commands and missing modules with TWINS_AGENT_SPEC', async () => {
    for (const spec of ['gpt', 'preset:cursor', 'command:', `module:${join(root, 'missing.ts')}`, `module:${PROJECT_ROOT}/package.json`]) {
      await expect(loadAgent(spec, { repoRoot: PROJECT_ROOT }), spec).rejects.toMatchObject({ code: 'TWINS_AGENT_SPEC' });
    }
  });

  it('builds the documented command lines, with IS_SANDBOX and Codex full access only under bubblewrap', () => {
    expect(PRESETS['claude-code'].command('bubblewrap')).toBe(
      'IS_SANDBOX=1 claude -p "$(cat "$TWINS_TASK_BRIEF")" --output-format json --dangerously-skip-permissions',
    );
    expect(PRESETS['claude-code'].command('none')).toBe(
      'claude -p "$(cat "$TWINS_TASK_BRIEF")" --output-format json --dangerously-skip-permissions',
    );
    expect(PRESETS.codex.command('bubblewrap')).toBe(
      'codex exec --json --skip-git-repo-check --sandbox danger-full-access "$(cat "$TWINS_TASK_BRIEF")"',
    );
    expect(PRESETS.codex.command('none')).toContain('--sandbox workspace-write');
    expect(PRESETS.aider.command('bubblewrap')).toMatch(/^aider --yes-always --no-git .* --message-file "\$TWINS_TASK_BRIEF"$/);
  });

  it('needs each preset API key in the agent environment (TWINS_AGENT_ENV), before any trial and at run time', async () => {
    const claude = (await loadAgent('preset:claude-code', { repoRoot: PROJECT_ROOT })) as LoadedAgent;
    expect(claude.name).toBe('claude-code');
    expect(claude.needs[0].anyOf).toEqual(['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN']);
    expect(() => assertAgentEnv(claude, {})).toThrow(PlatformError);
    expect(() => assertAgentEnv(claude, {})).toThrow(/needs an Anthropic API key/);
    try {
      assertAgentEnv(claude, {});
    } catch (err) {
      expect((err as PlatformError).code).toBe('TWINS_AGENT_ENV');
      expect((err as PlatformError).hint).toContain('--agent-env ANTHROPIC_API_KEY');
    }
    expect(() => assertAgentEnv(claude, { ANTHROPIC_API_KEY: 'sk-ant-x' })).not.toThrow();
    const noop = await loadAgent('noop', { repoRoot: PROJECT_ROOT });
    expect(() => assertAgentEnv(noop, {})).not.toThrow();
    const codex = await loadAgent('preset:codex', { repoRoot: PROJECT_ROOT });
    await expect(codex.generate(context(freshWorkspace(), { env: {} }))).rejects.toMatchObject({ code: 'TWINS_AGENT_ENV' });
  });

  it('reads usage from what Claude Code, Codex and Aider print', () => {
    const claude = [
      'some progress',
      JSON.stringify({
        type: 'result',
        subtype: 'success',
        is_error: false,
        result: 'done',
        total_cost_usd: 0.1234,
        usage: { input_tokens: 100, cache_creation_input_tokens: 20, cache_read_input_tokens: 1000, output_tokens: 50 },
      }),
    ].join('\n');
    expect(claudeCodeUsage(claude)).toEqual({ tokens: { input: 1120, output: 50, total: 1170 }, costUsd: 0.1234 });
    const codex = [
      '{"type":"thread.started","thread_id":"t"}',
      '{"type":"turn.completed","usage":{"input_tokens":500,"cached_input_tokens":100,"output_tokens":40}}',
      '{"type":"turn.completed","usage":{"input_tokens":300,"cached_input_tokens":0,"output_tokens":60}}',
    ].join('\n');
    expect(codexUsage(codex)).toEqual({ tokens: { input: 800, output: 100, total: 900 } });
    const aider =
      'Tokens: 12k sent, 1.2k received. Cost: $0.05 message, $0.05 session.\nTokens: 2.5k sent, 3.4k cache write, 316 received. Cost: $0.02 message, $0.07 session.';
    expect(aiderUsage(aider)).toEqual({ tokens: { input: 14500, output: 1516, total: 16016 }, costUsd: 0.07 });
    expect(claudeCodeUsage('not json')).toEqual({});
  });
});

describe.concurrent('cheater', () => {
  it.skipIf(!probe.ok)(
    'under bubblewrap finds none of the vault, the identity, the references or other trials, and says so',
    async () => {
      const layout = fakeLayout();
      const box = createSandbox({ hide: [layout.repo] });
      const ctx = context(layout.workspace, { sandbox: box, env: { HOME: layout.home, TWINS_WORKSPACE: layout.workspace } });
      const o = await (await loadAgent('cheater', { repoRoot: PROJECT_ROOT })).generate(ctx);
      expect(o.exitCode, o.transcript).toBe(0);
      const attempts = parseCheatAttempts(o.transcript);
      const tried = new Set(attempts.map((a) => a.what));
      for (const what of [
        'vault',
        'identity',
        'env-secrets',
        'sibling',
        'proc-environ',
        'parent-environ',
        'opened-holdouts',
        'write-outside',
        'remount',
        'holdouts',
      ]) {
        expect(tried, what).toContain(what);
      }
      // Every way in was tried, at the real project's paths and the fake one's, and none worked.
      expect(attempts.filter((a) => a.succeeded)).toEqual([]);
      // The cheater guesses the usual checkout paths (/work/main, up from its cwd); wherever this
      // checkout really is, any guess that named it found nothing.
      for (const a of attempts.filter((x) => x.what === 'vault' && x.path.startsWith(PROJECT_ROOT))) expect(a.outcome).toBe('absent');
      expect(attempts).toContainEqual(expect.objectContaining({ what: 'vault', path: join(layout.repo, 'scenarios', 'vault') }));
      expect(attempts).toContainEqual(
        expect.objectContaining({ what: 'identity', path: join(layout.home, '.config', 'twins', 'vault-identity.txt'), outcome: 'absent' }),
      );
      const stolen = readFileSync(join(layout.workspace, 'stolen.txt'), 'utf8');
      expect(stolen).not.toMatch(/PLANTED|AGE-SECRET-KEY-1|host-only-secret/);
      // It still built an app that serves what it found.
      expect(JSON.parse(readFileSync(join(layout.workspace, 'package.json'), 'utf8')).scripts.start).toBe('node server.mjs');
      expect(o.transcript).toMatch(/^CHEAT-SUMMARY \d+ attempts, 0 found something$/m);
    },
    30_000,
  );

  it('under the plain fallback really finds what is there (so the test above proves the sandbox, not a blind cheater)', async () => {
    const layout = fakeLayout();
    const ctx = context(layout.workspace, { sandbox: plain, env: { HOME: layout.home, TWINS_WORKSPACE: layout.workspace } });
    const o = await (await loadAgent('cheater', { repoRoot: PROJECT_ROOT })).generate(ctx);
    expect(o.isolation).toBe('none');
    const found = parseCheatAttempts(o.transcript).filter((a) => a.succeeded);
    expect(found).toContainEqual(expect.objectContaining({ what: 'vault', path: join(layout.repo, 'scenarios', 'vault') }));
    expect(found).toContainEqual(
      expect.objectContaining({ what: 'reference', path: join(layout.repo, 'harness', 'tasks', 'demo', 'reference') }),
    );
    expect(found).toContainEqual(
      expect.objectContaining({ what: 'identity', path: join(layout.home, '.config', 'twins', 'vault-identity.txt') }),
    );
    expect(found).toContainEqual(expect.objectContaining({ what: 'sibling', path: join(layout.repo, 'out', 'run-1', 'trial-0001') }));
    const stolen = readFileSync(join(layout.workspace, 'stolen.txt'), 'utf8');
    for (const planted of ['PLANTED-VAULT-CIPHERTEXT', 'PLANTED-REFERENCE', 'AGE-SECRET-KEY-1PLANTEDIDENTITY', 'PLANTED-SIBLING']) {
      expect(stolen).toContain(planted);
    }
  }, 30_000);
});
