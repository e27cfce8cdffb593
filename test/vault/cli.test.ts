// The vault commands as a user runs them: real `twins` processes, exit codes, and one-line errors that never hold plaintext.

import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { scenariosCommand } from '../../src/cli/scenarios.ts';
import { vaultCommand } from '../../src/cli/vault.ts';
import { PlatformError } from '../../src/errors.ts';
import { addScenarios, initVault } from '../../src/vault/index.ts';
import { catalogue, featureText, nonce, type Sandbox, sandbox } from './helpers.ts';

const BIN = new URL('../../bin/twins', import.meta.url).pathname;

let box: Sandbox;
let secret: string;
let ids: string[];
beforeAll(async () => {
  box = sandbox();
  secret = nonce();
  await initVault({ vaultDir: box.vaultDir, identityPath: box.identity });
  const r = await addScenarios({
    files: [box.write('h.feature', featureText(['Sealed one', 'Sealed two'], secret))],
    task: 'OPS-1',
    holdout: true,
    removeSource: true,
    vaultDir: box.vaultDir,
    featuresDir: box.featuresDir,
    catalogue,
    cwd: box.project,
  });
  ids = r.added.map((a) => a.id ?? '');
});
afterAll(() => box.cleanup());

/** Run `twins ARGS…` in the project with HOME in the sandbox and no TWINS_VAULT_IDENTITY. */
function twins(args: string[], cwd = box.project): Promise<{ code: number | null; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: box.home };
  delete env.TWINS_VAULT_IDENTITY;
  const child = spawn(BIN, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => {
    out += c;
  });
  child.stderr.on('data', (c) => {
    err += c;
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

const lines = (s: string) => s.trim().split('\n');
/** The lines that are not the lost-key warning every one-recipient vault gets (test/vault/custody.test.ts). */
const notLoss = (s: string) => lines(s).filter((l) => !/^twins: warning: only \d+ recipients? can open/.test(l));

/**
 * The same commands in this process, as main() runs them (a PlatformError becomes its one line and its
 * exit code), for the cases that need no separate process: each `twins` start costs about a second.
 */
async function inProcess(run: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const spyOut = vi.spyOn(process.stdout, 'write').mockImplementation((c) => {
    out += String(c);
    return true;
  });
  const spyErr = vi.spyOn(process.stderr, 'write').mockImplementation((c) => {
    err += String(c);
    return true;
  });
  try {
    return { code: await run(), out, err };
  } catch (e) {
    if (!(e instanceof PlatformError)) throw e;
    return { code: e.exitCode, out, err: `${err}${e.toLine()}\n` };
  } finally {
    spyOut.mockRestore();
    spyErr.mockRestore();
  }
}

describe('twins vault and twins scenarios', () => {
  it('as real processes: exit codes, one-line errors, and nothing of the holdout in any output', async () => {
    // A tampered copy of the vault, another person's identity, and a second project for init.
    const tampered = join(box.root, 'tampered-vault');
    cpSync(box.vaultDir, tampered, { recursive: true });
    const sealed = join(tampered, 'sealed', `${ids[0]}.feature.age`);
    const bytes = readFileSync(sealed);
    bytes[bytes.length - 3] ^= 0x40;
    writeFileSync(sealed, bytes);
    const other = join(box.root, 'other-id.txt');
    await initVault({ vaultDir: join(box.root, 'elsewhere'), identityPath: other });
    const fresh = join(box.root, 'fresh');
    mkdirSync(fresh);
    writeFileSync(join(box.drafts, 'two.feature'), 'Feature: f\n  Scenario: s\n\n  Scenario: s\n    When the moon turns "blue"\n');

    const [bad, wrong, lintTwo, init] = await Promise.all([
      twins(['vault', 'verify', '--vault', tampered]),
      twins(['vault', 'verify', '--identity', other]),
      twins(['scenarios', 'add', join(box.drafts, 'two.feature'), '--task', 'OPS-1', '--holdout']),
      twins(['vault', 'init', '--identity', join(box.root, 'fresh-id.txt')], fresh),
    ]);

    expect(bad.code).toBe(1);
    expect(notLoss(bad.err)).toHaveLength(1);
    expect(notLoss(bad.err).join('\n')).toMatch(
      /^twins: .*sealed\/[0-9a-f]{16}\.feature\.age was tampered with: changed: its sha256 differs from the index \(TWINS_VAULT_TAMPERED\)\. /,
    );
    expect(bad.err).toContain(`${ids[0]}.feature.age`);
    expect(bad.out).toContain(`CHANGED  ${tampered}/sealed/${ids[0]}.feature.age`);

    expect(wrong.code).toBe(1);
    expect(notLoss(wrong.err)).toHaveLength(1);
    expect(wrong.err).toContain(`sealed/${ids[0]}.feature.age does not open with this identity`);
    expect(wrong.err).toContain('(TWINS_VAULT_WRONG_IDENTITY)');

    // The shared step library has no moon. Several problems: each on its line, file:line first, then the summary.
    expect(lintTwo.code).toBe(1);
    const two = lines(lintTwo.err);
    expect(two.slice(0, -1)).toEqual([
      expect.stringMatching(/two\.feature:2: scenario "s" has no steps$/),
      expect.stringMatching(/two\.feature:4: duplicate scenario name "s" \(also at .*two\.feature:2\)$/),
      expect.stringMatching(/two\.feature:5: undefined step `When the moon turns "blue"`; nearest: `/),
    ]);
    expect(two.at(-1)).toMatch(/^twins: 3 problems in 1 file, the first at .*two\.feature:2; nothing was added \(TWINS_SCENARIO_INVALID\)/);

    expect(init.code).toBe(0);
    expect(init.out).toContain('Its public recipient: age1');
    expect(statSync(join(fresh, 'scenarios', 'vault', 'recipients.txt')).isFile()).toBe(true);

    for (const r of [bad, wrong, lintTwo, init]) expect(r.out + r.err).not.toContain(secret);
  });

  it('the other answers, through the same command functions', async () => {
    const vault = ['--vault', box.vaultDir];
    const good = await inProcess(() => vaultCommand(['verify', ...vault]));
    expect(good.code).toBe(0);
    // The vault has one recipient: verify says what one lost identity would cost, and nothing else.
    expect(lines(good.err)).toEqual([
      expect.stringMatching(/^twins: warning: only 1 recipient can open the holdouts added from now on/),
      expect.stringMatching(/^twins: warning: only 1 recipient can open 1 of the 1 holdouts: .*twins vault reseal/),
    ]);
    expect(good.out).toContain(`ok  ${box.vaultDir}/sealed/${ids[0]}.feature.age  task OPS-1, 2 scenarios`);
    expect(good.out).toContain('Vault verified: 1 holdout checked; each opens with');

    const missing = await inProcess(() => vaultCommand(['verify', ...vault, '--identity', join(box.root, 'nope.txt')]));
    expect(missing.code).toBe(2);
    expect(lines(missing.err)).toEqual([expect.stringMatching(/^twins: no vault identity at .*nope\.txt \(TWINS_VAULT_NO_IDENTITY\)\. /)]);

    const list = await inProcess(() => scenariosCommand(['list', ...vault, '--features', box.featuresDir, '--json']));
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out).holdouts).toEqual([
      { id: ids[0], task: 'OPS-1', file: `${box.vaultDir}/sealed/${ids[0]}.feature.age`, scenarios: 2, added: expect.any(String) },
    ]);
    const text = await inProcess(() => scenariosCommand(['list', ...vault, '--features', box.featuresDir]));
    expect(text.out).toContain(`OPS-1  ${ids[0]}  2 scenarios  added `);
    expect(text.out).toContain('ids and counts only');

    process.env.TWINS_VAULT_IDENTITY = box.identity;
    const opened = await inProcess(() => scenariosCommand(['list', ...vault, '--features', box.featuresDir]));
    delete process.env.TWINS_VAULT_IDENTITY;
    expect(opened.out).toContain('Scenario: Sealed one  @canary-');
    expect(opened.out).toContain(secret);

    const noTask = await inProcess(() => scenariosCommand(['add', join(box.drafts, 'x.feature')]));
    expect(noTask.code).toBe(2);
    expect(lines(noTask.err)).toEqual([expect.stringMatching(/^twins: `twins scenarios add` needs --task ID.*\(TWINS_USAGE\)/)]);

    const again = await inProcess(() => vaultCommand(['init', ...vault]));
    expect(again.code).toBe(1);
    expect(lines(again.err)).toEqual([expect.stringContaining('(TWINS_VAULT_IDENTITY_EXISTS)')]);

    const carol = await inProcess(() => vaultCommand(['init', ...vault, '--identity', join(box.root, 'carol.txt')]));
    expect(carol.code).toBe(0);
    expect(carol.out).toContain('the vault now has 2 recipients');
    expect(carol.out).toContain('The 1 holdout sealed before now stays readable only by the identities they were sealed to, not this one');

    for (const r of [good, missing, list, text, noTask, again, carol]) expect(r.out + r.err).not.toContain(secret);
  });
});
