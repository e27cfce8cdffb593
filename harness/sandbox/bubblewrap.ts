// The bubblewrap sandbox: a new mount, pid, ipc, uts and user namespace in which only the workspace is writable and nothing of the repository, the vault or the identity exists.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { PlatformError } from '../../src/errors.ts';
import type { Sandbox, SandboxProcess, SandboxRequest, SandboxResult } from '../types.ts';
import { pidsCgroupSupport } from './cgroup.ts';
import { attachNetwork, probePasta, sandboxResolvConf } from './network.ts';
import { assertShowable, type ProtectedPath, protectedInside, real, within } from './paths.ts';
import { findExecutable } from './process-tree.ts';
import { type Launch, setupFailures, supervise } from './supervise.ts';
import { stagedToolbox, TOOLBOX_DIR, type Toolbox } from './toolbox.ts';

/** What `bwrap` on this machine can do, found once by running it. */
export interface BubblewrapProbe {
  ok: boolean;
  /** Why it cannot be used, when it cannot (bwrap's own message). */
  reason?: string;
  version?: string;
  /** `--unshare-user --disable-userns` worked: the sandbox cannot make user namespaces of its own. */
  disableUserns: boolean;
  /** `--size` is understood: tmpfs mounts are capped. */
  tmpfsSize: boolean;
}

/** Always dropped: uid 0 in the sandbox keeps every capability otherwise, and with them could remount read-only binds writable. */
const HARDENING = ['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL'];
/** Without a network of its own, a command keeps the host's (`--unshare-all` takes it away otherwise). */
const SHARE_NET = ['--share-net'];
const NO_USERNS = ['--unshare-user', '--disable-userns'];

/** The system folders a build needs, read-only. On merged-/usr systems /bin, /lib… are symlinks and are recreated as such. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * /etc, reduced to what name resolution, TLS and the dynamic linker read. Nothing with credentials: not shadow, not
 * npmrc or gitconfig (they may hold tokens), not ssl/private. passwd and group are written fresh (see etcFiles).
 */
const ETC_ENTRIES = [
  'resolv.conf',
  'hosts',
  'host.conf',
  'nsswitch.conf',
  'gai.conf',
  'services',
  'protocols',
  'localtime',
  'timezone',
  'os-release',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'mime.types',
  'alternatives',
  'ca-certificates.conf',
  'ssl/certs',
  'ssl/openssl.cnf',
  'pki/tls/certs',
  'pki/ca-trust',
];

/** Default PATH inside: the usual system folders; the toolbox's bin/ is appended when it is mounted. */
export const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** HOME when the request names none: a fresh tmpfs per command. */
export const SANDBOX_HOME = '/home/agent';
/** Each writable tmpfs (/tmp, HOME) is capped at this many bytes where bwrap supports --size: a full tmpfs must not eat the machine's memory. */
export const TMPFS_BYTES = 2 * 1024 ** 3;
/** /dev/shm, a tmpfs of its own (bwrap's --dev makes it a folder of an uncapped /dev): shared memory for the few tools that use it. */
export const SHM_BYTES = 256 * 1024 ** 2;
/** The empty tmpfs over a masked path or around the workspace: read-only once the mounts inside it are made, and tiny meanwhile. */
const MASK_BYTES = 64 * 1024;
/** bubblewrap's own processes for a command: the monitor (the launched process) and the namespace's init. */
const BWRAP_HELPERS = 2;

let probed: BubblewrapProbe | undefined;

/** bwrap's absolute path: spawn looks commands up on the child's PATH, which is the agent's, not ours. */
const BWRAP = findExecutable('bwrap');

function tryRun(args: string[]): { ok: boolean; out: string } {
  if (!BWRAP) return { ok: false, out: 'bwrap is not installed (no bwrap on PATH)' };
  const r = spawnSync(BWRAP, args, { encoding: 'utf8', timeout: 10_000, env: { PATH: SANDBOX_PATH } });
  return { ok: r.status === 0, out: `${r.stderr ?? ''}${r.stdout ?? ''}${r.error ? r.error.message : ''}`.trim() };
}

