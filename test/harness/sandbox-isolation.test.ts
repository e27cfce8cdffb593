// The agent sandbox against what an app or agent would try: reaching the host's other listeners, reading host paths from mountinfo, filling memory-backed folders or the disk, fork bombs as root, and folders kept secret.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidsCgroupSupport } from '../../harness/sandbox/cgroup.ts';
import { createSandbox, PROJECT_ROOT, probeBubblewrap, type TwinsSandbox } from '../../harness/sandbox/index.ts';
import { probePasta } from '../../harness/sandbox/network.ts';
import { scanProcesses, stillAlive } from '../../harness/sandbox/process-tree.ts';
import { workspaceUsage } from '../../harness/sandbox/workspace-size.ts';
import type { SandboxRequest } from '../../harness/types.ts';
import { PlatformError } from '../../src/errors.ts';

const probe = probeBubblewrap();
const pasta = probePasta();
const cgroups = pidsCgroupSupport();
if (!probe.ok) console.warn(`SKIPPED: the sandbox isolation tests need a working bwrap: ${probe.reason}`);
if (!pasta.ok) console.warn(`SKIPPED: the sandbox network tests need pasta (CI installs Debian's passt): ${pasta.reason}`);
if (!cgroups.ok) console.warn(`SKIPPED: the fork bomb test needs a writable pids cgroup: ${cgroups.reason}`);
const withBwrap = describe.skipIf(!probe.ok);

let root: string;
let out: string;
let sandbox: TwinsSandbox;
const servers: Server[] = [];

/** A server on the host's loopback at a port of its own, answering `host <port>`. */
async function hostServer(): Promise<number> {
  const s = createServer((_req, res) => res.end(`host ${(s.address() as AddressInfo).port}`));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as AddressInfo).port;
}

/** A port nothing listens on now (the app's PORT, as the harness picks it). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** The TCP ports listening in a /proc/net/tcp or tcp6 text. */
function listening(text: string): Set<number> {
  const ports = new Set<number>();
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[3] === '0A' && f[1]) ports.add(Number.parseInt(f[1].split(':')[1] ?? '', 16));
  }
  return ports;
}

/** A fresh workspace under the run's out folder, as the runner lays them out. */
function workspace(name: string): string {
  const dir = join(out, 'trials', name, 'workspace');
  mkdirSync(dir, { recursive: true });
  return dir;
}

const req = (command: string, more: Partial<SandboxRequest> = {}): SandboxRequest => ({
  command,
  workspace: workspace('0'),
  env: {},
  wallMs: 20_000,
  outputBytes: 256 * 1024,
  processes: 64,
  ...more,
});

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'twins-sandbox-isolation-'));
  out = join(root, 'out');
  mkdirSync(out, { recursive: true });
  if (probe.ok) sandbox = createSandbox({ hide: [out] });
});

afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!probe.ok || !pasta.ok).concurrent('a network of its own', () => {
  it('reaches the given host ports and no other host listener; lists none; is reachable on its listen port', async () => {
    const twins = await hostServer();
    const other = await hostServer();
    const listenPort = await freePort();
    const inside = [
      'for f in tcp tcp6 unix; do echo "== $f"; cat /proc/net/$f; done',
      `node -e '
        const get = (p) => fetch("http://127.0.0.1:" + p + "/").then((r) => r.text(), (e) => "refused");
        (async () => {
          console.log("twins:", await get(${twins}));
          console.log("other:", await get(${other}));
          require("http").createServer((q, r) => r.end("the app")).listen(${listenPort}, "127.0.0.1", () => console.log("listening"));
        })()'`,
    ].join('; ');
    const p = sandbox.start(req(inside, { network: { hostPorts: [twins], listenPort } }));
    await expect.poll(() => p.output(), { timeout: 15_000 }).toContain('listening');
    const fromHost = await fetch(`http://127.0.0.1:${listenPort}/`).then((r) => r.text());
    const r = await p.stop();
    expect(fromHost).toBe('the app');
    expect(r.output).toContain(`twins: host ${twins}\n`);
    expect(r.output).toContain('other: refused\n');
    // Nothing of the host listens in there: only pasta's end of the twins' port (the app was not up yet at the cat).
    const [tcp = '', rest = ''] = r.output.split('== tcp6\n');
    const [tcp6 = '', unix = ''] = rest.split('== unix\n');
    const seen = new Set([...listening(tcp), ...listening(tcp6)]);
    expect([...seen].filter((port) => port !== twins)).toEqual([]);
    const hostListeners = listening(readFileSync('/proc/net/tcp', 'utf8'));
    expect(hostListeners.has(other)).toBe(true); // the host does list it: the check above means something
    // No unix socket of the host either (the table's rows start with a kernel address).
    expect(unix.split('\n').filter((l) => /^[0-9a-f]{8,}:/.test(l))).toEqual([]);
    expect(r.isolation).toBe('bubblewrap');
  }, 30_000);

  it('still reaches the outside world when the host does', async () => {
    // Name resolution and a TCP connection to the npm registry: what an install needs (TLS is the host's business).
    const connect = `require("net").connect(443, "registry.npmjs.org").on("connect", function () { console.log("connected"); this.destroy(); }).on("error", (e) => console.log("failed", e.code)).setTimeout(5000, function () { console.log("failed timeout"); this.destroy(); })`;
    const host = spawnSync(process.execPath, ['-e', connect], { encoding: 'utf8', timeout: 10_000 });
    if (host.stdout !== 'connected\n') {
      console.warn(`the host cannot reach registry.npmjs.org (${host.stdout.trim()}): the outside-world check is left out`);
      return;
    }
    const r = await sandbox.run(req(`node -e '${connect}'`, { network: { hostPorts: [] } }));
    expect(r.output).toBe('connected\n');
  }, 30_000);

  it('leaves no pasta behind when the harness itself is SIGKILLed', async ({ expect }) => {
    const script = join(root, 'harness.mts');
    const ws = workspace('orphan');
    writeFileSync(
      script,
      [
        `import { createSandbox } from ${JSON.stringify(join(PROJECT_ROOT, 'harness', 'sandbox', 'index.ts'))};`,
        `const p = createSandbox({ hide: [${JSON.stringify(out)}] }).start({ command: 'echo up; sleep 60', workspace: ${JSON.stringify(ws)}, env: {}, wallMs: 60000, outputBytes: 4096, processes: 16, network: { hostPorts: [] } });`,
        "const t = setInterval(() => { if (p.output().includes('up')) { console.log('UP'); clearInterval(t); } }, 20);",
      ].join('\n'),
    );
    const harness = spawn(process.execPath, ['--import', 'tsx', script], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let said = '';
    harness.stdout.on('data', (b: Buffer) => {
      said += b.toString();
    });
    await expect.poll(() => said, { timeout: 20_000 }).toContain('UP');
    const pastas = [...scanProcesses().values()].filter((p) => p.ppid === harness.pid && p.comm.startsWith('pas'));
    expect(pastas.length).toBe(1);
    harness.kill('SIGKILL');
    // Gone, or a zombie waiting for init: either way it holds no namespace and no port.
    await expect.poll(() => pastas.filter((p) => stillAlive(p)).length, { timeout: 5000 }).toBe(0);
  }, 40_000);

  it('refuses a network it cannot set up (the app port taken) as a failure of the machine, not of the command', async () => {
    const taken = await hostServer();
    const r = sandbox.run(req('echo RAN', { network: { hostPorts: [], listenPort: taken } }));
    await expect(r).rejects.toThrow(PlatformError);
    await expect(r).rejects.toThrow(/network could not be set up/);
  }, 30_000);

  it('without a network asked for, shares the host network as before', async () => {
    const port = await hostServer();
    const r = await sandbox.run(req(`node -e 'fetch("http://127.0.0.1:${port}/").then((r) => r.text()).then(console.log)'`));
    expect(r.output).toBe(`host ${port}\n`);
  });
});

withBwrap.concurrent('what the sandbox shows of the host', () => {
  it('names no repository, vault, task or out-folder path in its mount table', async () => {
    const ws = workspace('mountinfo');
    const r = await sandbox.run(req('cat /proc/self/mountinfo /proc/1/mountinfo; echo end', { workspace: ws }));
    expect(r.output).toContain('end\n');
    expect(r.output).toMatch(/ \/opt\/twins ro,/); // the toolbox is there, from somewhere neutral
    expect(r.output).not.toContain(PROJECT_ROOT);
    // The workspace's own path (and so the folder it is in) is the agent's to know: it is its cwd. Nothing else of the
    // out folder is.
    expect(r.output.split(ws).join('<workspace>').split(dirname(ws)).join('<parent>')).not.toContain(out);
  });

  it('caps /tmp, HOME and /dev/shm, and keeps /dev read-only', async () => {
    const r = await sandbox.run(
      req(
        [
          'grep -E " (/tmp|/home/agent|/dev/shm) " /proc/self/mountinfo',
          '(echo x > /dev/planted) 2>/dev/null && echo "WROTE /dev"',
          'head -c 300000000 /dev/zero > /dev/shm/fill 2>/dev/null || echo "SHM FULL at $(stat -c %s /dev/shm/fill)"',
        ].join('; '),
      ),
    );
    const sizes = new Map<string, number>();
    for (const line of r.output.split('\n')) {
      const m = / (\/\S+) .* - tmpfs \S+ .*size=(\d+)k/.exec(line);
      if (m?.[1] && m[2]) sizes.set(m[1], Number(m[2]) * 1024);
    }
    expect(sizes.get('/tmp')).toBe(2 * 1024 ** 3);
    expect(sizes.get('/home/agent')).toBe(2 * 1024 ** 3);
    expect(sizes.get('/dev/shm')).toBe(256 * 1024 ** 2);
    expect(r.output).not.toContain('WROTE');
    expect(r.output).toMatch(/SHM FULL at 268435456/);
  });

  it('never shows a secret folder, nor anything in it, even named through a link and with its parent shown', async () => {
    const shown = join(root, 'tasks-parent');
    const tasks = join(shown, 'my-tasks');
    const vault = join(shown, 'my-vault');
    mkdirSync(join(tasks, 'standup-bot', 'reference'), { recursive: true });
    mkdirSync(vault, { recursive: true });
    writeFileSync(join(tasks, 'standup-bot', 'reference', 'index.js'), 'the reference');
    writeFileSync(join(vault, 'holdout.age'), 'sealed');
    writeFileSync(join(shown, 'fine.txt'), 'fine\n');
    const link = join(root, 'vault-link');
    symlinkSync(vault, link);
    const secretive = createSandbox({ hide: [out], secret: [tasks, link] });
    const r = await secretive.run(
      req(
        [
          `cat '${join(shown, 'fine.txt')}'`,
          `ls -A '${tasks}' '${vault}'`,
          `cat '${join(tasks, 'standup-bot', 'reference', 'index.js')}' '${join(vault, 'holdout.age')}' 2>/dev/null`,
          'echo end',
        ].join('; '),
        { readOnly: [shown] },
      ),
    );
    expect(r.output).toBe(`fine\n${tasks}:\n\n${vault}:\nend\n`);
    // A workspace inside a secret folder is refused outright.
    await expect(secretive.run(req('true', { workspace: join(tasks, 'ws') }))).rejects.toThrow(/keeps secret/);
  });
});

withBwrap.concurrent('limits', () => {
  it('stops a command whose workspace grows past workspaceBytes', async () => {
    const ws = workspace('filler');
    const started = performance.now();
    const r = await sandbox.run(
      req('i=0; while true; do head -c 1048576 /dev/zero > f$i; i=$((i+1)); done', { workspace: ws, workspaceBytes: 16 * 1024 ** 2 }),
    );
    expect(r.workspaceLimitHit).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(r.output).toMatch(/the workspace holds more than 16777216 bytes; the sandbox was killed/);
    expect(performance.now() - started).toBeLessThan(15_000);
    const small = await sandbox.run(req('echo hi > note.txt', { workspace: workspace('small'), workspaceBytes: 16 * 1024 ** 2 }));
    expect(small.workspaceLimitHit).toBe(false);
    expect(small.exitCode).toBe(0);
  });

  it.skipIf(!cgroups.ok)('holds a fork bomb at the process limit, as root too, and removes its cgroup', async ({ expect }) => {
    const processes = 16;
    const p = sandbox.start(req('f() { f & f & wait; }; f', { processes, wallMs: 15_000 }));
    // The launch joins its cgroup before anything else runs: find it from the sandbox's first process.
    const ownCgroup = () =>
      readFileSync(`/proc/${p.pid}/cgroup`, 'utf8')
        .split('\n')
        .find((l) => /twins-sandbox-/.test(l));
    await expect.poll(ownCgroup, { timeout: 5000, interval: 5 }).toBeTruthy();
    const line = ownCgroup() as string;
    const cgroup = join(cgroups.base as string, line.slice(line.lastIndexOf('/') + 1));
    const max = Number(readFileSync(join(cgroup, 'pids.max'), 'utf8'));
    let most = 0;
    const sample = setInterval(() => {
      for (const file of ['pids.current', 'pids.peak']) {
        try {
          most = Math.max(most, Number(readFileSync(join(cgroup, file), 'utf8')));
        } catch {
          // no pids.peak on older kernels (the samples of pids.current stand in), or removed at the end
        }
      }
    }, 2);
    const r = await p.exited;
    clearInterval(sample);
    // bubblewrap's monitor and init, and the command's processes: never more.
    expect(max).toBe(processes + 2);
    expect(most).toBeLessThanOrEqual(max);
    expect(most).toBeGreaterThanOrEqual(processes); // it did press against the limit
    expect(r.processLimitHit).toBe(true);
    expect(r.timedOut).toBe(false);
    await expect.poll(() => existsSync(cgroup), { timeout: 5000 }).toBe(false);
    // The harness is fine, and the next command runs.
    expect((await sandbox.run(req('echo after'))).output).toBe('after\n');
  });
});

describe('workspaceUsage', () => {
  it('counts files once, at their size, never through links', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twins-usage-'));
    try {
      writeFileSync(join(dir, 'a'), Buffer.alloc(100_000));
      linkSync(join(dir, 'a'), join(dir, 'a-again'));
      symlinkSync('/usr', join(dir, 'usr-link'));
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'sub', 'b'), Buffer.alloc(50_000));
      const u = await workspaceUsage(dir);
      // 150 kB of files plus folder blocks and the link itself: far from /usr's size.
      expect(u.bytes).toBeGreaterThanOrEqual(150_000);
      expect(u.bytes).toBeLessThan(150_000 + 64 * 1024);
      expect(u.tooMany).toBe(false);
      expect((await workspaceUsage(dir, 120_000)).bytes).toBeGreaterThan(120_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
