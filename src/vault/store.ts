// The vault on disk: reading the index, finding each holdout's sealed bytes, the writers' lock, and finishing or undoing an interrupted add.

import { mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { PlatformError } from '../errors.ts';
import { fsyncDir, isTempName, removeIfPresent, tryLock } from './atomic.ts';
import { PENDING_SUFFIX, shown, type VaultPaths, vaultPaths } from './paths.ts';
import { sha256 } from './seal.ts';
import { type HoldoutEntry, readIndexFile, type VaultIndex } from './vault-index.ts';

/**
 * The vault index of `vaultDir` (`index.json`); an empty index when there is none yet.
 * Throws TWINS_VAULT_INDEX when it is unreadable or malformed.
 */
export function readIndex(vaultDir: string): VaultIndex {
  return readIndexFile(vaultPaths(vaultDir).index);
}

/** A holdout's sealed bytes as found on disk. */
export interface SealedBytes {
  path: string;
  bytes: Uint8Array;
  /** True when read from a `.pending` file an interrupted add committed but did not rename. */
  pending: boolean;
}

function readOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The sealed bytes of `entry`: the `.pending` file when an add committed it to the index but crashed
 * before renaming it (its hash matches the index), else the sealed file itself, else undefined.
 */
export function readSealed(paths: VaultPaths, entry: HoldoutEntry): SealedBytes | undefined {
  const final = join(paths.dir, entry.file);
  const pendingPath = final + PENDING_SUFFIX;
  const pending = readOrUndefined(pendingPath);
  if (pending && sha256(pending) === entry.sha256) return { path: pendingPath, bytes: pending, pending: true };
  const bytes = readOrUndefined(final);
  return bytes ? { path: final, bytes, pending: false } : undefined;
}

/** Hold the vault's writers' lock while `fn` runs; TWINS_VAULT_WRITE when another process holds it. */
export async function withVaultLock<T>(paths: VaultPaths, fn: () => Promise<T>): Promise<T> {
  mkdirSync(paths.dir, { recursive: true });
  const lock = tryLock(paths.lock);
  if ('heldBy' in lock)
    throw new PlatformError(
      'TWINS_VAULT_WRITE',
      `another twins command (pid ${Number.isNaN(lock.heldBy) ? '?' : lock.heldBy}) is changing the vault ${shown(paths.dir)}`,
      `Wait for it to finish; if no such process runs, delete ${shown(paths.lock)}.`,
    );
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/**
 * Finish or undo what a crashed writer left, under the lock: a `.pending` file the index names with
 * its hash is renamed into place (the add had committed); any other `.pending` or temp file is removed
 * (the add had not). Returns a note for each file touched.
 */
export function recoverVault(paths: VaultPaths, index: VaultIndex): string[] {
  const notes: string[] = [];
  for (const name of safeList(paths.dir)) {
    if (isTempName(name)) {
      removeIfPresent(join(paths.dir, name));
      notes.push(`removed ${name}, a temp file left by an interrupted write`);
    }
  }
  const byId = new Map(index.holdouts.map((h) => [h.id, h]));
  let renamed = false;
  for (const name of safeList(paths.sealedDir)) {
    const path = join(paths.sealedDir, name);
    if (isTempName(name)) {
      removeIfPresent(path);
      notes.push(`removed sealed/${name}, a temp file left by an interrupted write`);
      continue;
    }
    if (!name.endsWith(PENDING_SUFFIX)) continue;
    const id = name.slice(0, -PENDING_SUFFIX.length).replace(/\.feature\.age$/, '');
    const entry = byId.get(id);
    const bytes = readOrUndefined(path);
    if (entry && bytes && sha256(bytes) === entry.sha256) {
      renameSync(path, join(paths.dir, entry.file));
      renamed = true;
      notes.push(`finished an interrupted write: sealed/${name} → ${entry.file}`);
    } else {
      removeIfPresent(path);
      notes.push(`removed sealed/${name}, left by a write interrupted before it was indexed`);
    }
  }
  if (renamed) fsyncDir(paths.sealedDir);
  return notes;
}

/** The names in a folder, or none when it does not exist. */
export function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
