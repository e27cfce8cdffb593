// The agent sandbox: what bubblewrap hides and allows, the limits (time, output, processes) killing whole trees, and the plain fallback saying it isolates nothing.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, NO_ISOLATION_NOTICE, PROJECT_ROOT, probeBubblewrap, type TwinsSandbox } from '../../harness/sandbox/index.ts';
import { parseStat } from '../../harness/sandbox/process-tree.ts';
import type { SandboxRequest } from '../../harness/types.ts';
import { PlatformError } from '../../src/errors.ts';

const probe = probeBubblewrap();
if (!probe.ok)
  console.warn(`SKIPPED: the bubblewrap sandbox tests need a working bwrap (CI installs Debian's bubblewrap): ${probe.reason}`);
const withBwrap = describe.skipIf(!probe.ok);

let root: string;
let out: string;
let workspace: string;
let bwrap: TwinsSandbox;
let plain: TwinsSandbox;
const warnings: string[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'twins-sandbox-test-'));
  // The runner's layout: an out folder holding the run's results and every trial's workspace.
  out = join(root, 'out');
  workspace = join(out, 'trials', '0', 'workspace');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(join(out, 'trials', '1', 'workspace'), { recursive: true });
  writeFileSync(join(out, 'trials', '1', 'workspace', 'secret.txt'), 'another trial');
  writeFileSync(join(out, 'run.json'), '{}');
  process.env.TWINS_SANDBOX_TEST_HOST_SECRET = 'must-not-leak';
  if (probe.ok) bwrap = createSandbox({ hide: [out] });
  plain = createSandbox({ prefer: 'none', log: (l) => warnings.push(l) });
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const req = (command: string, more: Partial<SandboxRequest> = {}): SandboxRequest => ({
  command,
  workspace,
  env: { ONLY: 'this' },
  wallMs: 15_000,
  outputBytes: 64 * 1024,
  processes: 64,
  ...more,
});

/** Host processes whose command line holds `token`, excluding zombies. */
function survivors(token: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const stat = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      if (cmd.includes(token) && stat?.state !== 'Z') found.push(Number(pid));
    } catch {
      // gone
    }
  }
  return found;
}

/** A number no other process has on its command line: `sleep 3000.<n>` marks the processes of one test. */
const token = () => `3000.${randomBytes(4).readUInt32BE()}`;

