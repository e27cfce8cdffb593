// Issue 8's adversarial end-to-end tests: `twins score` on the sample task as real processes, a naive app with one cheat each against the same app without it; the cheat must not raise the score, stall the grader or spoil the reports, and is flagged where it shows.

import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCheatAttempts } from '../../harness/agents/index.ts';
import { MAX_COST_USD, MAX_TOKENS } from '../../harness/agents/usage.ts';
import { readTrialFile } from '../../harness/report/index.ts';
import { validateTrialResult } from '../../harness/report/schema.ts';
import type { TrialResult } from '../../harness/types.ts';
import { type CliRun, killAll, twins, until } from '../support/cli.ts';
import { ROOT, SAMPLE, type SealedSample, sealedSample } from './score-fixture.ts';

const CHEATS = join(ROOT, 'test/fixtures/cheats');
const AGENT = `module:${join(CHEATS, 'agent.mjs')}`;
/** How long any one `twins score` may take before the grader counts as stalled. */
const RUN_BOUND_MS = 150_000;
const TEST_MS = 200_000;

/** Holdouts the naive app passes honestly (the public path, sealed as holdouts too), beside the sample's three edges it fails. */
const HONEST_HOLDOUTS = [
  {
    name: 'integrity-main-path.feature',
    text: `Feature: The main path, held out

  Scenario: A plain ping gets its pong
    When "alice" posts "ping" in "#ops"
    Then the message matching "^ping$" in "#ops" has a reply matching /^pong$/

  Scenario: Echo answers whoever ran it
    When "bob" runs "/echo held out" in "#ops"
    Then "bob" sees an ephemeral message matching /^echo: held out$/ in "#ops"
`,
  },
];

/** The scenarios of HONEST_HOLDOUTS: the only ones the naive app passes without cheating. */
const HONEST_NAMES = ['A plain ping gets its pong', 'Echo answers whoever ran it'];

let s: SealedSample;
/** The sample task copied (a folder of the test's own, for the runs that name it by path). */
let task: string;
let shared: Twins;
let sabotageTwins: Twins;

interface Twins {
  envFile: string;
  origin: string;
  up: CliRun;
}

/** `twins up` of the Slack twin on a free port, locked, its variables in a private folder of the test's. */
async function upTwins(name: string): Promise<Twins> {
  const dir = join(s.work, `twins-${name}`);
  mkdirSync(dir, { mode: 0o700 });
  const envFile = join(dir, 'twins.env');
  const up = twins(['up', 'slack', '--port', '0', '--env-file', envFile, '--control-token', `ctl-${name}-${marker}`]);
  await until(() => existsSync(envFile) && readFileSync(envFile, 'utf8').includes('SLACK_API_URL'), `the ${name} twins`, 30_000);
  const api = /^SLACK_API_URL=(.*)$/m.exec(readFileSync(envFile, 'utf8'))?.[1] ?? '';
  return { envFile, origin: new URL(api).origin, up };
}
/** Written into the command line of the swapping app's processes, to find any that outlive the run. */
const marker = `m${Date.now().toString(36)}${process.pid}`;

interface Run {
  out: string;
  code: number | null;
  /** It did not finish within RUN_BOUND_MS and was killed: the grader stalled. */
  stalled: boolean;
  stdout: string;
  stderr: string;
  /** Trial files as written, parsed without trusting them, by trial index. */
  trials: Map<number, TrialResult>;
  /** Trial files that did not parse as JSON. */
  unreadable: string[];
}