/** Runs `bwrap … true` once per process with the options the sandbox uses and remembers what worked. */
export function probeBubblewrap(): BubblewrapProbe {
  if (probed) return probed;
  const version = tryRun(['--version']);
  if (!version.ok) {
    probed = { ok: false, reason: version.out || 'bwrap is not installed', disableUserns: false, tmpfsSize: false };
    return probed;
  }
  const help = tryRun(['--help']).out;
  const base = [...SHARE_NET, ...systemMounts(), '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--', '/bin/sh', '-c', 'exit 0'];
  const tmpfsSize = help.includes('--size');
  let disableUserns = help.includes('--disable-userns');
  let run = disableUserns ? tryRun([...HARDENING, ...NO_USERNS, ...base]) : { ok: false, out: '' };
  if (!run.ok) {
    disableUserns = false;
    run = tryRun([...HARDENING, ...base]);
  }
  probed = { ok: run.ok, reason: run.ok ? undefined : run.out, version: version.out, disableUserns, tmpfsSize };
  return probed;
}

/** The read-only system folders, or the symlinks that stand for them. */
function systemMounts(): string[] {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(dir);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else if (st.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  return args;
}

let etcDir: string | undefined;

/**
 * passwd and group with only root, the current user and nobody (the host's list of accounts is none of the agent's
 * business), and the resolv.conf of a sandbox with its own network. Kept in one folder per user and content
 * (`twins-sandbox-etc-UID-HASH` in the temp dir), made once and shared by every process, so nothing is left behind per
 * run; a folder of that name that is not ours, or not private, is not trusted and a fresh one is made.
 */
function etcFiles(): string {
  if (etcDir && existsSync(etcDir)) return etcDir;
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const users = ['root:x:0:0:root:/root:/bin/sh'];
  const groups = ['root:x:0:'];
  if (uid !== 0) users.push(`agent:x:${uid}:${gid}:agent:${SANDBOX_HOME}:/bin/sh`);
  if (gid !== 0) groups.push(`agent:x:${gid}:`);
  users.push('nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin');
  groups.push('nogroup:x:65534:');
  let hostResolv = '';
  try {
    hostResolv = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    // no resolver configured: the sandbox's names only the forwarder
  }
  // resolv.conf serves commands with a network of their own (see sandboxResolvConf); the others see the host's.
  const files = { passwd: `${users.join('\n')}\n`, group: `${groups.join('\n')}\n`, 'resolv.conf': sandboxResolvConf(hostResolv) };
  const hash = createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 12);
  const shared = join(tmpdir(), `twins-sandbox-etc-${uid}-${hash}`);
  const trusted = (dir: string) => {
    try {
      const st = lstatSync(dir);
      return (
        st.isDirectory() &&
        st.uid === uid &&
        (st.mode & 0o077) === 0 &&
        Object.entries(files).every(([f, text]) => readFileSync(join(dir, f), 'utf8') === text)
      );
    } catch {
      return false;
    }
  };
  if (!trusted(shared)) {
    // Made aside and renamed into place, so a concurrent process sees either nothing or the whole folder.
    const fresh = mkdtempSync(join(tmpdir(), 'twins-sandbox-etc-new-'));
    for (const [f, text] of Object.entries(files)) writeFileSync(join(fresh, f), text);
    try {
      renameSync(fresh, shared);
    } catch {
      // Another process got there first (or a stranger's folder is in the way): use ours if theirs is not trusted.
      if (!trusted(shared)) {
        etcDir = fresh;
        return fresh;
      }
      rmSync(fresh, { recursive: true, force: true });
    }
  }
  etcDir = shared;
  return shared;
}

type Mount =
  | { op: 'ro-bind' | 'bind'; src: string; dest: string }
  | { op: 'tmpfs'; dest: string; bytes: number; readOnly?: boolean }
  | { op: 'mask-file'; dest: string }
  | { op: 'symlink'; target: string; dest: string }
  | { op: 'dir'; dest: string };

const depth = (p: string) => p.split('/').filter(Boolean).length;

