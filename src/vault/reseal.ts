// `twins vault reseal`: seal every holdout again to the vault's current recipients, so a person added later can open the older ones too.

import { renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PlatformError } from '../errors.ts';
import { fsyncDir, removeIfPresent, writeFileDurable } from './atomic.ts';
import { loadIdentity, requireRecipients } from './keys.ts';
import { examineHoldout, holdoutError } from './open.ts';
import { PENDING_SUFFIX, resolveIdentityPath, shown, vaultPaths } from './paths.ts';
import { seal, sha256 } from './seal.ts';
import { readIndex, recoverVault, withVaultLock } from './store.ts';
import { type HoldoutEntry, writeIndexFile } from './vault-index.ts';

export interface ResealResult {
  /** Holdouts sealed again. */
  resealed: string[];
  /** Holdouts already sealed to exactly the current recipients. */
  unchanged: string[];
  recipients: number;
  recovered: string[];
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Open every holdout with the identity and seal it again to the recipients now in recipients.txt,
 * keeping its id, canaries and plaintext. All or nothing: if any holdout does not open, nothing
 * changes. The same two-phase write as `add` (`.pending`, index, rename) keeps a crash harmless.
 * Old versions stay in version control, readable by whoever they were sealed to.
 */
export async function resealVault(opts: {
  vaultDir: string;
  identityPath?: string;
  /** Test seam, as for `addScenarios`. */
  onStage?: (stage: 'sealed' | 'indexed') => void | Promise<void>;
}): Promise<ResealResult> {
  const vaultDir = resolve(opts.vaultDir);
  const paths = vaultPaths(vaultDir);
  const recipients = requireRecipients(paths.recipients);
  const identity = await loadIdentity(opts.identityPath ?? resolveIdentityPath());
  return withVaultLock(paths, async () => {
    const index = readIndex(vaultDir);
    const result: ResealResult = { resealed: [], unchanged: [], recipients: recipients.length, recovered: recoverVault(paths, index) };
    const next: HoldoutEntry[] = [];
    const writes: { path: string; bytes: Uint8Array; final: string }[] = [];
    for (const entry of index.holdouts) {
      if (sameSet(entry.recipients, recipients)) {
        result.unchanged.push(entry.id);
        next.push(entry);
        continue;
      }
      const check = await examineHoldout(paths, entry, identity);
      if (check.status !== 'ok') throw holdoutError(shown(check.path), check.status, check.detail);
      if (check.text === undefined) throw holdoutError(shown(check.path), 'damaged', 'it did not open');
      const sealed = await seal(check.text, recipients);
      const final = join(paths.dir, entry.file);
      writes.push({ path: final + PENDING_SUFFIX, bytes: sealed, final });
      next.push({ ...entry, sha256: sha256(sealed), bytes: sealed.length, recipients: [...recipients] });
      result.resealed.push(entry.id);
    }
    if (writes.length === 0) return result;
    let committed = false;
    try {
      for (const w of writes) writeFileDurable(w.path, w.bytes);
      await opts.onStage?.('sealed');
      writeIndexFile(paths.index, { ...index, holdouts: next });
      committed = true;
      await opts.onStage?.('indexed');
      for (const w of writes) renameSync(w.path, w.final);
      fsyncDir(paths.sealedDir);
    } catch (err) {
      if (committed) return result; // The next add or reseal renames the committed `.pending` files.
      for (const w of writes) removeIfPresent(w.path);
      if (err instanceof PlatformError) throw err;
      throw new PlatformError(
        'TWINS_VAULT_WRITE',
        `could not write to ${shown(paths.dir)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); nothing was resealed`,
        'Check the disk and the folder permissions, then run the command again.',
      );
    }
    return result;
  });
}
