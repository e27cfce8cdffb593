// add → list → verify, and every way a sealed file can go wrong: a changed byte, a truncation, missing, extra, a wrong or missing identity.

import { appendFileSync, readFileSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlatformError } from '../../src/errors.ts';
import {
  addScenarios,
  initVault,
  listScenarios,
  openHoldouts,
  readIndex,
  resealVault,
  verifyError,
  verifyVault,
} from '../../src/vault/index.ts';
import { catalogue, featureText, nonce, type Sandbox, sandbox, snapshot } from './helpers.ts';

let box: Sandbox;
let secret: string;
let ids: string[];
beforeEach(async () => {
  box = sandbox();
  secret = nonce();
  await initVault({ vaultDir: box.vaultDir, identityPath: box.identity });
  const opts = { task: 'OPS-1', vaultDir: box.vaultDir, featuresDir: box.featuresDir, catalogue, cwd: box.project };
  await addScenarios({ ...opts, files: [box.write('public.feature', featureText(['Public one']))] });
  const r = await addScenarios({
    ...opts,
    holdout: true,
    removeSource: true,
    files: [
      box.write('h1.feature', featureText(['Sealed one', 'Sealed two'], secret)),
      box.write('h2.feature', featureText(['Sealed three'], secret)),
    ],
  });
  ids = r.added.map((a) => a.id ?? '');
});
afterEach(() => box.cleanup());

const sealedPath = (id: string) => join(box.vaultDir, 'sealed', `${id}.feature.age`);

async function verifyFails(identityPath = box.identity): Promise<{ err: PlatformError; text: string }> {
  const report = await verifyVault({ vaultDir: box.vaultDir, identityPath });
  expect(report.ok).toBe(false);
  const err = verifyError(report);
  expect(err).toBeInstanceOf(PlatformError);
  const text = JSON.stringify(report) + (err?.toLine() ?? '');
  // Whatever went wrong, no plaintext leaks into the report or the error.
  expect(text).not.toContain(secret);
  expect(text).not.toContain('Sealed one');
  return { err: err as PlatformError, text };
}

describe('add → list → verify', () => {
  it('lists public scenarios in full and holdouts as ids and counts; in full only with the identity', async () => {
    const listing = await listScenarios({ featuresDir: box.featuresDir, vaultDir: box.vaultDir, task: 'OPS-1', cwd: box.project });
    expect(listing.public).toHaveLength(1);
    expect(listing.public[0]).toMatchObject({ task: 'OPS-1', file: 'scenarios/features/OPS-1/public.feature' });
    expect(listing.public[0].scenarios[0]).toMatchObject({ name: 'Public one', keyword: 'Scenario' });
    expect(listing.public[0].scenarios[0].steps.map((s) => s.keyword)).toEqual(['Given', 'When', 'Then']);
    expect(listing.holdouts.map((h) => [h.id, h.task, h.scenarios, h.feature])).toEqual([
      [ids[0], 'OPS-1', 2, undefined],
      [ids[1], 'OPS-1', 1, undefined],
    ]);
    expect(JSON.stringify(listing)).not.toContain(secret);

    const full = await listScenarios({
      featuresDir: box.featuresDir,
      vaultDir: box.vaultDir,
      identityPath: box.identity,
      cwd: box.project,
    });
    expect(full.opened).toBe(true);
    expect(full.holdouts[0].feature?.scenarios.map((s) => s.name)).toEqual(['Sealed one', 'Sealed two']);
    expect(full.holdouts[0].feature?.scenarios[0].steps[1].text).toContain(secret);
    expect((await listScenarios({ featuresDir: box.featuresDir, vaultDir: box.vaultDir, task: 'OPS-9' })).holdouts).toEqual([]);
  });

  it('verify passes on an untouched vault, with or without decrypting', async () => {
    const report = await verifyVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    expect(report.ok).toBe(true);
    expect(report.decrypted).toBe(true);
    expect(report.findings.map((f) => [f.id, f.status])).toEqual([
      [ids[0], 'ok'],
      [ids[1], 'ok'],
    ]);
    // One recipient only: the lost-key warnings (test/vault/custody.test.ts), and nothing else.
    expect(report.warnings.filter((w) => !/recipient can open/.test(w))).toEqual([]);
    expect((await verifyVault({ vaultDir: box.vaultDir, hashesOnly: true })).ok).toBe(true);
  });

  it('openHoldouts gives each scenario its canary, filters by task, and names no plaintext in its errors', async () => {
    const opened = await openHoldouts({ vaultDir: box.vaultDir, identityPath: box.identity, task: 'OPS-1' });
    expect(opened.map((o) => [o.id, o.task, o.file, o.scenarios.length])).toEqual([
      [ids[0], 'OPS-1', sealedPath(ids[0]), 2],
      [ids[1], 'OPS-1', sealedPath(ids[1]), 1],
    ]);
    const canaries = opened.flatMap((o) => o.scenarios.map((s) => s.canary));
    expect(new Set(canaries).size).toBe(3);
    for (const o of opened) for (const s of o.scenarios) expect(o.text).toContain(`${s.canary}\n  Scenario: ${s.name}`);
    expect(await openHoldouts({ vaultDir: box.vaultDir, identityPath: box.identity, task: 'OPS-2' })).toEqual([]);
  });
});

