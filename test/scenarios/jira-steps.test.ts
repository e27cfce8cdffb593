// The Jira steps for real: a small Jira app and the do-nothing baseline on an in-process Jira twin, features run by cucumber.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwinsWorldParameters } from '../../scenarios/support/config.ts';
import { JiraControlClient } from '../../scenarios/support/jira-client.ts';
import { type RunningTwin, serve } from '../../src/adapters/fastify.ts';
import { createKernel, type Kernel } from '../../src/kernel/index.ts';
import { jiraTwin } from '../../twins/jira/index.ts';
import { DO_NOTHING_APP, type RunningApp, runFeatures, startApp, writeFeatures } from './steps-harness.ts';

const JIRA_APP = join(import.meta.dirname, 'jira-sample-app.mjs');

let kernel: Kernel<unknown, unknown>;
let twin: RunningTwin;
let sample: RunningApp;
let baseline: RunningApp;
let sampleTenant: string;
let baselineTenant: string;

function tenant(): { id: string; env: Record<string, string> } {
  const t = kernel.createTenant();
  return { id: t.id, env: kernel.env(t, twin.url) };
}

function jiraOnly(): TwinsWorldParameters['twins'] {
  return { jira: { url: twin.url, control: `${twin.url}/_twin` } };
}

function params(app: RunningApp, id: string, waitMs: number): TwinsWorldParameters {
  return { twins: jiraOnly(), slots: [{ appUrl: app.url, tenants: { jira: id } }], waitMs };
}