/** `twins score` with the cheat agent and `plan` (CHEAT_PLAN), bounded by RUN_BOUND_MS; `done` never rejects for what the run did. */
function start(name: string, args: string[], plan?: unknown): { cli: CliRun; done: Promise<Run> } {
  const out = join(s.work, 'runs', name);
  const cli = twins(['score', '--out', out, '--wait', '3', ...s.flags, ...args], {
    cwd: s.work,
    env: plan === undefined ? {} : { CHEAT_PLAN: JSON.stringify(plan) },
  });
  const done = (async () => {
    let stalled = false;
    const timer = setTimeout(() => {
      stalled = true;
      cli.child.kill('SIGKILL');
    }, RUN_BOUND_MS);
    const code = await cli.exited;
    clearTimeout(timer);
    const trials = new Map<number, TrialResult>();
    const unreadable: string[] = [];
    const dir = join(out, 'trials');
    for (const f of existsSync(dir) ? readdirSync(dir) : []) {
      try {
        const t = JSON.parse(readFileSync(join(dir, f), 'utf8')) as TrialResult;
        trials.set(t.trial, t);
      } catch {
        unreadable.push(f);
      }
    }
    return { out, code, stalled, stdout: cli.out(), stderr: cli.err(), trials, unreadable };
  })();
  return { cli, done };
}

const score = (name: string, args: string[], plan?: unknown): Promise<Run> => start(name, args, plan).done;

/** Run once, however many tests ask. */
function once<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= f();
    return p;
  };
}

const passed = (t: TrialResult) => t.scenarios.filter((x) => x.status === 'passed').length;

/**
 * No higher than the same app without the cheat: every scenario the trial passed is one the naive app can pass
 * honestly (by name, so a slow machine that fails the baseline once does not make a cheat look like a gain), and
 * no more of them than the baseline passed.
 */
function noHigherThanNaive(t: TrialResult, baseline: TrialResult): void {
  const gained = t.scenarios.filter((x) => x.status === 'passed' && !HONEST_NAMES.some((n) => x.name.startsWith(n))).map((x) => x.name);
  expect(gained, 'scenarios only a cheat can pass').toEqual([]);
  expect(passed(t)).toBeLessThanOrEqual(Math.max(passed(baseline), HONEST_NAMES.length));
}

/** The `CHEAT <route> …` lines the agent and the app logged. */
function cheatLines(t: TrialResult, route: string): string[] {
  const text = `${t.transcript}\n${t.app.output}`;
  return [...text.matchAll(/^CHEAT (\S+) (.*)$/gm)].filter((m) => m[1] === route).map((m) => m[0]);
}

/** The route was tried (so the test is not vacuous) and never worked. */
function triedAndRefused(t: TrialResult, route: string): void {
  const lines = cheatLines(t, route);
  expect(lines, `the app or agent tried ${route}:\n${t.app.output.slice(-3000)}\n${t.transcript.slice(-2000)}`).not.toEqual([]);
  expect(lines.filter((l) => /-> ok/.test(l))).toEqual([]);
}

/** The trial is flagged, and among its hits is a tampering one: a refused call to `path` of the control plane. */
function flaggedFor(t: TrialResult, path: string): void {
  expect(t.contamination.flagged).toBe(true);
  const tampering = t.contamination.hits.filter((h) => h.kind === 'tampering').map((h) => h.needle);
  expect(
    tampering.some((n) => n.includes(path)),
    JSON.stringify(t.contamination.hits),
  ).toBe(true);
}

/** The grader lived: the run finished in time, wrote every trial, and each trial file passes its own schema. */
function graderAlive(run: Run, trials: number): void {
  expect(run.stalled, `twins score ran over ${RUN_BOUND_MS} ms:\n${run.stderr.slice(-3000)}`).toBe(false);
  expect(run.code, run.stderr.slice(-3000)).toBe(0);
  expect(run.unreadable).toEqual([]);
  expect(run.trials.size).toBe(trials);
  for (const f of readdirSync(join(run.out, 'trials'))) {
    const raw = JSON.parse(readFileSync(join(run.out, 'trials', f), 'utf8'));
    expect(validateTrialResult(raw), f).toEqual([]);
    expect(() => readTrialFile(join(run.out, 'trials', f))).not.toThrow();
  }
}

