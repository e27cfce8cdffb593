// The offboarding-bot task holds together: task.yaml (three twins, the Okta and Jira event paths) and brief.md as the harness reads them, the variables the app gets, and its public features passing on the reference and failing on the do-nothing app, as real processes.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadTask } from '../../harness/task.ts';
import { withAppVariables } from '../../scenarios/support/config.ts';
import { type CliRun, killAll, twins } from '../support/cli.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const TASK = join(ROOT, 'harness/tasks/offboarding-bot');
const FEATURES = 'harness/tasks/offboarding-bot/features';
const REFERENCE = 'node harness/tasks/offboarding-bot/reference/app.mjs';
const NOTHING = 'node test/fixtures/do-nothing-app.mjs';

let onReference: CliRun;
let onNothing: CliRun;

beforeAll(() => {
  // Both runs at once: each mostly waits (on the app, or for outcomes that never come). Neither names the
  // Okta events path: `twins run` takes it from the task whose features/ it runs.
  onReference = twins(['run', FEATURES, '--app', REFERENCE, '--ready-path', '/health'], { cwd: ROOT });
  onNothing = twins(['run', FEATURES, '--app', NOTHING, '--wait', '1'], { cwd: ROOT });
});

afterAll(() => killAll());

describe('the offboarding-bot task folder', () => {
  it('has a task.yaml naming the three twins and where Okta and Jira reach the app', () => {
    const task = parseYaml(readFileSync(join(TASK, 'task.yaml'), 'utf8'));
    expect(task).toMatchObject({
      id: 'offboarding-bot',
      twins: ['okta', 'slack', 'jira'],
      app: { start: 'npm start', readyPath: '/health', events: { slack: '/slack/events', okta: '/okta/events', jira: '/jira/webhook' } },
    });
    for (const key of ['agentSeconds', 'installSeconds', 'appStartSeconds', 'outputBytes', 'processes'])
      expect(task.limits[key], key).toBeGreaterThan(0);
    const loaded = loadTask('offboarding-bot', { cwd: ROOT });
    expect(loaded.twins).toEqual(['okta', 'slack', 'jira']);
    expect(loaded.app.events).toEqual({ slack: '/slack/events', okta: '/okta/events', jira: '/jira/webhook' });
  });

  it('has a brief naming the environment, the routes and the edges, without the holdouts', () => {
    const brief = readFileSync(join(TASK, 'brief.md'), 'utf8');
    for (const word of [
      'OKTA_ORG_URL',
      'OKTA_API_TOKEN',
      'OKTA_EVENT_HOOK_SECRET',
      'SLACK_API_URL',
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'JIRA_BASE_URL',
      'JIRA_EMAIL',
      'JIRA_API_TOKEN',
      'PORT',
      '/okta/events',
      '/slack/events',
      '/health',
      '#it-ops',
    ])
      expect(brief, word).toContain(word);
    for (const edge of [/x-okta-verification-challenge/, /eventId/, /Retry-After/, /X-Rate-Limit-Reset/, /reactivated/, /Done/, /#general/])
      expect(brief).toMatch(edge);
    expect(brief).not.toMatch(/@canary-/);
  });

  it('has a dependency-free reference started by npm start, and at least 8 canary-tagged public scenarios', () => {
    const pkg = JSON.parse(readFileSync(join(TASK, 'reference/package.json'), 'utf8'));
    expect(pkg.scripts.start).toBe('node app.mjs');
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(existsSync(join(TASK, 'reference/app.mjs'))).toBe(true);
    expect(readFileSync(join(TASK, 'reference/app.mjs'), 'utf8')).not.toMatch(/from '(?!node:)/);
    const texts = readdirSync(join(TASK, 'features')).map((f) => readFileSync(join(TASK, 'features', f), 'utf8'));
    const scenarios = texts.join('\n').match(/^\s*Scenario:/gm) ?? [];
    const canaries = texts.join('\n').match(/^\s*@canary-[0-9a-f]{16}$/gm) ?? [];
    expect(scenarios.length).toBeGreaterThanOrEqual(8);
    expect(new Set(canaries.map((c) => c.trim())).size).toBe(scenarios.length);
  });
});

describe("the app's Okta event hook secret", () => {
  it('is added to an Okta tenant’s variables, the same for the same org and different for another', () => {
    const a = withAppVariables({ OKTA_ORG_URL: 'http://o/t/1', OKTA_API_TOKEN: 'tok-a' });
    expect(a.OKTA_EVENT_HOOK_SECRET).toMatch(/^ehs_[0-9a-f]{40}$/);
    expect(withAppVariables({ OKTA_API_TOKEN: 'tok-a' }).OKTA_EVENT_HOOK_SECRET).toBe(a.OKTA_EVENT_HOOK_SECRET);
    expect(withAppVariables({ OKTA_API_TOKEN: 'tok-b' }).OKTA_EVENT_HOOK_SECRET).not.toBe(a.OKTA_EVENT_HOOK_SECRET);
    expect(a.OKTA_EVENT_HOOK_SECRET).not.toContain('tok-a');
  });

  it('is not added to other twins’ variables', () => {
    const slack = { SLACK_API_URL: 'http://s/api/', SLACK_BOT_TOKEN: 'xoxb-1' };
    expect(withAppVariables(slack)).toEqual(slack);
  });
});

// The do-nothing run waits out every scenario's first patient step (15 s each): minutes, not seconds, on a loaded machine.
describe('its public features', () => {
  it('pass on the reference solution (registered as the Okta event hook and verified before each scenario)', async () => {
    expect(await onReference.exited, onReference.out() + onReference.err()).toBe(0);
    expect(onReference.out()).toMatch(/(\d+) scenarios \(\1 passed\)/);
  }, 300_000);

  it('each fail on the do-nothing app, whose failures say it did not verify its Okta event hook', async () => {
    expect(await onNothing.exited).toBe(1);
    expect(onNothing.out()).toMatch(/(\d+) scenarios \(\1 failed\)/);
    expect(onNothing.out()).toContain('the app did not verify its Okta event hook');
  }, 300_000);
});
