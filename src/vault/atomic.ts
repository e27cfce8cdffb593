// Durable file writes for the vault: temp file in the same folder, fsync, rename, fsync the folder; and a lock so two writers never interleave.

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Prefix and infix of the temp files `writeFileAtomic` makes; a crash can leave one behind. */
export const TEMP_MARK = '.tmp-';

/** True for a temp file `writeFileAtomic` made (`.<name>.tmp-<hex>`). */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.includes(TEMP_MARK);
}

/** fsync a folder so a rename or a new entry in it survives a power cut. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (err) {
    // Some file systems refuse fsync on a directory; the rename is still atomic there, only less durable.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Write `data` to a new file (refusing an existing one), fsync it and its folder. */
export function writeFileDurable(path: string, data: Uint8Array | string, mode = 0o644): void {
  const fd = openSync(path, 'wx', mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  fsyncDir(dirname(path));
}

/**
 * Replace `path` with `data` so that a reader, or the disk after a crash, sees the old file or the new
 * one, never a mix: temp file in the same folder, fsync, rename over, fsync the folder.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, mode = 0o644): void {
  const temp = join(dirname(path), `.${basename(path)}${TEMP_MARK}${randomBytes(6).toString('hex')}`);
  try {
    writeFileDurable(temp, data, mode);
    renameSync(temp, path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // Already renamed, or never created: nothing to clean.
    }
    throw err;
  }
  fsyncDir(dirname(path));
}

/** Remove a file if it is there; true when it was. */
export function removeIfPresent(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Whether a process with this pid exists (EPERM: it does, but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take an exclusive lock file (`O_EXCL`), holding this process's pid. A lock whose process is gone
 * (a crash) is taken over. Returns the release function, or the pid holding it.
 */
export function tryLock(path: string): { release: () => void } | { heldBy: number } {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { release: () => void removeIfPresent(path) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let pid = Number.NaN;
      try {
        pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        // Vanished between open and read: try again.
      }
      if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) return { heldBy: pid };
      removeIfPresent(path);
    }
  }
  return { heldBy: Number.NaN };
}
