// Sealing and opening holdouts with age, in memory only, and the hashes the index keeps of them.

import { createHash } from 'node:crypto';
import { Decrypter, Encrypter } from 'age-encryption';
import { PlatformError } from '../errors.ts';

/** sha256 of bytes or UTF-8 text, lower-case hex. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Seal `plaintext` to every recipient (binary age format). The plaintext never leaves memory. */
export async function seal(plaintext: string, recipients: readonly string[]): Promise<Uint8Array> {
  const encrypter = new Encrypter();
  for (const r of recipients) encrypter.addRecipient(r);
  return encrypter.encrypt(plaintext);
}

/** Why a sealed file did not open. */
export type OpenFailure = 'wrong-identity' | 'damaged';

/** Open a sealed file with the identity's keys. Returns the plaintext, or why it failed (never partial plaintext). */
export async function unseal(sealed: Uint8Array, keys: readonly string[]): Promise<{ text: string } | { failure: OpenFailure }> {
  const decrypter = new Decrypter();
  for (const k of keys) decrypter.addIdentity(k);
  let bytes: Uint8Array;
  try {
    // With a Uint8Array input age authenticates every chunk before it returns anything, so a
    // damaged file yields an error and no bytes at all.
    bytes = await decrypter.decrypt(sealed);
  } catch (err) {
    return { failure: /no identity matched/.test((err as Error).message) ? 'wrong-identity' : 'damaged' };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { failure: 'damaged' };
  }
}

/** The PlatformError for a sealed file that failed to open, naming it. */
export function openError(file: string, failure: OpenFailure, why?: string): PlatformError {
  if (failure === 'wrong-identity')
    return new PlatformError(
      'TWINS_VAULT_WRONG_IDENTITY',
      `${file} is not sealed to this identity${why ? ` (${why})` : ''}`,
      'Use the identity `twins vault init` made for this vault (--identity FILE or TWINS_VAULT_IDENTITY); holdouts sealed before your recipient was added open only with the older identities.',
    );
  return new PlatformError(
    'TWINS_VAULT_TAMPERED',
    `${file} does not decrypt: it was changed or truncated${why ? ` (${why})` : ''}`,
    'Restore the named file from version control (git checkout -- FILE).',
  );
}
