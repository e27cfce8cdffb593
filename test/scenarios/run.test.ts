// `twins run` as users run it: real processes, the sample app and the do-nothing baseline, twins started here or already running, holdouts from a vault.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDotenv } from '../../src/scenarios/twins-env.ts';
import { holdoutFeatures } from '../fixtures/sample-slack-app/holdouts.ts';
import { killAll, twins, until } from '../support/cli.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const APP = 'node test/fixtures/sample-slack-app/app.mjs';
const NOTHING = 'node test/fixtures/do-nothing-app.mjs';
const PUBLIC = 'test/fixtures/sample-slack-app/features';
const TASK = 'sample-app';

let work: string;
let vault: string;
let identity: string;
let nonce: string;
let holdoutCount: number;
const env = () => ({ TWINS_VAULT_IDENTITY: identity });

/** Files under `dirs` holding `needle` (grep, so binary and hidden files count too). */
function filesContaining(needle: string, dirs: string[]): string[] {
  const found: string[] = [];
  for (const dir of dirs.filter((d) => existsSync(d))) {
    try {
      const out = execFileSync('grep', ['-rlF', '--exclude-dir=node_modules', '--exclude-dir=.git', '-e', needle, dir], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      found.push(...out.split('\n').filter(Boolean));
    } catch (err) {
      // grep exits 1 when nothing matched, 2 when some folder was unreadable (other users' temp files): both leave stdout.
      const out = (err as { stdout?: string }).stdout ?? '';
      found.push(...out.split('\n').filter(Boolean));
    }
  }
  return found;
}

const SCAN_DIRS = () => [ROOT, tmpdir(), '/dev/shm'];

function holdoutDirs(): string[] {
  return ['/dev/shm', tmpdir()].flatMap((d) =>
    existsSync(d)
      ? readdirSync(d)
          .filter((n) => n.startsWith('twins-holdouts-'))
          .map((n) => join(d, n))
      : [],
  );
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'twins-run-test-'));
  vault = join(work, 'vault');
  identity = join(work, 'keys', 'identity.txt');
  nonce = `nonce${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  const init = twins(['vault', 'init', '--vault', vault], { env: env() });
  expect(await init.exited).toBe(0);
  expect(statSync(identity).mode & 0o777).toBe(0o600);
  // The plaintext exists only as the author's source files, which `add` removes once sealed.
  const sources = holdoutFeatures(nonce).map((h) => {
    const p = join(work, h.name);
    writeFileSync(p, h.text);
    return p;
  });
  holdoutCount = holdoutFeatures(nonce).reduce((n, h) => n + (h.text.match(/^\s*Scenario:/gm)?.length ?? 0), 0);
  // Adding needs no identity: the same as an agent would.
  const add = twins(['scenarios', 'add', ...sources, '--holdout', '--task', TASK, '--vault', vault, '--remove-source'], {
    env: { TWINS_VAULT_IDENTITY: join(work, 'no-such-identity.txt'), HOME: work },
  });
  expect(await add.exited, add.err()).toBe(0);
  for (const s of sources) expect(existsSync(s)).toBe(false);
}, 60_000);

afterAll(() => {
  killAll();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('twins run with an app it starts (--app)', () => {
  it('passes the public features against the sample app, writing JUnit and Cucumber messages', async () => {
    const junit = join(work, 'out', 'junit.xml');
    const messages = join(work, 'out', 'messages.ndjson');
    const r = twins(['run', PUBLIC, '--app', APP, '--ready-path', '/health', '--junit', junit, '--messages', messages, '--parallel', '2'], {
      cwd: ROOT,
    });
    expect(await r.exited, r.out() + r.err()).toBe(0);
    expect(r.err()).toMatch(/app 2\/2 ready at http:\/\/127\.0\.0\.1:\d+/);
    expect(r.out()).toMatch(/\d+ scenarios \(\d+ passed\)/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuite [^>]*failures="0"/);
    expect(xml).toContain('<testcase');
    const envelopes = readFileSync(messages, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(envelopes.at(-1).testRunFinished.success).toBe(true);
    expect(envelopes.some((e) => e.pickle)).toBe(true);
  }, 60_000);

  it('fails against the do-nothing app, and says what each waiting step saw', async () => {
    const r = twins(['run', `${PUBLIC}/mentions.feature`, '--app', NOTHING, '--wait', '1'], { cwd: ROOT });
    expect(await r.exited).toBe(1);
    expect(r.out()).toMatch(/scenarios? \(\d+ failed/);
    expect(r.out()).toMatch(/waited 1 s for .* in vain/);
  }, 60_000);

  it('--tags picks scenarios by tag; without an app each scenario gets a workspace of its own', async () => {
    const file = join(work, 'tagged.feature');
    writeFileSync(
      file,
      [
        'Feature: tags',
        '  @smoke',
        '  Scenario: quiet channel',
        '    Given a Slack channel "#quiet"',
        '    Then for 1 second "#quiet" has no message matching /anything/',
        '  Scenario: never satisfied',
        '    Then within 1 second "#ops" has a message matching /never posted/',
        '',
      ].join('\n'),
    );
    const smoke = twins(['run', file, '--tags', '@smoke'], { cwd: ROOT });
    expect(await smoke.exited, smoke.out() + smoke.err()).toBe(0);
    expect(smoke.out()).toContain('1 scenario (1 passed)');
    const all = twins(['run', file, '--tags', 'not @smoke'], { cwd: ROOT });
    expect(await all.exited).toBe(1);
    expect(all.out()).toContain('1 scenario (1 failed)');
  }, 60_000);

  it('an undefined step fails the run before anything starts, naming the line and the nearest steps', async () => {
    const file = join(work, 'typo.feature');
    writeFileSync(file, 'Feature: typo\n  Scenario: a typo\n    When "alice" post "hello" in "#ops"\n');
    const r = twins(['run', file, '--app', 'node -e "process.exit(3)"'], { cwd: ROOT });
    expect(await r.exited).toBe(1);
    expect(r.err()).toContain(`${file}:3: undefined step: "alice" post "hello" in "#ops"`);
    expect(r.err()).toMatch(/nearest defined steps:\n\s+When "alice" posts "[^"]+" in "#ops"/);
    expect(r.err()).toContain('TWINS_SCENARIO_INVALID');
    expect(r.err()).not.toContain('app 1/1');
  });

  it('an app that exits before answering is a clear error with its output', async () => {
    const r = twins(['run', PUBLIC, '--app', 'echo "cannot find module x" >&2; exit 3'], { cwd: ROOT });
    expect(await r.exited).toBe(1);
    expect(r.err()).toMatch(/the app \(.*\) exited \(code 3\) before it answered/);
    expect(r.err()).toContain('cannot find module x');
    expect(r.err()).toContain('TWINS_APP_START_FAILED');
  });

  it('flags that cannot work together are refused with what to do', async () => {
    const a = twins(['run', PUBLIC, '--app-url', 'http://127.0.0.1:9'], { cwd: ROOT });
    expect(await a.exited).toBe(2);
    expect(a.err()).toMatch(/--app-url needs --twins-env.*TWINS_USAGE/s);
    const b = twins(['run', join(work, 'nowhere')], { cwd: ROOT });
    expect(await b.exited).toBe(2);
    expect(b.err()).toContain('TWINS_NO_FEATURES');
    const c = twins(['run', PUBLIC, '--twins-env', join(work, 'missing.env'), '--app-url', 'http://127.0.0.1:9'], { cwd: ROOT });
    expect(await c.exited).toBe(2);
    expect(c.err()).toContain('TWINS_TWINS_ENV');
  });
});

describe('twins run against running twins (--twins-env) and a running app (--app-url)', () => {
  let up: ReturnType<typeof twins>;
  let app: ChildProcess | undefined;
  const envFile = () => join(work, 'twins.env');

  beforeAll(async () => {
    up = twins(['up', 'slack', '--port', '0', '--env-file', envFile(), '--no-rate-limits']);
    await until(() => existsSync(envFile()) && up.out().includes('slack'), 'twins up');
  });
  afterAll(async () => {
    app?.kill('SIGTERM');
    up.child.kill('SIGTERM');
    await up.exited;
  });

  it('runs the public features against an app started by hand with the env file', async () => {
    const vars = parseDotenv(readFileSync(envFile(), 'utf8'));
    const port = 20000 + Math.floor(Math.random() * 20000);
    app = spawn('node', ['test/fixtures/sample-slack-app/app.mjs'], {
      cwd: ROOT,
      env: { ...process.env, ...vars, PORT: String(port) },
      stdio: 'ignore',
    });
    await until(
      () =>
        fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.ok,
          () => false,
        ),
      'the app',
    );
    const r = twins(['run', `${PUBLIC}/incidents.feature`, '--twins-env', envFile(), '--app-url', `http://127.0.0.1:${port}`], {
      cwd: ROOT,
    });
    expect(await r.exited, r.out() + r.err()).toBe(0);
    expect(r.err()).toContain(`from ${envFile()}`);
    // The running twin served the scenarios: its journal has the app's calls.
    const control = `${vars.SLACK_API_URL.replace(/\/api\/$/, '')}/_twin`;
    const journal = (await (await fetch(`${control}/journal?operation=chat.postMessage`)).json()) as { entries: unknown[] };
    expect(journal.entries.length).toBeGreaterThan(0);
  }, 60_000);
});

