// The README's scoring section runs as written, by a newcomer with no vault identity: several agents scored in one command with the leaderboard printed, and `twins grade` / `twins run --holdouts` on the demo task opening its holdouts with the demo identity alone.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentSpecs } from '../../src/cli/score.ts';
import { BIN } from '../support/cli.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const out = mkdtempSync(join(tmpdir(), 'twins-readme-scoring-'));
// As on a newcomer's machine: no vault identity of their own anywhere; the demo's ships with it.
const NEWCOMER = { HOME: join(out, 'home'), TWINS_VAULT_IDENTITY: undefined, TWINS_VAULT_IDENTITY_DATA: undefined };

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

/** The README's `$ npx twins <command> …` line that contains `marker`, as arguments for the launcher. */
function readmeLine(marker: string): string {
  const line = README.split('\n').find((l) => l.startsWith('$ npx twins ') && l.includes(marker));
  if (!line) throw new Error(`the README shows no \`npx twins\` line with "${marker}"`);
  return line.slice('$ npx twins '.length);
}

/** Run a README command line through sh (its quoting is the README's), `npx twins` being the clone's launcher. */
async function runLine(line: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string> = { HOME: NEWCOMER.HOME };
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !(k in NEWCOMER)) env[k] = v;
  const child = spawn('sh', ['-c', `"${BIN}" ${line}`], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, stdout, stderr };
}

describe('--agent lists', () => {
  it('splits comma-separated names, keeps a command: or module: spec whole, drops repeats', () => {
    expect(agentSpecs(['reference,noop,cheater'])).toEqual(['reference', 'noop', 'cheater']);
    expect(agentSpecs(['reference', 'command:my-agent --a,b', 'reference'])).toEqual(['reference', 'command:my-agent --a,b']);
    expect(agentSpecs(['module:./agents/a,b.mjs'])).toEqual(['module:./agents/a,b.mjs']);
    expect(() => agentSpecs(['reference,,noop'])).toThrow(/empty agent/);
  });
});

describe('the README scoring section, as a newcomer runs it', () => {
  it('scores reference, noop and cheater in one command and prints each report and the leaderboard', async () => {
    const line = readmeLine('--agent reference,noop,cheater');
    const dir = join(out, 'demo');
    const r = await runLine(line.replace(/--out \S+/, `--out ${dir}`));
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    for (const agent of ['reference', 'noop', 'cheater']) {
      expect(r.stdout).toContain(`task demo, agent ${agent}`);
      for (const f of ['run.json', 'junit.xml', 'report.html']) expect(existsSync(join(dir, agent, f)), `${agent}/${f}`).toBe(true);
    }
    // The leaderboard comes after the three reports: a row per agent with its satisfaction.
    const board = r.stdout.slice(r.stdout.lastIndexOf('Results: '));
    const rows = board.split('\n');
    expect(rows.find((l) => /^\s*reference\b/.test(l) || l.includes(' reference '))).toMatch(/100(\.0)? ?%/);
    expect(rows.find((l) => /^\s*noop\b/.test(l) || l.includes(' noop '))).toMatch(/\b0(\.0)? ?%/);
    expect(rows.some((l) => l.includes('cheater'))).toBe(true);
    expect(r.stdout).toContain(`twins leaderboard ${join(dir, 'reference')}`);
  }, 600_000);

  it('twins grade on the demo task opens its holdouts with the demo identity, without --vault or --identity', async () => {
    const line = readmeLine('grade --task demo');
    expect(line).not.toMatch(/--vault|--identity/);
    // The README copies the reference app first (`cp -r harness/tasks/demo/reference my-demo-app`); here the copy goes to a temp folder.
    expect(README).toContain('$ cp -r harness/tasks/demo/reference my-demo-app');
    const app = join(out, 'my-demo-app');
    cpSync(join(ROOT, 'harness/tasks/demo/reference'), app, { recursive: true });
    const r = await runLine(`${line.replace('--cwd my-demo-app', `--cwd ${app}`)} --out ${join(out, 'graded')}`);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/Task demo: ([1-9]\d*) of \1 holdout scenario\(s\) passed/);
  }, 300_000);

  it('twins run --holdouts --task demo runs the public and sealed scenarios, without --vault or --identity', async () => {
    const line = readmeLine('run harness/tasks/demo/features --holdouts');
    expect(line).not.toMatch(/--vault|--identity/);
    const r = await runLine(line);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toMatch(/twins run: [1-9]\d* sealed holdout feature\(s\) of task demo opened/);
    expect(r.stdout).toMatch(/^\d+ scenarios \(\d+ passed\)$/m);
  }, 300_000);
});
