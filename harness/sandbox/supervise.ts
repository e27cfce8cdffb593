// Runs one sandboxed command under the limits (wall time, output bytes, processes) and turns whatever happens into a result.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, fstatSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { IsolationKind, SandboxProcess, SandboxRequest, SandboxResult } from '../types.ts';
import { createPidsCgroup, type PidsCgroup } from './cgroup.ts';
import {
  descendants,
  findExecutable,
  killTree,
  type ProcInfo,
  type ProcRef,
  pipeHolders,
  processesOf,
  readInfo,
  signalTree,
  watchProcesses,
} from './process-tree.ts';
import { watchWorkspace } from './workspace-size.ts';

/** What a sandbox hands the supervisor: the program that wraps the command, and how to tell its helpers apart. */
export interface Launch {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  isolation: IsolationKind;
  /** Written to the child's fd 3 and closed (bubblewrap reads its options there, out of sight of /proc/PID/cmdline). */
  fd3?: Buffer;
  /** Printed first in the output: the plain fallback says there that it isolates nothing. */
  preamble?: string;
  /** Processes of the wrapper itself (bubblewrap's monitor and init), not counted against the limit nor sent SIGTERM. */
  isHelper?: (p: ProcInfo, root: number) => boolean;
  /** Runs once the command has ended and its tree is dead (temp folders to remove). */
  cleanup?: () => void;
  /**
   * Set up before the command may run. The wrapper writes `{"child-pid": N}` to its fd 4 once its namespaces exist and
   * waits for a byte on fd 5 (bubblewrap's --info-fd and --block-fd); the gate gets that pid and resolves with what
   * undoes it (the sandbox's network, stopped after the command). A rejection is the command's failure to start.
   */
  gate?: (nsPid: number) => Promise<() => void>;
  /** Processes of the wrapper itself, alive for the whole command: the pids cgroup allows the request's processes plus these. */
  helperProcesses?: number;
}

/**
 * Results of commands that never ran because the sandbox could not be set up around them (the gate failed: pasta
 * missing its namespace, the app's port taken on the host), with why: the machine's failure, not the command's.
 */
export const setupFailures = new WeakMap<SandboxResult, string>();

/** How long stop() waits after SIGTERM before it kills the whole tree. */
const STOP_GRACE_MS = 2000;
/**
 * How long the output may stay open after the command ended and its tree was killed, before we stop waiting for its
 * end. Whatever the pipe holds then is still read (drainPipe): this bounds only writers we could not kill.
 */
const DRAIN_MS = 500;
/** The most drainPipe reads at the deadline: a pipe holds 64 KiB by default (1 MiB at most unless raised by root). */
const DRAIN_MAX_BYTES = 16 * 1024 * 1024;

