// The step library for real: the sample Bolt app and the do-nothing baseline on an in-process Slack twin, features run by cucumber.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwinsWorldParameters } from '../../scenarios/support/config.ts';
import { holdoutFeatures } from '../fixtures/sample-slack-app/holdouts.ts';
import {
  DO_NOTHING_APP,
  type RunningApp,
  runFeatures,
  SAMPLE_APP,
  SAMPLE_FEATURES,
  type SlackTwin,
  startApp,
  startSlackTwin,
  writeFeatures,
} from './steps-harness.ts';

const NONCE = `nonce-${Date.now().toString(36)}`;

let slack: SlackTwin;
let sample: RunningApp;
let baseline: RunningApp;
let sampleTenant: string;
let baselineTenant: string;
const holdouts = writeFeatures(holdoutFeatures(NONCE));

/** World parameters for one app on its own tenant; a short default wait keeps failing runs short. */
function params(app: RunningApp, tenant: string, waitMs: number): TwinsWorldParameters {
  return {
    twins: { slack: { url: slack.twin.url, control: slack.control } },
    slots: [{ appUrl: app.url, tenants: { slack: tenant } }],
    waitMs,
  };
}

beforeAll(async () => {
  slack = await startSlackTwin();
  const a = slack.tenant();
  const b = slack.tenant();
  sampleTenant = a.id;
  baselineTenant = b.id;
  [sample, baseline] = await Promise.all([startApp(SAMPLE_APP, a.env), startApp(DO_NOTHING_APP, b.env)]);
}, 20_000);

afterAll(async () => {
  await Promise.all([sample?.stop(), baseline?.stop()]);
  await slack?.close();
  holdouts.cleanup();
});

describe('the sample Slack app', () => {
  it('passes its public features', async () => {
    const paths = readdirSync(SAMPLE_FEATURES).map((f) => join(SAMPLE_FEATURES, f));
    const result = await runFeatures(paths, params(sample, sampleTenant, 3000));
    expect(result.success, `${result.report}\n--- app output ---\n${sample.output()}`).toBe(true);
    expect(result.scenarios.length).toBeGreaterThanOrEqual(8);
  }, 60_000);

  it('passes every holdout', async () => {
    const result = await runFeatures([holdouts.dir], params(sample, sampleTenant, 3000));
    expect(result.success, `${result.report}\n--- app output ---\n${sample.output()}`).toBe(true);
    expect(result.scenarios).toHaveLength(holdoutFeatures(NONCE).length);
    for (const s of result.scenarios) expect(s.name).toContain(NONCE);
  }, 60_000);
});

describe('the World', () => {
  it("runs the library's other steps end to end, and puts a slot's clock back on wall time after a jump", async () => {
    const result = await runFeatures([join(import.meta.dirname, 'steps-library.feature')], params(sample, sampleTenant, 3000));
    expect(result.success, `${result.report}\n--- app output ---\n${sample.output()}`).toBe(true);
    const clock = (await (await fetch(`${slack.control}/clock?tenant=${sampleTenant}`)).json()) as { now: number };
    expect(Math.abs(clock.now - Date.now())).toBeLessThan(60_000);
  }, 60_000);

  it('gives each scenario a fresh tenant, deleted afterwards, when no app is under test', async () => {
    const before = slack.kernel.tenants.list().length;
    const { dir, cleanup } = writeFeatures([
      {
        name: 'no-app.feature',
        text: `Feature: No app
  Scenario: The scenario's own posts are not outcomes
    Given a Slack channel "#deploys"
    When "alice" posts "ship it" in "#deploys"
    Then for 300 ms "#deploys" has no message matching /ship it/
`,
      },
    ]);
    try {
      const result = await runFeatures([dir], { twins: { slack: { url: slack.twin.url, control: slack.control } } });
      expect(result.success, result.report).toBe(true);
    } finally {
      cleanup();
    }
    expect(slack.kernel.tenants.list().length).toBe(before);
  }, 30_000);

  it('fails a scenario clearly when the app does not answer url_verification', async () => {
    const { dir, cleanup } = writeFeatures([
      { name: 'dead.feature', text: 'Feature: Dead app\n  Scenario: Anything\n    When "alice" posts "hi" in "#ops"\n' },
    ]);
    try {
      const result = await runFeatures([dir], {
        twins: { slack: { url: slack.twin.url, control: slack.control } },
        slots: [{ appUrl: 'http://127.0.0.1:9', tenants: { slack: baselineTenant } }],
      });
      expect(result.success).toBe(false);
      expect(result.scenarios[0].errors.join('\n')).toMatch(/did not verify its Slack events URL http:\/\/127\.0\.0\.1:9\/slack\/events/);
    } finally {
      cleanup();
    }
  }, 30_000);
});

describe('channel membership and counted channel messages', () => {
  it('fail when the membership or the count is not what the step says, each saying what it saw', async () => {
    const { dir, cleanup } = writeFeatures([
      {
        name: 'membership-counts.feature',
        text: `Feature: Membership and counts that are wrong
  Scenario: carol never leaves
    Then within 1 second "carol" is out of "#ops"

  Scenario: dave leaves while watched
    When "dave" leaves "#ops"
    Then for 1 second "dave" stays a member of "#ops"

  Scenario: two answers where exactly one is wanted
    When "alice" mentions the app in "#ops" saying "status"
    And "bob" mentions the app in "#ops" saying "status"
    Then "#ops" has exactly 2 messages matching /operational/
    And "#ops" has exactly 1 message matching /operational/

  Scenario: two answers where at most one is allowed
    When "alice" mentions the app in "#ops" saying "status"
    And "bob" mentions the app in "#ops" saying "status"
    Then "#ops" has exactly 2 messages matching /operational/
    And for 2 seconds "#ops" has at most 1 message matching /operational/
`,
      },
    ]);
    try {
      const result = await runFeatures([dir], params(sample, sampleTenant, 3000));
      expect(result.success).toBe(false);
      expect(result.scenarios).toHaveLength(4);
      const errors = Object.fromEntries(result.scenarios.map((s) => [s.name, s.errors.join('\n')]));
      for (const s of result.scenarios) expect(s.status, s.name).toBe('FAILED');
      expect(errors['carol never leaves']).toMatch(/carol to be out of #ops/);
      expect(errors['dave leaves while watched']).toMatch(/dave left #ops/);
      expect(errors['two answers where exactly one is wanted']).toMatch(/2 messages match/);
      expect(errors['two answers where at most one is allowed']).toMatch(/2 messages match/);
    } finally {
      cleanup();
    }
  }, 120_000);
});

describe('the do-nothing baseline', () => {
  it('fails every holdout, each on an observation', async () => {
    const result = await runFeatures([holdouts.dir], params(baseline, baselineTenant, 1500));
    expect(result.success).toBe(false);
    expect(result.scenarios).toHaveLength(holdoutFeatures(NONCE).length);
    for (const s of result.scenarios) {
      expect(s.status, `${s.name} should fail on the baseline`).toBe('FAILED');
      expect(s.errors.join('\n')).toMatch(/waited .* for /);
    }
  }, 60_000);
});