withBwrap.concurrent('bubblewrap', () => {
  it('describes what it isolates', () => {
    expect(bwrap.kind).toBe('bubblewrap');
    expect(bwrap.describe()).toMatch(/only the workspace is writable/);
    expect(bwrap.describe()).toMatch(/otherwise the host's network is shared|network shared with the host/);
  });

  it('hides the repository, the vault, the identity folder, other trials and the out folder', async () => {
    const paths = [
      PROJECT_ROOT,
      join(PROJECT_ROOT, 'scenarios', 'vault'),
      join(PROJECT_ROOT, 'harness'),
      join(homedir(), '.config', 'twins'),
    ];
    const r = await bwrap.run(
      req(
        [
          ...paths.map((p) => `test -e '${p}' && echo "VISIBLE ${p}"`),
          `ls -A '${join(out, 'trials')}' '${join(out, 'trials', '1')}' 2>&1`,
          `test -e '${join(out, 'run.json')}' && echo "VISIBLE run.json"`,
          `test -e '${join(out, 'trials', '1', 'workspace', 'secret.txt')}' && echo "VISIBLE sibling"`,
          // bwrap took its options on fd 3: its command line shows none of the host's paths.
          'echo "binds in cmdline: $(tr "\\0" "\\n" < /proc/1/cmdline | grep -cx -e --ro-bind)"',
          'echo done',
        ].join('; '),
      ),
    );
    expect(r.exitCode).toBe(0);
    expect(r.output).not.toMatch(/VISIBLE/);
    // Only the path down to this workspace exists, as empty folders bubblewrap made to mount it on.
    expect(r.output).toMatch(/trials:\n0\n/);
    expect(r.output).toContain('binds in cmdline: 0\ndone\n');
  });

  it('masks protected paths inside a folder it is asked to show', async () => {
    const shown = join(root, 'shown');
    const hidden = join(shown, 'private');
    mkdirSync(hidden, { recursive: true });
    writeFileSync(join(shown, 'ok.txt'), 'fine\n');
    writeFileSync(join(hidden, 'secret.txt'), 'secret');
    const sandbox = createSandbox({ hide: [out, hidden] });
    const r = await sandbox.run(req(`cat '${join(shown, 'ok.txt')}'; ls -A '${hidden}'; echo end`, { readOnly: [shown] }));
    expect(r.output).toBe('fine\nend\n');
  });

  it('refuses to show the vault or the repository itself', async () => {
    const inVault = bwrap.run(req('true', { workspace: join(PROJECT_ROOT, 'scenarios', 'vault', 'ws') }));
    await expect(inVault).rejects.toThrow(PlatformError);
    await expect(inVault).rejects.toThrow(/lies inside the vault/);
    expect(existsSync(join(PROJECT_ROOT, 'scenarios', 'vault', 'ws'))).toBe(false);
    try {
      bwrap.start(req('true', { readOnly: [PROJECT_ROOT] }));
      expect.unreachable();
    } catch (err) {
      expect((err as PlatformError).code).toBe('TWINS_SANDBOX_PATH');
    }
  });

  it('clears the environment to exactly what the request gives, plus PATH, HOME and TMPDIR', async () => {
    const r = await bwrap.run(req('env'));
    const names = r.output
      .trim()
      .split('\n')
      .map((l) => l.split('=')[0])
      .sort();
    expect(names).toEqual(['HOME', 'ONLY', 'PATH', 'PWD', 'TMPDIR']);
    expect(r.output).toContain('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/twins/bin');
    expect(r.output).not.toContain('must-not-leak');
  });

  it('lets the command write its workspace, /tmp and HOME, and nothing else, not even by remounting', async () => {
    const r = await bwrap.run(
      req(
        [
          'echo made > made.txt',
          ...['/usr', '/etc', '/opt/twins', '/opt/twins/bin', '/', '/proc/sys'].map(
            (d) => `(echo x > '${d}/x') 2>/dev/null && echo "WROTE ${d}"`,
          ),
          // The folders above the workspace are bubblewrap's mount points in the sandbox's own /tmp: whatever lands there stays there.
          'echo x > ../x',
          'mount -o remount,rw,bind /opt/twins 2>/dev/null && echo REMOUNTED',
          'echo t > /tmp/t && echo TMP-OK',
          'echo h > "$HOME/h" && echo HOME-OK',
        ].join('; '),
      ),
    );
    expect(r.output).not.toMatch(/WROTE|REMOUNTED/);
    expect(r.output).toContain('TMP-OK\nHOME-OK');
    expect(readFileSync(join(workspace, 'made.txt'), 'utf8')).toBe('made\n');
    expect(existsSync(join(workspace, '..', 'x'))).toBe(false);
  });

  it('carries a read-only toolbox: `twins steps` runs inside; no harness, vault or tests in it', async () => {
    const r = await bwrap.run(
      req(
        'twins steps | head -1; for p in harness scenarios/vault scenarios/features test; do test -e /opt/twins/$p && echo "HAS $p"; done; echo end',
        {
          wallMs: 30_000,
        },
      ),
    );
    expect(r.output).toMatch(/^The step catalogue: \d+ steps/);
    expect(r.output).not.toMatch(/HAS /);
    const bare = createSandbox({ toolbox: false, hide: [out] });
    const r2 = await bare.run(req('command -v twins || echo NO-TWINS; test -e /opt/twins || echo NO-TOOLBOX'));
    expect(r2.output).toBe('NO-TWINS\nNO-TOOLBOX\n');
  }, 40_000);

  it('kills the whole tree at the wall time, a forked grandchild in its own session included', async () => {
    const t = token();
    const started = performance.now();
    const r = await bwrap.run(req(`setsid sh -c 'sleep ${t}' & (sleep ${t} &) ; sleep ${t}`, { wallMs: 600 }));
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(performance.now() - started).toBeLessThan(3000);
    expect(r.output).toMatch(/wall time of 0\.6 s reached/);
    expect(survivors(t)).toEqual([]);
  });

  it('keeps the first outputBytes, says it cut, and drains the rest so the command finishes', async () => {
    const r = await bwrap.run(req('head -c 3000000 /dev/zero | tr "\\0" a; echo END >&2; exit 4', { outputBytes: 1000 }));
    expect(r.exitCode).toBe(4);
    expect(r.outputTruncated).toBe(true);
    expect(Buffer.byteLength(r.output)).toBe(1000);
    expect(r.output).toBe('a'.repeat(1000));
  });

  it('kills everything when more processes than allowed are alive at once', async () => {
    const t = token();
    const r = await bwrap.run(req(`for i in $(seq 1 60); do sleep ${t} & done; wait`, { processes: 12 }));
    expect(r.processLimitHit).toBe(true);
    expect(r.output).toMatch(/more than 12 processes/);
    expect(survivors(t)).toEqual([]);
  });

  it('turns a crash into a result', async () => {
    const r = await bwrap.run(req('echo before; kill -SEGV $$'));
    expect(r.output).toContain('before');
    expect(r.exitCode === null ? r.signal : r.exitCode).toBeTruthy();
    const missing = await bwrap.run(req('no-such-command-here'));
    expect(missing.exitCode).toBe(127);
    // No core dumps (prlimit --core=0), where util-linux's prlimit is installed.
    if (existsSync('/usr/bin/prlimit')) expect((await bwrap.run(req('ulimit -c'))).output).toBe('0\n');
  });

  it('starts a long-running process and stops it, politely first', async () => {
    const p = bwrap.start(req('trap "echo stopping; exit 0" TERM; echo up; while true; do sleep 0.05; done'));
    await expect.poll(() => p.output(), { timeout: 5000 }).toContain('up');
    const r = await p.stop();
    expect(r.output).toContain('stopping');
    expect(r.isolation).toBe('bubblewrap');
  });
});

describe.concurrent('the plain fallback', () => {
  it('says everywhere that it isolates nothing', async () => {
    expect(plain.kind).toBe('none');
    expect(plain.describe()).toMatch(/^NO ISOLATION/);
    expect(warnings.join('\n')).toContain('ISOLATES NOTHING');
    const r = await plain.run(req('pwd; env'));
    expect(r.isolation).toBe('none');
    expect(r.output.startsWith(`${NO_ISOLATION_NOTICE}\n`)).toBe(true);
    // Its limits and environment rules are the same as bubblewrap's.
    expect(r.output).toContain(`\n${workspace}\n`);
    expect(r.output).toContain('ONLY=this');
    expect(r.output).not.toContain('must-not-leak');
  });

  it('kills the whole tree at the wall time, a double-forked daemon included', async () => {
    const t = token();
    const r = await plain.run(req(`setsid sh -c 'sleep ${t}' & (setsid sleep ${t} &) ; sleep ${t}`, { wallMs: 600 }));
    expect(r.timedOut).toBe(true);
    expect(survivors(t)).toEqual([]);
  });

  it('kills what a finished command left running', async () => {
    const t = token();
    const r = await plain.run(req(`(setsid sleep ${t} &); echo left`));
    expect(r.exitCode).toBe(0);
    expect(survivors(t)).toEqual([]);
  });

  it('applies the output and process limits', async () => {
    const t = token();
    const many = await plain.run(req(`for i in $(seq 1 60); do sleep ${t} & done; wait`, { processes: 12 }));
    expect(many.processLimitHit).toBe(true);
    expect(survivors(t)).toEqual([]);
    const flood = await plain.run(req('head -c 1000000 /dev/zero | tr "\\0" a', { outputBytes: NO_ISOLATION_NOTICE.length + 101 }));
    expect(flood.outputTruncated).toBe(true);
    expect(flood.output).toBe(`${NO_ISOLATION_NOTICE}\n${'a'.repeat(100)}`);
  });
});