/** Options for a BubblewrapSandbox. */
export interface BubblewrapOptions {
  probe: BubblewrapProbe;
  protect: ProtectedPath[];
  toolbox?: Toolbox;
}

/** Builds bwrap's arguments for `req`: every mount, ordered parents first, with protected paths masked wherever a shown folder holds them. */
export function bubblewrapArgs(req: SandboxRequest, opts: BubblewrapOptions): { args: string[]; env: Record<string, string>; cwd: string } {
  const workspace = real(req.workspace);
  assertShowable(workspace, 'The workspace', opts.protect);
  mkdirSync(workspace, { recursive: true });

  const mounts: Mount[] = [];
  const show = (op: 'ro-bind' | 'bind', src: string, dest: string) => {
    mounts.push({ op, src, dest });
    const inside = [...new Map(protectedInside(src, opts.protect).map((p) => [p.path, p])).values()];
    // A path inside another masked one is already out of sight.
    const outermost = inside.filter((p) => !inside.some((q) => q.path !== p.path && within(p.path, q.path)));
    for (const p of outermost) {
      const at = join(dest, relative(src, p.path));
      mounts.push(p.isFile ? { op: 'mask-file', dest: at } : { op: 'tmpfs', dest: at, bytes: MASK_BYTES, readOnly: true });
    }
  };

  for (const dir of SYSTEM_DIRS) {
    try {
      if (lstatSync(dir).isDirectory()) show('ro-bind', dir, dir);
    } catch {
      // absent on this system
    }
  }
  // Node may live outside /usr (actions/setup-node, nvm): its install folder is shown read-only where it is, when it
  // is one (it has include/node); otherwise only the executable, so a node in ~/bin does not show the whole home.
  const nodeExe = real(process.execPath);
  const nodeBin = dirname(nodeExe);
  const nodePrefix = dirname(nodeBin);
  const nodeOutside = !SYSTEM_DIRS.some((d) => within(nodeExe, d));
  if (nodeOutside) {
    if (existsSync(join(nodePrefix, 'include', 'node'))) show('ro-bind', nodePrefix, nodePrefix);
    else show('ro-bind', nodeExe, nodeExe);
  }

  const etc = etcFiles();
  for (const entry of ETC_ENTRIES) {
    const src = `/etc/${entry}`;
    if (entry === 'resolv.conf' && req.network) show('ro-bind', join(etc, 'resolv.conf'), src);
    else if (!existsSync(src)) continue;
    // A link into a system folder already shown (/etc/localtime -> /usr/share/zoneinfo/…) stays a link: a bind of its
    // target would be one more host path in the mount table for nothing.
    else if (lstatSync(src).isSymbolicLink() && SYSTEM_DIRS.some((d) => within(real(src), d) && !lstatSync(d).isSymbolicLink())) {
      mounts.push({ op: 'symlink', target: readlinkSync(src), dest: src });
    } else show('ro-bind', real(src), src);
  }
  show('ro-bind', join(etc, 'passwd'), '/etc/passwd');
  show('ro-bind', join(etc, 'group'), '/etc/group');

  for (const extra of req.readOnly ?? []) {
    const src = real(extra);
    assertShowable(src, 'A read-only folder', opts.protect);
    if (existsSync(src)) show('ro-bind', src, src);
  }
  // The staged copy, not the project: a bind's source shows in /proc/self/mountinfo (see stagedToolbox).
  // One bind for all of it: the stage holds the toolbox's entries and nothing else.
  if (opts.toolbox) show('ro-bind', stagedToolbox(opts.toolbox).root, TOOLBOX_DIR);

  mounts.push({ op: 'tmpfs', dest: '/tmp', bytes: TMPFS_BYTES });
  show('bind', workspace, workspace);

  const env: Record<string, string> = { ...req.env };
  let path = env.PATH ?? SANDBOX_PATH;
  if (nodeOutside && !path.split(':').includes(nodeBin)) path = `${path}:${nodeBin}`;
  if (opts.toolbox && !path.split(':').includes(`${TOOLBOX_DIR}/bin`)) path = `${path}:${TOOLBOX_DIR}/bin`;
  env.PATH = path;
  env.HOME ??= SANDBOX_HOME;
  env.TMPDIR ??= '/tmp';
  // HOME and TMPDIR must be writable: inside the workspace or /tmp they are; anywhere else they get a tmpfs of their own.
  for (const dir of new Set([env.HOME, env.TMPDIR])) {
    if (!dir.startsWith('/')) continue;
    const r = real(dir);
    if (within(r, workspace)) mkdirSync(r, { recursive: true });
    else if (within(r, '/tmp')) mounts.push({ op: 'dir', dest: r });
    else if (!mounts.some((m) => m.op !== 'dir' && m.op !== 'mask-file' && (within(m.dest, r) || within(r, m.dest)))) {
      // Only where nothing else is mounted: a tmpfs over /usr or around the workspace would hide what is needed.
      mounts.push({ op: 'tmpfs', dest: r, bytes: TMPFS_BYTES });
    }
  }

  // The folder around the workspace: an empty tmpfs, read-only once the workspace is mounted in it, so nothing can be
  // left beside the workspace (where the agent would otherwise find a writable mount point in the sandbox's /tmp).
  const parent = dirname(workspace);
  const guardParent = parent !== '/' && !mounts.some((m) => m.dest !== workspace && !within(m.dest, workspace) && within(m.dest, parent));
  if (guardParent) mounts.push({ op: 'tmpfs', dest: parent, bytes: MASK_BYTES, readOnly: true });

  // Parents before children: a tmpfs or bind must be in place before anything is mounted inside it. The sort is stable,
  // so a mask stays after the bind it masks.
  const ordered = mounts.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m.dest) - depth(b.m.dest) || a.i - b.i);

  const sized = (bytes: number) => (opts.probe.tmpfsSize ? ['--size', String(bytes)] : []);
  const args = [
    ...HARDENING,
    ...(req.network ? [] : SHARE_NET),
    ...(opts.probe.disableUserns ? NO_USERNS : []),
    '--hostname',
    'twins-sandbox',
  ];
  // With a network of its own, bubblewrap says its namespace's pid on fd 4 and waits on fd 5 until pasta has set it up.
  if (req.network) args.push('--info-fd', '4', '--block-fd', '5');
  for (const dir of SYSTEM_DIRS) {
    try {
      if (lstatSync(dir).isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    } catch {
      // absent
    }
  }
  // /dev as bubblewrap makes it (null, zero, random, tty, pts…), then read-only, with a capped tmpfs at /dev/shm: its
  // own /dev is an uncapped tmpfs that would take gigabytes of the machine's memory.
  args.push('--proc', '/proc', '--dev', '/dev', ...sized(SHM_BYTES), '--tmpfs', '/dev/shm', '--remount-ro', '/dev');
  const readOnlyAfter: string[] = [];
  for (const { m } of ordered) {
    if (m.op === 'ro-bind' || m.op === 'bind') args.push(`--${m.op}`, m.src, m.dest);
    else if (m.op === 'tmpfs') {
      args.push(...sized(m.bytes), '--tmpfs', m.dest);
      if (m.readOnly) readOnlyAfter.push(m.dest);
    } else if (m.op === 'mask-file') args.push('--ro-bind', '/dev/null', m.dest);
    else if (m.op === 'symlink') args.push('--symlink', m.target, m.dest);
    else args.push('--dir', m.dest);
  }
  // Nothing else of the new root is writable: no stray files outside the workspace, /tmp and HOME (not in a mask,
  // not beside the workspace). Deepest first, though a remount does not reach the mounts inside anyway.
  for (const dest of readOnlyAfter.sort((a, b) => depth(b) - depth(a))) args.push('--remount-ro', dest);
  args.push('--remount-ro', '/', '--chdir', workspace);
  return { args, env, cwd: workspace };
}

