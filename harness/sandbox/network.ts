// A sandboxed command's own network: pasta (from passt) joined to bubblewrap's network namespace, forwarding only the host ports asked for.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable } from './process-tree.ts';

/** What the network of a sandboxed command may reach: `SandboxRequest.network`. */
export interface NetworkSpec {
  hostPorts: number[];
  listenPort?: number;
}

/** pasta on this machine, found once. */
export interface PastaProbe {
  ok: boolean;
  file?: string;
  reason?: string;
}

/** pasta, once ready: the process forwarding the namespace's traffic, and how to stop it. */
export interface AttachedNetwork {
  pid: number | undefined;
  stop(): void;
}

/**
 * The resolver the sandbox's resolv.conf names: pasta answers it by asking the host's first nameserver from the host.
 * The host's own resolv.conf may name a loopback resolver (systemd-resolved's 127.0.0.53), which the namespace's
 * loopback is not.
 */
export const DNS_FORWARD = '169.254.1.53';

/** The sandbox's resolv.conf for a network of its own: the host's search and options lines, and DNS_FORWARD as the one nameserver. */
export function sandboxResolvConf(host: string): string {
  const kept = host.split('\n').filter((l) => /^\s*(search|domain|options)\b/.test(l));
  return `${[...kept, `nameserver ${DNS_FORWARD}`].join('\n')}\n`;
}

/** How long pasta may take to configure the namespace before the command is given up on. */
const ATTACH_TIMEOUT_MS = 10_000;

let probed: PastaProbe | undefined;

/**
 * util-linux's setpriv, to start pasta with a parent-death signal: pasta holds the namespace (and the app's port on
 * the host) for as long as it lives, so it must not outlive a harness that is SIGKILLed.
 */
const SETPRIV = findExecutable('setpriv');

/** Whether pasta is installed and runs (`pasta --version`). */
export function probePasta(): PastaProbe {
  if (probed) return probed;
  const file = findExecutable('pasta');
  if (!file) {
    probed = { ok: false, reason: 'pasta is not installed (Debian/Ubuntu: apt-get install passt)' };
    return probed;
  }
  const r = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 5000 });
  probed =
    r.status === 0
      ? { ok: true, file }
      : { ok: false, file, reason: `pasta --version failed: ${(r.stderr || r.error?.message || '').trim()}` };
  return probed;
}

const validPort = (p: number) => Number.isInteger(p) && p > 0 && p < 65536;

/**
 * pasta's arguments for joining the network namespace of `nsPid` (bubblewrap's namespace init). Every automatic
 * forward is turned off (pasta's default, `auto`, would forward every port the host listens on): TCP from the
 * namespace reaches the host's loopback only on `hostPorts` (`-T`), the host reaches the namespace only on
 * `listenPort`, bound to the host's 127.0.0.1 (`-t`), no UDP either way, and the gateway address is not mapped to the
 * host (`--no-map-gw`). Name lookups sent to DNS_FORWARD go to the host's resolver. Outbound connections to anything
 * else go out through the host's sockets: the outside world.
 */
export function pastaArgs(nsPid: number, spec: NetworkSpec, pidFile: string, uid: number): string[] {
  for (const p of [...spec.hostPorts, ...(spec.listenPort === undefined ? [] : [spec.listenPort])]) {
    if (!validPort(p)) throw new Error(`not a TCP port: ${p}`);
  }
  const hostPorts = [...new Set(spec.hostPorts)];
  const args = [
    '--config-net',
    '--foreground',
    '--quiet',
    '--no-map-gw',
    '--dns-forward',
    DNS_FORWARD,
    '--tcp-ports',
    spec.listenPort === undefined ? 'none' : `127.0.0.1/${spec.listenPort}`,
    '--tcp-ns',
    hostPorts.length > 0 ? hostPorts.join(',') : 'none',
    '--udp-ports',
    'none',
    '--udp-ns',
    'none',
    '--pid',
    pidFile,
  ];
  // As root, pasta would drop to nobody, who may not enter the namespace: it stays root, and root may enter it
  // without joining its user namespace. Any other user owns bubblewrap's user namespace and joins it first.
  if (uid === 0) args.push('--runas', '0', '--netns', `/proc/${nsPid}/ns/net`, '--netns-only');
  else args.push('--userns', `/proc/${nsPid}/ns/user`, '--netns', `/proc/${nsPid}/ns/net`);
  return args;
}

/**
 * Starts pasta on the network namespace of `nsPid` and resolves once it is configured (pasta writes its pid file
 * then); rejects with pasta's own words when it fails or takes longer than ATTACH_TIMEOUT_MS.
 */
export function attachNetwork(nsPid: number, spec: NetworkSpec): Promise<AttachedNetwork> {
  const probe = probePasta();
  if (!probe.ok || !probe.file) return Promise.reject(new Error(probe.reason ?? 'pasta is not available'));
  const dir = mkdtempSync(join(tmpdir(), 'twins-net-'));
  const pidFile = join(dir, 'pasta.pid');
  let child: ChildProcess;
  try {
    const args = pastaArgs(nsPid, spec, pidFile, process.getuid?.() ?? 0);
    child = SETPRIV
      ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', probe.file, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(probe.file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return Promise.reject(err);
  }
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    if (stderr.length < 4096) stderr += b.toString('utf8');
  });
  child.on('error', () => {}); // reported through exit or the timeout
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  return new Promise<AttachedNetwork>((resolve, reject) => {
    const started = performance.now();
    let done = false;
    const fail = (why: string) => {
      if (done) return;
      done = true;
      stop();
      // pasta also tries the system log; those lines say nothing about why it failed.
      const words = stderr
        .split('\n')
        .filter((l) => l.trim() && !/syslog/.test(l))
        .join('; ');
      reject(new Error(`${why}${words ? `: ${words}` : ''}`));
    };
    child.once('exit', (code, sig) => fail(`pasta exited (${sig ?? code}) before the network was up`));
    const poll = () => {
      if (done) return;
      let ready = false;
      try {
        ready = readFileSync(pidFile, 'utf8').trim() !== '';
      } catch {
        // not yet written
      }
      if (ready) {
        done = true;
        child.removeAllListeners('exit');
        resolve({ pid: child.pid, stop });
      } else if (performance.now() - started > ATTACH_TIMEOUT_MS) fail(`pasta did not set the network up within ${ATTACH_TIMEOUT_MS} ms`);
      else setTimeout(poll, 10);
    };
    poll();
  });
}