describe('tampering is reported by file name', () => {
  it('one changed byte', async () => {
    const bytes = readFileSync(sealedPath(ids[1]));
    bytes[bytes.length - 20] ^= 0x01;
    writeFileSync(sealedPath(ids[1]), bytes);
    const { err } = await verifyFails();
    expect(err.code).toBe('TWINS_VAULT_TAMPERED');
    expect(err.message).toContain(`${ids[1]}.feature.age`);
    expect(err.message).toContain('sha256 differs');
    expect(err.message).not.toContain(ids[0]);
    await expect(openHoldouts({ vaultDir: box.vaultDir, identityPath: box.identity })).rejects.toMatchObject({
      code: 'TWINS_VAULT_TAMPERED',
      message: expect.stringContaining(ids[1]),
    });
  });

  it('a truncation', async () => {
    const size = readFileSync(sealedPath(ids[0])).length;
    truncateSync(sealedPath(ids[0]), size - 7);
    const { err } = await verifyFails();
    expect(err.code).toBe('TWINS_VAULT_TAMPERED');
    expect(err.message).toContain(`${ids[0]}.feature.age`);
    expect(err.message).toContain(`truncated: ${size - 7} of ${size} bytes`);
  });

  it('a missing file and an extra file, both named', async () => {
    unlinkSync(sealedPath(ids[0]));
    writeFileSync(join(box.vaultDir, 'sealed', 'feedfacefeedface.feature.age'), 'age-encryption.org/v1\n');
    const { err } = await verifyFails();
    expect(err.code).toBe('TWINS_VAULT_TAMPERED');
    expect(err.message).toContain(`${ids[0]}.feature.age (missing)`);
    expect(err.message).toContain('feedfacefeedface.feature.age (extra)');
  });

  it('a plaintext feature dropped into the vault', async () => {
    writeFileSync(join(box.vaultDir, 'sealed', 'oops.feature'), 'Feature: x\n');
    const { err } = await verifyFails();
    expect(err.message).toContain('oops.feature');
    expect(err.message).toContain('plaintext');
  });

  it('a sealed file that matches an edited index but not its plaintext hash', async () => {
    // Someone re-seals other text to the public recipients and updates the index's sealed hash: the
    // plaintext hash (behind 64-bit canaries) still catches it, once decrypted.
    const index = JSON.parse(readFileSync(join(box.vaultDir, 'index.json'), 'utf8'));
    const { seal, sha256 } = await import('../../src/vault/seal.ts');
    const forged = await seal('Feature: forged\n  Scenario: x\n    Given y\n', index.holdouts[0].recipients);
    writeFileSync(sealedPath(ids[0]), forged);
    index.holdouts[0].sha256 = sha256(forged);
    index.holdouts[0].bytes = forged.length;
    writeFileSync(join(box.vaultDir, 'index.json'), JSON.stringify(index));
    expect((await verifyVault({ vaultDir: box.vaultDir, hashesOnly: true })).ok).toBe(true);
    const { err } = await verifyFails();
    expect(err.message).toContain(`${ids[0]}.feature.age`);
    expect(err.message).toContain('not to the plaintext the index recorded');
  });

  it('an index that is not JSON is TWINS_VAULT_INDEX', async () => {
    appendFileSync(join(box.vaultDir, 'index.json'), '{');
    await expect(verifyVault({ vaultDir: box.vaultDir, identityPath: box.identity })).rejects.toMatchObject({ code: 'TWINS_VAULT_INDEX' });
  });
});

