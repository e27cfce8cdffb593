// The contamination scan: canaries and long holdout steps the public features do not share, found in files (hidden, binary, nested), transcripts and requests; symlinks not followed; bounded.

import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  contaminationNeedles,
  MIN_STEP_CHARS,
  RequestScanner,
  readRegularFileHead,
  SCAN_LIMITS,
  scanContamination,
} from '../../harness/contamination.ts';
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
  const needles = () => contaminationNeedles([HOLDOUT], PUBLIC);

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

  it('finds a canary without its prefix in a hidden nested file, a step in a binary file, a canary in the transcript and a step in a request', () => {
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
      transcript: 'GET /_twin/tenants -> canary-0123456789abcdef',
      requests: [{ operation: 'chat.postMessage', args: { blocks: [{ text: { text: `When ${LONG_STEP}` } }] } }],
    });
    expect(r.flagged).toBe(true);
    expect(r.hits).toEqual(
      expect.arrayContaining([
        { kind: 'canary', needle: CANARY, where: 'workspace', location: join('.cache', 'deep', 'notes.txt') },
        { kind: 'step', needle: LONG_STEP, where: 'workspace', location: join('node_modules', 'x', 'blob.bin') },
        { kind: 'canary', needle: CANARY, where: 'transcript', location: undefined },
        { kind: 'step', needle: LONG_STEP, where: 'requests', location: 'chat.postMessage' },
      ]),
    );
    expect(r.hits.some((h) => h.location === 'skipped.txt')).toBe(false);
    expect(r.hits).toHaveLength(4);
  });

  it('reads a hostile workspace without hanging or following anything: FIFOs, sockets, devices, links to files and folders, a huge sparse file', async () => {
    const ws = join(dir, 'hostile');
    mkdirSync(join(ws, 'sub'), { recursive: true });
    // A FIFO nobody writes to: opening it for reading without O_NONBLOCK would wait forever.
    execFileSync('mkfifo', [join(ws, 'fifo')]);
    execFileSync('mkfifo', [join(ws, 'sub', 'canary-0123456789abcdef')]);
    const sock = createServer();
    await new Promise<void>((r) => sock.listen(join(ws, 'socket'), () => r()));
    // Links to a host file holding a needle, to /dev/zero and to a folder outside: none is read or entered.
    const outside = join(dir, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'secret.txt'), CANARY);
    symlinkSync(join(outside, 'secret.txt'), join(ws, 'link-to-file'));
    symlinkSync('/dev/zero', join(ws, 'zero'));
    symlinkSync(outside, join(ws, 'link-to-dir'));
    // A sparse file far bigger than one file's read bound, the needle past the bound.
    const huge = join(ws, 'huge.bin');
    const fd = openSync(huge, 'w');
    closeSync(fd);
    execFileSync('truncate', ['-s', String(SCAN_LIMITS.fileBytes * 4), huge]);
    writeFileSync(join(ws, 'sub', 'real.txt'), `x ${LONG_STEP}`);
    try {
      const started = Date.now();
      const r = scanContamination(contaminationNeedles([HOLDOUT], PUBLIC), { workspace: ws });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(r.hits).toEqual([{ kind: 'step', needle: LONG_STEP, where: 'workspace', location: join('sub', 'real.txt') }]);
      expect(r.workspaceTruncated).toBe(true);
      expect(r.filesScanned).toBe(2);
      // Read directly, none of them gives a byte.
      for (const name of ['fifo', 'socket', 'link-to-file', 'zero', 'link-to-dir'])
        expect(readRegularFileHead(join(ws, name), 1024)).toBeUndefined();
      expect(readRegularFileHead('/dev/null', 1024)).toBeUndefined();
      expect(readRegularFileHead(huge, 10)?.length).toBe(10);
    } finally {
      await new Promise<void>((r) => sock.close(() => r()));
    }
  });

  it('reports every refused control-plane call as tampering, and merges what the proxy found as requests passed', () => {
    const scanner = new RequestScanner(contaminationNeedles([HOLDOUT], PUBLIC));
    scanner.add('chat.postMessage (the app)', `text=${encodeURIComponent(LONG_STEP)}\n${LONG_STEP}`);
    scanner.add('chat.postMessage (the agent)', 'nothing to see');
    const r = scanContamination(contaminationNeedles([HOLDOUT], PUBLIC), {
      found: scanner.hits,
      attempts: [
        { method: 'DELETE', path: '/_twin/journal', phase: 'app' },
        { method: 'POST', path: '/_twin/faults', phase: 'agent' },
      ],
    });
    expect(r.flagged).toBe(true);
    expect(r.hits).toEqual([
      { kind: 'step', needle: LONG_STEP, where: 'requests', location: 'chat.postMessage (the app)' },
      { kind: 'tampering', needle: 'DELETE /_twin/journal', where: 'requests', location: 'the app' },
      { kind: 'tampering', needle: 'POST /_twin/faults', where: 'requests', location: 'the agent' },
    ]);
  });
});
