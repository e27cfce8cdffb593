// The incident-bot task holds together: task.yaml and brief.md as the harness reads them, and its public features passing on the reference and failing on the do-nothing app, as real processes.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type CliRun, killAll, twins } from '../support/cli.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const TASK = join(ROOT, 'harness/tasks/incident-bot');
const FEATURES = 'harness/tasks/incident-bot/features';
const REFERENCE = 'node harness/tasks/incident-bot/reference/app.mjs';
const NOTHING = 'node test/fixtures/do-nothing-app.mjs';

let onReference: CliRun;
let onNothing: CliRun;

beforeAll(() => {
  // Both runs at once: each mostly waits (on the app, or for outcomes that never come).
  onReference = twins(['run', FEATURES, '--app', REFERENCE, '--ready-path', '/health'], { cwd: ROOT });
  onNothing = twins(['run', FEATURES, '--app', NOTHING, '--wait', '1'], { cwd: ROOT });
});

afterAll(() => killAll());

describe('the incident-bot task folder', () => {
  it('has a task.yaml with the app contract and limits the harness needs', () => {
    const task = parseYaml(readFileSync(join(TASK, 'task.yaml'), 'utf8'));
    expect(task).toMatchObject({
      id: 'incident-bot',
      title: expect.any(String),
      twins: ['slack'],
      app: { start: 'npm start', readyPath: '/health', events: { slack: '/slack/events' } },
    });
    for (const key of ['agentSeconds', 'installSeconds', 'appStartSeconds', 'outputBytes', 'processes'])
      expect(task.limits[key], key).toBeGreaterThan(0);
  });

  it('has a brief naming the environment, the events path and the edges, without the holdouts', () => {
    const brief = readFileSync(join(TASK, 'brief.md'), 'utf8');
    for (const word of ['SLACK_API_URL', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'PORT', '/slack/events', '/health'])
      expect(brief).toContain(word);
    for (const edge of [/event_id/, /Retry-After/, /archived/, /missing_scope/, /thread/]) expect(brief).toMatch(edge);
    expect(brief).not.toMatch(/@canary-/);
  });

  it('has a dependency-free reference started by npm start, and at least 5 canary-tagged public scenarios', () => {
    const pkg = JSON.parse(readFileSync(join(TASK, 'reference/package.json'), 'utf8'));
    expect(pkg.scripts.start).toBe('node app.mjs');
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(existsSync(join(TASK, 'reference/app.mjs'))).toBe(true);
    const texts = readdirSync(join(TASK, 'features')).map((f) => readFileSync(join(TASK, 'features', f), 'utf8'));
    const scenarios = texts.join('\n').match(/^\s*Scenario:/gm) ?? [];
    const canaries = texts.join('\n').match(/^\s*@canary-[0-9a-f]{16}$/gm) ?? [];
    expect(scenarios.length).toBeGreaterThanOrEqual(5);
    expect(new Set(canaries.map((c) => c.trim())).size).toBe(scenarios.length);
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
