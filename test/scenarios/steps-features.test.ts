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
