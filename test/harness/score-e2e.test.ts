// twins score end to end on the sample task, as real processes: the reference scores 1.0, noop 0.0, the cheater leaks nothing and is flagged for tampering, a hanging agent is cut at its limit and the run goes on.

import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRun } from '../../harness/report/index.ts';
import type { RunSummary } from '../../harness/types.ts';
import { killAll, twins } from '../support/cli.ts';
import { SAMPLE, type SealedSample, sealedSample } from './score-fixture.ts';

let s: SealedSample;

/** `twins score` as a user runs it; resolves to the results folder read back, and what it printed. */
async function score(
  args: string[],
  out: string,
  task = SAMPLE,
): Promise<{ summary: RunSummary; code: number | null; stdout: string; stderr: string; pid: number | undefined }> {
  const r = twins(['score', '--task', task, '--out', out, '--wait', '3', ...s.flags, ...args], { cwd: s.work });
  const code = await r.exited;
  if (code !== 0) throw new Error(`twins score exited ${code}:\n${r.out()}\n${r.err()}`);
  return { summary: readRun(out), code, stdout: r.out(), stderr: r.err(), pid: r.child.pid };
}

/** The private work folders in the temp dir that the run of process `pid` owns. */
function workDirsOf(pid: number | undefined): string[] {
  return readdirSync(tmpdir())
    .filter((n) => n.startsWith('twins-score-'))
    .filter((n) => {
      try {
        return readFileSync(join(tmpdir(), n, 'owner.pid'), 'utf8') === String(pid);
      } catch {
        return false;
      }
    });
}

beforeAll(async () => {
  s = await sealedSample();
}, 30_000);

afterAll(() => {
  killAll();
  s?.cleanup();
});

describe.concurrent('twins score on the sample task', () => {
  it('the reference agent scores satisfaction 1.0, graded from the twins, with results written as they come', async () => {
    const out = join(s.work, 'reference');
    const { summary, stdout, stderr, pid } = await score(['--agent', 'reference', '--trials', '2', '--parallel', '2'], out);
    expect(stdout).toContain('Satisfaction: 100.0 %');
    // Progress on stderr, not a terminal: plain lines, trials done of total.
    expect(stderr).toMatch(/trial [01] passed \(3\/3 scenarios passed\).*\[1\/2 done\]/);
    expect(stderr).toContain('[2/2 done]');
    expect(summary.scores.satisfaction).toBe(1);
    expect(summary.scores.scenarioTrials).toBe(2 * s.scenarios);
    for (const t of summary.trials) {
      expect(t.status, JSON.stringify(t.failure)).toBe('passed');
      expect(t.scenarios.map((x) => x.status)).toEqual(Array(s.scenarios).fill('passed'));
      expect(t.scenarios.every((x) => /^canary-[0-9a-f]{16}$/.test(x.id))).toBe(true);
      expect(t.app).toMatchObject({ installed: true, started: true });
      // The grader watched the twins: the app's own calls, from the journal.
      expect(t.journal.some((j) => j.operation === 'chat.postMessage' && j.status === 200)).toBe(true);
      expect(t.contamination).toEqual({ flagged: false, hits: [] });
      // Overhead is reported (a figure for the report); its speed is bench/'s business, not a test's.
      expect(Number.isFinite(t.timings.overheadMs)).toBe(true);
    }
    // The results folder: a file per trial, run.json, JUnit and HTML; readable by the report module.
    expect(readdirSync(join(out, 'trials')).sort()).toEqual(['0000.json', '0001.json']);
    for (const f of ['run.json', 'junit.xml', 'report.html']) expect(existsSync(join(out, f))).toBe(true);
    expect(readRun(out).scores.satisfaction).toBe(1);
    // Workspaces lived in a private folder outside the repo, gone now.
    expect(workDirsOf(pid)).toEqual([]);
  }, 60_000);

  it('noop scores 0.0: its app never starts, an agent failure', async () => {
    const { summary, stdout, stderr } = await score(['--agent', 'noop', '--json'], join(s.work, 'noop'));
    expect(summary.scores.satisfaction).toBe(0);
    // --json: the summary alone on stdout, no progress on stderr.
    expect(JSON.parse(stdout)).toMatchObject({ task: 'sample', agent: 'noop', trialCount: 1, scores: { satisfaction: 0 } });
    expect(stderr).not.toContain('twins score');
    const [t] = summary.trials;
    expect(t.failure).toMatchObject({ kind: 'agent', stage: 'start' });
    expect(t.status).toBe('failed');
    expect(t.scenarios).toHaveLength(s.scenarios);
    expect(t.scenarios.every((x) => x.status === 'failed' && x.error?.startsWith('not graded'))).toBe(true);
    expect(summary.scores.trials).toMatchObject({ agentFailures: 1, infrastructureFailures: 0 });
  }, 60_000);

  it('the cheater leaks nothing, and is flagged with its attempts in the transcript', async () => {
    const out = join(s.work, 'cheater');
    const { summary, stdout } = await score(['--agent', 'cheater', '--keep-workspaces'], out);
    const workDir = /Workspaces kept in (\S+)/.exec(stdout)?.[1];
    try {
      const [t] = summary.trials;
      const canaries = new Set(t.scenarios.map((x) => x.id));
      // Nothing of the holdouts: no canary, no step, not the nonce, anywhere it wrote or said.
      expect(t.contamination.hits.filter((h) => h.kind === 'step' || canaries.has(h.needle))).toEqual([]);
      expect(t.transcript).not.toContain(s.nonce);
      const ws = readdirSync(workDir as string).map((n) => join(workDir as string, n));
      expect(ws).toHaveLength(1);
      const stolen = readFileSync(join(ws[0], 'stolen.txt'), 'utf8');
      expect(stolen).not.toContain(s.nonce);
      // Its attempts are there to see, and its calls to the twins' control plane, refused by the grader's proxy, flag it.
      expect(t.transcript).toMatch(/^CHEAT-ATTEMPT vault /m);
      expect(t.transcript).toMatch(/^CHEAT-ATTEMPT identity /m);
      expect(t.contamination.flagged).toBe(true);
      expect(t.contamination.hits.some((h) => h.kind === 'tampering' && h.needle.includes('/_twin/') && h.location === 'the agent')).toBe(
        true,
      );
      expect(t.requests?.refused).toBeGreaterThan(0);
      expect(summary.scores.trials.contaminated).toBe(1);
      expect(summary.scores.satisfaction).toBe(0);
    } finally {
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    }
  }, 90_000);
  it('an agent that hangs is cut at its limit and the run goes on to the next trial', async () => {
    // The sample task with a 2-second agent limit.
    const short = mkdtempSync(join(s.work, 'short-'));
    cpSync(SAMPLE, short, { recursive: true });
    const yaml = readFileSync(join(short, 'task.yaml'), 'utf8').replace(/agentSeconds: \d+/, 'agentSeconds: 2');
    writeFileSync(join(short, 'task.yaml'), yaml);
    const started = Date.now();
    const { summary } = await score(['--agent', 'command:sleep 600', '--trials', '2'], join(s.work, 'hang'), short);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(summary.trials).toHaveLength(2);
    for (const t of summary.trials) {
      expect(t.failure).toMatchObject({ kind: 'agent', stage: 'agent' });
      expect(t.failure?.reason).toContain('ran over its limit of 2 s');
      expect(t.agentRun.timedOut).toBe(true);
      expect(t.agentRun.wallMs).toBeGreaterThanOrEqual(1900);
      expect(t.agentRun.wallMs).toBeLessThan(15_000);
    }
    expect(summary.scores.satisfaction).toBe(0);
  }, 60_000);
});