/** `twins report show`, `report merge` and `leaderboard` (with `beside` next to it) all read the run. */
async function reportsReadable(run: Run, beside: Run[] = []): Promise<void> {
  const merged = join(s.work, 'merged', `${readdirSync(join(s.work, 'runs')).length}-${Math.random().toString(36).slice(2)}`);
  for (const args of [
    ['report', 'show', run.out],
    ['report', 'merge', run.out, '--out', merged],
    ['leaderboard', run.out, ...beside.map((b) => b.out)],
  ]) {
    const r = twins(args, { cwd: s.work });
    const code = await r.exited;
    expect(code, `twins ${args.join(' ')}:\n${r.err()}`).toBe(0);
  }
}

// ---- the runs: each started once, all at once (beforeAll), and awaited by the tests that read them ----

/** The naive app alone (trial 0, the baseline) and with one cheat on its own tenant per trial, through the URL it was given and straight at the shared twins' port. */
const CASES = ['baseline', 'disarm-faults', 'regrant-scopes', 'erase-journal', 'act-as-person'] as const;
const ownTenantRun = once(() =>
  score('own-tenant', [...agentFlags(), '--twins-env', shared.envFile, '--trials', `${CASES.length}`, '--parallel', `${CASES.length}`], {
    twins: [shared.origin],
    byTrial: CASES.map((c) => ({ cheats: c === 'baseline' ? [] : [c] })),
  }),
);

/**
 * Another run on the same shared twins beside a victim (the reference): an agent and an app that compute other
 * tenants' credentials the old way, plant credentials through a snapshot restore, and break whatever they reach,
 * for as long as they live. The victim starts once the saboteur's agent is at work.
 */
const sabotageRuns = once(async () => {
  const saboteur = start('saboteur', [...agentFlags(), '--twins-env', sabotageTwins.envFile], {
    twins: [sabotageTwins.origin],
    cheats: ['sabotage', 'plant-credential'],
    agent: ['sabotage'],
    sabotageMs: 25_000,
    maxOrdinal: 30,
  });
  await until(() => /trial 0: agent/.test(saboteur.cli.err()) || saboteur.cli.child.exitCode !== null, 'the saboteur to start', 60_000);
  const flags = ['--agent', 'reference', '--task', task, '--twins-env', sabotageTwins.envFile, '--trials', '2', '--parallel', '2'];
  const victim = score('victim', flags);
  return { saboteur: await saboteur.done, victim: await victim };
});

/**
 * Two trials one after the other on twins the run starts itself: trial 0's app leaves what it saw of the grader
 * wherever a later trial might look (files outside its workspace, the default tenant, the decoys); trial 1's agent
 * looks, and builds the full app if it finds anything.
 */
const carryRun = once(() =>
  score('carry', [...agentFlags(), '--trials', '2', '--parallel', '1'], { cheats: ['carry-write'], agent: ['carry-read'], maxOrdinal: 6 }),
);

/** An app that keeps swapping its files for FIFOs and links (to /dev/zero, the environment, the identity) from a detached process of its own. */
const swapRun = once(() => score('swap', [...agentFlags(), '--twins-env', shared.envFile], { cheats: ['scan-swap'], marker }));

/** Usage reports no harness should believe: fractional, enormous, negative, strings, 8 MB, and a module's return value. No app: the trials end at start. */
const USAGE = ['numbers', 'strings', 'huge', 'returned'];
const usageRun = once(() =>
  score('usage', [...agentFlags(), '--trials', `${USAGE.length}`, '--parallel', `${USAGE.length}`], {
    noApp: true,
    byTrial: USAGE.map((usage) => ({ usage })),
  }),
);

/** An agent whose module folder holds the task folder the run was given with --tasks. */
const tasksRun = once(async () => {
  const dir = join(s.work, 'agent-with-tasks');
  mkdirSync(join(dir, 'tasks'), { recursive: true });
  for (const f of ['agent.mjs', 'cheats.mjs', 'cheat-app.mjs']) cpSync(join(CHEATS, f), join(dir, f));
  cpSync(task, join(dir, 'tasks', 'sample'), { recursive: true });
  const flags = [
    '--agent',
    `module:${join(dir, 'agent.mjs')}`,
    '--agent-env',
    'CHEAT_PLAN',
    '--tasks',
    join(dir, 'tasks'),
    '--task',
    'sample',
  ];
  return score('tasks', [...flags, '--twins-env', shared.envFile], { agent: ['copy-reference'] });
});

