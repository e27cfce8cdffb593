// The vault index (index.json): which holdouts exist, for which task, and the hashes that prove a sealed file unchanged. Never plaintext, never canaries.

import { readFileSync } from 'node:fs';
import { PlatformError } from '../errors.ts';
import { writeFileAtomic } from './atomic.ts';
import { sealedRelPath, shown } from './paths.ts';
import { sha256 } from './seal.ts';

export const INDEX_VERSION = 1;

/** One sealed holdout feature file. */
export interface HoldoutEntry {
  /** 16 lower-case hex characters, random; names the sealed file. */
  id: string;
  task: string;
  /** `sealed/<id>.feature.age`, relative to the vault folder. */
  file: string;
  /** sha256 of the sealed bytes: checked before anything is decrypted. */
  sha256: string;
  /** Size of the sealed file in bytes, so a truncation can be told from a change. */
  bytes: number;
  /** sha256 of the stamped plaintext (it holds 64-bit random canaries, so it cannot be guessed). */
  plaintextSha256: string;
  /** Number of scenarios (a Scenario Outline counts once). */
  scenarios: number;
  /** `nameHash(task, name)` of each scenario, for the duplicate-name lint by people who cannot open the vault. */
  nameHashes: string[];
  /** The recipients it was sealed to (public keys), so a verify can say why an identity cannot open it. */
  recipients: string[];
  /** When it was added, ISO 8601. */
  added: string;
}

export interface VaultIndex {
  version: typeof INDEX_VERSION;
  about?: string;
  holdouts: HoldoutEntry[];
}

const ABOUT = 'Written by `twins scenarios add`; do not edit by hand. Ids, tasks, hashes, counts and dates only: see docs/security.md.';
const HEX16 = /^[0-9a-f]{16}$/;
const HEX64 = /^[0-9a-f]{64}$/;
/** A task id is a folder name under scenarios/features, so it must be one safe path segment. */
export const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** A scenario name as the duplicate check compares it: trimmed, spaces collapsed, lower case. */
export function normaliseName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * The hash the index keeps of a scenario name, salted with the task so equal names in two tasks do not
 * correlate. It lets anyone test whether a guessed name exists (the price of the duplicate check
 * without the identity); docs/security.md says so.
 */
export function nameHash(task: string, name: string): string {
  return sha256(`twins-scenario-name:v1\n${task}\n${normaliseName(name)}`);
}

function indexError(path: string, what: string): PlatformError {
  return new PlatformError(
    'TWINS_VAULT_INDEX',
    `${shown(path)} ${what}`,
    'Restore scenarios/vault/index.json from version control (git checkout -- FILE).',
  );
}

function isStringArray(v: unknown, re?: RegExp): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string' && (!re || re.test(x)));
}

/** Check one entry's shape; returns what is wrong, or undefined. */
function entryProblem(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return 'is not an object';
  const h = e as Record<string, unknown>;
  if (typeof h.id !== 'string' || !HEX16.test(h.id)) return 'has no valid id';
  if (typeof h.task !== 'string' || !TASK_ID.test(h.task)) return `(${h.id}) has no valid task`;
  if (h.file !== sealedRelPath(h.id)) return `(${h.id}) names file "${String(h.file)}", expected "${sealedRelPath(h.id)}"`;
  if (typeof h.sha256 !== 'string' || !HEX64.test(h.sha256)) return `(${h.id}) has no valid sha256`;
  if (typeof h.plaintextSha256 !== 'string' || !HEX64.test(h.plaintextSha256)) return `(${h.id}) has no valid plaintextSha256`;
  if (!Number.isSafeInteger(h.bytes) || (h.bytes as number) <= 0) return `(${h.id}) has no valid bytes`;
  if (!Number.isSafeInteger(h.scenarios) || (h.scenarios as number) < 1) return `(${h.id}) has no valid scenarios count`;
  if (!isStringArray(h.nameHashes, HEX64) || h.nameHashes.length !== h.scenarios)
    return `(${h.id}) has nameHashes that do not match its count`;
  if (!isStringArray(h.recipients)) return `(${h.id}) has no recipients list`;
  if (typeof h.added !== 'string' || Number.isNaN(Date.parse(h.added))) return `(${h.id}) has no valid added date`;
  return undefined;
}

/**
 * Read and check the vault index. A vault with no index.json yet has an empty one. Throws
 * TWINS_VAULT_INDEX for anything unreadable, malformed, or with duplicate ids.
 */
export function readIndexFile(path: string): VaultIndex {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: INDEX_VERSION, holdouts: [] };
    throw indexError(path, `cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw indexError(path, 'is not valid JSON');
  }
  const obj = data as Partial<VaultIndex> | null;
  if (typeof obj !== 'object' || obj === null || obj.version !== INDEX_VERSION || !Array.isArray(obj.holdouts))
    throw indexError(path, `is not a version ${INDEX_VERSION} vault index`);
  const seen = new Set<string>();
  for (const [i, e] of obj.holdouts.entries()) {
    const problem = entryProblem(e);
    if (problem) throw indexError(path, `entry ${i} ${problem}`);
    if (seen.has(e.id)) throw indexError(path, `lists holdout ${e.id} twice`);
    seen.add(e.id);
  }
  return { version: INDEX_VERSION, holdouts: obj.holdouts };
}

/** The index's bytes on disk: stable key order, two-space indent, newline at the end (diffs stay small). */
export function serialiseIndex(index: VaultIndex): string {
  const holdouts = index.holdouts.map((h) => ({
    id: h.id,
    task: h.task,
    file: h.file,
    sha256: h.sha256,
    bytes: h.bytes,
    plaintextSha256: h.plaintextSha256,
    scenarios: h.scenarios,
    nameHashes: h.nameHashes,
    recipients: h.recipients,
    added: h.added,
  }));
  return `${JSON.stringify({ version: INDEX_VERSION, about: ABOUT, holdouts }, null, 2)}\n`;
}

/** Replace the index atomically (temp file, fsync, rename, fsync the folder). */
export function writeIndexFile(path: string, index: VaultIndex): void {
  writeFileAtomic(path, serialiseIndex(index));
}
