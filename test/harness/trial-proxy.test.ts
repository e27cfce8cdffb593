// A trial behind the grader's proxy, against real twins: the agent practises on a tenant of its own that is gone when it ends, the app gets a fresh graded tenant, sandboxed commands get the proxy's ports and the workspace cap, control-plane calls are refused and flagged, hostile usage leaves the reports readable; and `twins grade` as a real process: sandboxed by default, the scan sees what the app sent in every scenario, the app is stopped before its folder is read.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandAgent } from '../../harness/agents/command.ts';
import { contaminationNeedles } from '../../harness/contamination.ts';
import { buildSummary, readRun, readRuns, writeRunReports, writeTrialFile } from '../../harness/report/index.ts';
import { runTwins } from '../../harness/run.ts';
import { probeBubblewrap } from '../../harness/sandbox/index.ts';
import { loadTask } from '../../harness/task.ts';
import { plainLauncher, runTrial, type TrialOptions } from '../../harness/trial.ts';
import type { Agent, Sandbox, SandboxProcess, SandboxRequest, SandboxResult, TaskSpec, TrialResult } from '../../harness/types.ts';
import { ControlClient } from '../../scenarios/support/control-client.ts';
import { addScenarios, initVault, type OpenedHoldout } from '../../src/vault/index.ts';
import { twins as cli, killAll } from '../support/cli.ts';
import { ROOT, SAMPLE } from './score-fixture.ts';

