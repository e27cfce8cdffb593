// A private folder for opened holdouts while cucumber reads them: 0700, in RAM where the OS offers it, removed in finally and on signals.

import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

/** A fresh 0700 folder named twins-holdouts-*, registered for removal on exit and on SIGINT/SIGTERM/SIGHUP. */
export function createPrivateDir(root = privateRoot()): PrivateDir {
  const path = mkdtempSync(join(root, 'twins-holdouts-'));
  chmodSync(path, 0o700);
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
