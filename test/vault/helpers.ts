// Shared set-up for the vault tests: a private HOME and temp project per test, a small step catalogue, feature texts.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type Catalogue, catalogueOf } from '../../scenarios/support/catalogue.ts';
import type { StepSpec } from '../../scenarios/support/define.ts';

/** A few steps in the house language, so the lint tests do not depend on the shared library as it grows. */
const spec = (kind: StepSpec['kind'], expression: string, example: string): StepSpec => ({
  kind,
  topic: 'test',
  expression,
  example,
  doc: 'test step',
  run: () => undefined,
});

export const TEST_STEPS: StepSpec[] = [
  spec('arrange', 'a Slack channel {channel}', 'Given a Slack channel "#ops"'),
  spec('act', '{user} posts {string} in {channel}', 'When "alice" posts "deploy" in "#ops"'),
  spec(
    'observe',
    'within {duration} {channel} has a message matching {regex}',
    'Then within 5 seconds "#incidents" has a message matching "OPS-\\d+"',
  ),
];

export const catalogue: Catalogue = catalogueOf(TEST_STEPS);

/** A feature whose scenarios use only TEST_STEPS; `secret` lands in a step, to look for leaks. */
export function featureText(scenarios: string[], secret = 'deploy'): string {
  const body = scenarios
    .map((name) =>
      [
        `  Scenario: ${name}`,
        '    Given a Slack channel "#ops"',
        `    When "alice" posts "${secret}" in "#ops"`,
        '    Then within 5 seconds "#ops" has a message matching "OPS-\\d+"',
      ].join('\n'),
    )
    .join('\n\n');
  return `Feature: Deploy alerts\n\n${body}\n`;
}

export interface Sandbox {
  root: string;
  home: string;
  /** A project folder (not a git repo) holding scenarios/vault and scenarios/features. */
  project: string;
  vaultDir: string;
  featuresDir: string;
  /** Where authors keep drafts: outside the project. */
  drafts: string;
  identity: string;
  write(name: string, text: string): string;
  cleanup(): void;
}

/**
 * A fresh temp world: HOME points into it and TWINS_VAULT_IDENTITY is unset, so nothing reads or
 * writes the real ~/.config. Call cleanup() after.
 */
export function sandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'twins-vault-test-'));
  const home = join(root, 'home');
  const project = join(root, 'project');
  const drafts = join(root, 'drafts');
  for (const d of [home, project, drafts]) mkdirSync(d, { recursive: true });
  const saved = { HOME: process.env.HOME, TWINS_VAULT_IDENTITY: process.env.TWINS_VAULT_IDENTITY };
  process.env.HOME = home;
  delete process.env.TWINS_VAULT_IDENTITY;
  return {
    root,
    home,
    project,
    vaultDir: join(project, 'scenarios', 'vault'),
    featuresDir: join(project, 'scenarios', 'features'),
    drafts,
    identity: join(home, '.config', 'twins', 'vault-identity.txt'),
    write(name, text) {
      const p = join(drafts, name);
      writeFileSync(p, text);
      return p;
    },
    cleanup() {
      process.env.HOME = saved.HOME;
      if (saved.TWINS_VAULT_IDENTITY === undefined) delete process.env.TWINS_VAULT_IDENTITY;
      else process.env.TWINS_VAULT_IDENTITY = saved.TWINS_VAULT_IDENTITY;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Every file under `dir` with its bytes, keyed by relative path: a before/after picture of a vault. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

/** Files under `dir` changed since `since` (ms) whose bytes contain `needle`; unreadable ones are skipped. */
export function filesContaining(dir: string, needle: string, since: number): string[] {
  const bytes = Buffer.from(needle);
  const holds = (p: string) => {
    try {
      const st = statSync(p);
      return st.isFile() && st.mtimeMs >= since - 1000 && st.size < 16 * 1024 * 1024 && readFileSync(p).includes(bytes);
    } catch {
      return false; // Vanished or unreadable: another process's file.
    }
  };
  // find(1) walks a big shared temp dir in a tenth of the time a walk in JavaScript takes.
  const found = spawnSync('find', [dir, '-xdev', '-type', 'f', '-newermt', `@${Math.floor(since / 1000) - 1}`], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (found.status !== null && found.stdout !== undefined && found.error === undefined)
    return found.stdout.split('\n').filter((p) => p !== '' && holds(p));
  const hits: string[] = [];
  const walk = (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && holds(p)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

/** A nonce no file on this machine holds by chance. */
export function nonce(): string {
  return `nonce-${randomBytes(12).toString('hex')}`;
}
