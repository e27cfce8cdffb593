// A pids cgroup per sandboxed command: the kernel refuses a fork past the process limit, even for root, whom RLIMIT_NPROC does not bind.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../../src/vault/atomic.ts';

/** Where pids cgroups can be made on this machine, found once. */
export interface PidsCgroupSupport {
  ok: boolean;
  /** The folder new cgroups are made in (this process's own pids cgroup, or the hierarchy's root). */
  base?: string;
  version?: 1 | 2;
  /** Why not, when not. */
  reason?: string;
}

/** One command's cgroup: every process it starts is in it, and pids.max of them at most (threads count: a thread is a task to the kernel). */
export interface PidsCgroup {
  path: string;
  /** The file a process writes its pid to, to join. */
  procs: string;
  /** How many forks the kernel refused at pids.max so far. */
  refused(): number;
  /** Tasks in it now. */
  current(): number;
  /** Kills every process in it, again and again until it is empty (nothing in it can fork past pids.max meanwhile). */
  kill(): void;
  /** Removes it; a cgroup that still holds processes stays (rmdir fails) and is tried again at the next removal. */
  remove(): boolean;
}

interface Mount {
  dir: string;
  version: 1 | 2;
}

/** The pids hierarchy: a cgroup v1 mount with the pids option, else a cgroup2 mount whose root offers pids. */
function findMount(): Mount | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return undefined;
  }
  let v2: Mount | undefined;
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const dir = left.split(' ')[4];
    const [fstype, , opts] = right.split(' ');
    if (!dir) continue;
    if (fstype === 'cgroup' && (opts ?? '').split(',').includes('pids')) return { dir, version: 1 };
    if (fstype === 'cgroup2' && !v2) v2 = { dir, version: 2 };
  }
  if (v2) {
    try {
      if (readFileSync(join(v2.dir, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('pids')) return v2;
    } catch {
      // not readable: no pids there
    }
  }
  return undefined;
}

/** This process's cgroup in the hierarchy (`/` when it is the root). */
function ownPath(version: 1 | 2): string {
  try {
    for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
      const [, controllers, path] = line.split(':');
      if (path === undefined) continue;
      if (version === 1 ? (controllers ?? '').split(',').includes('pids') : line.startsWith('0::')) return path;
    }
  } catch {
    // no /proc: the root
  }
  return '/';
}

let support: PidsCgroupSupport | undefined;

/**
 * Finds where a pids cgroup can be made, by making one (and removing it). Tried in this process's own cgroup first (so
 * limits set around the harness still apply), then at the hierarchy's root. cgroup v2 needs the pids controller
 * enabled for children, which the kernel allows only in a cgroup without processes of its own (or the root).
 */
export function pidsCgroupSupport(): PidsCgroupSupport {
  if (support) return support;
  const mount = findMount();
  if (!mount) {
    support = { ok: false, reason: 'no pids cgroup controller is mounted' };
    return support;
  }
  const own = join(mount.dir, ownPath(mount.version));
  let lastError = '';
  for (const base of new Set([own, mount.dir])) {
    try {
      if (mount.version === 2) writeFileSync(join(base, 'cgroup.subtree_control'), '+pids');
      const probe = join(base, `twins-sandbox-probe-${process.pid}-${randomBytes(3).toString('hex')}`);
      mkdirSync(probe);
      try {
        writeFileSync(join(probe, 'pids.max'), '16');
      } finally {
        rmdirSync(probe);
      }
      support = { ok: true, base, version: mount.version };
      removeLeftovers(base);
      return support;
    } catch (err) {
      lastError = (err as Error).message;
    }
  }
  support = { ok: false, reason: `no pids cgroup is writable here (${lastError})` };
  return support;
}

/**
 * Removes the empty cgroups of harness processes that died without removing theirs (SIGKILL): their commands died
 * with them (bubblewrap's --die-with-parent), so the folders are empty, and rmdir removes nothing else.
 */
function removeLeftovers(base: string): void {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^twins-sandbox-(\d+)-[0-9a-f]+$/.exec(name);
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    try {
      rmdirSync(join(base, name));
    } catch {
      // still holds a process (a plain command outliving its harness): left alone
    }
  }
}

/** Makes a fresh pids cgroup allowing `max` tasks, or returns undefined where none can be made. */
export function createPidsCgroup(max: number): PidsCgroup | undefined {
  const s = pidsCgroupSupport();
  if (!s.ok || !s.base) return undefined;
  const path = join(s.base, `twins-sandbox-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(path);
    writeFileSync(join(path, 'pids.max'), String(Math.max(1, Math.floor(max))));
  } catch {
    try {
      rmdirSync(path);
    } catch {
      // never made
    }
    return undefined;
  }
  const read = (file: string) => {
    try {
      return readFileSync(join(path, file), 'utf8');
    } catch {
      return '';
    }
  };
  const pids = () =>
    read('cgroup.procs')
      .split('\n')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
  return {
    path,
    procs: join(path, 'cgroup.procs'),
    refused: () => Number(/^max (\d+)/m.exec(read('pids.events'))?.[1] ?? 0),
    current: () => Number(read('pids.current').trim() || 0),
    kill() {
      for (let round = 0; round < 50; round++) {
        const list = pids();
        if (list.length === 0) return;
        for (const pid of list) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone already
          }
        }
      }
    },
    remove() {
      try {
        rmdirSync(path);
        return true;
      } catch {
        return false;
      }
    },
  };
}
