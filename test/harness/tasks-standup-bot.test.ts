// The standup-bot task holds together: task.yaml and brief.md as the harness loads them, a dependency-free reference, and its public features passing on the reference and failing on the do-nothing app, as real processes.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTask } from '../../harness/task.ts';
import { type CliRun, killAll, twins } from '../support/cli.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const FEATURES = 'harness/tasks/standup-bot/features';
const REFERENCE = 'node harness/tasks/standup-bot/reference/app.mjs';
const NOTHING = 'node test/fixtures/do-nothing-app.mjs';

let onReference: CliRun;
let onNothing: CliRun;

beforeAll(() => {
  // Both at once, the baseline over four workers: it mostly waits for outcomes that never come.
  onReference = twins(['run', FEATURES, '--app', REFERENCE, '--ready-path', '/health'], { cwd: ROOT });
  onNothing = twins(['run', FEATURES, '--app', NOTHING, '--wait', '1', '--parallel', '4'], { cwd: ROOT });
});

afterAll(() => killAll());

describe('the standup-bot task folder', () => {
  const task = loadTask('standup-bot');

  it('loads as the harness reads it: Slack, npm start, /health, events at /slack/events, every limit set', () => {
    expect(task).toMatchObject({
      id: 'standup-bot',
      title: expect.stringMatching(/standup/i),
      twins: ['slack'],
      app: { start: 'npm start', readyPath: '/health', events: { slack: '/slack/events' } },
    });
    const yaml = readFileSync(join(task.dir, 'task.yaml'), 'utf8');
    for (const key of ['agentSeconds', 'installSeconds', 'appStartSeconds', 'outputBytes', 'processes']) {
      // Written in task.yaml itself, not left to the loader's defaults.
      expect(yaml, key).toMatch(new RegExp(`^\\s+${key}: \\d+`, 'm'));
      expect(task.limits[key as keyof typeof task.limits], key).toBeGreaterThan(0);
    }
  });

  it('has a brief naming the environment, the endpoints, the commands, the clock and every edge', () => {
    const { brief } = task;
    for (const word of ['SLACK_API_URL', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'PORT', '/slack/events', '/health'])
      expect(brief, word).toContain(word);
    for (const command of ['/standup join', '/standup leave', '/standup time HH:MM', '/standup list'])
      expect(brief, command).toContain(command);
    for (const edge of [
      /chat\.scheduleMessage/,
      /event_id/,
      /Retry-After/,
      /archived/,
      /missing_scope/,
      /im:write/,
      /deactivated/,
      /thread/,
    ])
      expect(brief).toMatch(edge);
    // Holdouts stay sealed: no canary, and no scenario wording, in what the agent reads.
    expect(brief).not.toMatch(/@canary-|Scenario:/);
  });

  it('has a reference with no dependencies, started by npm start', () => {
    const pkg = JSON.parse(readFileSync(join(task.referenceDir, 'package.json'), 'utf8'));
    expect(pkg.scripts.start).toBe('node app.mjs');
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.devDependencies ?? {}).toEqual({});
    const app = readFileSync(join(task.referenceDir, 'app.mjs'), 'utf8');
    const imports = [...app.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    for (const from of imports) expect(from, 'Node built-ins only').toMatch(/^node:/);
  });

  it('has at least 5 public scenarios, each with a canary tag of its own', () => {
    const texts = task.publicFeatures.map((f) => readFileSync(f, 'utf8')).join('\n');
    const scenarios = texts.match(/^\s*Scenario:/gm) ?? [];
    const canaries = (texts.match(/^\s*@canary-[0-9a-f]{16}$/gm) ?? []).map((c) => c.trim());
    expect(scenarios.length).toBeGreaterThanOrEqual(5);
    expect(canaries.length).toBe(scenarios.length);
    expect(new Set(canaries).size).toBe(canaries.length);
  });
});

describe('its public features', () => {
  it('pass on the reference solution', async () => {
    expect(await onReference.exited, onReference.out() + onReference.err()).toBe(0);
    expect(onReference.out()).toMatch(/(\d+) scenarios \(\1 passed\)/);
  }, 60_000);

  it('each fail on the do-nothing app', async () => {
    expect(await onNothing.exited).toBe(1);
    expect(onNothing.out()).toMatch(/(\d+) scenarios \(\1 failed\)/);
  }, 60_000);
});