/** Bounded output: keeps the first `limit` bytes, drops (but reads) the rest, and hands complete kept lines to `onLine`. */
class OutputBuffer {
  private chunks: Buffer[] = [];
  private kept = 0;
  truncated = false;
  private partial = '';
  constructor(
    private readonly limit: number,
    private readonly onLine?: (line: string) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.truncated) return; // keep draining: the child must never block on a full pipe
    const room = this.limit - this.kept;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, Math.max(0, room));
    if (part.length > 0) {
      this.chunks.push(part);
      this.kept += part.length;
      this.lines(part.toString('utf8'));
    }
    if (chunk.length > room) {
      this.truncated = true;
      this.flush();
      this.emit(`[twins: output cut at ${this.limit} bytes; the rest was read and dropped]`);
    }
  }

  private lines(text: string): void {
    if (!this.onLine) return;
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.emit(line);
  }

  private emit(line: string): void {
    try {
      this.onLine?.(line);
    } catch {
      // a failing progress display must not take the sandbox down
    }
  }

  flush(): void {
    if (this.partial) this.emit(this.partial);
    this.partial = '';
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * One pipe for stdout and stderr together (so they interleave as written), made from a FIFO rather than Node's
 * socketpairs: both ends of a pipe share an inode, so whoever still holds the write end can be found in /proc.
 */
function outputPipe(): { read: number; write: number; ino: number; dev: number } | undefined {
  let dir: string | undefined;
  try {
    dir = mkdtempSync(join(tmpdir(), 'twins-out-'));
    const path = join(dir, 'pipe');
    if (spawnSync('mkfifo', ['-m', '600', path]).status !== 0) return undefined;
    const read = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const write = openSync(path, constants.O_WRONLY);
    const st = fstatSync(read);
    return { read, write, ino: st.ino, dev: st.dev };
  } catch {
    return undefined; // no mkfifo: Node's own pipes, and no way to find escaped holders
  } finally {
    // The open descriptors keep the pipe alive; the name is not needed any more.
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Reads what is left in the output pipe now, without waiting: what stream buffered but has not handed on, then the
 * pipe's own contents until it is empty (EAGAIN: a writer still holds it) or ends (EOF). Called before the stream is
 * destroyed, because the event loop may not have read the pipe since the command exited: libuv reaps children at the
 * end of a poll round, so a command that wrote and exited while that round ran is seen to exit before its output is
 * seen, and a busy loop (other trials' exits, /proc scans) can run the drain deadline before the pipe's next read.
 */
function drainPipe(stream: Readable, fd: number, push: (b: Buffer) => void): void {
  // In flowing mode read() hands buffered data to the 'data' listener (push) itself.
  while (stream.readableLength > 0 && stream.read() !== null) {}
  const buf = Buffer.allocUnsafe(65536);
  let total = 0;
  while (total < DRAIN_MAX_BYTES) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch {
      return; // EAGAIN (empty, a writer is left) or the descriptor is gone
    }
    if (n <= 0) return;
    push(Buffer.from(buf.subarray(0, n)));
    total += n;
  }
}

const PRLIMIT = findExecutable('prlimit');

/**
 * The launch wrapped in prlimit(1), which sets limits and execs it (same pid): no core dumps, and for a non-root user
 * a cap on processes the kernel enforces between two /proc scans. RLIMIT_NPROC counts all of the user's processes,
 * so the cap is the user's current count plus the sandbox's allowance; root is exempt from it by the kernel, so for
 * root only the /proc watch counts.
 */
function withRlimits(launch: Launch, processes: number): { file: string; args: string[] } {
  if (!PRLIMIT) return { file: launch.file, args: launch.args };
  const uid = process.getuid?.() ?? 0;
  const nproc = uid === 0 ? [] : [`--nproc=${processesOf(uid) + processes + 16}`];
  return { file: PRLIMIT, args: ['--core=0', ...nproc, '--', launch.file, ...launch.args] };
}

/**
 * The launch wrapped so that its first process joins `cgroup` before it execs (so every process it ever starts is
 * in it): `sh -c 'echo $$ > cgroup.procs && exec "$@"'`. A process that cannot join does not run.
 */
function inCgroup(cmd: { file: string; args: string[] }, cgroup: PidsCgroup | undefined): { file: string; args: string[] } {
  if (!cgroup) return cmd;
  const script = 'echo $$ > "$0" || { echo "[twins: could not join the sandbox\'s process cgroup]" >&2; exit 125; }; exec "$@"';
  return { file: '/bin/sh', args: ['-c', script, cgroup.procs, cmd.file, ...cmd.args] };
}

/** Removes a cgroup once its last process is reaped: a few tries, a little apart, off the caller's path. */
function removeCgroup(cgroup: PidsCgroup, tries = 20): void {
  if (cgroup.remove() || tries <= 0) return;
  setTimeout(() => {
    cgroup.kill();
    removeCgroup(cgroup, tries - 1);
  }, 100).unref();
}

/** Reads the wrapper's namespace pid from fd 4, runs the gate, then lets the wrapper go on by writing to fd 5. */
function openGate(
  child: ChildProcess,
  gate: (nsPid: number) => Promise<() => void>,
  on: { done: (undo: () => void) => void; failed: (why: string) => void },
): void {
  // Node types stdio as a 5-tuple; fds past 4 exist when asked for.
  const fds = child.stdio as unknown as unknown[];
  const info = fds[4] as Readable | null | undefined;
  const go = fds[5] as NodeJS.WritableStream | null | undefined;
  if (!info || !go) {
    on.failed('no pipe to the sandbox wrapper');
    return;
  }
  go.on('error', () => {}); // the wrapper died first: its exit is the result
  let text = '';
  let started = false;
  info.on('error', () => {});
  info.on('data', (b: Buffer) => {
    if (started || text.length > 65536) return;
    text += b.toString('utf8');
    const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
    if (!m) return;
    started = true;
    gate(Number(m[1])).then(
      (undo) => {
        on.done(undo);
        go.end('1');
      },
      (err: Error) => on.failed(err.message),
    );
  });
}

const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`);

/** Starts `launch` for `req` and supervises it until it ends; never throws for anything the command does. */
export function supervise(launch: Launch, req: SandboxRequest): SandboxProcess {
  const started = performance.now();
  const out = new OutputBuffer(Math.max(0, req.outputBytes), req.onOutput);
  if (launch.preamble) out.push(Buffer.from(`${launch.preamble}\n`));

  let timedOut = false;
  let processLimitHit = false;
  let workspaceLimitHit = false;
  let setupFailure: string | undefined;
  let killed = false;
  const known = new Map<number, ProcInfo>();
  // The kernel's count: a fork past pids.max fails, whoever the user is. Where no cgroup can be made, the /proc count
  // below is the only limit.
  const cgroup = createPidsCgroup(req.processes + (launch.helperProcesses ?? 0));

  const pipe = outputPipe();
  let child: ChildProcess | undefined;
  let spawnError: Error | undefined;
  try {
    const o = pipe ? pipe.write : 'pipe';
    const { file, args } = inCgroup(withRlimits(launch, req.processes), cgroup);
    const extra: ('pipe' | 'ignore')[] = launch.gate ? ['pipe', 'pipe', 'pipe'] : launch.fd3 ? ['pipe'] : [];
    if (launch.gate && !launch.fd3) extra[0] = 'ignore';
    child = spawn(file, args, {
      cwd: launch.cwd,
      env: launch.env,
      // stdin is /dev/null: an agent waiting for input would hang until its wall time.
      stdio: ['ignore', o, o, ...extra],
      // Its own process group, so the whole group can be signalled at once.
      detached: true,
    });
  } catch (err) {
    spawnError = err as Error;
  } finally {
    if (pipe) closeSync(pipe.write); // the child has its copy; ours would keep the pipe open forever
  }

  const streams: Readable[] = pipe
    ? // allowHalfOpen: at end of input the socket must not close our end before the holders were looked for.
      [new Socket({ fd: pipe.read, readable: true, writable: false, allowHalfOpen: true })]
    : [child?.stdout, child?.stderr].filter((s): s is Readable => s !== null && s !== undefined);
  for (const s of streams) {
    s.on('data', (b: Buffer) => out.push(b));
    s.on('error', () => {}); // a read error ends the output; the exit status still comes
  }

  const root = child?.pid;
  // Its start time, read at once: later, the pid alone might name some other process.
  const rootRef: ProcRef | undefined = root === undefined ? undefined : { pid: root, start: readInfo(root)?.start ?? -1 };
  const helper = (p: ProcInfo) => (root !== undefined && launch.isHelper ? launch.isHelper(p, root) : false);

  const killAll = () => {
    if (root === undefined) return;
    killed = true;
    cgroup?.kill();
    killTree(rootRef, known.values());
  };
  let undoGate: (() => void) | undefined;

  const stopWatching =
    root === undefined
      ? () => {}
      : watchProcesses((all) => {
          const tree = descendants(all, root);
          for (const p of tree) known.set(p.pid, p);
          const rootInfo = all.get(root);
          const counted = [...(rootInfo ? [rootInfo] : []), ...tree].filter((p) => p.state !== 'Z' && !helper(p)).length;
          // With a cgroup the count never passes the limit: the kernel refused a fork instead, and says so in pids.events.
          if ((counted > req.processes || (cgroup !== undefined && cgroup.refused() > 0)) && !killed) {
            processLimitHit = true;
            out.push(Buffer.from(`\n[twins: more than ${req.processes} processes at once; the sandbox was killed]\n`));
            killAll();
          }
        });

  const timer =
    root === undefined
      ? undefined
      : setTimeout(
          () => {
            if (killed) return;
            timedOut = true;
            out.push(Buffer.from(`\n[twins: wall time of ${seconds(req.wallMs)} reached; the sandbox was killed]\n`));
            killAll();
          },
          Math.max(0, req.wallMs),
        );

  const stopWorkspace =
    root === undefined || req.workspaceBytes === undefined
      ? () => {}
      : watchWorkspace(launch.cwd, req.workspaceBytes, (usage) => {
          if (killed) return;
          workspaceLimitHit = true;
          out.push(
            Buffer.from(
              `\n[twins: the workspace holds ${usage.tooMany ? 'too many entries' : `more than ${req.workspaceBytes} bytes`}; the sandbox was killed]\n`,
            ),
          );
          killAll();
        });

  const exited = new Promise<SandboxResult>((resolve) => {
    let finished = false;
    const finish = (exitCode: number | null, signal: string | null) => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      stopWatching();
      stopWorkspace();
      try {
        undoGate?.();
      } catch {
        // a helper that is already gone
      }
      if (cgroup) {
        cgroup.kill();
        removeCgroup(cgroup);
      }
      // The read end is still open here (the socket owns it until destroyed): what the command wrote is read first.
      if (pipe && streams[0] && !streams[0].destroyed && !streams[0].readableEnded) drainPipe(streams[0], pipe.read, (b) => out.push(b));
      for (const s of streams) s.destroy();
      out.flush();
      try {
        launch.cleanup?.();
      } catch {
        // a temp folder that will not go away is not the command's failure
      }
      const result: SandboxResult = {
        exitCode,
        signal,
        timedOut,
        outputTruncated: out.truncated,
        processLimitHit,
        ...(req.workspaceBytes === undefined ? {} : { workspaceLimitHit }),
        wallMs: Math.round(performance.now() - started),
        output: out.text(),
        isolation: launch.isolation,
      };
      if (setupFailure !== undefined) setupFailures.set(result, setupFailure);
      resolve(result);
    };

    if (!child || root === undefined) {
      const fail = (why: string) => {
        out.push(Buffer.from(`[twins: the sandbox could not start the command: ${why}]\n`));
        finish(null, null);
      };
      if (child) child.once('error', (e) => fail(e.message));
      else queueMicrotask(() => fail(spawnError?.message ?? `could not start ${launch.file}`));
      return;
    }

    child.on('error', () => {}); // a failed kill() of a process already gone is not news
    const fd3 = child.stdio[3] as NodeJS.WritableStream | null | undefined;
    if (fd3 && launch.fd3) {
      fd3.on('error', () => {}); // a wrapper that exits before reading its options closes the pipe: EPIPE is its result
      fd3.end(launch.fd3);
    }
    if (launch.gate)
      openGate(child, launch.gate, {
        done: (undo) => {
          undoGate = undo;
          if (finished || killed) undo();
        },
        failed: (why) => {
          if (killed || finished) return;
          setupFailure = why;
          out.push(Buffer.from(`[twins: the sandbox could not start the command: ${why}]\n`));
          killAll();
        },
      });
    child.once('exit', (code, sig) => {
      // The command is over: whatever it left running (background jobs, daemons) goes with it, including anything
      // that escaped the tree but still holds the output pipe.
      cgroup?.kill();
      killTree(rootRef, known.values());
      // Only while our end is open is the pipe's inode ours: once closed, a new pipe may have the same number.
      if (pipe && !streams[0]?.destroyed) for (const p of pipeHolders(pipe)) killTree(p, [p]);
      // Then wait for the output's end (every writer gone) for up to DRAIN_MS; finish() still reads what is left.
      let pending = streams.filter((s) => !s.readableEnded).length;
      const cut = setTimeout(() => finish(code, sig), DRAIN_MS);
      if (pending === 0) {
        clearTimeout(cut);
        finish(code, sig);
        return;
      }
      for (const s of streams) {
        if (s.readableEnded) continue;
        s.once('close', () => {
          if (--pending === 0) {
            clearTimeout(cut);
            finish(code, sig);
          }
        });
      }
    });
  });

  return {
    pid: root,
    isolation: launch.isolation,
    output: () => out.text(),
    exited,
    async stop() {
      if (rootRef === undefined) return exited;
      let over = false;
      void exited.then(() => {
        over = true;
      });
      // A polite SIGTERM to the command's own processes first, so an app can close its server; then everything dies.
      signalTree(rootRef, 'SIGTERM', helper);
      const grace = setTimeout(() => {
        if (!over) killAll();
      }, STOP_GRACE_MS);
      const result = await exited;
      clearTimeout(grace);
      return result;
    },
  };
}
