// twins score with the cheater on the sample task, as a real process: under the sandbox it finds nothing of the holdouts, and what it does find (the twins' tenant list, with the run's decoy) flags it.

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRun } from '../../harness/report/index.ts';
import { killAll, twins } from '../support/cli.ts';
import { SAMPLE, type SealedSample, sealedSample } from './score-fixture.ts';

let s: SealedSample;

beforeAll(async () => {
  s = await sealedSample();
}, 30_000);

afterAll(() => {
  killAll();
  s?.cleanup();
});

async function score(args: string[], out: string) {
  const r = twins(['score', '--task', SAMPLE, '--out', out, '--wait', '2', ...s.flags, ...args], { cwd: s.work });
  const code = await r.exited;
  if (code !== 0) throw new Error(`twins score exited ${code}:\n${r.out()}\n${r.err()}`);
  return { summary: readRun(out), stdout: r.out(), stderr: r.err() };
}

describe('twins score --agent cheater', () => {
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
      // Its attempts are there to see, and what it did find (the twins' tenant list, with a decoy) flags it.
      expect(t.transcript).toMatch(/^CHEAT-ATTEMPT vault /m);
      expect(t.transcript).toMatch(/^CHEAT-ATTEMPT identity /m);
      expect(t.contamination.flagged).toBe(true);
      expect(
        t.contamination.hits.some((h) => h.needle.startsWith('decoy-') && h.where === 'workspace' && h.location === 'stolen.txt'),
      ).toBe(true);
      expect(summary.scores.trials.contaminated).toBe(1);
      expect(summary.scores.satisfaction).toBe(0);
    } finally {
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    }
  }, 90_000);
});
