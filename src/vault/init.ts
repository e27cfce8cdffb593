// `twins vault init`: make the identity outside the repository and write its public recipient into the vault.

import { existsSync, lstatSync } from 'node:fs';
import { resolve } from 'node:path';
import { PlatformError } from '../errors.ts';
import { removeIfPresent, writeFileAtomic } from './atomic.ts';
import { createIdentity, identityExists, loadIdentity, readRecipientsFile, withRecipient } from './keys.ts';
import { gitWorkTree, isInside, shown, vaultPaths } from './paths.ts';
import { readIndex, withVaultLock } from './store.ts';
import { serialiseIndex } from './vault-index.ts';

export interface InitResult {
  identityPath: string;
  /** The new identity's public recipient (`age1…`). */
  recipient: string;
  /** The identity's folder did not exist and was made, mode 0700. */
  createdDir: boolean;
  recipientsPath: string;
  /** Recipients in the vault now. */
  recipients: number;
  /** The vault already had recipients; this one was appended. */
  appended: boolean;
  /** Holdouts sealed before now: the new identity cannot open them. */
  sealedBefore: number;
}

const GITIGNORE = `# Written by \`twins vault init\`: the writers' lock and what an interrupted write leaves never belong in git.
.lock
*.pending
.*.tmp-*
`;

/**
 * Create a vault identity at `identityPath` (never overwriting one) and add its recipient to the vault
 * in `vaultDir`, creating the vault (recipients.txt, index.json) when it is new.
 *
 * @example await initVault({ vaultDir: defaultVaultDir(), identityPath: resolveIdentityPath() })
 */
export async function initVault(opts: { vaultDir: string; identityPath: string; now?: Date }): Promise<InitResult> {
  const now = opts.now ?? new Date();
  const identityPath = resolve(opts.identityPath);
  const paths = vaultPaths(opts.vaultDir);
  const existing = readRecipientsFile(paths.recipients);
  let exists = false;
  try {
    lstatSync(identityPath);
    exists = true;
  } catch {
    // No identity yet: the normal case.
  }
  if (exists) {
    let recipient: string | undefined;
    try {
      recipient = (await loadIdentity(identityPath)).recipients[0];
    } catch {
      // Unreadable or not an identity: say only that it exists.
    }
    throw identityExists(identityPath, recipient && !existing?.recipients.includes(recipient) ? recipient : undefined);
  }
  const repo = gitWorkTree(paths.dir);
  if (isInside(identityPath, paths.dir) || (repo && isInside(identityPath, repo)))
    throw new PlatformError(
      'TWINS_USAGE',
      `the identity must live outside the repository, not at ${shown(identityPath)}`,
      'Leave out --identity (it defaults to ~/.config/twins/vault-identity.txt), or name a path outside the repository.',
    );
  const sealedBefore = readIndex(paths.dir).holdouts.length;

  const { recipient, createdDir } = await createIdentity(identityPath, now);
  try {
    return await withVaultLock(paths, async () => {
      // Read again under the lock: another init may have appended meanwhile.
      const current = readRecipientsFile(paths.recipients);
      const text = withRecipient(current?.text, recipient, `added by \`twins vault init\` on ${now.toISOString().slice(0, 10)}`);
      writeFileAtomic(paths.recipients, text);
      if (!existsSync(paths.index)) writeFileAtomic(paths.index, serialiseIndex({ version: 1, holdouts: [] }));
      const gitignore = resolve(paths.dir, '.gitignore');
      if (!existsSync(gitignore)) writeFileAtomic(gitignore, GITIGNORE);
      const count = (current?.recipients.length ?? 0) + 1;
      return {
        identityPath,
        recipient,
        createdDir,
        recipientsPath: paths.recipients,
        recipients: count,
        appended: (current?.recipients.length ?? 0) > 0,
        sealedBefore,
      };
    });
  } catch (err) {
    // Nothing was sealed to the new identity yet, so removing it loses nothing and lets the person retry.
    removeIfPresent(identityPath);
    if (err instanceof PlatformError) throw err;
    throw new PlatformError(
      'TWINS_VAULT_WRITE',
      `could not write the vault ${shown(paths.dir)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); no identity was kept`,
      'Check the folder can be written, then run `twins vault init` again.',
    );
  }
}
