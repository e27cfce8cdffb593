// The access-request-bot task holds together: task.yaml (three twins, the Slack and Jira event paths) and brief.md as the harness reads them, and its public features passing on the reference and failing on the do-nothing app, as real processes.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadTask } from '../../harness/task.ts';
import { type CliRun, killAll, twins } from '../support/cli.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const TASK = join(ROOT, 'harness/tasks/access-request-bot');
const FEATURES = 'harness/tasks/access-request-bot/features';
const REFERENCE = 'node harness/tasks/access-request-bot/reference/app.mjs';
const NOTHING = 'node test/fixtures/do-nothing-app.mjs';

let onReference: CliRun;
let onNothing: CliRun;

beforeAll(() => {
  // Both runs at once: each mostly waits (on the app, or for outcomes that never come). Neither names the Jira
  // webhook path: `twins run` takes it from the task whose features/ it runs. Every do-nothing scenario waits out
  // its first 15-second step, so that run uses three workers (each with its own app and tenants).
  onReference = twins(['run', FEATURES, '--app', REFERENCE, '--ready-path', '/health'], { cwd: ROOT });
  onNothing = twins(['run', FEATURES, '--app', NOTHING, '--wait', '1', '--parallel', '3'], { cwd: ROOT });
});

afterAll(() => killAll());

describe('the access-request-bot task folder', () => {
  it('has a task.yaml naming the three twins and where Slack and Jira reach the app', () => {
    const task = parseYaml(readFileSync(join(TASK, 'task.yaml'), 'utf8'));
    expect(task).toMatchObject({
      id: 'access-request-bot',
      twins: ['okta', 'slack', 'jira'],
      app: { start: 'npm start', readyPath: '/health', events: { slack: '/slack/events', jira: '/jira/webhook' } },
    });
    for (const key of ['agentSeconds', 'installSeconds', 'appStartSeconds', 'outputBytes', 'processes'])
      expect(task.limits[key], key).toBeGreaterThan(0);
    const loaded = loadTask('access-request-bot', { cwd: ROOT });
    expect(loaded.twins).toEqual(['okta', 'slack', 'jira']);
    expect(loaded.app.events).toEqual({ slack: '/slack/events', jira: '/jira/webhook' });
  });

  it('has a brief naming the environment, the routes, what is checked and the edges, without the holdouts', () => {
    const brief = readFileSync(join(TASK, 'brief.md'), 'utf8');
    for (const word of [
      'OKTA_ORG_URL',
      'OKTA_API_TOKEN',
      'SLACK_API_URL',
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'JIRA_BASE_URL',
      'JIRA_EMAIL',
      'JIRA_API_TOKEN',
      'JIRA_WEBHOOK_SECRET',
      'PORT',
      '/slack/events',
      '/jira/webhook',
      '/health',
      '/access',
      'ACC',
      'access-request',
      '`approved`',
      '`rejected`',
    ])
      expect(brief, word).toContain(word);
    for (const edge of [
      /X-Hub-Signature/,
      /X-Atlassian-Webhook-Identifier/,
      /Retry-After/,
      /X-Rate-Limit-Reset/,
      /already/,
      /no longer active/,
      /edit/,
    ])
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

describe('its public features', () => {
  it('pass on the reference solution (Jira webhook signed with JIRA_WEBHOOK_SECRET at /jira/webhook)', async () => {
    expect(await onReference.exited, onReference.out() + onReference.err()).toBe(0);
    expect(onReference.out()).toMatch(/(\d+) scenarios \(\1 passed\)/);
  }, 180_000);

  it('each fail on the do-nothing app', async () => {
    expect(await onNothing.exited).toBe(1);
    expect(onNothing.out()).toMatch(/(\d+) scenarios \(\1 failed\)/);
  }, 180_000);
});