/** Whether `p` is one of bubblewrap's own processes (the monitor we started, or the namespace's init). */
function isBwrapHelper(p: { pid: number; ppid: number; comm: string }, root: number): boolean {
  return p.comm === 'bwrap' && (p.pid === root || p.ppid === root);
}

/** A sandbox that runs every command under bubblewrap. */
export class BubblewrapSandbox implements Sandbox {
  readonly kind = 'bubblewrap' as const;
  constructor(private readonly opts: BubblewrapOptions) {}

  /** Where the toolbox is inside the sandbox, or undefined when it is not mounted. */
  get toolbox(): string | undefined {
    return this.opts.toolbox ? TOOLBOX_DIR : undefined;
  }

  describe(): string {
    const userns = this.opts.probe.disableUserns ? '' : ' (this bwrap cannot forbid nested user namespaces)';
    const pasta = probePasta();
    const cgroup = pidsCgroupSupport();
    return (
      `bubblewrap${this.opts.probe.version ? ` ${this.opts.probe.version.replace(/^bubblewrap\s*/, '')}` : ''}: only the workspace is writable; ` +
      'the repository, the vault, the identity, the reference solutions and other trials are not mounted; ' +
      `environment cleared to an allow-list; own mount, pid, ipc, uts and user namespaces, no capabilities${userns}; ` +
      (pasta.ok
        ? "a command given a network gets its own (pasta): the host's loopback only on the ports it is given, the internet as this machine's egress allows; otherwise the host's network is shared; "
        : `network shared with the host, even when a network of its own is asked for (${pasta.reason}); `) +
      `${this.opts.toolbox ? `read-only toolbox at ${TOOLBOX_DIR} (twins run with public scenarios); ` : ''}` +
      `${this.opts.probe.tmpfsSize ? '/tmp, HOME and /dev/shm size-capped; ' : '/tmp, HOME and /dev/shm NOT size-capped (this bwrap has no --size); '}` +
      'limits on wall time, output, workspace bytes and processes' +
      (cgroup.ok
        ? ` (processes held by a pids cgroup v${cgroup.version})`
        : ` (processes counted from /proc every 100 ms only, no cgroup: ${cgroup.reason}; as root a fork loop gets that long)`)
    );
  }

