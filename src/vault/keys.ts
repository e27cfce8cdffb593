// The vault's keys: reading and creating the age identity (secret, outside the repo) and the recipients file (public, in the vault).

import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { PlatformError } from '../errors.ts';
import { fsyncDir } from './atomic.ts';
import { shown } from './paths.ts';

/** An X25519 recipient: `age1` and 58 bech32 characters. Post-quantum (`age1pq1…`) and tag recipients are refused, see docs/security.md. */
const X25519_RECIPIENT = /^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/;
const X25519_IDENTITY = /^AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}$/;

/** An identity file, parsed. */
export interface LoadedIdentity {
  path: string;
  /** The `AGE-SECRET-KEY-1…` lines: never printed, never written anywhere else. */
  keys: string[];
  /** The public recipient of each key, same order. */
  recipients: string[];
  /** Things a person should fix, e.g. a file others can read. */
  warnings: string[];
}

function noIdentity(message: string): PlatformError {
  return new PlatformError(
    'TWINS_VAULT_NO_IDENTITY',
    message,
    'Pass `--identity FILE` or set TWINS_VAULT_IDENTITY to the file `twins vault init` made.',
  );
}

/**
 * Read an age identity file (the `age-keygen` format: `#` comments and `AGE-SECRET-KEY-1…` lines).
 * Throws TWINS_VAULT_NO_IDENTITY when it is missing, unreadable or holds no X25519 identity.
 */
export async function loadIdentity(path: string): Promise<LoadedIdentity> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw noIdentity(`no vault identity at ${shown(path)}`);
    throw noIdentity(`cannot read the vault identity ${shown(path)} (${code ?? 'error'})`);
  }
  const keys: string[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    // Never echo the line: it may be a secret key with a typo.
    if (!X25519_IDENTITY.test(line)) throw noIdentity(`${shown(path)}:${i + 1} is not an age X25519 identity (AGE-SECRET-KEY-1…)`);
    keys.push(line);
  }
  if (keys.length === 0) throw noIdentity(`${shown(path)} holds no age identity (AGE-SECRET-KEY-1…)`);
  const recipients: string[] = [];
  for (const key of keys) {
    try {
      recipients.push(await identityToRecipient(key));
    } catch {
      throw noIdentity(`${shown(path)} holds an age identity that does not decode (a damaged key)`);
    }
  }
  const warnings: string[] = [];
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077)
    warnings.push(`the identity ${shown(path)} can be read by others (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 it`);
  return { path, keys, recipients, warnings };
}

/**
 * Create a new X25519 identity at `path`, mode 0600 (its folder 0700 when this creates it), and return
 * its recipient. Never overwrites: an existing file is TWINS_VAULT_IDENTITY_EXISTS.
 */
export async function createIdentity(path: string, now: Date = new Date()): Promise<{ recipient: string; createdDir: boolean }> {
  const dir = dirname(path);
  let createdDir = false;
  try {
    statSync(dir);
  } catch {
    // recursive mkdir applies the mode to every folder it creates (umask 077 bits cannot widen 0700).
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    createdDir = true;
  }
  const key = await generateX25519Identity();
  const recipient = await identityToRecipient(key);
  const text = [
    '# twins vault identity: the secret key that opens the sealed holdouts.',
    '# Keep it out of every repository and every agent sandbox; back it up.',
    `# created: ${now.toISOString()}`,
    `# public key: ${recipient}`,
    key,
    '',
  ].join('\n');
  let fd: number;
  try {
    // O_EXCL: two `vault init` at once, or a file that appears meanwhile, cannot be overwritten.
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw identityExists(path);
    throw new PlatformError(
      'TWINS_VAULT_WRITE',
      `cannot create the identity ${shown(path)} (${code ?? 'error'})`,
      'Pass `--identity` with a path in a folder you can write to.',
    );
  }
  try {
    // The umask could have narrowed the mode but never widened it; set it exactly anyway.
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  fsyncDir(dir);
  return { recipient, createdDir };
}

export function identityExists(path: string, recipient?: string): PlatformError {
  const reuse = recipient
    ? ` To use it with this vault, append its public recipient as a line of the vault's recipients.txt: ${recipient}.`
    : '';
  return new PlatformError(
    'TWINS_VAULT_IDENTITY_EXISTS',
    `an identity already exists at ${shown(path)}; it was left untouched`,
    `Keep it, or pass \`--identity\` with another path.${reuse}`,
  );
}

/** The recipients file, parsed: each `age1…` line, in order, without duplicates. */
export interface Recipients {
  path: string;
  recipients: string[];
  /** The file's text as read, so an append keeps comments and layout byte for byte. */
  text: string;
}

/** True when age accepts `recipient` (the bech32 checksum holds: a typo in a pasted key fails here, not at sealing). */
function decodes(recipient: string): boolean {
  try {
    new Encrypter().addRecipient(recipient);
    return true;
  } catch {
    return false;
  }
}

/** Read the recipients file, or undefined when there is none yet. Throws TWINS_VAULT_RECIPIENTS naming a bad line. */
export function readRecipientsFile(path: string): Recipients | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PlatformError(
      'TWINS_VAULT_RECIPIENTS',
      `cannot read ${shown(path)} (${(err as NodeJS.ErrnoException).code})`,
      'Check the file exists and can be read.',
    );
  }
  const recipients: string[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!X25519_RECIPIENT.test(line) || !decodes(line)) {
      // A secret key pasted here by mistake must not be echoed into a log.
      const what = line.startsWith('AGE-SECRET-KEY')
        ? 'it is a SECRET identity: remove it, and make a new identity since this one is exposed'
        : `"${line.slice(0, 80)}"`;
      throw new PlatformError(
        'TWINS_VAULT_RECIPIENTS',
        `${shown(path)}:${i + 1} is not an age X25519 recipient (${what})`,
        'Each recipient is one `age1…` line (the public key `twins vault init` prints); `#` starts a comment.',
      );
    }
    if (!recipients.includes(line)) recipients.push(line);
  }
  return { path, recipients, text };
}

/** The vault's recipients; TWINS_VAULT_NOT_INITIALISED when there are none. */
export function requireRecipients(path: string): string[] {
  const file = readRecipientsFile(path);
  if (!file || file.recipients.length === 0)
    throw new PlatformError(
      'TWINS_VAULT_NOT_INITIALISED',
      `the vault has no recipients (${shown(path)} is ${file ? 'empty' : 'missing'})`,
      'Run `twins vault init` once (it makes an identity and writes its recipient), or pass `--vault DIR`.',
    );
  return file.recipients;
}

/** The recipients file's text with `recipient` appended, keeping what was there unchanged. */
export function withRecipient(existing: string | undefined, recipient: string, note: string): string {
  const header =
    '# Public age recipients of this vault: holdouts are sealed to every line. Anyone may add a holdout;\n' +
    '# only the holder of a matching identity can open one. To add a person, append their `age1…` line;\n' +
    '# holdouts sealed before that stay readable only by the recipients they were sealed to.\n';
  const base = existing ?? header;
  const sep = base === '' || base.endsWith('\n') ? '' : '\n';
  return `${base}${sep}# ${note}\n${recipient}\n`;
}
