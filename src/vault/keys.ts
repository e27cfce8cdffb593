// The vault's keys: reading and creating the age identity (secret, outside the repo) and the recipients file (public, in the vault).

import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { PlatformError } from '../errors.ts';
import { fsyncDir } from './atomic.ts';
import { IDENTITY_DATA_ENV, IDENTITY_FROM_ENV, shown, takeIdentityData } from './paths.ts';

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
  /** The file says it is a demo identity (`# twins: demo identity`): public on purpose, it guards nothing. */
  demo?: boolean;
}

function noIdentity(message: string): PlatformError {
  return new PlatformError(
    'TWINS_VAULT_NO_IDENTITY',
    message,
    `Pass \`--identity FILE\`, set TWINS_VAULT_IDENTITY to the file \`twins vault init\` made, or put the file's text in ${IDENTITY_DATA_ENV}.`,
  );
}

/** A marker line a demo identity carries (`# twins: demo identity …`): it is public on purpose, and says so. */
const DEMO_MARK = /^#\s*twins:\s*demo identity\b/im;

/**
 * Read an age identity (the `age-keygen` format: `#` comments and `AGE-SECRET-KEY-1…` lines) from a
 * file, or from TWINS_VAULT_IDENTITY_DATA when `path` is IDENTITY_FROM_ENV (what resolveIdentityPath
 * returns when only that variable is set). Its text is never printed, not even a bad line of it.
 * Throws TWINS_VAULT_NO_IDENTITY when it is missing, unreadable or holds no X25519 identity.
 *
 * @example await loadIdentity(resolveIdentityPath()) // { path, keys, recipients, warnings }
 */
export async function loadIdentity(path: string): Promise<LoadedIdentity> {
  // Taken out of the environment whichever identity is used, so children started after this never inherit it.
  takeIdentityData();
  const fromEnv = path === IDENTITY_FROM_ENV;
  const label = fromEnv ? `$${IDENTITY_DATA_ENV}` : shown(path);
  let text: string;
  if (fromEnv) {
    const data = takeIdentityData();
    if (data === undefined) throw noIdentity(`${label} is empty or unset`);
    text = data;
  } else {
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw noIdentity(`no vault identity at ${label}`);
      throw noIdentity(`cannot read the vault identity ${label} (${code ?? 'error'})`);
    }
  }
  const keys: string[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    // Never echo the line: it may be a secret key with a typo.
    if (!X25519_IDENTITY.test(line)) throw noIdentity(`${label}:${i + 1} is not an age X25519 identity (AGE-SECRET-KEY-1…)`);
    keys.push(line);
  }
  if (keys.length === 0) throw noIdentity(`${label} holds no age identity (AGE-SECRET-KEY-1…)`);
  const recipients: string[] = [];
  for (const key of keys) {
    try {
      recipients.push(await identityToRecipient(key));
    } catch {
      throw noIdentity(`${label} holds an age identity that does not decode (a damaged key)`);
    }
  }
  const warnings: string[] = [];
  const demo = DEMO_MARK.test(text);
  if (!fromEnv && !demo) {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077)
      warnings.push(`the identity ${label} can be read by others (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 it`);
  }
  return { path, keys, recipients, warnings, ...(demo ? { demo } : {}) };
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
  /** The file marks a demo vault (`# twins: demo vault`): sealed to a public identity that ships with it. */
  demo?: boolean;
}

/** The marker line of a demo vault's recipients file. */
const DEMO_VAULT_MARK = /^#\s*twins:\s*demo vault\b/im;

/** Fewer recipients than this and losing one identity can lose the holdouts for good. */
export const MIN_RECIPIENTS = 2;

/**
 * The warning for holdouts that open for fewer than MIN_RECIPIENTS identities, or undefined when none do.
 * `what` names them ("3 holdouts", "the holdouts just sealed").
 *
 * @example lossWarning('12 holdouts', 1) // 'only 1 recipient can open 12 holdouts: …'
 */
export function lossWarning(what: string, recipients: number): string | undefined {
  if (recipients >= MIN_RECIPIENTS) return undefined;
  return `only ${recipients} recipient${recipients === 1 ? '' : 's'} can open ${what}: if that identity is lost, nobody can ever open them again. Add a second recipient held by someone else (or a CI secret store) to recipients.txt and run \`twins vault reseal\` (docs/vault.md, "Key custody")`;
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
  return { path, recipients, text, ...(DEMO_VAULT_MARK.test(text) ? { demo: true } : {}) };
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
