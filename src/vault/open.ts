// Opening holdouts for the runner and the grader: each sealed file checked against the index, then decrypted in memory.

import { join } from 'node:path';
import { PlatformError } from '../errors.ts';
import { parseFeature } from './feature.ts';
import { type LoadedIdentity, loadIdentity } from './keys.ts';
import { resolveIdentityPath, shown, type VaultPaths, vaultPaths } from './paths.ts';
import { sha256, unseal } from './seal.ts';
import { readIndex, readSealed } from './store.ts';
import type { HoldoutEntry } from './vault-index.ts';

/** A holdout feature, decrypted. Its text lives in memory only: never write it into the repo or a log. */
export interface OpenedHoldout {
  id: string;
  task: string;
  /** The sealed file's absolute path, for messages. */
  file: string;
  /** The stamped feature plaintext. */
  text: string;
  /** Each scenario's name and canary tag (`@canary-…`), in file order. */
  scenarios: { name: string; canary: string }[];
}

/** What examining one indexed holdout found. */
export type HoldoutStatus = 'ok' | 'missing' | 'truncated' | 'changed' | 'wrong-identity' | 'damaged';

export interface HoldoutCheck {
  entry: HoldoutEntry;
  /** Absolute path of the bytes that were checked (the sealed file, or a committed `.pending`). */
  path: string;
  status: HoldoutStatus;
  /** Why, in words, for anything but ok. */
  detail?: string;
  /** The plaintext, when opened and whole. */
  text?: string;
  scenarios?: { name: string; canary: string }[];
  /** The sealed bytes were in a `.pending` file an interrupted add left committed. */
  pending?: boolean;
}

/**
 * Check one indexed holdout: the sealed bytes exist and hash as the index says (before any decryption),
 * and, given an identity, decrypt to the plaintext the index hashed, holding one canary per scenario.
 */
export async function examineHoldout(paths: VaultPaths, entry: HoldoutEntry, identity?: LoadedIdentity): Promise<HoldoutCheck> {
  const found = readSealed(paths, entry);
  const path = found?.path ?? join(paths.dir, entry.file);
  if (!found) return { entry, path, status: 'missing', detail: 'the index lists it but the file is missing' };
  const check: HoldoutCheck = { entry, path, status: 'ok', pending: found.pending || undefined };
  if (sha256(found.bytes) !== entry.sha256) {
    if (found.bytes.length < entry.bytes)
      return { ...check, status: 'truncated', detail: `truncated: ${found.bytes.length} of ${entry.bytes} bytes` };
    return { ...check, status: 'changed', detail: 'changed: its sha256 differs from the index' };
  }
  if (!identity) return check;
  const opened = await unseal(found.bytes, identity.keys);
  if ('failure' in opened) {
    if (opened.failure === 'damaged') return { ...check, status: 'damaged', detail: 'it matches the index but does not decrypt' };
    const mine = identity.recipients.some((r) => entry.recipients.includes(r));
    const why = mine
      ? 'the identity is among its recipients, yet does not open it'
      : `it was sealed to ${entry.recipients.length} recipient${entry.recipients.length === 1 ? '' : 's'}, none of them this identity's`;
    return { ...check, status: 'wrong-identity', detail: why };
  }
  if (sha256(opened.text) !== entry.plaintextSha256)
    return { ...check, status: 'changed', detail: 'it decrypts, but not to the plaintext the index recorded' };
  const parsed = parseFeature(opened.text, entry.file);
  const scenarios = parsed.scenarios.map((s) => ({ name: s.name, canary: s.canary ?? '' }));
  if (parsed.errors.length > 0 || scenarios.length !== entry.scenarios || scenarios.some((s) => s.canary === ''))
    return { ...check, status: 'damaged', detail: 'its plaintext is not the stamped feature the index describes' };
  return { ...check, text: opened.text, scenarios };
}

/** The PlatformError for a holdout that did not check out, naming its file. Never includes plaintext. */
export function holdoutError(file: string, status: Exclude<HoldoutStatus, 'ok'>, detail?: string): PlatformError {
  if (status === 'wrong-identity')
    return new PlatformError(
      'TWINS_VAULT_WRONG_IDENTITY',
      `${file} does not open with this identity: ${detail}`,
      'Use the identity `twins vault init` made for this vault (--identity FILE or TWINS_VAULT_IDENTITY); holdouts sealed before your recipient was added open only with the older identities.',
    );
  return new PlatformError(
    'TWINS_VAULT_TAMPERED',
    `${file} ${status === 'missing' ? 'is missing' : 'was tampered with'}: ${detail}`,
    'Restore the named file and scenarios/vault/index.json from version control (git checkout -- FILE), then run `twins vault verify`.',
  );
}

/**
 * Decrypt the task's holdouts (every task's when `task` is omitted) in memory, in the order they were
 * added. Each sealed file's hash is checked against the index before it is decrypted. Throws
 * TWINS_VAULT_NO_IDENTITY, TWINS_VAULT_WRONG_IDENTITY or TWINS_VAULT_TAMPERED naming the file, and
 * TWINS_VAULT_INDEX for a broken index.
 *
 * @example const holdouts = await openHoldouts({ vaultDir: defaultVaultDir(), task: 'OPS-1' });
 */
export async function openHoldouts(opts: { vaultDir: string; identityPath?: string; task?: string }): Promise<OpenedHoldout[]> {
  const paths = vaultPaths(opts.vaultDir);
  const identity = await loadIdentity(opts.identityPath ?? resolveIdentityPath());
  const entries = readIndex(opts.vaultDir).holdouts.filter((h) => opts.task === undefined || h.task === opts.task);
  const opened: OpenedHoldout[] = [];
  for (const entry of entries) {
    const check = await examineHoldout(paths, entry, identity);
    if (check.status !== 'ok') throw holdoutError(shown(check.path), check.status, check.detail);
    if (check.text === undefined || check.scenarios === undefined) throw holdoutError(shown(check.path), 'damaged', 'it did not open');
    opened.push({ id: entry.id, task: entry.task, file: join(paths.dir, entry.file), text: check.text, scenarios: check.scenarios });
  }
  return opened;
}
