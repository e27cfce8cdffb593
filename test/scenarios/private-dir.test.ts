// Opened holdouts never outlive a killed run: the next run sweeps private folders whose owner is gone.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPrivateDir, OWNER_FILE, removeStalePrivateDirs } from '../../src/scenarios/private-dir.ts';

const root = mkdtempSync(join(tmpdir(), 'private-dir-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A pid that was a process a moment ago and is gone now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function leftover(name: string, owner?: number): string {
  const dir = join(root, `twins-holdouts-${name}`);
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(dir, 'canary-0123456789abcdef.feature'), 'Feature: opened holdout\n');
  if (owner !== undefined) writeFileSync(join(dir, OWNER_FILE), String(owner));
  return dir;
}

describe('private folders for opened holdouts', () => {
  it('name their owner, and the next one made sweeps the folders of owners that are gone', () => {
    const killed = leftover('killed', deadPid());
    const alive = leftover('alive', process.pid);
    const foreign = leftover('unowned');
    const unrelated = join(root, 'something-else');
    mkdirSync(unrelated);
    writeFileSync(join(unrelated, OWNER_FILE), String(deadPid()));

    const dir = createPrivateDir(root);
    expect(readFileSync(join(dir.path, OWNER_FILE), 'utf8')).toBe(String(process.pid));
    expect(existsSync(killed)).toBe(false);
    expect(existsSync(alive)).toBe(true);
    expect(existsSync(foreign)).toBe(true);
    expect(existsSync(unrelated)).toBe(true);
    // The folder just made is its own process's, so a sweep leaves it.
    expect(removeStalePrivateDirs(root)).toEqual([]);
    expect(existsSync(dir.path)).toBe(true);
    dir.remove();
    expect(existsSync(dir.path)).toBe(false);
  });
});
