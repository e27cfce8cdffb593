// The contamination scan: canaries and long holdout steps the public features do not share, found in files (hidden, binary, nested), transcripts and requests; symlinks not followed; bounded.

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contaminationNeedles, MIN_STEP_CHARS, scanContamination } from '../../harness/contamination.ts';
import type { OpenedHoldout } from '../../src/vault/index.ts';

const CANARY = 'canary-0123456789abcdef';
const HOLDOUT: OpenedHoldout = {
  id: 'aaaaaaaaaaaaaaaa',
  task: 't',
  file: '/vault/sealed/aaaaaaaaaaaaaaaa.feature.age',
  scenarios: [{ name: 'secret scenario', canary: `@${CANARY}` }],
  text: [
    'Feature: secret',
    '  Background:',
    '    Given a Slack channel "#incidents-archive-2024"',
    `  @${CANARY}`,
    '  Scenario: secret scenario',
    '    Given a Slack channel "#ops"',
    '    When "carol" replies "incident: db-2 is full as well" to the message matching "db-1" in "#ops"',
    '    Then "#ops" has a message matching /All systems operational/',
    '',
  ].join('\n'),
};
const PUBLIC = [
  { uri: 'public.feature', text: 'Feature: p\n  Scenario: p\n    Then "#ops" has a message matching /All systems operational/\n' },
];
const LONG_STEP = '"carol" replies "incident: db-2 is full as well" to the message matching "db-1" in "#ops"';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'twins-contamination-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('contaminationNeedles', () => {
  it('takes every canary and the long holdout steps the public features do not have', () => {
    const n = contaminationNeedles([HOLDOUT], PUBLIC);
    expect(n.canaries).toEqual([CANARY]);
    expect(n.steps).toContain(LONG_STEP);
    expect(n.steps).toContain('a Slack channel "#incidents-archive-2024"');
    // Shown to the agent in a public feature: proves nothing.
    expect(n.steps).not.toContain('"#ops" has a message matching /All systems operational/');
    // Too short to tell.
    expect('a Slack channel "#ops"'.length).toBeLessThan(MIN_STEP_CHARS);
    expect(n.steps).not.toContain('a Slack channel "#ops"');
  });
});

describe('scanContamination', () => {
  const needles = () => ({ ...contaminationNeedles([HOLDOUT], PUBLIC), decoys: ['decoy-feedface00000000'] });

  it('finds nothing in a clean workspace, transcript and requests', () => {
    const ws = join(dir, 'clean');
    mkdirSync(ws);
    writeFileSync(join(ws, 'app.mjs'), 'console.log("All systems operational")\n');
    const r = scanContamination(needles(), {
      workspace: ws,
      transcript: 'built the app\n',
      requests: [{ operation: 'chat.postMessage', args: { text: 'incident: db-2 is full as well' } }],
    });
    expect(r).toMatchObject({ flagged: false, hits: [], workspaceTruncated: false, filesScanned: 1 });
  });

  it('finds a canary without its prefix in a hidden nested file, a step in a binary file, a decoy in the transcript and a step in a request', () => {
    const ws = join(dir, 'dirty');
    mkdirSync(join(ws, '.cache', 'deep'), { recursive: true });
    mkdirSync(join(ws, 'node_modules', 'x'), { recursive: true });
    writeFileSync(join(ws, '.cache', 'deep', 'notes.txt'), 'id 0123456789abcdef\n');
    writeFileSync(
      join(ws, 'node_modules', 'x', 'blob.bin'),
      Buffer.concat([Buffer.from([0, 255, 1]), Buffer.from(LONG_STEP), Buffer.from([0])]),
    );
    writeFileSync(join(ws, 'skipped.txt'), CANARY);
    symlinkSync('/etc', join(ws, 'link'));
    const r = scanContamination(needles(), {
      workspace: ws,
      skip: ['skipped.txt'],
      transcript: 'GET /_twin/tenants -> decoy-feedface00000000',
      requests: [{ operation: 'chat.postMessage', args: { blocks: [{ text: { text: `When ${LONG_STEP}` } }] } }],
    });
    expect(r.flagged).toBe(true);
    expect(r.hits).toEqual(
      expect.arrayContaining([
        { kind: 'canary', needle: CANARY, where: 'workspace', location: join('.cache', 'deep', 'notes.txt') },
        { kind: 'step', needle: LONG_STEP, where: 'workspace', location: join('node_modules', 'x', 'blob.bin') },
        { kind: 'canary', needle: 'decoy-feedface00000000', where: 'transcript', location: undefined },
        { kind: 'step', needle: LONG_STEP, where: 'requests', location: 'chat.postMessage' },
      ]),
    );
    expect(r.hits.some((h) => h.location === 'skipped.txt')).toBe(false);
    expect(r.hits).toHaveLength(4);
  });
});