const FIRST = 'canary-1111111111111111';
const SECOND = 'canary-2222222222222222';
const HOLDOUT: OpenedHoldout = {
  id: '00000000000000ff',
  task: 'sample',
  file: '/nowhere/00000000000000ff.feature.age',
  text: [
    'Feature: the proxy sees every scenario',
    '',
    `  @${FIRST}`,
    '  Scenario: the app leaks in the first scenario',
    '    When "dave" posts "PING" in "#ops"',
    '    Then within 5 seconds "#ops" has a message matching /leak/',
    '',
    `  @${SECOND}`,
    '  Scenario: the second scenario resets the tenant and its journal',
    '    Given a Slack channel "#ops"',
    '    Then for 300 ms "#ops" has no message matching /leak/',
    '',
  ].join('\n'),
  scenarios: [
    { name: 'the app leaks in the first scenario', canary: `@${FIRST}` },
    { name: 'the second scenario resets the tenant and its journal', canary: `@${SECOND}` },
  ],
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

/** A sandbox that records what it is asked; its commands do `run` and its app never answers. */
function recordingSandbox(run: (req: SandboxRequest) => Promise<SandboxResult> = async () => ok()) {
  const runs: SandboxRequest[] = [];
  const starts: SandboxRequest[] = [];
  const silent: SandboxProcess = {
    pid: undefined,
    isolation: 'none',
    output: () => '',
    exited: new Promise(() => {}),
    stop: async () => ok({ exitCode: null, signal: 'SIGTERM' }),
  };
  const sandbox: Sandbox = {
    kind: 'none',
    describe: () => 'recording',
    run: (req) => {
      runs.push(req);
      return run(req);
    },
    start: (req) => {
      starts.push(req);
      return silent;
    },
  };
  return { sandbox, runs, starts };
}

function options(over: Partial<TrialOptions> & Pick<TrialOptions, 'agent'>): TrialOptions {
  return {
    runId: 'proxy',
    trial: 0,
    task,
    sandbox: recordingSandbox().sandbox,
    twins: twins.twins,
    holdouts: [HOLDOUT],
    needles: contaminationNeedles([HOLDOUT], []),
    workDir: work,
    agentGraceMs: 100,
    ...over,
  };
}

function control(): ControlClient {
  const slack = twins.twins.slack;
  if (!slack) throw new Error('no Slack twin');
  return new ControlClient(slack.control, undefined, slack.token);
}

async function tenantIds(): Promise<string[]> {
  const listed = await control().call<{ tenants: { id: string }[] }>('GET', 'tenants');
  return listed.tenants.map((t) => t.id);
}

async function authTest(url: string, token: string): Promise<{ ok: boolean; error?: string }> {
  const r = await fetch(`${url}auth.test`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return (await r.json()) as { ok: boolean; error?: string };
}

beforeAll(async () => {
  twins = await runTwins({});
  work = mkdtempSync(join(tmpdir(), 'twins-trial-proxy-'));
  const sample = loadTask(SAMPLE);
  task = { ...sample, limits: { ...sample.limits, agentSeconds: 5, appStartSeconds: 0.5 } };
});

afterAll(async () => {
  killAll();
  await twins?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a trial behind the grader’s proxy', () => {
  it('gives the agent a practice tenant through the proxy, deletes it when the agent ends, and the app a graded tenant it never saw', async () => {
    const before = await tenantIds();
    const seen: { env?: Record<string, string>; practice?: { ok: boolean }; refused?: number[] } = {};
    const agent: Agent = {
      spec: 'practising',
      name: 'practising',
      async generate(ctx) {
        seen.env = { ...ctx.env };
        seen.practice = await authTest(ctx.env.SLACK_API_URL, ctx.env.SLACK_BOT_TOKEN);
        // What a cheat tries with its own credentials: the control plane, behind two spellings.
        const origin = new URL(ctx.env.SLACK_API_URL).origin;
        seen.refused = [];
        for (const path of ['/_twin/tenants', '/api/%2e%2e/_twin/faults'])
          seen.refused.push((await fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${ctx.env.SLACK_BOT_TOKEN}` } })).status);
        return {
          exitCode: 0,
          timedOut: false,
          wallMs: 1,
          transcript: '',
          transcriptTruncated: false,
          isolation: 'none',
          // Hostile usage from a module agent's own outcome.
          tokens: { input: 1.5, output: 2 ** 70, total: Number.NaN },
          costUsd: 1e30,
        };
      },
    };
    const rec = recordingSandbox();
    const t = await runTrial(options({ agent, sandbox: rec.sandbox }));
    const slack = twins.twins.slack as { url: string };

    // The agent reached its own tenant through the proxy, never the twin directly.
    expect(seen.practice).toMatchObject({ ok: true });
    // A tenant other than the default is named in the URL (`/t/<tenantId>/`, issue 11).
    expect(seen.env?.SLACK_API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+(\/t\/[A-Za-z0-9._-]+)?\/api\/$/);
    expect(seen.env?.SLACK_API_URL).not.toContain(new URL(slack.url).host);
    expect(seen.refused).toEqual([403, 403]);
    // The practice tenant is gone once the agent ended: its token opens nothing.
    expect(await authTest(`${slack.url}/api/`, seen.env?.SLACK_BOT_TOKEN ?? '')).toMatchObject({ ok: false });

    // The app got another tenant, through the same proxy, on a network of the proxy's ports and its own PORT.
    const start = rec.starts[0];
    expect(start.env.SLACK_BOT_TOKEN).toBeTruthy();
    expect(start.env.SLACK_BOT_TOKEN).not.toBe(seen.env?.SLACK_BOT_TOKEN);
    expect(start.env.SLACK_SIGNING_SECRET).not.toBe(seen.env?.SLACK_SIGNING_SECRET);
    const proxyPort = Number(new URL(start.env.SLACK_API_URL).port);
    expect(new URL(seen.env?.SLACK_API_URL ?? '').port).toBe(String(proxyPort));
    expect(start.network).toEqual({ hostPorts: [proxyPort], listenPort: Number(start.env.PORT) });
    expect(start.workspaceBytes).toBe(task.limits.workspaceBytes);

    // Flagged with what was tried, and the usage clamped.
    expect(t.contamination.flagged).toBe(true);
    expect(t.contamination.hits).toEqual(
      expect.arrayContaining([
        { kind: 'tampering', needle: 'GET /_twin/tenants', where: 'requests', location: 'the agent' },
        { kind: 'tampering', needle: 'GET /_twin/faults', where: 'requests', location: 'the agent' },
      ]),
    );
    expect(t.requests).toMatchObject({ refused: 2 });
    expect(t.agentRun.tokens).toEqual({ input: 2, output: 100_000_000_000, total: 100_000_000_000 });
    expect(t.agentRun).toMatchObject({ costUsd: 1_000_000, costSelfReported: true });
    // Teardown leaves no tenant of this trial and no workspace.
    expect((await tenantIds()).sort()).toEqual(before.sort());
    expect(readdirSync(work)).toEqual([]);
  });

  it('makes a workspace over its cap the agent’s failure, and passes the cap to every command the agent runs', async () => {
    const rec = recordingSandbox(async () => ok({ exitCode: null, signal: 'SIGKILL', workspaceLimitHit: true }));
    const t = await runTrial(options({ agent: commandAgent('command:fill', 'dd if=/dev/zero of=big'), sandbox: rec.sandbox }));
    expect(rec.runs[0].workspaceBytes).toBe(task.limits.workspaceBytes);
    expect(rec.runs[0].network?.hostPorts).toHaveLength(1);
    expect(t.failure).toMatchObject({ kind: 'agent', stage: 'agent' });
    expect(t.failure?.reason).toContain('workspace grew past');
    expect(rec.starts).toHaveLength(0);
  });

  it('keeps a hostile usage file from breaking the trial file, the report or the leaderboard', async () => {
    const out = mkdtempSync(join(tmpdir(), 'twins-trial-proxy-out-'));
    try {
      // The agent's command leaves a usage file with non-integer, enormous and negative numbers.
      const rec = recordingSandbox(async (req) => {
        mkdirSync(join(req.workspace, '.twins'), { recursive: true });
        writeFileSync(join(req.workspace, '.twins', 'usage.json'), '{"tokens":{"input":12.7,"output":1e400,"total":-3},"costUsd":1e308}');
        return ok();
      });
      const t = await runTrial(options({ agent: commandAgent('command:hostile', 'true'), sandbox: rec.sandbox, runId: 'hostile-usage' }));
      expect(t.agentRun.tokens).toEqual({ input: 13, total: 13 });
      expect(t.agentRun).toMatchObject({ costUsd: 1_000_000, costSelfReported: true });
      writeTrialFile(out, t);
      const summary = buildSummary(
        {
          runId: t.runId,
          task: t.task,
          agent: t.agent,
          trialsRequested: 1,
          shards: [],
          isolation: t.isolation,
          startedAt: t.startedAt,
          finishedAt: t.finishedAt,
        },
        [t],
      );
      writeRunReports(out, summary);
      const warnings: string[] = [];
      expect(readRun(out, { onWarning: (w) => warnings.push(w) }).trials).toHaveLength(1);
      expect(warnings).toEqual([]);
      expect(readRuns([out]).summaries).toHaveLength(1);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

/** A holdout step the public features do not have, long enough to be a needle: what the leaky app carries into Slack. */
const LEAKED_STEP = '"dave" posts "PING for the proxy test, long enough" in "#ops"';
const LATE_STEP = 'for 300 ms "#ops" has no message matching /leak of the proxy test/';
const TWO_SCENARIOS = `Feature: the proxy sees every scenario

  Scenario: the app leaks in the first scenario
    When ${LEAKED_STEP}
    Then within 5 seconds "#ops" has a message matching /leak/

  Scenario: the second scenario resets the tenant and its journal
    Given a Slack channel "#ops"
    Then ${LATE_STEP}
`;

/**
 * An app that, pinged, posts the holdout step it was sent into Slack, tries to wipe its journal through the URL it was
 * given, and notes what it could see of the grader's secrets; on SIGTERM it writes the second scenario's step into a
 * file (found only if its folder is read after it stopped).
 */
function leakyApp(identity: string): string {
  return `import { createServer } from 'node:http';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
const API = process.env.SLACK_API_URL;
const seen = { identity: null, shm: null, home: process.env.HOME, env: Object.keys(process.env).sort() };
process.on('SIGTERM', () => { writeFileSync('late.txt', ${JSON.stringify(LATE_STEP)}); process.exit(0); });
createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => { raw += c; });
  req.on('end', async () => {
    let body = {};
    try { body = JSON.parse(raw); } catch {}
    res.setHeader('content-type', 'application/json');
    if (body.type === 'url_verification') return res.end(JSON.stringify({ challenge: body.challenge }));
    res.end('{}');
    const ev = body.event ?? {};
    if (ev.type !== 'message' || ev.bot_id || !(ev.text ?? '').startsWith('PING')) return;
    try { seen.identity = readFileSync(${JSON.stringify(identity)}, 'utf8').length; } catch (e) { seen.identity = e.code; }
    try { seen.shm = readdirSync('/dev/shm'); } catch (e) { seen.shm = e.code; }
    writeFileSync('seen.json', JSON.stringify(seen));
    await fetch(new URL(API).origin + '/_twin/journal', { method: 'DELETE', headers: { authorization: 'Bearer ' + process.env.SLACK_BOT_TOKEN } }).catch(() => {});
    await fetch(API + 'chat.postMessage', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + process.env.SLACK_BOT_TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: ev.channel, text: 'leak: When ' + ${JSON.stringify(LEAKED_STEP)} }),
    }).catch(() => {});
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;
}

describe('twins grade behind the grader’s proxy', () => {
  it('runs the app sandboxed by default with a cleared environment, scans what it sent in the first scenario (a later reset clears the twin’s journal), flags its control-plane call, and reads its folder only after it stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twins-grade-proxy-'));
    try {
      const vault = join(dir, 'vault');
      const identity = join(dir, 'keys', 'identity.txt');
      await initVault({ vaultDir: vault, identityPath: identity });
      writeFileSync(join(dir, 'two.feature'), TWO_SCENARIOS);
      await addScenarios({
        files: [join(dir, 'two.feature')],
        task: 'sample',
        holdout: true,
        vaultDir: vault,
        cwd: dir,
        removeSource: true,
      });
      const appDir = join(dir, 'app');
      mkdirSync(appDir);
      writeFileSync(join(appDir, 'app.mjs'), leakyApp(identity));
      const run = cli(
        [
          'grade',
          '--app',
          'exec node app.mjs',
          '--cwd',
          appDir,
          '--task',
          SAMPLE,
          '--vault',
          vault,
          '--identity',
          identity,
          '--wait',
          '3',
          '--json',
        ],
        { cwd: ROOT, env: { TWINS_VAULT_IDENTITY: identity, SECRET_OF_THE_USER: 'x' } },
      );
      const code = await run.exited;
      const t = JSON.parse(run.out()) as TrialResult;
      expect(t.failure, run.err()).toBeUndefined();
      expect(t.scenarios.map((s) => s.status)).toEqual(['passed', 'passed']);
      expect(code).toBe(1); // contaminated
      expect(t.contamination.hits).toEqual(
        expect.arrayContaining([
          { kind: 'step', needle: LEAKED_STEP, where: 'requests', location: 'chat.postMessage (the app)' },
          { kind: 'tampering', needle: 'DELETE /_twin/journal', where: 'requests', location: 'the app' },
          { kind: 'step', needle: LATE_STEP, where: 'workspace', location: 'late.txt' },
        ]),
      );
      // The report's journal is the proxy's record of the app's calls while the holdouts ran.
      expect(t.journal.some((j) => j.operation === 'chat.postMessage')).toBe(true);
      // Sandboxed by default, when bubblewrap works here; never the user's environment or HOME, never the identity or the opened holdouts.
      const seen = JSON.parse(readFileSync(join(appDir, 'seen.json'), 'utf8')) as {
        identity: unknown;
        shm: unknown;
        home: string;
        env: string[];
      };
      expect(seen.identity).not.toEqual(expect.any(Number));
      expect(JSON.stringify(seen.shm)).not.toContain('twins-holdouts');
      expect(seen.env).not.toContain('SECRET_OF_THE_USER');
      expect(seen.env).not.toContain('TWINS_VAULT_IDENTITY');
      expect(seen.home).not.toBe(process.env.HOME);
      if (probeBubblewrap().ok) expect(t.isolation).toBe('bubblewrap');
      else expect(run.err()).toContain('isolates nothing');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the plain launcher (twins grade --no-sandbox)', () => {
  it('gives the app only the allow-list, its variables and an empty HOME of its own, removed when it stops', async () => {
    process.env.TWINS_TEST_SECRET = 'do-not-pass';
    try {
      const app = plainLauncher(
        'echo "HOME=$HOME"; env | cut -d= -f1 | sort | tr "\\n" " "; echo; exec sleep 30',
        'cleared',
      )({
        dir: work,
        env: { SLACK_BOT_TOKEN: 'xoxb-1', PORT: '1' },
        wallMs: 10_000,
      });
      const end = Date.now() + 5000;
      while (!app.output().includes('PORT') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      const out = await app.stop();
      const home = /HOME=(\S+)/.exec(out)?.[1] ?? '';
      expect(home).not.toBe(process.env.HOME);
      expect(home).toContain('twins-app-home-');
      const names = out.split('\n')[1].trim().split(' ');
      expect(names).toEqual(expect.arrayContaining(['HOME', 'PATH', 'PORT', 'SLACK_BOT_TOKEN']));
      expect(names).not.toContain('TWINS_TEST_SECRET');
      expect(
        names.every((n) =>
          ['HOME', 'PATH', 'PORT', 'SLACK_BOT_TOKEN', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'TERM', 'PWD', 'SHLVL', '_', 'OLDPWD'].includes(n),
        ),
      ).toBe(true);
      expect(existsSync(home)).toBe(false);
    } finally {
      delete process.env.TWINS_TEST_SECRET;
    }
  });
});
