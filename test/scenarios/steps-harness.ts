// Test support for the step library: a Slack twin in-process, apps as child processes on its tenants, and cucumber run through its programmatic API.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Envelope } from '@cucumber/messages';
import type { TwinsWorldParameters } from '../../scenarios/support/config.ts';
import { type RunningTwin, serve } from '../../src/adapters/fastify.ts';
import { createKernel, type Kernel } from '../../src/kernel/index.ts';
import { slackTwin } from '../../twins/slack/index.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const REGISTER = join(ROOT, 'scenarios/support/register.ts');
export const SAMPLE_APP = join(ROOT, 'test/fixtures/sample-slack-app/app.mjs');
export const DO_NOTHING_APP = join(ROOT, 'test/fixtures/do-nothing-app.mjs');
export const SAMPLE_FEATURES = join(ROOT, 'test/fixtures/sample-slack-app/features');

export interface SlackTwin {
  kernel: Kernel<unknown, unknown>;
  twin: RunningTwin;
  control: string;
  /** A fresh tenant and the environment an app needs for it. */
  tenant(): { id: string; env: Record<string, string> };
  close(): Promise<void>;
}

export async function startSlackTwin(): Promise<SlackTwin> {
  const kernel = createKernel(slackTwin, { rateLimits: false }) as Kernel<unknown, unknown>;
  const twin = await serve(kernel, { port: 0 });
  return {
    kernel,
    twin,
    control: `${twin.url}/_twin`,
    tenant() {
      const t = kernel.createTenant();
      return { id: t.id, env: kernel.env(t, twin.url) };
    },
    close: () => twin.close(),
  };
}

export interface RunningApp {
  url: string;
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Start an app (`node file`) with a tenant's env on a free port; resolves once it prints its URL and answers. */
export async function startApp(file: string, env: Record<string, string>, timeoutMs = 15_000): Promise<RunningApp> {
  const child = spawn(process.execPath, [file], {
    env: { ...process.env, ...env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${file} did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        done(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${file} exited with ${code} before it started:\n${out}`));
    });
  });
  return {
    url,
    process: child,
    output: () => out,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

export interface ScenarioResult {
  name: string;
  status: string;
  errors: string[];
  attachments: string[];
}

export interface RunResult {
  success: boolean;
  scenarios: ScenarioResult[];
  /** One line per scenario, with errors, for assertion messages. */
  report: string;
}

const RANK = ['UNKNOWN', 'PASSED', 'SKIPPED', 'PENDING', 'UNDEFINED', 'AMBIGUOUS', 'FAILED'];

/** Feature texts written to a fresh temporary directory (removed by the returned cleanup). */
export function writeFeatures(features: { name: string; text: string }[]): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'twins-features-'));
  for (const f of features) writeFileSync(join(dir, f.name.endsWith('.feature') ? f.name : `${f.name}.feature`), f.text);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// The support code is imported once per process (ESM modules are cached), so every run reuses the first library.
let support: unknown;

/** Run feature files with cucumber's API, the step library loaded from scenarios/support/register.ts. */
export async function runFeatures(paths: string[], worldParameters: TwinsWorldParameters): Promise<RunResult> {
  const { loadConfiguration, loadSupport, runCucumber } = await import('@cucumber/cucumber/api');
  const sink = new PassThrough();
  sink.resume();
  const environment = { cwd: ROOT, stdout: sink, stderr: sink, env: { ...process.env } };
  const { runConfiguration } = await loadConfiguration(
    {
      file: false,
      provided: { paths, import: [REGISTER], worldParameters: worldParameters as never, format: [], publishQuiet: true } as never,
    },
    environment,
  );
  if (!support) {
    // Cucumber imports register.ts with Node's own import(), outside vitest's transform: TypeScript needs tsx's hooks.
    const { register } = await import('tsx/esm/api');
    register();
    support = await loadSupport(runConfiguration, environment);
  }
  const pickles = new Map<string, string>();
  const testCases = new Map<string, string>();
  const started = new Map<string, ScenarioResult>();
  const scenarios: ScenarioResult[] = [];
  const { success } = await runCucumber({ ...runConfiguration, support: support as never }, environment, (m: Envelope) => {
    if (m.pickle) pickles.set(m.pickle.id, m.pickle.name);
    if (m.testCase) testCases.set(m.testCase.id, m.testCase.pickleId);
    if (m.testCaseStarted) {
      const r = {
        name: pickles.get(testCases.get(m.testCaseStarted.testCaseId) ?? '') ?? '?',
        status: 'PASSED',
        errors: [],
        attachments: [],
      };
      started.set(m.testCaseStarted.id, r);
      scenarios.push(r);
    }
    if (m.testStepFinished) {
      const r = started.get(m.testStepFinished.testCaseStartedId);
      const { status, message } = m.testStepFinished.testStepResult;
      if (r && RANK.indexOf(status) > RANK.indexOf(r.status)) r.status = status;
      if (r && message) r.errors.push(message);
    }
    if (m.attachment?.testCaseStartedId) started.get(m.attachment.testCaseStartedId)?.attachments.push(m.attachment.body);
  });
  const report = scenarios
    .map((s) => `${s.status.padEnd(9)} ${s.name}${s.errors.length ? `\n${s.errors.join('\n')}\n${s.attachments.join('\n')}` : ''}`)
    .join('\n');
  return { success, scenarios, report };
}