describe('holdouts from the vault', () => {
  it('list shows holdouts as ids and counts only; verify passes', async () => {
    // No identity anywhere: what an agent sees.
    const list = twins(['scenarios', 'list', '--task', TASK, '--vault', vault, '--json'], {
      env: { TWINS_VAULT_IDENTITY: undefined, HOME: work },
    });
    expect(await list.exited, list.err()).toBe(0);
    expect(list.out()).not.toContain(nonce);
    expect(list.out()).toContain(TASK);
    const verify = twins(['vault', 'verify', '--vault', vault], { env: env() });
    expect(await verify.exited, verify.err()).toBe(0);
  });

  it('every holdout passes against the sample app and fails against the do-nothing app; nothing of them is left on disk', async () => {
    // Other test files may be running scenarios at the same time: only folders this test makes count.
    const before = new Set(holdoutDirs());
    const good = twins(['run', '--holdouts', '--task', TASK, '--vault', vault, '--app', APP, '--ready-path', '/health'], {
      cwd: ROOT,
      env: env(),
    });
    expect(await good.exited, good.out() + good.err()).toBe(0);
    expect(good.out()).toContain(`${holdoutCount} scenarios (${holdoutCount} passed)`);
    const bad = twins(['run', '--holdouts', '--task', TASK, '--vault', vault, '--app', NOTHING, '--wait', '1'], { cwd: ROOT, env: env() });
    expect(await bad.exited).toBe(1);
    expect(bad.out()).toContain(`${holdoutCount} scenarios (${holdoutCount} failed)`);
    // A positive control first, so an empty scan means something.
    const control = join(work, 'control.txt');
    writeFileSync(control, nonce);
    expect(filesContaining(nonce, [work])).toEqual([control]);
    rmSync(control);
    expect(filesContaining(nonce, SCAN_DIRS())).toEqual([]);
    expect(holdoutDirs().filter((d) => !before.has(d))).toEqual([]);
  }, 90_000);

  it('a SIGINT in the middle of a run removes the opened holdouts and stops the app', async () => {
    const before = new Set(holdoutDirs());
    const r = twins(['run', '--holdouts', '--task', TASK, '--vault', vault, '--app', NOTHING, '--wait', '10'], { cwd: ROOT, env: env() });
    await until(() => r.out().includes('.') || r.out().includes('F'), 'the first step', 30_000);
    const opened = holdoutDirs().filter((d) => !before.has(d));
    expect(opened).toHaveLength(1);
    expect(statSync(opened[0]).mode & 0o777).toBe(0o700);
    const appUrl = /app 1\/1 ready at (\S+)/.exec(r.err())?.[1];
    expect(appUrl).toBeTruthy();
    r.child.kill('SIGINT');
    expect(await r.exited).toBe(130);
    expect(existsSync(opened[0])).toBe(false);
    await expect(fetch(`${appUrl}/`)).rejects.toThrow();
    expect(filesContaining(nonce, SCAN_DIRS())).toEqual([]);
  }, 60_000);

  it('a wrong identity is a clear error and runs nothing', async () => {
    const other = join(work, 'other-keys', 'identity.txt');
    const init = twins(['vault', 'init', '--vault', join(work, 'other-vault')], { env: { TWINS_VAULT_IDENTITY: other } });
    expect(await init.exited).toBe(0);
    const r = twins(['run', '--holdouts', '--task', TASK, '--vault', vault, '--identity', other], { cwd: ROOT });
    expect(await r.exited).toBe(1);
    expect(r.err().trim().split('\n')).toHaveLength(1);
    expect(r.err()).toContain('TWINS_VAULT_WRONG_IDENTITY');
    expect(r.err() + r.out()).not.toContain(nonce);
  });
});
