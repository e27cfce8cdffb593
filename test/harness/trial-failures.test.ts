// runTrial's failure classification, in process with fake agents and sandboxes: the agent's failures (crash, hang, install, start) versus the infrastructure's (twins down, sandbox errors); teardown and the contamination scan happen whatever went wrong.

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contaminationNeedles } from '../../harness/contamination.ts';
import { runTwins } from '../../harness/run.ts';
import { loadTask } from '../../harness/task.ts';
import { runTrial, type TrialOptions } from '../../harness/trial.ts';
import type { Agent, Sandbox, SandboxProcess, SandboxResult, TaskSpec } from '../../harness/types.ts';
import { ControlClient } from '../../scenarios/support/control-client.ts';
import { PlatformError } from '../../src/errors.ts';
import type { OpenedHoldout } from '../../src/vault/index.ts';
import { SAMPLE } from './score-fixture.ts';

const STEP = '"mallory" posts "a line only the holdout has, long enough" in "#ops"';
const HOLDOUT: OpenedHoldout = {
  id: '0000000000000001',
  task: 'sample',
  file: '/nowhere/0000000000000001.feature.age',
  text: `Feature: f\n\n  @canary-00000000000000aa\n  Scenario: one\n    When ${STEP}\n    Then "#ops" has a message matching /x/\n`,
  scenarios: [{ name: 'one', canary: '@canary-00000000000000aa' }],
};

let twins: Awaited<ReturnType<typeof runTwins>>;
let work: string;
let task: TaskSpec;

const ok = (over: Partial<SandboxResult> = {}): SandboxResult => ({
  exitCode: 0,
  signal: null,
  timedOut: false,
  outputTruncated: false,
  processLimitHit: false,
  wallMs: 1,
  output: '',
  isolation: 'none',
  ...over,
});

/** A sandbox whose app never answers, and whose install exits with `installExit`. */
function fakeSandbox(installExit = 0): Sandbox {
  const silent: SandboxProcess = {
    pid: undefined,
    isolation: 'none',
    output: () => 'listening on nothing\n',
    exited: new Promise(() => {}),
    stop: async () => ok({ exitCode: null, signal: 'SIGTERM', output: 'listening on nothing\n' }),
  };
  return {
    kind: 'none',
    describe: () => 'fake',
    run: async () => ok({ exitCode: installExit, output: installExit ? 'npm error missing script\n' : '' }),
    start: () => silent,
  };
}

function agent(generate: Agent['generate']): Agent {
  return { spec: 'test-agent', name: 'test-agent', generate };
}

function options(over: Partial<TrialOptions> & Pick<TrialOptions, 'agent'>): TrialOptions {
  return {
    runId: 'failures',
    trial: 0,
    task,
    sandbox: fakeSandbox(),
    twins: twins.twins,
    holdouts: [HOLDOUT],
    needles: contaminationNeedles([HOLDOUT], []),
    workDir: work,
    agentGraceMs: 100,
    ...over,
  };
}

async function tenantCount(): Promise<number> {
  // The twins runTwins starts are locked: only the token lists every tenant.
  const slack = twins.twins.slack;
  if (!slack) throw new Error('no Slack twin');
  const listed = await new ControlClient(slack.control, undefined, slack.token).call<{ tenants: unknown[] }>('GET', 'tenants');
  return listed.tenants.length;
}

beforeAll(async () => {
  twins = await runTwins({});
  work = mkdtempSync(join(tmpdir(), 'twins-trial-failures-'));
  const sample = loadTask(SAMPLE);
  task = { ...sample, limits: { ...sample.limits, agentSeconds: 0.3, appStartSeconds: 0.5 } };
});