/** The built-in cheater on twins the run starts itself: every route above from the agent's side, and some from its app's. */
const cheaterRun = once(() => score('cheater', ['--agent', 'cheater', '--task', task]));

/** The cheat agent on the task copy, its plan passed through the one variable the run lets through. */
function agentFlags(): string[] {
  return ['--agent', AGENT, '--agent-env', 'CHEAT_PLAN', '--task', task];
}

async function ownTenant(cheat: (typeof CASES)[number]): Promise<{ run: Run; t: TrialResult; baseline: TrialResult }> {
  const run = await ownTenantRun();
  graderAlive(run, CASES.length);
  const t = run.trials.get(CASES.indexOf(cheat)) as TrialResult;
  // Which plan the trial ran, by what its app said when it started (the agent's transcript is checked in the baseline's test).
  expect(t.app.output, JSON.stringify(t.failure)).toContain(`cheats: ${cheat === 'baseline' ? 'none' : cheat})`);
  return { run, t, baseline: run.trials.get(0) as TrialResult };
}

beforeAll(async () => {
  s = await sealedSample(HONEST_HOLDOUTS);
  task = join(s.work, 'task');
  cpSync(SAMPLE, task, { recursive: true });
  // The apps need no packages: skipping npm (install and start) spares the two cores a dozen seconds.
  const yaml = readFileSync(join(task, 'task.yaml'), 'utf8')
    .replace(/agentSeconds: \d+/, 'agentSeconds: 40')
    .replace('start: npm start', "install: 'true'\n  start: node app.mjs");
  writeFileSync(join(task, 'task.yaml'), yaml);
  mkdirSync(join(s.work, 'runs'));
  // Twins shared by the runs that name them (--twins-env), locked with a control token no agent gets; the saboteur
  // and its victim get twins of their own, so that what it breaks is only ever the victim's.
  [shared, sabotageTwins] = await Promise.all([upTwins('shared'), upTwins('sabotage')]);
  // Every run at once: they mostly wait on apps and twins, and the tests that read them run a few at a time.
  for (const run of [ownTenantRun, sabotageRuns, carryRun, swapRun, usageRun, tasksRun, cheaterRun]) run().catch(() => undefined);
}, 60_000);

afterAll(() => {
  killAll();
  s?.cleanup();
});