describe('identities', () => {
  it('a wrong identity: TWINS_VAULT_WRONG_IDENTITY naming the files, no plaintext', async () => {
    const other = join(box.root, 'other', 'id.txt');
    await initVault({ vaultDir: join(box.root, 'other-vault'), identityPath: other });
    const { err } = await verifyFails(other);
    expect(err.code).toBe('TWINS_VAULT_WRONG_IDENTITY');
    expect(err.message).toContain(`${ids[0]}.feature.age`);
    expect(err.message).toContain(`${ids[1]}.feature.age`);
    await expect(openHoldouts({ vaultDir: box.vaultDir, identityPath: other })).rejects.toMatchObject({
      code: 'TWINS_VAULT_WRONG_IDENTITY',
      message: expect.stringContaining(`${ids[0]}.feature.age does not open with this identity`),
    });
  });

  it('a missing identity: TWINS_VAULT_NO_IDENTITY naming the path, for verify, list --identity and openHoldouts', async () => {
    const missing = join(box.root, 'nope.txt');
    await expect(verifyVault({ vaultDir: box.vaultDir, identityPath: missing })).rejects.toMatchObject({
      code: 'TWINS_VAULT_NO_IDENTITY',
      message: expect.stringContaining(missing),
    });
    unlinkSync(box.identity);
    // The default path, now empty.
    await expect(openHoldouts({ vaultDir: box.vaultDir })).rejects.toMatchObject({ code: 'TWINS_VAULT_NO_IDENTITY' });
    await expect(listScenarios({ vaultDir: box.vaultDir, featuresDir: box.featuresDir, identityPath: missing })).rejects.toMatchObject({
      code: 'TWINS_VAULT_NO_IDENTITY',
    });
    writeFileSync(missing, 'not a key\n');
    const garbled = await verifyVault({ vaultDir: box.vaultDir, identityPath: missing }).catch((e: PlatformError) => e);
    expect(garbled).toMatchObject({
      code: 'TWINS_VAULT_NO_IDENTITY',
      message: expect.stringContaining('nope.txt:1 is not an age X25519 identity'),
    });
    expect((garbled as PlatformError).message).not.toContain('not a key');
  });

  it('a second person added later opens new holdouts but not the older ones, and verify says why', async () => {
    const bob = join(box.root, 'bob', 'id.txt');
    const r = await initVault({ vaultDir: box.vaultDir, identityPath: bob });
    expect(r.sealedBefore).toBe(2);
    const added = await addScenarios({
      files: [box.write('h3.feature', featureText(['For both']))],
      task: 'OPS-1',
      holdout: true,
      vaultDir: box.vaultDir,
      featuresDir: box.featuresDir,
      catalogue,
      cwd: box.project,
    });
    const report = await verifyVault({ vaultDir: box.vaultDir, identityPath: bob });
    expect(report.findings.map((f) => f.status)).toEqual(['wrong-identity', 'wrong-identity', 'ok']);
    expect(report.findings[0].detail).toContain("sealed to 1 recipient, none of them this identity's");
    expect(verifyError(report)?.code).toBe('TWINS_VAULT_WRONG_IDENTITY');
    expect((await openHoldouts({ vaultDir: box.vaultDir, identityPath: box.identity })).map((o) => o.id)).toEqual([
      ...ids,
      added.added[0].id,
    ]);
  });

  it('reseal opens every holdout and seals it to the current recipients: all or nothing, same ids and plaintext', async () => {
    const bob = join(box.root, 'bob', 'id.txt');
    await initVault({ vaultDir: box.vaultDir, identityPath: bob });
    const before = await openHoldouts({ vaultDir: box.vaultDir, identityPath: box.identity });
    const snap = snapshot(box.vaultDir);
    // Bob cannot reseal what he cannot open, and nothing changes.
    await expect(resealVault({ vaultDir: box.vaultDir, identityPath: bob })).rejects.toMatchObject({ code: 'TWINS_VAULT_WRONG_IDENTITY' });
    await expect(
      resealVault({
        vaultDir: box.vaultDir,
        identityPath: box.identity,
        onStage: (s) => {
          if (s === 'sealed') throw new Error('disk full');
        },
      }),
    ).rejects.toMatchObject({ code: 'TWINS_VAULT_WRITE' });
    expect(snapshot(box.vaultDir)).toEqual(snap);

    const r = await resealVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    expect([r.resealed, r.unchanged, r.recipients]).toEqual([ids, [], 2]);
    const after = await openHoldouts({ vaultDir: box.vaultDir, identityPath: bob });
    expect(after.map((o) => [o.id, o.text])).toEqual(before.map((o) => [o.id, o.text]));
    expect(readIndex(box.vaultDir).holdouts.every((h) => h.recipients.length === 2)).toBe(true);
    expect((await verifyVault({ vaultDir: box.vaultDir, identityPath: bob })).ok).toBe(true);
    expect((await resealVault({ vaultDir: box.vaultDir, identityPath: bob })).unchanged).toEqual(ids);
  });
});
