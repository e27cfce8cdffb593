// `twins vault verify`: every indexed holdout present, unchanged and openable; every file in the vault accounted for, by name.

import { join } from 'node:path';
import { PlatformError } from '../errors.ts';
import { isTempName } from './atomic.ts';
import { type LoadedIdentity, loadIdentity, lossWarning, MIN_RECIPIENTS, readRecipientsFile, requireRecipients } from './keys.ts';
import { examineHoldout, type HoldoutStatus, holdoutError } from './open.ts';
import { PENDING_SUFFIX, resolveIdentityPath, shown, vaultPaths } from './paths.ts';
import { readIndex, readSealed, safeList } from './store.ts';

/** One file's verdict. `extra`: a file in sealed/ the index does not list; `plaintext`: a `.feature` lying in the vault. */
export type FileStatus = HoldoutStatus | 'extra' | 'plaintext';

export interface VerifyFinding {
  /** The file as a person reads it (relative to the current directory when beneath it). */
  file: string;
  status: FileStatus;
  id?: string;
  task?: string;
  scenarios?: number;
  detail?: string;
}

export interface VerifyReport {
  vaultDir: string;
  /** False with `hashesOnly`: sealed files were checked against the index but not decrypted. */
  decrypted: boolean;
  identityPath?: string;
  holdouts: number;
  /** One per indexed holdout, then one per stray file. */
  findings: VerifyFinding[];
  /**
   * Things that do not make the vault wrong: holdouts that open for fewer than two recipients (one lost
   * identity from being lost for good), leftovers of an interrupted add, an identity others can read.
   */
  warnings: string[];
  /** A demo vault (its recipients file says `# twins: demo vault`): its identity is public, nothing in it is secret. */
  demo: boolean;
  ok: boolean;
}

/**
 * Check the whole vault: each index entry's sealed file exists and matches its hash (a changed byte, a
 * truncation), opens with the identity and decrypts to the plaintext the index hashed; and no sealed
 * file is missing from the index. Throws only when it cannot start (no recipients, no identity, a
 * broken index); problems with files come back as findings, and `verifyError` turns them into one error.
 */
