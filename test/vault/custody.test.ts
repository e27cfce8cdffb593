// Key custody: an identity handed over as an environment variable's content, and the warnings that keep one lost key from losing the holdouts.

import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlatformError } from '../../src/errors.ts';
import {
  addScenarios,
  IDENTITY_DATA_ENV,
  initVault,
  loadIdentity,
  openHoldouts,
  resolveIdentityPath,
  verifyVault,
} from '../../src/vault/index.ts';
import { forgetIdentityData, IDENTITY_FROM_ENV } from '../../src/vault/paths.ts';
import { twins } from '../support/cli.ts';
import { catalogue, featureText, nonce, type Sandbox, sandbox } from './helpers.ts';

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
  delete process.env[IDENTITY_DATA_ENV];
  forgetIdentityData();
});
afterEach(() => {
  delete process.env[IDENTITY_DATA_ENV];
  forgetIdentityData();
  box.cleanup();
});

const opts = () => ({ task: 'OPS-1', vaultDir: box.vaultDir, featuresDir: box.featuresDir, catalogue, cwd: box.project });
const secretKey = (path: string) => (readFileSync(path, 'utf8').match(/^AGE-SECRET-KEY-1\S+$/m) ?? [''])[0];

describe('an identity from an environment variable (how CI secret stores hand it over)', () => {
  it('opens the holdouts from TWINS_VAULT_IDENTITY_DATA, taking it out of the environment so no child inherits it', async () => {
    await initVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    const secret = nonce();
    await addScenarios({ ...opts(), holdout: true, files: [box.write('h.feature', featureText(['Sealed one'], secret))] });
    const text = readFileSync(box.identity, 'utf8');
    process.env.HOME = box.root; // no identity file at the default path any more
    process.env[IDENTITY_DATA_ENV] = text;
    expect(resolveIdentityPath()).toBe(IDENTITY_FROM_ENV);
    expect(process.env[IDENTITY_DATA_ENV]).toBeUndefined();
    const opened = await openHoldouts({ vaultDir: box.vaultDir, task: 'OPS-1' });
    expect(opened[0].text).toContain(secret);
    // Kept in memory: a second use in the same process still works.
    expect((await verifyVault({ vaultDir: box.vaultDir, identityPath: resolveIdentityPath() })).ok).toBe(true);
  });

  it('as a CI job runs it: `twins vault verify` with only the variable set opens every holdout, and prints nothing of the key', async () => {
    await initVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    await addScenarios({ ...opts(), holdout: true, files: [box.write('h.feature', featureText(['Sealed one']))] });
    const key = secretKey(box.identity);
    const r = twins(['vault', 'verify', '--vault', box.vaultDir], {
      cwd: box.project,
      env: { HOME: box.root, TWINS_VAULT_IDENTITY: undefined, [IDENTITY_DATA_ENV]: readFileSync(box.identity, 'utf8') },
    });
    expect(await r.exited, r.err()).toBe(0);
    expect(r.out()).toContain(`each opens with $${IDENTITY_DATA_ENV} and matches the index`);
    expect(r.out() + r.err()).not.toContain(key.slice(16));
  }, 30_000);

  it('a file named by --identity or TWINS_VAULT_IDENTITY wins over the variable, which still leaves the environment', () => {
    process.env[IDENTITY_DATA_ENV] = 'AGE-SECRET-KEY-1whatever';
    process.env.TWINS_VAULT_IDENTITY = box.identity;
    expect(resolveIdentityPath()).toBe(box.identity);
    expect(process.env[IDENTITY_DATA_ENV]).toBeUndefined();
    expect(resolveIdentityPath('/elsewhere/id.txt')).toBe('/elsewhere/id.txt');
  });

  it('a bad or empty value is TWINS_VAULT_NO_IDENTITY naming the variable, never echoing its content', async () => {
    await initVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    const key = secretKey(box.identity);
    const broken = `${key.slice(0, -3)}xyz`;
    process.env[IDENTITY_DATA_ENV] = `# CI secret\n${broken}\n`;
    const err = await loadIdentity(resolveIdentityPath()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as PlatformError).code).toBe('TWINS_VAULT_NO_IDENTITY');
    expect((err as PlatformError).toLine()).toContain(`$${IDENTITY_DATA_ENV}:2`);
    expect((err as PlatformError).toLine()).not.toContain(broken.slice(16, 40));
    forgetIdentityData();
    process.env[IDENTITY_DATA_ENV] = '   ';
    expect(resolveIdentityPath()).not.toBe(IDENTITY_FROM_ENV);
    const missing = await loadIdentity(IDENTITY_FROM_ENV).catch((e: unknown) => e);
    expect((missing as PlatformError).code).toBe('TWINS_VAULT_NO_IDENTITY');
  });
});

describe('fewer than two recipients: a lost key would lose the holdouts', () => {
  it('add and verify warn while one recipient can open them, and stop once a second is added and resealed', async () => {
    await initVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    const added = await addScenarios({ ...opts(), holdout: true, files: [box.write('h.feature', featureText(['Sealed one']))] });
    expect(added.warnings.join('\n')).toMatch(/only 1 recipient can open the holdout this adds.*twins vault reseal/);
    const before = await verifyVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    expect(before.ok).toBe(true);
    expect(before.warnings.join('\n')).toMatch(/only 1 recipient can open 1 of the 1 holdouts/);
    expect(before.warnings.join('\n')).toMatch(/only 1 recipient can open the holdouts added from now on/);

    // A second person: their own identity, their recipient appended, the old holdout resealed to both.
    const second = `${box.root}/second-identity.txt`;
    await initVault({ vaultDir: box.vaultDir, identityPath: second });
    const { resealVault } = await import('../../src/vault/index.ts');
    await resealVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    const after = await verifyVault({ vaultDir: box.vaultDir, identityPath: second });
    expect(after.ok).toBe(true);
    expect(after.warnings.join('\n')).not.toMatch(/recipient can open/);
    const more = await addScenarios({ ...opts(), holdout: true, files: [box.write('h2.feature', featureText(['Sealed two']))] });
    expect(more.warnings.join('\n')).not.toMatch(/recipient can open/);
  });

  it('a demo vault (public identity, marked as such) is not warned about: its key ships with it', async () => {
    await initVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    const recipients = `${box.vaultDir}/recipients.txt`;
    writeFileSync(recipients, `# twins: demo vault (public on purpose)\n${readFileSync(recipients, 'utf8')}`);
    const added = await addScenarios({ ...opts(), holdout: true, files: [box.write('h.feature', featureText(['Sealed one']))] });
    expect(added.warnings.join('\n')).not.toMatch(/recipient can open/);
    const report = await verifyVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    expect(report.demo).toBe(true);
    expect(report.warnings.join('\n')).not.toMatch(/recipient can open/);
  });
});