afterAll(async () => {
  await twins?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('runTrial failures', () => {
  it('an agent that throws is the agent’s failure; every holdout scenario is reported failed, not graded', async () => {
    const before = await tenantCount();
    const t = await runTrial(options({ agent: agent(async () => Promise.reject(new Error('boom'))) }));
    expect(t.status).toBe('failed');
    expect(t.failure).toEqual({ kind: 'agent', stage: 'agent', reason: 'the agent crashed: boom' });
    expect(t.scenarios).toEqual([
      { id: 'canary-00000000000000aa', name: 'one', status: 'failed', durationMs: 0, error: 'not graded: the agent crashed: boom' },
    ]);
    // Torn down: no workspace, no tenant left.
    expect(readdirSync(work)).toEqual([]);
    expect(await tenantCount()).toBe(before);
  });

  it('an agent that never returns is cut at its limit (plus grace) and counted as timed out', async () => {
    const started = Date.now();
    const t = await runTrial(options({ agent: agent(() => new Promise(() => {})) }));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(t.failure).toMatchObject({ kind: 'agent', stage: 'agent' });
    expect(t.failure?.reason).toContain('ran over its limit of 0.3 s');
    expect(t.agentRun.timedOut).toBe(true);
  });

  it('a failed install and an app that never answers are the agent’s; the requests it sent are still scanned', async () => {
    const leaky = agent(async (ctx) => {
      writeFileSync(join(ctx.workspace, 'package.json'), '{}');
      // What a cheat does with what it found: sends it to the twin, with its own tenant's token.
      await fetch(`${ctx.env.SLACK_API_URL}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ctx.env.SLACK_BOT_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'general', text: `found: When ${STEP}` }),
      });
      return {
        exitCode: 3,
        timedOut: false,
        wallMs: 5,
        transcript: 'canary-00000000000000aa\n',
        transcriptTruncated: false,
        isolation: 'none',
      };
    });
    const failedInstall = await runTrial(options({ agent: leaky, sandbox: fakeSandbox(7) }));
    expect(failedInstall.failure).toMatchObject({ kind: 'agent', stage: 'install' });
    expect(failedInstall.failure?.reason).toContain('failed (exit 7)');
    expect(failedInstall.failure?.reason).toContain('npm error missing script');
    expect(failedInstall.agentRun.exitCode).toBe(3);
    expect(failedInstall.contamination.flagged).toBe(true);
    expect(failedInstall.contamination.hits).toEqual(
      expect.arrayContaining([
        { kind: 'step', needle: STEP, where: 'requests', location: 'chat.postMessage (the agent)' },
        { kind: 'canary', needle: 'canary-00000000000000aa', where: 'transcript', location: undefined },
      ]),
    );

    const silent = await runTrial(options({ agent: leaky }));
    expect(silent.failure).toMatchObject({ kind: 'agent', stage: 'start' });
    expect(silent.failure?.reason).toContain('did not answer on /health within 0.5 s');
    expect(silent.failure?.reason).toContain('listening on nothing');
    expect(silent.app).toMatchObject({ installed: true, started: false });
    expect(silent.app.output).toContain('$ npm start');
  });

  it('with --app-host the app is told to listen on every interface (HOST=0.0.0.0)', async () => {
    const seen: Record<string, string>[] = [];
    const base = fakeSandbox();
    const sandbox: Sandbox = {
      ...base,
      start: (req) => {
        seen.push(req.env);
        return base.start(req);
      },
    };
    const noop = agent(async () => ({
      exitCode: 0,
      timedOut: false,
      wallMs: 1,
      transcript: '',
      transcriptTruncated: false,
      isolation: 'none',
    }));
    const result = await runTrial(options({ agent: noop, sandbox, appHost: '127.0.0.1' }));
    expect(result.failure).toMatchObject({ kind: 'agent', stage: 'start' });
    expect(seen[0]).toMatchObject({ HOST: '0.0.0.0' });
    expect(seen[0].PORT).toMatch(/^\d+$/);
    const plain: Record<string, string>[] = [];
    const recording: Sandbox = {
      ...base,
      start: (req) => {
        plain.push(req.env);
        return base.start(req);
      },
    };
    await runTrial(options({ agent: noop, sandbox: recording }));
    expect(plain[0].HOST).toBeUndefined();
  });

  it('twins that do not answer and a sandbox that cannot start are the infrastructure’s: status error, scenarios unknown', async () => {
    const down = await runTrial(
      options({
        agent: agent(async () => Promise.reject(new Error('never called'))),
        twins: { slack: { url: 'http://127.0.0.1:9', control: 'http://127.0.0.1:9/_twin' } },
      }),
    );
    expect(down.status).toBe('error');
    expect(down.failure).toMatchObject({ kind: 'infrastructure', stage: 'setup' });
    expect(down.failure?.reason).toContain('setting up the trial failed');
    expect(down.scenarios.map((s) => s.status)).toEqual(['unknown']);

    const noSandbox = await runTrial(
      options({
        agent: agent(async () => {
          throw new PlatformError('TWINS_SANDBOX_UNAVAILABLE', 'bubblewrap does not work here', 'Install it.');
        }),
      }),
    );
    expect(noSandbox.status).toBe('error');
    expect(noSandbox.failure).toMatchObject({
      kind: 'infrastructure',
      stage: 'agent',
      reason: 'the sandbox failed: bubblewrap does not work here',
    });
    expect(readdirSync(work)).toEqual([]);
  });

  it('timings add up: overhead is what is left once the agent, install, start and holdouts are taken out', async () => {
    const t = await runTrial(options({ agent: agent(async () => Promise.reject(new Error('x'))) }));
    const { setupMs, agentMs, installMs, startMs, gradeMs, teardownMs, overheadMs } = t.timings;
    for (const v of [setupMs, agentMs, installMs, startMs, gradeMs, teardownMs, overheadMs])
      expect(Number.isInteger(v) && v >= 0).toBe(true);
    const total = Date.parse(t.finishedAt) - Date.parse(t.startedAt);
    expect(overheadMs).toBeLessThanOrEqual(total + 2);
    expect(overheadMs).toBeGreaterThanOrEqual(setupMs + teardownMs - 2);
  });
});