beforeAll(async () => {
  kernel = createKernel(jiraTwin, { rateLimits: false }) as Kernel<unknown, unknown>;
  twin = await serve(kernel, { port: 0 });
  const a = tenant();
  const b = tenant();
  sampleTenant = a.id;
  baselineTenant = b.id;
  [sample, baseline] = await Promise.all([startApp(JIRA_APP, a.env, 30_000), startApp(DO_NOTHING_APP, b.env, 30_000)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([sample?.stop(), baseline?.stop()]);
  await twin?.close();
});

describe('the Jira steps', () => {
  it('run end to end against a Jira app: arrange quietly, act as people (webhooks fire), observe issues, comments, history, webhooks and calls', async () => {
    const result = await runFeatures([join(import.meta.dirname, 'jira-steps.feature')], params(sample, sampleTenant, 5000));
    expect(result.success, `${result.report}\n--- app output ---\n${sample.output()}`).toBe(true);
    expect(result.scenarios.map((s) => s.status)).toEqual(['PASSED', 'PASSED', 'PASSED', 'PASSED']);
  }, 120_000);

  it("pass docs/scenarios.md's Jira example as it is written", async () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/scenarios.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Jira steps'));
    const example = /```gherkin\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example, 'docs/scenarios.md has a gherkin example under "## Jira steps"').toBeDefined();
    const { dir, cleanup } = writeFeatures([{ name: 'doc-example.feature', text: example as string }]);
    try {
      const result = await runFeatures([dir], params(sample, sampleTenant, 5000));
      expect(result.success, `${result.report}\n--- app output ---\n${sample.output()}`).toBe(true);
      expect(result.scenarios).toHaveLength(1);
    } finally {
      cleanup();
    }
  }, 60_000);

  it('fail on the do-nothing baseline, on the observation, showing the issue, the calls and the webhooks', async () => {
    const { dir, cleanup } = writeFeatures([
      {
        name: 'baseline.feature',
        text: `Feature: Baseline
  Scenario: Nobody triages
    Given the app's Jira webhook URL is "/webhooks/jira"
    And a Jira issue "OPS-1" "Old thing" in "OPS"
    When "alice" creates a Jira issue "OPS-2" "incident: checkout is down" in "OPS"
    Then the app received a Jira webhook "jira:issue_created" for "OPS-2"
    And for 300 ms the app never called Jira "createIssue"
    And within 1 second the Jira issue "OPS-2" has a comment containing "on it"
`,
      },
    ]);
    try {
      const result = await runFeatures([dir], params(baseline, baselineTenant, 1000));
      expect(result.success).toBe(false);
      const [s] = result.scenarios;
      expect(s.status).toBe('FAILED');
      const errors = s.errors.join('\n');
      // The webhook and never-called steps passed: the failure is the comment the app never wrote.
      expect(errors).toMatch(/waited 1 s for OPS-2 to have a comment containing "on it"/);
      expect(errors).toMatch(/OPS-2 \(OPS-5\) "incident: checkout is down": To Do/);
      expect(errors).toMatch(/The app made no Jira API calls in this scenario/);
      expect(errors).toMatch(/jira:issue_created OPS-2 \(OPS-5\) → delivered/);
      expect(s.attachments.join('\n')).toMatch(/Jira tenant /);
      const { deliveries } = (await (await fetch(`${twin.url}/_twin/outbox?tenant=${baselineTenant}`)).json()) as {
        deliveries: { url: string }[];
      };
      expect(new Set(deliveries.map((d) => d.url))).toEqual(new Set([`${baseline.url}/webhooks/jira`]));
    } finally {
      cleanup();
    }
  }, 60_000);

  it('leave the arrangement’s own REST calls out of the app’s calls', async () => {
    const { dir, cleanup } = writeFeatures([
      {
        name: 'own-calls.feature',
        text: `Feature: Own calls
  Scenario: The arrangement's REST calls are not the app's
    Given a Jira project "SUP"
    And a Jira user "zoe"
    And a Jira issue "SUP-1" "Printer on fire" in "SUP"
    Then within 500 ms the app called Jira "createIssue"
`,
      },
    ]);
    try {
      const result = await runFeatures([dir], params(baseline, baselineTenant, 1000));
      expect(result.success).toBe(false);
      expect(result.scenarios[0].errors.join('\n')).toMatch(/waited 0\.5 s for a call of Jira createIssue by the app, in vain/);
    } finally {
      cleanup();
    }
  }, 60_000);

  it('give each scenario a fresh Jira tenant, deleted afterwards, when no app is under test', async () => {
    const before = kernel.tenants.list().length;
    const { dir, cleanup } = writeFeatures([
      {
        name: 'no-app.feature',
        text: `Feature: No app
  Scenario: Keys the feature names are its own
    Given a Jira issue "OPS-1" "Mine" in "OPS"
    When "bob" transitions "OPS-1" to "Done"
    Then the Jira issues matching "key = OPS-1" are "OPS-1"
    And the Jira issues matching "summary ~ Mine AND status = Done" are "OPS-1"
    And the Jira issue "OPS-1" has status "Done"
`,
      },
    ]);
    try {
      const result = await runFeatures([dir], { twins: jiraOnly() });
      expect(result.success, result.report).toBe(true);
    } finally {
      cleanup();
    }
    expect(kernel.tenants.list().length).toBe(before);
  }, 60_000);

  it('refuse what cannot be arranged with a message saying what to write', async () => {
    const { dir, cleanup } = writeFeatures([
      {
        name: 'bad.feature',
        text: `Feature: Bad arrangements
  Scenario: A key of another project
    Given a Jira issue "OPS-1" "Mine" in "SUP"

  Scenario: Nobody of that name
    Given a Jira issue "OPS-1" "Mine" in "OPS"
    When "nobody" comments on "OPS-1": "hi"

  Scenario: A field the table does not take
    Given a Jira issue "OPS-1" "Mine" in "OPS" with:
      | colour | red |

  Scenario: A status the workflow does not have
    Given a Jira issue "OPS-1" "Mine" in "OPS"
    When "alice" transitions "OPS-1" to "Blocked"

  Scenario: A query Jira cannot parse fails at once
    Then for 60 seconds no Jira issue matches "project = = OPS"
`,
      },
    ]);
    try {
      const result = await runFeatures([dir], { twins: jiraOnly() });
      expect(result.scenarios.map((s) => s.status)).toEqual(['FAILED', 'FAILED', 'FAILED', 'FAILED', 'FAILED']);
      const [key, person, table, status, jql] = result.scenarios.map((s) => s.errors.join('\n'));
      expect(key).toMatch(/give it a key of that project, e\.g\. "SUP-1"/);
      expect(person).toMatch(
        /no Jira user "nobody"; the site has admin, alice, bob, carol, dave; add one with: Given a Jira user "nobody"/,
      );
      expect(table).toMatch(/takes the fields status, assignee, labels, type, priority, description, sprint; not "colour"/);
      expect(status).toMatch(/no status "Blocked"/);
      // Not after a minute of watching: the step fails before it waits.
      expect(jql).toMatch(/the JQL "project = = OPS" is not valid: .*Error in the JQL Query/);
      expect(jql).not.toMatch(/waited|expected no/);
    } finally {
      cleanup();
    }
  }, 60_000);

  it("arrange quietly even past a webhook the app registered itself, and restore it; the switching is not the app's doing", async () => {
    const t = tenant();
    const jira = new JiraControlClient(`${twin.url}/_twin`).forTenant(t.id);
    const auth = `Basic ${Buffer.from(`${t.env.JIRA_EMAIL}:${t.env.JIRA_API_TOKEN}`).toString('base64')}`;
    // The app registers its own admin webhook, as apps do at start-up.
    const registered = await fetch(`${t.env.JIRA_BASE_URL}/rest/webhooks/1.0/webhook`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'app', url: `${baseline.url}/hooks`, events: ['jira:issue_created'] }),
    });
    expect(registered.status).toBe(201);
    jira.journalAfter = await jira.journalHead();
    const fields = { project: { key: 'OPS' }, issuetype: { name: 'Task' } };
    await jira.quietly(() => jira.api('POST', '/rest/api/2/issue', { fields: { ...fields, summary: 'quiet' } }));
    expect(await jira.webhooks()).toEqual([]);
    expect(await jira.appCalls()).toEqual([]);
    const hooks = (await (
      await fetch(`${t.env.JIRA_BASE_URL}/rest/webhooks/1.0/webhook`, { headers: { authorization: auth } })
    ).json()) as {
      enabled: boolean;
    }[];
    expect(hooks.map((h) => h.enabled)).toEqual([true]);
    await jira.act({ action: 'create', summary: 'heard', as: 'alice' });
    const sent = await jira.webhooks();
    expect(sent.map((d) => [d.meta.webhookEvent, d.url])).toEqual([['jira:issue_created', `${baseline.url}/hooks`]]);
    await jira.deleteTenant(t.id);
  }, 60_000);
});