  private launch(req: SandboxRequest): Launch {
    const { args, env, cwd } = bubblewrapArgs(req, this.opts);
    const network = req.network;
    if (network && !probePasta().ok) {
      throw new PlatformError(
        'TWINS_SANDBOX_UNAVAILABLE',
        `a sandboxed command asked for a network of its own, and ${probePasta().reason}`,
        'Install passt (Debian/Ubuntu: apt-get install passt), which gives each sandbox its own network namespace with only the ports it is given.',
      );
    }
    return {
      helperProcesses: BWRAP_HELPERS,
      gate: network ? (nsPid) => attachNetwork(nsPid, network).then((n) => n.stop) : undefined,
      file: BWRAP ?? 'bwrap',
      // The options go through fd 3 so that /proc/1/cmdline inside shows none of the host's paths.
      args: ['--args', '3', '--', '/bin/sh', '-c', req.command],
      fd3: Buffer.from(`${args.join('\0')}\0`),
      env,
      cwd: statSync(cwd).isDirectory() ? cwd : '/',
      isolation: 'bubblewrap',
      isHelper: isBwrapHelper,
    };
  }

  /**
   * Runs `req` to its end. Rejects only for a request that would show what must stay hidden (TWINS_SANDBOX_PATH), or
   * when the sandbox could not be set up around the command (TWINS_SANDBOX_UNAVAILABLE: its network).
   */
  async run(req: SandboxRequest): Promise<SandboxResult> {
    const result = await supervise(this.launch(req), req).exited;
    const why = setupFailures.get(result);
    // The command never ran: the machine's failure (an infrastructure error for the trial), not the agent's.
    if (why !== undefined) {
      throw new PlatformError(
        'TWINS_SANDBOX_UNAVAILABLE',
        `the sandbox's network could not be set up: ${why}`,
        'Check that passt is installed and that pasta can enter network namespaces here (it runs as root when the harness does); the output of `pasta --version` and the message above say more.',
      );
    }
    return result;
  }

  /** Starts `req` (the app) and returns at once; throws (TWINS_SANDBOX_PATH) only for a request that would show what must stay hidden. */
  start(req: SandboxRequest): SandboxProcess {
    return supervise(this.launch(req), req);
  }
}
