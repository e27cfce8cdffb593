// Reports from synthetic trials: summaries, JUnit, HTML escaping, the results folder (write, read, corrupt files), merging shards, the leaderboard and the CLI.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  buildLeaderboard,
  buildSummary,
  comparableSummary,
  junitXml,
  leaderboardHtml,
  leaderboardText,
  mergeRuns,
  mergeSummaries,
  readRun,
  reportHtml,
  scoresText,
  validateRunSummary,
  validateTrialResult,
  writeRunReports,
  writeTrialFile,
} from '../../harness/report/index.ts';
import { RESULT_SCHEMA_VERSION, type RunSummary, type TrialResult } from '../../harness/types.ts';
import { leaderboardCommand } from '../../src/cli/leaderboard.ts';
import { reportCommand } from '../../src/cli/report.ts';
import { PlatformError } from '../../src/errors.ts';
import { killAll, twins } from '../support/cli.ts';
import { meta, mixedTrials, RUN, trial } from './synthetic-trials.ts';

let root: string;
let counter = 0;
const fresh = (name = 'dir') => join(root, `${name}-${counter++}`);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'twins-report-test-'));
});
afterAll(() => {
  killAll();
  rmSync(root, { recursive: true, force: true });
});

/** Write a results folder as the trial runner does: each trial file, then the reports. */
function writeFolder(dir: string, summary: RunSummary): string {
  for (const t of summary.trials) writeTrialFile(dir, t);
  writeRunReports(dir, summary);
  return dir;
}

/** Throws a PlatformError with this code, and returns it for more checks. */
function platformError(fn: () => unknown, code: string): PlatformError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as PlatformError).code).toBe(code);
    return err as PlatformError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

/**
 * A minimal XML 1.0 well-formedness check (no XML parser is a dependency here; the browser test parses
 * the same file with Chromium's DOMParser): one root, balanced and properly nested tags, quoted
 * attributes without a raw '<', only the five predefined entities or character references, and no
 * character XML forbids.
 */