export async function verifyVault(opts: { vaultDir: string; identityPath?: string; hashesOnly?: boolean }): Promise<VerifyReport> {
  const paths = vaultPaths(opts.vaultDir);
  const recipients = requireRecipients(paths.recipients);
  const demo = Boolean(readRecipientsFile(paths.recipients)?.demo);
  let identity: LoadedIdentity | undefined;
  const warnings: string[] = [];
  if (!opts.hashesOnly) {
    identity = await loadIdentity(opts.identityPath ?? resolveIdentityPath());
    warnings.push(...identity.warnings);
  }
  const index = readIndex(opts.vaultDir);
  const findings: VerifyFinding[] = [];
  const accounted = new Set<string>();
  for (const entry of index.holdouts) {
    const check = await examineHoldout(paths, entry, identity);
    accounted.add(join(paths.dir, entry.file));
    const label = { file: shown(join(paths.dir, entry.file)), id: entry.id, task: entry.task, scenarios: entry.scenarios };
    if (check.status === 'ok') {
      findings.push({ ...label, status: 'ok' });
      if (check.pending) {
        accounted.add(check.path);
        warnings.push(
          `${shown(check.path)}: an interrupted add or reseal committed it but did not rename it into place; the next \`twins scenarios add\` finishes it`,
        );
      }
    } else findings.push({ ...label, file: shown(check.path), status: check.status, detail: check.detail });
  }

  const byId = new Map(index.holdouts.map((h) => [h.id, h]));
  for (const name of safeList(paths.sealedDir)) {
    const path = join(paths.sealedDir, name);
    if (accounted.has(path) || name.startsWith('.')) {
      if (isTempName(name)) warnings.push(`${shown(path)}: a temp file left by an interrupted write; safe to delete`);
      continue;
    }
    if (name.endsWith(PENDING_SUFFIX)) {
      const entry = byId.get(name.slice(0, -PENDING_SUFFIX.length).replace(/\.feature\.age$/, ''));
      const committed = entry && readSealed(paths, entry)?.path === path;
      if (!committed)
        warnings.push(
          `${shown(path)}: not in the index, left by an add or reseal interrupted before it finished; safe to delete (the next \`twins scenarios add\` does)`,
        );
      continue;
    }
    if (name.endsWith('.feature'))
      findings.push({ file: shown(path), status: 'plaintext', detail: 'a plaintext feature inside the vault: delete it, never commit it' });
    else
      findings.push({
        file: shown(path),
        status: 'extra',
        detail: 'not in the index: added or renamed by hand, or the index lost its entry',
      });
  }
  for (const name of safeList(paths.dir)) {
    const path = join(paths.dir, name);
    if (name.endsWith('.feature'))
      findings.push({ file: shown(path), status: 'plaintext', detail: 'a plaintext feature inside the vault: delete it, never commit it' });
    else if (isTempName(name)) warnings.push(`${shown(path)}: a temp file left by an interrupted write; safe to delete`);
  }
  // A demo vault's identity ships with it, so it cannot be lost; every other vault needs a spare key.
  if (!demo) {
    const few = index.holdouts.filter((h) => h.recipients.length < MIN_RECIPIENTS);
    const least = Math.min(...few.map((h) => h.recipients.length));
    const held = few.length > 0 ? lossWarning(`${few.length} of the ${index.holdouts.length} holdouts`, least) : undefined;
    if (held) warnings.unshift(held);
    const next = lossWarning('the holdouts added from now on (recipients.txt)', recipients.length);
    if (next) warnings.unshift(next);
  }
  // Said only when nothing failed to open: otherwise each failure already says whom it was sealed to.
  if (identity && !identity.recipients.some((r) => recipients.includes(r)) && !findings.some((f) => f.status === 'wrong-identity'))
    warnings.push(`the identity's recipient is not in ${shown(paths.recipients)}: new holdouts are not sealed to it`);
  return {
    vaultDir: paths.dir,
    decrypted: Boolean(identity),
    identityPath: identity?.path,
    holdouts: index.holdouts.length,
    findings,
    warnings,
    demo,
    ok: findings.every((f) => f.status === 'ok'),
  };
}

/** The one error a failed verify exits with, naming every bad file; undefined when the vault is sound. */
export function verifyError(report: VerifyReport): PlatformError | undefined {
  const bad = report.findings.filter((f) => f.status !== 'ok');
  if (bad.length === 0) return undefined;
  const tampered = bad.filter((f) => f.status !== 'wrong-identity');
  if (bad.length === 1) {
    const f = bad[0];
    if (f.status === 'extra' || f.status === 'plaintext')
      return new PlatformError(
        'TWINS_VAULT_TAMPERED',
        `${f.file}: ${f.detail}`,
        'Remove the file, or restore scenarios/vault from version control; then run `twins vault verify` again.',
      );
    if (f.status !== 'ok') return holdoutError(f.file, f.status, f.detail);
  }
  const names = bad.map((f) => `${f.file} (${f.status})`).join(', ');
  if (tampered.length === 0)
    return new PlatformError(
      'TWINS_VAULT_WRONG_IDENTITY',
      `${bad.length} sealed files do not open with this identity: ${names}`,
      'Use the identity `twins vault init` made for this vault (--identity FILE or TWINS_VAULT_IDENTITY); holdouts sealed before your recipient was added open only with the older identities.',
    );
  return new PlatformError(
    'TWINS_VAULT_TAMPERED',
    `${bad.length} vault files fail verification: ${names}`,
    'Restore the named files and scenarios/vault/index.json from version control (git checkout -- FILE), then run `twins vault verify` again.',
  );
}
