// The company steps for real: three twins started together, the scenario's tenants one company (the slot), features run by cucumber.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwinsWorldParameters } from '../../scenarios/support/config.ts';
import { type StartedTwins, startTwins } from '../../src/api.ts';
import { DO_NOTHING_APP, type RunningApp, runFeatures, startApp, writeFeatures } from '../scenarios/steps-harness.ts';

let twins: StartedTwins<'slack' | 'okta' | 'jira'>;
let app: RunningApp;

const COMPANY = {
  name: 'Steps Co',
  domain: 'steps.test',
  people: [
    { name: 'Alice Adams', title: 'VP Engineering', department: 'Platform' },
    { name: 'Bob Brown', title: 'Engineer', department: 'Platform', manager: 'alice' },
  ],
  apps: [
    { label: 'Slack', groups: ['Everyone'] },
    { label: 'Jira', groups: ['Platform'] },
  ],
};

function params(): TwinsWorldParameters {
  const endpoint = (t: { url: string; control: string }) => ({ url: t.url, control: t.control });
  return {
    twins: { slack: endpoint(twins.slack), okta: endpoint(twins.okta), jira: endpoint(twins.jira) },
    // The scenario's tenants are one company: the same id on every twin, made by POST /_twin/companies.
    slots: [{ appUrl: app.url, tenants: { slack: 'steps', okta: 'steps', jira: 'steps' } }],
    waitMs: 5000,
  };
}

beforeAll(async () => {
  twins = await startTwins({ twins: ['slack', 'okta', 'jira'], seed: 2, rateLimits: false });
  const res = await fetch(`${twins.slack.control}/companies`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'steps', company: COMPANY }),
  });
  expect(res.status).toBe(201);
  const company = (await res.json()) as { env: Record<string, string> };
  app = await startApp(DO_NOTHING_APP, company.env);
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await twins?.close();
});

describe('the company steps', () => {
  it('hire a person across the twins, deactivate them in Okta, observe Slack and Jira follow; fail saying what they saw', async () => {
    const { dir, cleanup } = writeFeatures([
      {
        name: 'company.feature',
        text: `Feature: one company
  Scenario: a new engineer is offboarded in Okta, and Slack and Jira follow
    Given the company has an engineer "zoe" in "Platform"
    Then "zoe"'s Slack account is active
    And "zoe"'s Jira account is active
    When an Okta admin deactivates "zoe"
    Then "zoe"'s Okta account is deactivated
    And "zoe"'s Slack account is deactivated
    And "zoe"'s Jira account is inactive

  Scenario: a seeded person, by name in every twin
    Given the company has a manager "bob" in "Platform"
    When an Okta admin suspends "bob"
    Then "bob"'s Slack account is deactivated
    And the Okta user "bob" is SUSPENDED

  Scenario: the reset brings everyone back
    Then "bob"'s Slack account is active
    And "bob"'s Jira account is active

  Scenario: an outcome that does not come
    Then within 1 second "alice"'s Jira account is inactive
`,
      },
    ]);
    try {
      const result = await runFeatures([dir], params());
      expect(result.scenarios.map((s) => s.status)).toEqual(['PASSED', 'PASSED', 'PASSED', 'FAILED']);
      expect(result.report).toMatch(/alice's Jira account to be deactivated[\s\S]*alice's Jira account: active/);
    } finally {
      cleanup();
    }
  }, 180_000);
});
