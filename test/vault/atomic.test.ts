// A failure or a crash in the middle of `scenarios add --holdout` leaves the vault as it was, or finishes the add; verify never breaks on the leftovers.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addScenarios, initVault, openHoldouts, readIndex, verifyVault } from '../../src/vault/index.ts';
import { catalogue, featureText, type Sandbox, sandbox, snapshot } from './helpers.ts';

let box: Sandbox;
let opts: { task: string; vaultDir: string; featuresDir: string; cwd: string };
beforeEach(async () => {
  box = sandbox();
  opts = { task: 'OPS-1', vaultDir: box.vaultDir, featuresDir: box.featuresDir, cwd: box.project };
  await initVault({ vaultDir: box.vaultDir, identityPath: box.identity });
  await addScenarios({ ...opts, catalogue, holdout: true, files: [box.write('first.feature', featureText(['First']))] });
});
afterEach(() => box.cleanup());

/** Run an add in a child process that SIGKILLs itself at `stage`, as a power cut would stop it. */
function crashAt(stage: 'sealed' | 'indexed', files: string[]): Promise<number | null> {
  const script = new URL('./crash-add.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify({ ...opts, stage, files })], {
    cwd: new URL('../..', import.meta.url).pathname,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c) => {
    err += c;
  });
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') process.stderr.write(err);
      resolve(signal === 'SIGKILL' ? 137 : code);
    }),
  );
}

describe('add is all or nothing', () => {
  it('a failure between sealing and indexing leaves every vault file byte for byte as it was', async () => {
    const before = snapshot(box.vaultDir);
    const files = [box.write('a.feature', featureText(['A'])), box.write('b.feature', featureText(['B']))];
    await expect(
      addScenarios({
        ...opts,
        catalogue,
        holdout: true,
        files,
        onStage: (s) => {
          if (s === 'sealed') throw new Error('disk full');
        },
      }),
    ).rejects.toMatchObject({ code: 'TWINS_VAULT_WRITE', message: expect.stringContaining('nothing was added') });
    expect(snapshot(box.vaultDir)).toEqual(before);
    expect((await verifyVault({ vaultDir: box.vaultDir, identityPath: box.identity })).ok).toBe(true);
  });

  it('a lint failure in one file adds none of them', async () => {
    const before = snapshot(box.vaultDir);
    const files = [box.write('good.feature', featureText(['Good'])), box.write('bad.feature', 'Feature: f\n  Scenario: empty\n')];
    await expect(addScenarios({ ...opts, catalogue, holdout: true, files })).rejects.toMatchObject({ code: 'TWINS_SCENARIO_INVALID' });
    expect(snapshot(box.vaultDir)).toEqual(before);
  });

  it('a crash after sealing, before the index: verify passes with a warning, the next add cleans up', async () => {
    const before = readIndex(box.vaultDir);
    expect(await crashAt('sealed', [box.write('c.feature', featureText(['Crashed']))])).toBe(137);
    const sealed = readdirSync(join(box.vaultDir, 'sealed'));
    expect(sealed.filter((n) => n.endsWith('.pending'))).toHaveLength(1);
    expect(readIndex(box.vaultDir)).toEqual(before);

    const report = await verifyVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    expect(report.ok).toBe(true);
    const notLoss = report.warnings.filter((w) => !/recipient can open/.test(w));
    expect(notLoss).toEqual([expect.stringMatching(/\.pending: not in the index, left by an add or reseal interrupted/)]);
    expect((await openHoldouts({ vaultDir: box.vaultDir, identityPath: box.identity })).map((o) => o.scenarios[0].name)).toEqual(['First']);

    // The crashed add's lock is stale (its process is gone): the next add takes it and tidies up.
    const next = await addScenarios({ ...opts, catalogue, holdout: true, files: [box.write('d.feature', featureText(['Crashed']))] });
    expect(next.recovered).toEqual([expect.stringMatching(/^removed sealed\/[0-9a-f]{16}\.feature\.age\.pending/)]);
    expect(readdirSync(join(box.vaultDir, 'sealed')).filter((n) => n.endsWith('.pending'))).toEqual([]);
    expect(existsSync(join(box.vaultDir, '.lock'))).toBe(false);
    const { warnings } = await verifyVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    expect(warnings.filter((w) => !/recipient can open/.test(w))).toEqual([]);
  });

  it('a crash after the index commit: the holdout counts, opens, and the next add finishes the rename', async () => {
    expect(await crashAt('indexed', [box.write('c.feature', featureText(['Committed']))])).toBe(137);
    expect(readIndex(box.vaultDir).holdouts).toHaveLength(2);
    const report = await verifyVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    expect(report.ok).toBe(true);
    const notLoss = report.warnings.filter((w) => !/recipient can open/.test(w));
    expect(notLoss).toEqual([expect.stringContaining('committed it but did not rename it into place')]);
    const names = (await openHoldouts({ vaultDir: box.vaultDir, identityPath: box.identity })).map((o) => o.scenarios[0].name);
    expect(names).toEqual(['First', 'Committed']);

    const next = await addScenarios({ ...opts, catalogue, holdout: true, files: [box.write('e.feature', featureText(['After']))] });
    expect(next.recovered).toEqual([expect.stringMatching(/^finished an interrupted write/)]);
    const after = await verifyVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    expect([after.ok, after.warnings.filter((w) => !/recipient can open/.test(w)), after.holdouts]).toEqual([true, [], 3]);
  });

  it('a live lock held by another process refuses the add without touching the vault', async () => {
    // pid 1 always exists: the lock looks held.
    writeFileSync(join(box.vaultDir, '.lock'), '1\n');
    const before = snapshot(box.vaultDir);
    await expect(
      addScenarios({ ...opts, catalogue, holdout: true, files: [box.write('f.feature', featureText(['Locked out']))] }),
    ).rejects.toMatchObject({ code: 'TWINS_VAULT_WRITE', message: expect.stringContaining('pid 1') });
    expect(snapshot(box.vaultDir)).toEqual(before);
  });
});