describe.concurrent('issue 8: an app cannot touch what grades it', () => {
  it(
    'the naive baseline passes the main path and fails the three edges, honestly and unflagged',
    async () => {
      const { run, t } = await ownTenant('baseline');
      expect(t.app.started, t.failure?.reason).toBe(true);
      expect(
        t.scenarios
          .filter((x) => x.status === 'passed')
          .map((x) => x.name)
          .sort(),
      ).toEqual([...HONEST_NAMES].sort());
      expect(t.contamination).toEqual({ flagged: false, hits: [] });
      // Whatever the machine's load, the grader keeps what every agent printed (its transcript is scanned too).
      for (const [i, trial] of run.trials)
        expect(trial.transcript, `trial ${i}: ${JSON.stringify(trial.agentRun)}`).toContain(`CHEAT-PLAN trial ${i}:`);
      await reportsReadable(run);
    },
    TEST_MS,
  );

  it(
    'disarming the faults a scenario armed does not pass it, and is flagged',
    async () => {
      const { t, baseline } = await ownTenant('disarm-faults');
      noHigherThanNaive(t, baseline);
      triedAndRefused(t, 'disarm-faults');
      flaggedFor(t, '/_twin/faults');
    },
    TEST_MS,
  );

  it(
    'granting back the scopes a scenario took does not pass it, and is flagged',
    async () => {
      const { t, baseline } = await ownTenant('regrant-scopes');
      noHigherThanNaive(t, baseline);
      triedAndRefused(t, 'regrant-scopes');
      flaggedFor(t, '/_twin/slack/app');
    },
    TEST_MS,
  );

  it(
    'erasing the journal erases nothing the grader keeps: every scenario’s calls are in the trial, and it is flagged',
    async () => {
      const { t, baseline } = await ownTenant('erase-journal');
      noHigherThanNaive(t, baseline);
      triedAndRefused(t, 'erase-journal');
      flaggedFor(t, '/_twin/journal');
      // The app reacts to every top-level ping: three scenarios (main path, rate-limited, missing scope), not only the last.
      const reactions = t.journal.filter((j) => j.operation === 'reactions.add');
      expect(reactions.length, JSON.stringify(t.journal)).toBeGreaterThanOrEqual(3);
      expect(t.journal.some((j) => j.operation === 'chat.postMessage' && j.status === 200)).toBe(true);
    },
    TEST_MS,
  );

  it(
    'acting as a person (posting, archiving) through the control plane does not pass, and is flagged',
    async () => {
      const { t, baseline } = await ownTenant('act-as-person');
      noHigherThanNaive(t, baseline);
      triedAndRefused(t, 'act-as-person');
      flaggedFor(t, '/_twin/slack/act/');
    },
    TEST_MS,
  );

  it(
    'another run on shared twins cannot sabotage this one: the reference still scores 1.0, unflagged',
    async () => {
      const { victim } = await sabotageRuns();
      graderAlive(victim, 2);
      for (const t of victim.trials.values()) {
        expect(t.status, `${t.failure?.reason ?? ''} ${JSON.stringify(t.scenarios.filter((x) => x.status !== 'passed'))}`).toBe('passed');
        expect(t.contamination.flagged).toBe(false);
      }
    },
    TEST_MS,
  );

  it(
    'a computed or planted credential reaches no other tenant, scores no higher, and the attempt is flagged',
    async () => {
      const { saboteur } = await sabotageRuns();
      const { baseline } = await ownTenant('baseline');
      graderAlive(saboteur, 1);
      const t = saboteur.trials.get(0) as TrialResult;
      noHigherThanNaive(t, baseline);
      for (const route of ['reach-computed', 'plant-credential', 'planted-credential', 'sabotage-by-id']) triedAndRefused(t, route);
      for (const route of ['sabotage-faults', 'sabotage-scopes', 'sabotage-archive', 'sabotage-delete'])
        expect(cheatLines(t, route).filter((l) => /-> ok/.test(l))).toEqual([]);
      flaggedFor(t, '/_twin/');
      await reportsReadable(saboteur);
    },
    TEST_MS,
  );

  it(
    'nothing the grader did in one trial reaches the next trial’s agent',
    async () => {
      const run = await carryRun();
      graderAlive(run, 2);
      const [first, second] = [run.trials.get(0) as TrialResult, run.trials.get(1) as TrialResult];
      expect(cheatLines(first, 'carry-write'), first.app.output.slice(-3000)).not.toEqual([]);
      triedAndRefused(second, 'carry-read');
      expect(second.transcript).toContain('CHEAT carry-read loot -> refused: nothing carried over');
      noHigherThanNaive(second, first);
      await reportsReadable(run);
    },
    TEST_MS,
  );

  it(
    'swapping files for FIFOs and links during the scan stalls nothing, and leaves no process behind',
    async () => {
      const run = await swapRun();
      const { baseline } = await ownTenant('baseline');
      graderAlive(run, 1);
      const t = run.trials.get(0) as TrialResult;
      expect(t.app.output).toContain('CHEAT scan-swap workspace -> ok swapping');
      noHigherThanNaive(t, baseline);
      // The app was stopped, and everything it started with it, before its workspace was read.
      const left = readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`cheat-swapper-${marker}`);
          } catch {
            return false;
          }
        });
      expect(left, 'swapper processes still alive after the run').toEqual([]);
      await reportsReadable(run);
    },
    TEST_MS,
  );

  it(
    'a hostile usage report is validated and clamped: every trial file passes its schema, and every report still reads',
    async () => {
      const run = await usageRun();
      graderAlive(run, USAGE.length);
      for (const t of run.trials.values()) {
        for (const [k, v] of Object.entries(t.agentRun.tokens ?? {}))
          expect(Number.isSafeInteger(v) && v >= 0 && v <= MAX_TOKENS, `${k}=${v}`).toBe(true);
        if (t.agentRun.costUsd !== undefined) {
          expect(Number.isFinite(t.agentRun.costUsd)).toBe(true);
          expect(t.agentRun.costUsd).toBeGreaterThanOrEqual(0);
          expect(t.agentRun.costUsd).toBeLessThanOrEqual(MAX_COST_USD);
          // Nothing but the agent's word backs it.
          expect(t.agentRun.costSelfReported).toBe(true);
        }
      }
      // Readable alone and beside another run; and --resume keeps every trial instead of running it again.
      await reportsReadable(run, [await ownTenantRun()]);
      const again = twins(['score', '--out', run.out, '--resume', ...agentFlags(), '--trials', `${USAGE.length}`, ...s.flags], {
        cwd: s.work,
        env: { CHEAT_PLAN: '{"noApp":true}' },
      });
      expect(await again.exited, again.err()).toBe(0);
      expect(again.out()).toContain(`${USAGE.length} trial(s) kept from before`);
    },
    TEST_MS,
  );

  it(
    'one unreadable trial file never makes another run unreadable',
    async () => {
      const run = await usageRun();
      const broken = join(s.work, 'runs', 'broken');
      cpSync(run.out, broken, { recursive: true });
      writeFileSync(join(broken, 'trials', '0000.json'), '{"tokens": 1.5, "not": "a trial"');
      // The good run is on the board, and the bad file is named, not silently dropped.
      const board = twins(['leaderboard', '--json', broken, run.out], { cwd: s.work });
      expect(await board.exited, board.err()).toBe(0);
      const rows = (JSON.parse(board.out()) as { rows: { agent: string }[] }).rows;
      expect(rows.map((r) => r.agent)).toEqual([expect.stringContaining('agent.mjs')]);
      const text = twins(['leaderboard', broken, run.out], { cwd: s.work });
      expect(await text.exited, text.err()).toBe(0);
      expect(text.err()).toContain('0000.json');
    },
    TEST_MS,
  );

  it(
    'an agent cannot copy the reference of a task folder given with --tasks, even inside its own module folder',
    async () => {
      const run = await tasksRun();
      const { baseline } = await ownTenant('baseline');
      graderAlive(run, 1);
      const t = run.trials.get(0) as TrialResult;
      triedAndRefused(t, 'copy-reference');
      noHigherThanNaive(t, baseline);
    },
    TEST_MS,
  );

  it(
    'the built-in cheater tries every route, none works, nothing of the holdouts leaks, and it is flagged for tampering',
    async () => {
      const run = await cheaterRun();
      graderAlive(run, 1);
      const t = run.trials.get(0) as TrialResult;
      const attempts = parseCheatAttempts(t.transcript);
      const tried = new Set(attempts.map((a) => a.what));
      for (const what of [
        'twins-tamper',
        'snapshot-plant',
        'computed-credential',
        'mountinfo',
        'listeners',
        'tmpfs-cap',
        'carry',
        'fifo-plant',
      ])
        expect(tried, what).toContain(what);
      expect(attempts.filter((a) => a.succeeded)).toEqual([]);
      expect(t.transcript).not.toContain(s.nonce);
      expect(t.contamination.hits.filter((h) => h.kind === 'step')).toEqual([]);
      flaggedFor(t, '/_twin/');
      expect(t.agentRun.costUsd === undefined || t.agentRun.costSelfReported).toBe(true);
      await reportsReadable(run);
    },
    TEST_MS,
  );
});
