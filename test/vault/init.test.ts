// `twins vault init`: the identity's place and mode, never overwriting it, and recipients appended for a second person.

import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlatformError } from '../../src/errors.ts';
import { initVault, readRecipientsFile, resolveIdentityPath } from '../../src/vault/index.ts';
import { type Sandbox, sandbox } from './helpers.ts';

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

async function rejection(p: Promise<unknown>): Promise<PlatformError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PlatformError);
  return err as PlatformError;
}

describe('twins vault init', () => {
  it('defaults to ~/.config/twins/vault-identity.txt; TWINS_VAULT_IDENTITY and --identity override it', () => {
    expect(resolveIdentityPath()).toBe(box.identity);
    process.env.TWINS_VAULT_IDENTITY = join(box.root, 'env-id.txt');
    expect(resolveIdentityPath()).toBe(join(box.root, 'env-id.txt'));
    expect(resolveIdentityPath(join(box.root, 'flag-id.txt'))).toBe(join(box.root, 'flag-id.txt'));
  });

  it('creates the identity mode 0600 in a new 0700 folder and writes its recipient into the vault', async () => {
    const r = await initVault({ vaultDir: box.vaultDir, identityPath: resolveIdentityPath() });
    expect(r.identityPath).toBe(box.identity);
    expect(statSync(box.identity).mode & 0o777).toBe(0o600);
    expect(statSync(join(box.home, '.config', 'twins')).mode & 0o777).toBe(0o700);
    expect(r.createdDir).toBe(true);
    const key = readFileSync(box.identity, 'utf8');
    expect(key).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/m);
    expect(r.recipient).toMatch(/^age1[0-9a-z]{58}$/);
    expect(readRecipientsFile(join(box.vaultDir, 'recipients.txt'))?.recipients).toEqual([r.recipient]);
    // The secret never reaches the vault.
    const secret = /AGE-SECRET-KEY-1[0-9A-Z]+/.exec(key)?.[0] ?? '';
    for (const f of ['recipients.txt', 'index.json']) expect(readFileSync(join(box.vaultDir, f), 'utf8')).not.toContain(secret);
    expect(JSON.parse(readFileSync(join(box.vaultDir, 'index.json'), 'utf8'))).toMatchObject({ version: 1, holdouts: [] });
  });

  it('refuses to overwrite an existing identity and leaves it byte for byte', async () => {
    await initVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    const before = readFileSync(box.identity);
    const recipientsBefore = readFileSync(join(box.vaultDir, 'recipients.txt'));
    const err = await rejection(initVault({ vaultDir: box.vaultDir, identityPath: box.identity }));
    expect(err.code).toBe('TWINS_VAULT_IDENTITY_EXISTS');
    expect(err.message).toContain(box.identity);
    expect(readFileSync(box.identity)).toEqual(before);
    expect(readFileSync(join(box.vaultDir, 'recipients.txt'))).toEqual(recipientsBefore);
  });

  it('a second identity is appended as one more recipient line, keeping the first', async () => {
    const first = await initVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    const before = readFileSync(join(box.vaultDir, 'recipients.txt'), 'utf8');
    const second = await initVault({ vaultDir: box.vaultDir, identityPath: join(box.root, 'bob', 'id.txt') });
    expect(second.appended).toBe(true);
    expect(second.recipients).toBe(2);
    const after = readFileSync(join(box.vaultDir, 'recipients.txt'), 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(readRecipientsFile(join(box.vaultDir, 'recipients.txt'))?.recipients).toEqual([first.recipient, second.recipient]);
  });

  it('refuses an identity inside the repository, and a recipients file with a bad line names the line', async () => {
    mkdirSync(join(box.project, '.git'));
    const inside = await rejection(initVault({ vaultDir: box.vaultDir, identityPath: join(box.project, 'id.txt') }));
    expect(inside.code).toBe('TWINS_USAGE');
    expect(() => statSync(join(box.project, 'id.txt'))).toThrow();

    mkdirSync(box.vaultDir, { recursive: true });
    // A pasted recipient with one character wrong: the shape is right, the bech32 checksum is not.
    writeFileSync(join(box.vaultDir, 'recipients.txt'), '# people\nage1lqxchttafw4rd49ytw3nlkn5qwf0ntxuzvsc9ue363d8gvtklsysr3q6qq\n');
    const bad = await rejection(initVault({ vaultDir: box.vaultDir, identityPath: box.identity }));
    expect(bad.code).toBe('TWINS_VAULT_RECIPIENTS');
    expect(bad.message).toContain('recipients.txt:2');
    // Nothing was created on the way to that error.
    expect(() => statSync(box.identity)).toThrow();
  });
});
