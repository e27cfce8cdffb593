// A private folder for opened holdouts while cucumber reads them: 0700, in RAM where the OS offers it, removed in finally and on signals.

import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerCleanup } from './cleanup.ts';

/** Where opened holdouts go: /dev/shm (RAM-backed, never on disk) when it is a writable folder, else the OS temp dir. */
export function privateRoot(): string {
  try {
    if (existsSync('/dev/shm') && statSync('/dev/shm').isDirectory()) {
      const probe = mkdtempSync(join('/dev/shm', 'twins-probe-'));
      rmSync(probe, { recursive: true, force: true });
      return '/dev/shm';
    }
  } catch {
    // Not writable here (some containers): fall back to the temp dir.
  }
  return tmpdir();
}

export interface PrivateDir {
  path: string;
  /** Write one file (mode 0600) into the folder; returns its path. */
  write(name: string, text: string): string;
  remove(): void;
}

const PREFIX = 'twins-holdouts-';
/** In each private folder: the pid of the process that opened it, so a later one can tell a killed process's leftovers. */
export const OWNER_FILE = '.owner.pid';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, someone else's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the private folders of processes that died without cleaning up (SIGKILL, a crash): ours, in `root`,
 * whose owner file names a process that is gone. They hold opened holdouts in clear text. Returns what it removed.
 */
export function removeStalePrivateDirs(root = privateRoot()): string[] {
  const removed: string[] = [];
  const uid = process.getuid?.();
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(root, name);
    try {
      if (uid !== undefined && statSync(dir).uid !== uid) continue;
      const pid = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
      if (!Number.isInteger(pid) || pid <= 0 || processAlive(pid)) continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // No owner file (not ours, or being made this instant) or not ours to read: leave it.
    }
  }
  return removed;
}

/**
 * A fresh 0700 folder named twins-holdouts-*, registered for removal on exit and on SIGINT/SIGTERM/SIGHUP.
 * Leftovers of killed processes are swept first (removeStalePrivateDirs).
 */
export function createPrivateDir(root = privateRoot()): PrivateDir {
  removeStalePrivateDirs(root);
  const path = mkdtempSync(join(root, PREFIX));
  chmodSync(path, 0o700);
  writeFileSync(join(path, OWNER_FILE), String(process.pid), { mode: 0o600 });
  const unregister = registerCleanup(() => rmSync(path, { recursive: true, force: true }));
  return {
    path,
    write(name, text) {
      if (!/^[\w.-]+$/.test(name)) throw new Error(`unsafe file name "${name}"`);
      const file = join(path, name);
      writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
      return file;
    },
    remove() {
      rmSync(path, { recursive: true, force: true });
      unregister();
    },
  };
}
