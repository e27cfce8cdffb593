// A sandboxed command's process tree, read from /proc: counting it against the process limit and killing all of it.

import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Process group. */
  pgrp: number;
  /** Start time in clock ticks since boot: with the pid, identifies a process even after its pid is reused. */
  start: number;
  comm: string;
  /** One-letter state; `Z` is a zombie (dead, waiting to be reaped). */
  state: string;
}

/** Parses one /proc/PID/stat line. `comm` may hold spaces and parentheses, so fields are counted from the last `)`. */
export function parseStat(text: string): ProcInfo | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state), so field n is rest[n - 3]: ppid is field 4, starttime field 22.
  const pid = Number(text.slice(0, open).trim());
  const ppid = Number(rest[1]);
  const pgrp = Number(rest[2]);
  const start = Number(rest[19]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid)) return undefined;
  return { pid, ppid, pgrp, start, comm: text.slice(open + 1, close), state: rest[0] ?? '?' };
}

/** The process `pid` as /proc shows it now, or undefined when there is none. */
export function readInfo(pid: number): ProcInfo | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined; // gone between readdir and read
  }
}

/** Every process on the machine (those visible in /proc), keyed by pid. */
export function scanProcesses(): Map<number, ProcInfo> {
  const all = new Map<number, ProcInfo>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return all; // no /proc (not Linux): limits then rest on the wall clock alone
  }
  for (const name of entries) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const info = readInfo(Number(name));
    if (info) all.set(info.pid, info);
  }
  return all;
}

/** The descendants of `root` (not `root` itself) in `all`, parents before children. */
export function descendants(all: Map<number, ProcInfo>, root: number): ProcInfo[] {
  const children = new Map<number, ProcInfo[]>();
  for (const p of all.values()) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const out: ProcInfo[] = [];
  const queue = [root];
  const seen = new Set<number>([root]);
  while (queue.length > 0) {
    const pid = queue.shift()!;
    for (const child of children.get(pid) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** Whether the process `p` recorded earlier is still the same live process (not a reused pid). */
export function stillAlive(p: ProcRef): boolean {
  const now = readInfo(p.pid);
  return now !== undefined && now.start === p.start && now.state !== 'Z';
}

/** A process as recorded once: its pid and start time, which together survive pid reuse. */
export type ProcRef = Pick<ProcInfo, 'pid' | 'start'>;

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone, or not ours: nothing to do
  }
}

/**
 * Kills a process tree so that nothing survives: `root` and its descendants, its process group, and every process
 * recorded earlier (`known`: children re-parented to init after their parent died are nobody's descendants any more).
 * Processes are stopped first and the tree re-read until it holds none not yet stopped, so a fork loop cannot outrun
 * the kill; then everything stopped is killed. Every process is checked against its recorded start time, so a pid
 * reused by an unrelated process since is left alone.
 */
export function killTree(root: ProcRef | undefined, known: Iterable<ProcRef> = []): void {
  const targets = new Map<number, ProcRef>();
  const rootAlive = root !== undefined && stillAlive(root);
  if (root && rootAlive) {
    // The leader lives, so the group number is still its group's: signal the whole group at once.
    signal(-root.pid, 'SIGSTOP');
    targets.set(root.pid, root);
  }
  for (const p of known) if (stillAlive(p)) targets.set(p.pid, p);
  // A dead leader's pid taken by a new process means its old group is empty (a group's number is not handed out
  // while the group has members): whatever has that group number now belongs to someone else.
  const pidTaken = root !== undefined && !rootAlive && readInfo(root.pid) !== undefined;
  for (let round = 0; round < 20; round++) {
    const all = scanProcesses();
    let added = 0;
    for (const p of all.values()) {
      // Members of a dead leader's group: the number cannot have been reused while they exist.
      const groupMember = root !== undefined && !rootAlive && !pidTaken && p.pgrp === root.pid && p.pid !== root.pid;
      if (groupMember && !targets.has(p.pid)) {
        targets.set(p.pid, p);
        added++;
      }
    }
    for (const t of [...targets.values()]) {
      for (const d of descendants(all, t.pid)) {
        if (targets.has(d.pid)) continue;
        targets.set(d.pid, d);
        added++;
      }
    }
    for (const p of targets.values()) if (stillAlive(p)) signal(p.pid, 'SIGSTOP');
    if (added === 0 && round > 0) break;
  }
  if (root && rootAlive && stillAlive(root)) signal(-root.pid, 'SIGKILL');
  for (const p of targets.values()) if (stillAlive(p)) signal(p.pid, 'SIGKILL');
}

/** Sends `sig` to every live process of the tree of `root` but those `skip` names (the sandbox's own helpers). */
export function signalTree(root: ProcRef, sig: NodeJS.Signals, skip: (p: ProcInfo) => boolean = () => false): void {
  const all = scanProcesses();
  const rootInfo = all.get(root.pid);
  if (!rootInfo || rootInfo.start !== root.start) return;
  for (const p of [rootInfo, ...descendants(all, root.pid)]) if (!skip(p)) signal(p.pid, sig);
}

/**
 * The processes (other than this one) holding the pipe with inode `ino` on device `dev` open. A daemon that
 * double-forked and left the process group before the first scan is nobody's descendant any more, but it still holds
 * the command's output pipe.
 */
export function pipeHolders(pipe: { ino: number; dev: number }): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const p of scanProcesses().values()) {
    if (p.pid === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p.pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const st = statSync(`/proc/${p.pid}/fd/${fd}`);
        if (st.ino === pipe.ino && st.dev === pipe.dev) {
          out.push(p);
          break;
        }
      } catch {
        // closed meanwhile
      }
    }
  }
  return out;
}

/** The absolute path of `name` on this process's PATH (or the usual system folders), or undefined. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir.startsWith('/')) continue;
    const path = `${dir}/${name}`;
    try {
      accessSync(path, constants.X_OK);
      if (statSync(path).isFile()) return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** How many processes `uid` has on the machine now (RLIMIT_NPROC counts them all, not only the sandbox's). */
export function processesOf(uid: number): number {
  let n = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (statSync(`/proc/${name}`).uid === uid) n++;
    } catch {
      // gone
    }
  }
  return n;
}

type Watcher = (all: Map<number, ProcInfo>) => void;

const watchers = new Set<Watcher>();
let timer: NodeJS.Timeout | undefined;

/** How often running sandboxes' process trees are counted. */
export const WATCH_INTERVAL_MS = 100;

/**
 * Calls `watcher` with a scan of /proc every WATCH_INTERVAL_MS until the returned function is called. One scan per
 * tick serves every running sandbox of this process, however many trials run in parallel.
 */
export function watchProcesses(watcher: Watcher): () => void {
  watchers.add(watcher);
  if (!timer) {
    timer = setInterval(() => {
      const all = scanProcesses();
      for (const w of [...watchers]) w(all);
    }, WATCH_INTERVAL_MS);
    // The children being watched keep the event loop alive; the ticker alone must not.
    timer.unref();
  }
  return () => {
    watchers.delete(watcher);
    if (watchers.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