function assertWellFormedXml(xml: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for characters XML forbids.
  expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  for (const m of body.matchAll(/&([^;\s]*);?/g))
    expect(/^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);$/.test(m[0]), `bad entity ${m[0]}`).toBe(true);
  const stack: string[] = [];
  let roots = 0;
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>|<|>/g;
  for (const m of body.matchAll(tag)) {
    if (m[0] === '<') throw new Error(`stray '<' at ${m.index}: ${body.slice(m.index, (m.index ?? 0) + 40)}`);
    if (m[0] === '>') throw new Error(`stray '>' at ${m.index}: ${body.slice((m.index ?? 0) - 40, (m.index ?? 0) + 1)}`);
    const [, close, name, , self] = m;
    if (close) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (!self) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

describe('buildSummary', () => {
  it('sorts trials by index, scores them and keeps the run identity', () => {
    const trials = mixedTrials();
    const s = buildSummary(meta({ shards: ['2/2', '1/2', '1/2'] }), [trials[3], trials[1], trials[0], trials[2]]);
    expect(s.trials.map((t) => t.trial)).toEqual([0, 1, 2, 3]);
    expect(s).toMatchObject({ schemaVersion: RESULT_SCHEMA_VERSION, ...RUN, trialsRequested: 4, shards: ['1/2', '2/2'] });
    // Scored: trials 0, 1, 2 (agent failure, counted as failed) and 3 (contaminated, still scored) → 4 × 3.
    expect(s.scores.scenarioTrials).toBe(12);
    expect(s.scores.passedScenarioTrials).toBe(3 + 2 + 0 + 2);
    expect(s.scores.trials).toEqual({ total: 4, graded: 4, agentFailures: 1, infrastructureFailures: 0, contaminated: 1 });
    expect(validateRunSummary(JSON.parse(JSON.stringify(s)))).toEqual([]);
  });

  it('refuses a trial of another run', () => {
    const e = platformError(() => buildSummary(meta(), [trial(0, [], { agent: 'noop' })]), 'TWINS_RESULTS_MISMATCH');
    expect(e.message).toContain('agent "noop"');
  });
});

describe('JUnit XML', () => {
  const summary = buildSummary(meta(), mixedTrials());
  const xml = junitXml(summary);

  it('is well-formed, with a testsuite per trial and a testcase per scenario', () => {
    assertWellFormedXml(xml);
    expect(xml.match(/<testsuite /g)).toHaveLength(4);
    // 4 trials × 3 scenarios, plus the contamination case of trial 3.
    expect(xml.match(/<testcase /g)).toHaveLength(13);
    expect(xml).toMatch(/<testsuites name="twins score incident-bot reference" tests="13" failures="3" errors="3"/);
  });

  it('gives a failing scenario its error, an agent failure errors, and a contaminated trial a failing case', () => {
    const suite1 = xml.slice(xml.indexOf('<testsuite name="trial 1"'), xml.indexOf('<testsuite name="trial 2"'));
    expect(suite1).toContain('<failure message="Then &quot;#inc-1&quot; has member &quot;alice&quot;" type="failed">');
    expect(suite1).toContain('expected alice among [bot] within 5 s &lt;b&gt;bold&lt;/b&gt; &amp; more</failure>');
    const suite2 = xml.slice(xml.indexOf('<testsuite name="trial 2"'), xml.indexOf('<testsuite name="trial 3"'));
    expect(suite2.match(/<error message="agent failure at stage agent: the agent timed out after 600 s" type="agent">/g)).toHaveLength(3);
    expect(suite2).toContain('<property name="agentTimedOut" value="true"/>');
    const suite3 = xml.slice(xml.indexOf('<testsuite name="trial 3"'));
    expect(suite3).toContain('type="contamination"');
    expect(suite3).toContain('canary canary-c in workspace (src/&lt;evil&gt;.js)');
  });

  it('makes the scenarios of an infrastructure failure, or of an agent failure that reported none, errors', () => {
    const out = junitXml(
      buildSummary(meta(), [
        trial(0, [
          ['canary-a', 'passed'],
          ['canary-b', 'passed'],
        ]),
        trial(1, [['canary-a', 'unknown', 'not graded']], {
          status: 'error',
          failure: { kind: 'infrastructure', stage: 'setup', reason: 'tenant not created' },
        }),
        trial(2, [], { failure: { kind: 'agent', stage: 'start', reason: 'the app did not answer' } }),
      ]),
    );
    assertWellFormedXml(out);
    const suite = (i: number) =>
      out.slice(out.indexOf(`<testsuite name="trial ${i}"`), out.indexOf('</testsuite>', out.indexOf(`"trial ${i}"`)));
    expect(suite(0)).not.toMatch(/<failure|<error/);
    expect(
      suite(1).match(/<error message="infrastructure failure at stage setup: tenant not created" type="infrastructure">/g),
    ).toHaveLength(2);
    expect(suite(1)).toContain('this trial is not scored');
    expect(suite(2).match(/<error message="agent failure at stage start: the app did not answer" type="agent">/g)).toHaveLength(2);
  });

  it('escapes hostile names and strips characters XML forbids', () => {
    const hostile = trial(0, [['canary-x', 'failed', 'a\u0000b\u001b[31m "quoted" <tag> & ]]> \'apos\'\nsecond line']], {
      scenarios: [{ id: 'canary-x', name: '"><script>alert(1)</script>', status: 'failed', durationMs: 1, error: 'x\u0001y & <z>' }],
    });
    const out = junitXml(buildSummary(meta(), [hostile]));
    assertWellFormedXml(out);
    expect(out).not.toContain('<script>');
    expect(out).toContain('name="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(out).toContain('x\uFFFDy &amp; &lt;z&gt;');
  });

  it('keeps multi-line messages in attributes as character references', () => {
    const t = trial(0, [['canary-x', 'failed', 'first\nsecond']]);
    const out = junitXml(buildSummary(meta(), [t]));
    expect(out).toContain('message="first"');
    expect(out).toContain('>first\nsecond</failure>');
  });
});

describe('HTML report', () => {
  const summary = buildSummary(meta(), mixedTrials());
  const page = reportHtml(summary);

  it('is self-contained: no scripts, no external assets', () => {
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).not.toMatch(/<script\b/i);
    expect(page).not.toMatch(/<link\b|\bsrc=|href="(?!#)/i);
    expect(page).toContain('<style>');
  });

  it('renders a hostile transcript as text', () => {
    expect(page).toContain('&lt;script&gt;window.__pwned = true; alert(1)&lt;/script&gt; &amp; done ]]&gt;');
    expect(page).toContain('src/&lt;evil&gt;.js');
    expect(page).toContain('&lt;b&gt;bold&lt;/b&gt;');
    const evil = trial(0, [['canary-a', 'failed', '</pre></details><img src=x onerror=alert(1)>']], {
      scenarios: [{ id: '" onmouseover="alert(1)', name: '<img src=x>', status: 'failed', durationMs: 1 }],
      journal: [{ twin: 'slack', operation: '<op>', status: 200, time: '<t>', args: { text: '</code><script>x</script>' } }],
      app: { installed: true, started: true, output: '<iframe src="https://evil.test">' },
    });
    const out = reportHtml(buildSummary(meta({ agent: RUN.agent }), [evil]));
    expect(out).not.toMatch(/<script|<img|<iframe|onmouseover="/i);
    expect(out).toContain('&lt;img src=x&gt;');
    expect(out).toContain('&quot; onmouseover=&quot;alert(1)');
  });

  it('shows the scores, the matrix, contamination, isolation and each trial', () => {
    expect(page).toContain('<div class="figure">58.3 %</div>');
    expect(page).toMatch(/95 % interval \d+\.\d–\d+\.\d %/);
    expect(page).toContain('CONTAMINATED: 1 of 4 trials saw holdout content');
    expect(page).toMatch(/<td class="cell fail" data-scenario="canary-b" data-trial="1" data-status="failed"/);
    expect(page).toMatch(/<td class="cell error" data-scenario="canary-a" data-trial="2" data-status="error"/);
    expect(page).toContain('id="pass-k"');
    for (const i of [0, 1, 2, 3]) expect(page).toContain(`id="trial-${i}"`);
    expect(page).toContain('Agent failure at stage &quot;agent&quot;: the agent timed out after 600 s');
    expect(page).toContain('chat.postMessage');
    expect(page).not.toContain('id="isolation-warning"');
    expect(page).not.toContain('id="incomplete"');
  });

  it('warns loudly without isolation and says when trials are missing', () => {
    const bare = reportHtml(
      buildSummary(meta({ isolation: 'none', trialsRequested: 6 }), [trial(0, [['canary-a', 'passed']], { isolation: 'none' })]),
    );
    expect(bare).toContain('id="isolation-warning"');
    expect(bare).toContain('NO ISOLATION');
    expect(bare).toMatch(/Incomplete:<\/strong> 1 of the 6 trials requested are here; missing: 1, 2, 3, 4, 5/);
  });
});

describe('the results folder', () => {
  it('writes trials and reports atomically and reads them back as the same summary', () => {
    const dir = fresh('run');
    const summary = buildSummary(meta(), mixedTrials());
    writeFolder(dir, summary);
    expect(JSON.parse(readFileSync(join(dir, 'trials', '0003.json'), 'utf8'))).toEqual(summary.trials[3]);
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toBe(junitXml(summary));
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe(reportHtml(summary));
    expect(readRun(dir)).toEqual(summary);
  });

  it('takes the trials as the source when run.json is stale, and works without run.json', () => {
    const dir = fresh('stale');
    const trials = mixedTrials();
    // run.json written after trial 1; trials 2 and 3 finished, then the process died.
    writeFolder(dir, buildSummary(meta(), trials.slice(0, 2)));
    writeTrialFile(dir, trials[2]);
    writeTrialFile(dir, trials[3]);
    const read = readRun(dir);
    expect(read.trials.map((t) => t.trial)).toEqual([0, 1, 2, 3]);
    expect(read.scores).toEqual(buildSummary(meta(), trials).scores);
    expect(read.finishedAt).toBe(meta().finishedAt);

    rmSync(join(dir, 'run.json'));
    // A crash can leave a temp file behind; it is not a trial.
    writeFileSync(join(dir, 'trials', '.0004.json.tmp-1a2b3c'), '{"half": ');
    const warnings: string[] = [];
    const derived = readRun(dir, { onWarning: (w) => warnings.push(w) });
    expect(derived).toMatchObject({ ...RUN, trialsRequested: 4, shards: [], isolation: 'bubblewrap' });
    expect(derived.startedAt).toBe(trials[0].startedAt);
    expect(derived.finishedAt).toBe(trials[3].finishedAt);
    expect(derived.scores).toEqual(read.scores);
    expect(warnings.join('\n')).toContain('no usable run.json');
  });

  it('reads run.json alone when there is no trials/ folder', () => {
    const dir = fresh('only-run');
    const summary = buildSummary(meta(), mixedTrials());
    writeRunReports(dir, summary);
    expect(readRun(dir)).toEqual(summary);
  });

  it('leaves out a corrupt, invalid, too new or misnamed trial file with a warning naming it, and reads the others', () => {
    const dir = fresh('corrupt');
    writeFolder(dir, buildSummary(meta(), mixedTrials()));
    const file = join(dir, 'trials', '0002.json');
    const read = () => {
      const warnings: string[] = [];
      const summary = readRun(dir, { onWarning: (w) => warnings.push(w) });
      return { summary, warning: warnings.find((w) => w.includes(file)) ?? '' };
    };
    writeFileSync(file, '{"schemaVersion": 1, "runId": ');
    let r = read();
    expect(r.summary.trials.map((t) => t.trial)).toEqual([0, 1, 3]);
    expect(r.warning).toContain('is not valid JSON');
    expect(r.warning).toContain('--resume');

    const t = mixedTrials()[2] as Partial<TrialResult>;
    delete t.scenarios;
    writeFileSync(file, JSON.stringify({ ...t, status: 'exploded' }));
    r = read();
    expect(r.summary.trials).toHaveLength(3);
    expect(r.warning).toContain("must have required property 'scenarios'");
    expect(r.warning).toContain('/status must be equal to one of the allowed values');

    // A hostile usage file's numbers, had they been written unchecked.
    writeFileSync(
      file,
      JSON.stringify({ ...mixedTrials()[2], agentRun: { exitCode: 0, timedOut: false, wallMs: 1, tokens: { input: 1.5, total: 1e300 } } }),
    );
    r = read();
    expect(r.summary.trials).toHaveLength(3);
    expect(r.warning).toContain('/agentRun/tokens');

    writeFileSync(file, JSON.stringify({ ...mixedTrials()[2], schemaVersion: RESULT_SCHEMA_VERSION + 1 }));
    expect(read().warning).toContain(`schema version ${RESULT_SCHEMA_VERSION + 1}`);

    writeFileSync(file, JSON.stringify(mixedTrials()[1]));
    expect(read().warning).toContain('holds trial 1; its name says trial 2');

    // Files of another run in one folder are still refused: that is not one unreadable file but a mixed-up folder.
    writeFileSync(file, JSON.stringify({ ...mixedTrials()[2], runId: 'other-run' }));
    const e = platformError(() => readRun(dir), 'TWINS_RESULTS_INVALID');
    expect(e.message).toMatch(/0002\.json is from runId "other-run"/);
  });

  it('says why when no trial file of a folder can be read and there is no run.json', () => {
    const dir = fresh('all-bad');
    mkdirSync(join(dir, 'trials'), { recursive: true });
    writeFileSync(join(dir, 'trials', '0000.json'), '{');
    const e = platformError(() => readRun(dir), 'TWINS_RESULTS_INVALID');
    expect(e.message).toContain('0000.json is not valid JSON');
  });

  it('refuses a run.json of another run, and tolerates an unreadable one', () => {
    const dir = fresh('other');
    writeFolder(dir, buildSummary(meta(), mixedTrials()));
    const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...run, runId: 'someone-else' }));
    const e = platformError(() => readRun(dir), 'TWINS_RESULTS_INVALID');
    expect(e.message).toContain('run.json is from runId "someone-else", but the trials in');
    expect(e.hint).toContain('delete the stale run.json');
    writeFileSync(join(dir, 'run.json'), 'not json');
    const warnings: string[] = [];
    expect(readRun(dir, { onWarning: (w) => warnings.push(w) }).trials).toHaveLength(4);
    expect(warnings[0]).toContain('run.json is not valid JSON');
  });

  it('says plainly when a folder holds no results', () => {
    platformError(() => readRun(fresh('missing')), 'TWINS_RESULTS_NOT_FOUND');
    const empty = fresh('empty');
    mkdirSync(join(empty, 'trials'), { recursive: true });
    platformError(() => readRun(empty), 'TWINS_RESULTS_NOT_FOUND');
  });

  it('validates trial files against the schema, accepting fields a newer writer added', () => {
    expect(validateTrialResult(mixedTrials()[3])).toEqual([]);
    expect(validateTrialResult({ ...mixedTrials()[0], addedLater: { x: 1 } })).toEqual([]);
    expect(validateTrialResult({ ...mixedTrials()[0], isolation: 'docker' })[0]).toContain('/isolation');
  });
});

