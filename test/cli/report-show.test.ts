// `twins report show` prints a failure's quoted output under its reason, so "its last output:" never ends a line with nothing after it.

import { describe, expect, it } from 'vitest';
import { buildSummary, scoresText } from '../../harness/report/index.ts';
import { meta, trial } from '../harness/synthetic-trials.ts';

const failed = (reason: string) =>
  trial(0, [['canary-a', 'failed', 'not graded']], {
    failure: { kind: 'agent', stage: 'start', reason },
    app: { installed: true, started: false, output: '' },
  });

describe('report show: failure reasons', () => {
  it('shows the output a reason quotes, indented under it', () => {
    const reason =
      'the app (npm start) exited with code 1 before it was ready; its last output:\nError: Cannot find module express\n    at load (app.js:1)';
    const text = scoresText(buildSummary(meta({ trialsRequested: 1 }), [failed(reason)]));
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('Trial 0: agent failure at stage start: the app (npm start) exited'));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(lines[at]).toMatch(/its last output:$/);
    expect(lines[at + 1]).toBe('    Error: Cannot find module express');
    expect(lines[at + 2]).toBe('        at load (app.js:1)');
  });

  it('keeps the end of a long output and says how many lines are left out', () => {
    const output = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n');
    const text = scoresText(
      buildSummary(meta({ trialsRequested: 1 }), [failed(`npm install failed (exit 1); its last output:\n${output}`)]),
    );
    expect(text).toContain("    … 22 earlier lines in the trial's JSON (trials/)");
    expect(text).toContain('    line 30');
    expect(text).not.toContain('    line 22\n');
    expect(text).toContain('    line 23');
  });

  it('a one-line reason stays one line', () => {
    const text = scoresText(buildSummary(meta({ trialsRequested: 1 }), [failed('the agent timed out after 600 s')]));
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('Trial 0:'));
    expect(lines[at]).toBe('Trial 0: agent failure at stage start: the agent timed out after 600 s');
    expect(lines[at + 1] ?? '').not.toMatch(/^ {4}/);
  });
});
