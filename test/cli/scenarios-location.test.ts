// Public features live in one place, each task's harness/tasks/<task>/features: `scenarios list` shows them and `scenarios add` writes there and checks names against them.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, twins } from '../support/cli.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
let project: string;

const feature = (title: string, scenario: string) => `Feature: ${title}\n  Scenario: ${scenario}\n    Given a Slack channel "#tickets"\n`;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'twins-scenarios-location-'));
  mkdirSync(join(project, 'harness', 'tasks', 't1', 'features'), { recursive: true });
  writeFileSync(join(project, 'harness', 'tasks', 't1', 'features', 'first.feature'), feature('First', 'Tickets get filed'));
});

afterAll(() => {
  killAll();
  rmSync(project, { recursive: true, force: true });
});

describe('twins scenarios: where public features live', () => {
  it("list shows a shipped task's public scenarios from harness/tasks/<task>/features", async () => {
    const run = twins(['scenarios', 'list', '--task', 'incident-bot', '--json'], { cwd: ROOT });
    expect(await run.exited, run.err()).toBe(0);
    const listing = JSON.parse(run.out()) as { public: { task: string; file: string; scenarios: unknown[] }[] };
    expect(listing.public.length).toBeGreaterThan(0);
    for (const f of listing.public) {
      expect(f.task).toBe('incident-bot');
      expect(f.file).toMatch(/^harness\/tasks\/incident-bot\/features\/[^/]+\.feature$/);
      expect(f.scenarios.length).toBeGreaterThan(0);
    }
  }, 30_000);

  it("add refuses a scenario name the task's features already have", async () => {
    const draft = join(project, 'dup.feature');
    writeFileSync(draft, feature('Again', 'Tickets get filed'));
    const run = twins(['scenarios', 'add', draft, '--task', 't1'], { cwd: project });
    expect(await run.exited).toBe(1);
    expect(run.err()).toContain(
      'duplicate scenario name "Tickets get filed": task t1 already has it at harness/tasks/t1/features/first.feature:2',
    );
    expect(existsSync(join(project, 'harness', 'tasks', 't1', 'features', 'dup.feature'))).toBe(false);
  }, 30_000);

  it("add writes a new public feature into the task's features folder, and list shows it", async () => {
    const draft = join(project, 'second.feature');
    writeFileSync(draft, feature('Second', 'Tickets get taken'));
    const add = twins(['scenarios', 'add', draft, '--task', 't1'], { cwd: project });
    expect(await add.exited, add.err()).toBe(0);
    const dest = join(project, 'harness', 'tasks', 't1', 'features', 'second.feature');
    expect(readFileSync(dest, 'utf8')).toMatch(/@canary-[0-9a-f]{16}\n\s+Scenario: Tickets get taken/);
    expect(existsSync(join(project, 'scenarios', 'features'))).toBe(false);
    const list = twins(['scenarios', 'list', '--task', 't1'], { cwd: project });
    expect(await list.exited, list.err()).toBe(0);
    expect(list.out()).toContain('t1  harness/tasks/t1/features/first.feature  (Feature: First)');
    expect(list.out()).toContain('t1  harness/tasks/t1/features/second.feature  (Feature: Second)');
  }, 30_000);
});