describe('merging shards', () => {
  // Six trials of one run; the unsharded run wrote them all, shard 1/2 has 0, 2, 4 and 2/2 has 1, 3, 5,
  // each with its own timings (a different machine), as `--shard i/2` gives.
  const base = [...mixedTrials(), trial(4, [['canary-a', 'passed']]), trial(5, [['canary-c', 'skipped']])];
  const retimed = (t: TrialResult, shift: number): TrialResult => ({
    ...t,
    startedAt: new Date(Date.parse(t.startedAt) + shift).toISOString(),
    finishedAt: new Date(Date.parse(t.finishedAt) + shift * 2).toISOString(),
    timings: { ...t.timings, agentMs: t.timings.agentMs + shift, overheadMs: 7 },
    agentRun: { ...t.agentRun, wallMs: t.agentRun.wallMs + shift },
    app: { ...t.app, readyMs: 1 },
    scenarios: t.scenarios.map((s) => ({ ...s, durationMs: s.durationMs * 3 })),
    journal: t.journal.map((j) => ({ ...j, time: '2025-02-02T00:00:00.000Z' })),
  });
  const whole = buildSummary(meta({ trialsRequested: 6 }), base);
  const shard1 = buildSummary(
    meta({ trialsRequested: 6, shards: ['1/2'], startedAt: '2025-01-01T13:00:00.000Z', finishedAt: '2025-01-01T13:05:00.000Z' }),
    base.filter((t) => t.trial % 2 === 0).map((t) => retimed(t, 11)),
  );
  const shard2 = buildSummary(
    meta({ trialsRequested: 6, shards: ['2/2'], startedAt: '2025-01-01T12:59:00.000Z', finishedAt: '2025-01-01T13:07:00.000Z' }),
    base.filter((t) => t.trial % 2 === 1).map((t) => retimed(t, 29)),
  );

  it('gives the unsharded run, up to timestamps, shards and durations', () => {
    const dirs = [writeFolder(fresh('shard'), shard2), writeFolder(fresh('shard'), shard1)];
    const merged = mergeRuns(dirs);
    expect(merged.shards).toEqual(['1/2', '2/2']);
    expect(merged.startedAt).toBe('2025-01-01T12:59:00.000Z');
    expect(merged.finishedAt).toBe('2025-01-01T13:07:00.000Z');
    expect(merged.trials.map((t) => t.trial)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(comparableSummary(merged)).toEqual(comparableSummary(whole));
    expect(merged.scores.satisfaction).toBe(whole.scores.satisfaction);
    expect(merged.scores.passAtK).toEqual(whole.scores.passAtK);
    expect(merged.scores.passHatK).toEqual(whole.scores.passHatK);
    // And the comparison is not vacuous: one scenario's status changed is a difference.
    const changed = structuredClone(whole);
    changed.trials[4].scenarios[0].status = 'failed';
    expect(comparableSummary(changed)).not.toEqual(comparableSummary(whole));
    expect(comparableSummary(merged, 'outcomes')).toEqual(comparableSummary(whole, 'outcomes'));
  });

  it('keeps one copy of a trial present twice when identical', () => {
    const again = buildSummary(meta({ trialsRequested: 6, shards: ['1/2'] }), [shard1.trials[0]]);
    const merged = mergeSummaries([shard1, again, shard2]);
    expect(merged.trials).toHaveLength(6);
    expect(comparableSummary(merged)).toEqual(comparableSummary(whole));
  });

  it('refuses another run, task, agent or trial count, naming the folders', () => {
    const a = writeFolder(fresh('a'), shard1);
    for (const [field, value] of [
      ['runId', 'run-other'],
      ['task', 'standup-bot'],
      ['agent', 'noop'],
      ['trialsRequested', 8],
    ] as const) {
      const other = { ...meta({ trialsRequested: 6 }), [field]: value };
      const b = writeFolder(
        fresh('b'),
        buildSummary(
          other,
          shard2.trials.map((t) => ({ ...t, runId: other.runId, task: other.task, agent: other.agent })),
        ),
      );
      const e = platformError(() => mergeRuns([a, b]), 'TWINS_RESULTS_MISMATCH');
      expect(e.message).toContain(b);
      expect(e.message).toContain(a);
      expect(e.message).toContain(`${field} is "${value}"`);
    }
  });

  it('refuses one trial recorded twice with different contents, naming both', () => {
    const a = writeFolder(fresh('dup'), shard1);
    const b = writeFolder(
      fresh('dup'),
      buildSummary(meta({ trialsRequested: 6, shards: ['2/2'] }), [{ ...shard1.trials[1], transcript: 'another' }]),
    );
    const e = platformError(() => mergeRuns([a, b]), 'TWINS_RESULTS_MISMATCH');
    expect(e.message).toContain('trial 2 is recorded twice with different contents');
    expect(e.message).toContain(a);
    expect(e.message).toContain(b);
  });

  it('takes the weakest isolation', () => {
    const bare = buildSummary(meta({ trialsRequested: 6, isolation: 'none', shards: ['2/2'] }), shard2.trials);
    expect(mergeSummaries([shard1, bare]).isolation).toBe('none');
    expect(mergeSummaries([shard1, shard2]).isolation).toBe('bubblewrap');
  });
});

describe('text', () => {
  it('shows the scores, failures and contamination', () => {
    const text = scoresText(buildSummary(meta({ trialsRequested: 5 }), mixedTrials()));
    expect(text).toContain('Run run-abc: task incident-bot, agent reference, isolation bubblewrap');
    expect(text).toContain(
      'Trials: 4 of 5 requested (missing 4); 4 scored, 1 agent failure, 0 infrastructure failures (not scored), 1 contaminated',
    );
    expect(text).toMatch(/Satisfaction: 58\.3 % \(95 % interval \d+\.\d–\d+\.\d %\): 7 of 12 scenario-trials passed/);
    expect(text).toContain('pass@k: k=1 58.3 %');
    expect(text).toContain('✗ 2/4  The reporter is invited  (canary-b)');
    expect(text).toContain('Trial 2: agent failure at stage agent: the agent timed out after 600 s');
    expect(text).toContain('CONTAMINATED: 1 of 4 trials');
    expect(text).toContain('canary canary-c in the workspace (src/<evil>.js)');
  });
});

describe('leaderboard', () => {
  const run = (runId: string, agent: string, task: string, outcomes: boolean[], over: Partial<TrialResult> = {}) =>
    buildSummary(
      { ...meta({ trialsRequested: outcomes.length }), runId, agent, task },
      outcomes.map((p, i) => trial(i, [['canary-a', p ? 'passed' : 'failed']], { runId, agent, task, ...over })),
    );

  it('puts agents side by side on tasks, pools runs of one agent and task, and compares at a common k', () => {
    const board = buildLeaderboard([
      run('r1', 'reference', 'incident-bot', [true, true, true]),
      run('r2', 'noop', 'incident-bot', [false, false]),
      run('r3', 'reference', 'standup-bot', [true, false]),
      run('r4', 'reference', 'standup-bot', [true, true]),
      run('r5', 'cheater', 'incident-bot', [true, true, true, true], {
        contamination: { flagged: true, hits: [{ kind: 'canary', needle: 'canary-a', where: 'workspace' }] },
      }),
    ]);
    expect(board.tasks).toEqual([
      { task: 'incident-bot', k: 2 },
      { task: 'standup-bot', k: 4 },
    ]);
    expect(board.rows.map((r) => r.agent)).toEqual(['cheater', 'reference', 'noop']);
    const ref = board.rows[1];
    expect(ref.cells['standup-bot']).toMatchObject({ runIds: ['r3', 'r4'], trials: 4, graded: 4, satisfaction: 0.75, passHatK: 0 });
    expect(ref.cells['incident-bot']).toMatchObject({ satisfaction: 1, passHatK: 1 });
    expect(ref.meanSatisfaction).toBeCloseTo(0.875, 12);
    expect(board.rows[2].cells['standup-bot']).toBeUndefined();
    const text = leaderboardText(board);
    expect(text).toMatch(/^agent\s+incident-bot \(k=2\)\s+standup-bot \(k=4\)\s+mean\s+twin fidelity$/m);
    // These synthetic trials recorded no fidelity (as files written before it existed): the column says so.
    expect(text).toMatch(/^noop\s+0\.0 % \[0\.0–\d+\.\d\] pass\^2 0\.0 % n=2\s+—\s+0\.0 % \(1 of 2 tasks\)\s+not measured$/m);
    expect(text).toContain('⚠ 4 contaminated');
    const page = leaderboardHtml(board);
    expect(page).toContain('<td data-agent="reference" data-task="standup-bot"><div class="sat">75.0 %</div>');
    expect(page).toContain('4 CONTAMINATED');
    expect(page).not.toMatch(/<script/i);
  });

  it('merges shards of one run with the same refusals as report merge', () => {
    const a = run('r1', 'reference', 'incident-bot', [true, false]);
    const shard = (s: RunSummary, keep: number, shards: string[]) =>
      buildSummary(
        { ...s, shards },
        s.trials.filter((t) => t.trial === keep),
      );
    const board = buildLeaderboard([shard(a, 0, ['1/2']), shard(a, 1, ['2/2'])]);
    expect(board.rows[0].cells['incident-bot']).toMatchObject({ trials: 2, satisfaction: 0.5 });
    const clash = buildSummary({ ...a, shards: ['2/2'] }, [{ ...a.trials[0], transcript: 'different' }]);
    platformError(() => buildLeaderboard([a, clash], ['x', 'y']), 'TWINS_RESULTS_MISMATCH');
  });

  it('escapes agent and task names in HTML', () => {
    const page = leaderboardHtml(buildLeaderboard([run('r1', '<img src=x onerror=alert(1)>', 'task"<b>', [true])]));
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('CLI', () => {
  let stdout: string;
  let stderr: string;
  const capture = () => {
    stdout = '';
    stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
  };
  afterEach(() => vi.restoreAllMocks());

  const summary = buildSummary(meta({ trialsRequested: 4 }), mixedTrials());
  const half = (keep: (t: TrialResult) => boolean, shard: string) =>
    buildSummary(meta({ trialsRequested: 4, shards: [shard] }), summary.trials.filter(keep));

  it('report show prints the scores, or the summary as JSON', async () => {
    const dir = writeFolder(fresh('cli'), summary);
    capture();
    expect(await reportCommand(['show', dir])).toBe(0);
    expect(stdout).toContain('Satisfaction: 58.3 %');
    expect(stderr).toBe('');
    // Without run.json the command still reads the trials, and says what it could not know.
    rmSync(join(dir, 'run.json'));
    capture();
    expect(await reportCommand(['show', dir])).toBe(0);
    expect(stderr).toContain('twins: warning: ');
    expect(stderr).toContain('no usable run.json');
    capture();
    expect(await reportCommand(['show', dir, '--json'])).toBe(0);
    expect(stderr).toBe('');
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({ runId: 'run-abc', trialCount: 4, missingTrials: [], scores: summary.scores });
    expect(json.trials).toBeUndefined();
  });

  it('report merge writes trials, run.json, junit.xml and report.html, and merges again idempotently', async () => {
    const a = writeFolder(
      fresh('cli-a'),
      half((t) => t.trial < 2, '1/2'),
    );
    const b = writeFolder(
      fresh('cli-b'),
      half((t) => t.trial >= 2, '2/2'),
    );
    const out = fresh('cli-out');
    capture();
    expect(await reportCommand(['merge', a, b, '--out', out])).toBe(0);
    expect(stdout).toContain(`Merged 4 trials from 2 folders into ${out}`);
    for (const f of ['trials/0000.json', 'trials/0003.json', 'run.json', 'junit.xml', 'report.html'])
      expect(() => readFileSync(join(out, f))).not.toThrow();
    expect(comparableSummary(readRun(out))).toEqual(comparableSummary(summary));
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).shards).toEqual(['1/2', '2/2']);
    // Again into the same folder: its results are the same run, so this changes nothing.
    capture();
    expect(await reportCommand(['merge', a, b, '--out', out, '--json'])).toBe(0);
    expect(JSON.parse(stdout).trialCount).toBe(4);
    // Into a folder holding another run: refused.
    const foreign = writeFolder(fresh('cli-foreign'), buildSummary(meta({ runId: 'run-zzz' }), [trial(0, [], { runId: 'run-zzz' })]));
    await expect(reportCommand(['merge', a, '--out', foreign])).rejects.toMatchObject({ code: 'TWINS_RESULTS_MISMATCH' });
  });

  it('usage errors and --help', async () => {
    capture();
    expect(await reportCommand(['--help'])).toBe(0);
    expect(stdout).toContain('twins report merge DIR… --out DIR');
    expect(await reportCommand(['merge', '--help'])).toBe(0);
    await expect(reportCommand(['merge', 'x'])).rejects.toMatchObject({ code: 'TWINS_USAGE', message: 'report merge needs --out DIR' });
    await expect(reportCommand(['show'])).rejects.toMatchObject({ code: 'TWINS_USAGE' });
    await expect(reportCommand(['show', 'x', '--bogus'])).rejects.toMatchObject({ code: 'TWINS_USAGE' });
    await expect(reportCommand(['frobnicate'])).rejects.toMatchObject({ code: 'TWINS_USAGE' });
    await expect(leaderboardCommand([])).rejects.toMatchObject({ code: 'TWINS_USAGE' });
    expect(await leaderboardCommand(['--help'])).toBe(0);
    expect(stdout).toContain('twins leaderboard DIR…');
  });

  it('leaderboard prints a table, JSON, and writes HTML', async () => {
    const a = writeFolder(fresh('lb'), summary);
    const html = join(fresh('lb-html'), 'board.html');
    mkdirSync(join(html, '..'), { recursive: true });
    capture();
    expect(await leaderboardCommand([a, '--html', html])).toBe(0);
    expect(stdout).toMatch(/^reference\s+58\.3 %/m);
    expect(readFileSync(html, 'utf8')).toContain('<table id="leaderboard">');
    capture();
    expect(await leaderboardCommand([a, '--json'])).toBe(0);
    expect(JSON.parse(stdout).tasks).toEqual([{ task: 'incident-bot', k: 4 }]);
  });

  it('twins report show and twins leaderboard run as real processes; a corrupt trial file is a warning naming it, never a dead report', {
    timeout: 30_000,
  }, async () => {
    const dir = writeFolder(fresh('proc'), summary);
    const corrupt = writeFolder(fresh('proc-bad'), summary);
    writeFileSync(join(corrupt, 'trials', '0001.json'), '{');
    const dead = fresh('proc-dead');
    mkdirSync(join(dead, 'trials'), { recursive: true });
    writeFileSync(join(dead, 'trials', '0000.json'), '{');
    // Started together: each launcher pays tsx's start-up once, in parallel.
    const ok = twins(['report', 'show', dir]);
    const lb = twins(['leaderboard', dir, dead, '--json']);
    const bad = twins(['report', 'show', corrupt]);
    const lbBad = twins(['leaderboard', corrupt, dead]);
    const none = twins(['leaderboard', join(root, 'nowhere')]);
    expect(await ok.exited).toBe(0);
    expect(ok.out()).toContain('Satisfaction: 58.3 %');
    expect(await lb.exited).toBe(0);
    expect(JSON.parse(lb.out()).rows[0].agent).toBe('reference');
    expect(await bad.exited).toBe(0);
    expect(bad.err()).toMatch(/warning: .*0001\.json is not valid JSON/);
    expect(bad.out()).toContain('Satisfaction');
    expect(await lbBad.exited).toBe(0);
    expect(lbBad.err()).toMatch(/warning: .*proc-dead.*0000\.json is not valid JSON.*left out/);
    expect(lbBad.out()).toContain('reference');
    expect(await none.exited).toBe(2);
    expect(none.err()).toContain('TWINS_RESULTS_NOT_FOUND');
  });
});
