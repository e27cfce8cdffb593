// The harness's sample task holds together: its public features and nonce-stamped holdouts pass on the reference and fail on the do-nothing app, as real processes.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { holdoutFeatures } from '../fixtures/tasks/sample/holdouts.ts';
import { type CliRun, killAll, twins } from '../support/cli.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const TASK = join(ROOT, 'test/fixtures/tasks/sample');
const REFERENCE = 'node test/fixtures/tasks/sample/reference/app.mjs';
const NOTHING = 'node test/fixtures/do-nothing-app.mjs';
const NONCE = `nonce${Date.now().toString(36)}`;

let holdouts: string;
let onReference: CliRun;
let onNothing: CliRun;

beforeAll(() => {
  // The sample's holdouts are fixtures, not secrets; RAM-backed when there is /dev/shm all the same.
  holdouts = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'twins-sample-holdouts-'));
  for (const h of holdoutFeatures(NONCE)) writeFileSync(join(holdouts, h.name), h.text);
  // Both runs at once: each mostly waits (on the app, or for outcomes that never come).
  const features = [join(TASK, 'features'), holdouts];
  onReference = twins(['run', ...features, '--app', REFERENCE, '--ready-path', '/health'], { cwd: ROOT });
  onNothing = twins(['run', ...features, '--app', NOTHING, '--wait', '1'], { cwd: ROOT });
});

afterAll(() => {
  killAll();
  if (holdouts) rmSync(holdouts, { recursive: true, force: true });
});

describe('the sample task', () => {
  it('has short limits, a dependency-free reference and three nonce-stamped holdouts', () => {
    const task = parseYaml(readFileSync(join(TASK, 'task.yaml'), 'utf8'));
    expect(task).toMatchObject({ id: 'sample', twins: ['slack'], app: { readyPath: '/health' } });
    expect(task.limits.agentSeconds).toBeLessThanOrEqual(60);
    expect(task.limits.appStartSeconds).toBeLessThanOrEqual(20);
    expect(JSON.parse(readFileSync(join(TASK, 'reference/package.json'), 'utf8')).dependencies ?? {}).toEqual({});
    const features = holdoutFeatures(NONCE);
    expect(features).toHaveLength(3);
    for (const h of features) {
      expect(h.text).toMatch(new RegExp(`^Feature: .*${NONCE}$`, 'm'));
      expect(h.text).toMatch(new RegExp(`^\\s+Scenario: .*${NONCE}$`, 'm'));
    }
  });

  it('passes its public features and holdouts on the reference', async () => {
    expect(await onReference.exited, onReference.out() + onReference.err()).toBe(0);
    expect(onReference.out()).toMatch(/5 scenarios \(5 passed\)/);
  }, 60_000);

  it('fails every one of them on the do-nothing app', async () => {
    expect(await onNothing.exited).toBe(1);
    expect(onNothing.out()).toMatch(/5 scenarios \(5 failed\)/);
  }, 60_000);
});
