// Contamination: the opened holdouts' canary ids and verbatim step lines searched for in a trial's workspace, transcript and the requests sent to the twins (as the grader's proxy recorded them), and control-plane attempts reported as tampering.

import { closeSync, constants, type Dir, fstatSync, lstatSync, opendirSync, openSync, readSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseFeature } from '../src/vault/feature.ts';
import type { OpenedHoldout } from '../src/vault/index.ts';
import type { ContaminationHit } from './types.ts';

/** What to look for: both lists are secrets of the holdouts; keep them in memory only. */
export interface Needles {
  /** Canary ids (`canary-<16 hex>`). */
  canaries: string[];
  /** Holdout step texts (without their keyword) that no public feature has and that are long enough to be telling. */
  steps: string[];
}

/** Steps shorter than this are too generic to prove anything (`"#ops" is archived`). */
export const MIN_STEP_CHARS = 24;

/** Bounds of the workspace scan, so that a huge or hostile workspace cannot stall the grader. */
export const SCAN_LIMITS = {
  /** Bytes read from the start of each file. */
  fileBytes: 4 * 1024 * 1024,
  /** Bytes read over the whole workspace. */
  totalBytes: 256 * 1024 * 1024,
  files: 50_000,
  /** Folders visited, and how deep. */
  dirs: 20_000,
  depth: 64,
  /** Wall time of the whole workspace walk; what is left after it is not searched (and the scan says so). */
  ms: 20_000,
  /** Hits recorded per trial (the first ones; one is enough to flag it). */
  hits: 200,
};

/** Every step's text in a feature (backgrounds and rule backgrounds included), without keywords. */
function stepTexts(text: string, uri: string): string[] {
  const parsed = parseFeature(text, uri);
  const out = parsed.background.map((s) => s.text);
  for (const sc of parsed.scenarios) {
    out.push(...sc.steps.map((s) => s.text));
    if (sc.ruleBackground) out.push(...sc.ruleBackground.map((s) => s.text));
  }
  return out.map((s) => s.trim()).filter(Boolean);
}

/**
 * The needles of a set of opened holdouts: every canary id, and every step line that is at least
 * MIN_STEP_CHARS long and appears in none of the public features (a step the agent was shown
 * proves nothing when it turns up in its work).
 */
export function contaminationNeedles(holdouts: OpenedHoldout[], publicFeatureTexts: { uri: string; text: string }[]): Needles {
  const shown = new Set(publicFeatureTexts.flatMap((f) => stepTexts(f.text, f.uri)));
  const canaries = new Set<string>();
  const steps = new Set<string>();
  for (const h of holdouts) {
    for (const s of h.scenarios) if (s.canary) canaries.add(s.canary.replace(/^@/, ''));
    for (const step of stepTexts(h.text, h.file)) if (step.length >= MIN_STEP_CHARS && !shown.has(step)) steps.add(step);
  }
  return { canaries: [...canaries], steps: [...steps] };
}

/** The same needles in the forms a search needs: a canary is looked for by its 16 random hex digits alone, whatever prefix the copy kept. */
interface Compiled {
  list: { kind: ContaminationHit['kind']; needle: string; probe: string }[];
}

function compile(needles: Needles): Compiled {
  return {
    list: [
      ...needles.canaries.map((c) => ({ kind: 'canary' as const, needle: c, probe: c.replace(/^canary-/, '') })),
      ...needles.steps.map((s) => ({ kind: 'step' as const, needle: s, probe: s })),
    ],
  };
}

class Hits {
  readonly list: ContaminationHit[] = [];
  private readonly seen = new Set<string>();
  add(hit: ContaminationHit): void {
    const key = `${hit.kind}\0${hit.needle}\0${hit.where}\0${hit.location ?? ''}`;
    if (this.seen.has(key) || this.list.length >= SCAN_LIMITS.hits) return;
    this.seen.add(key);
    this.list.push(hit);
  }
}

function searchText(text: string, compiled: Compiled, where: ContaminationHit['where'], location: string | undefined, hits: Hits): void {
  if (text.length === 0) return;
  for (const n of compiled.list) if (text.includes(n.probe)) hits.add({ kind: n.kind, needle: n.needle, where, location });
}

/**
 * At most `max` bytes from the start of `path`, or undefined when it is not a regular file. Never follows a
 * link (O_NOFOLLOW), never waits on a FIFO or device (O_NONBLOCK, and anything but a regular file is
 * closed unread after fstat), so whatever the app swapped in cannot hang or redirect the grader.
 */
export function readRegularFileHead(path: string, max: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    if (!lstatSync(path).isFile()) return undefined;
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    const buf = Buffer.alloc(Math.min(st.size, max));
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } catch {
    return undefined; // gone, unreadable, or a link: nothing to read
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Files of `root` (hidden ones and node_modules included), depth first, never following symlinks (a link may
 * point anywhere) and never entering anything lstat does not call a folder. Bounded in folders, depth and
 * entries; `stop()` ends it early (the caller's time bound).
 */
function* walk(root: string, stop: () => boolean): Generator<{ path: string; size: number } | 'truncated'> {
  const stack: { dir: string; depth: number }[] = [{ dir: root, depth: 0 }];
  let dirs = 0;
  while (stack.length > 0) {
    const { dir, depth } = stack.pop() as { dir: string; depth: number };
    if (++dirs > SCAN_LIMITS.dirs || stop()) {
      yield 'truncated';
      return;
    }
    let handle: Dir | undefined;
    try {
      // A folder swapped for a link since it was listed is not entered.
      if (!lstatSync(dir).isDirectory()) continue;
      handle = opendirSync(dir, { bufferSize: 256 });
      for (let e = handle.readSync(); e !== null; e = handle.readSync()) {
        if (stop()) {
          yield 'truncated';
          return;
        }
        const path = join(dir, e.name);
        if (e.isDirectory()) {
          if (depth + 1 > SCAN_LIMITS.depth) yield 'truncated';
          else stack.push({ dir: path, depth: depth + 1 });
        } else if (e.isFile()) {
          try {
            yield { path, size: lstatSync(path).size };
          } catch {
            // Gone since the listing.
          }
        }
      }
    } catch {
      // Unreadable (the app may have made it 000): nothing to read.
    } finally {
      try {
        handle?.closeSync();
      } catch {
        // Already closed.
      }
    }
  }
}

export interface ScanInput {
  /** The trial's workspace, or the folder of an app graded with `twins grade`. */
  workspace?: string;
  /** Workspace-relative paths to leave out (files the harness itself wrote there). */
  skip?: string[];
  transcript?: string;
  /** What the app and the agent sent to the twins: the proxy's records (`text`) or journal entries (`args`). */
  requests?: { operation?: string; path?: string; args?: unknown; text?: string }[];
  /** Control-plane calls the proxy refused: each is a `tampering` hit. */
  attempts?: { method: string; path: string; phase?: string }[];
  /** Hits already found (the proxy's inspection as the requests passed), merged in. */
  found?: ContaminationHit[];
}

export interface ScanResult {
  flagged: boolean;
  hits: ContaminationHit[];
  /** The workspace scan stopped at a bound (SCAN_LIMITS); what lay beyond was not searched. */
  workspaceTruncated: boolean;
  filesScanned: number;
}

/** Every string inside a JSON value, one per line: the form a leak takes in a request's arguments. */
function strings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 12) return out;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out, depth + 1);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out, depth + 1);
  return out;
}

/**
 * Search a trial's traces for the holdouts' needles. Any hit flags the trial. The workspace is read
 * as raw bytes (latin1, so any file, binary or not, is searched byte for byte), within SCAN_LIMITS.
 *
 * @example scanContamination(needles, { workspace, transcript: outcome.transcript, requests: journal })
 */
export function scanContamination(needles: Needles, input: ScanInput): ScanResult {
  const compiled = compile(needles);
  // The probes as latin1 strings of their UTF-8 bytes: the form they take in a file read as latin1.
  const bytesForm: Compiled = { list: compiled.list.map((n) => ({ ...n, probe: Buffer.from(n.probe, 'utf8').toString('latin1') })) };
  const hits = new Hits();
  for (const h of input.found ?? []) hits.add(h);
  for (const a of input.attempts ?? [])
    hits.add({
      kind: 'tampering',
      needle: `${a.method} ${a.path}`.slice(0, 300),
      where: 'requests',
      ...(a.phase ? { location: `the ${a.phase}` } : {}),
    });
  let truncated = false;
  let files = 0;
  if (input.workspace && compiled.list.length > 0) {
    const skip = new Set(input.skip ?? []);
    let total = 0;
    const deadline = Date.now() + SCAN_LIMITS.ms;
    for (const f of walk(input.workspace, () => Date.now() > deadline)) {
      if (f === 'truncated') {
        truncated = true;
        continue;
      }
      const rel = relative(input.workspace, f.path);
      if (skip.has(rel)) continue;
      if (files >= SCAN_LIMITS.files || total >= SCAN_LIMITS.totalBytes) {
        truncated = true;
        break;
      }
      const want = Math.min(f.size, SCAN_LIMITS.fileBytes, SCAN_LIMITS.totalBytes - total);
      if (want < f.size) truncated = true;
      const bytes = readRegularFileHead(f.path, want);
      if (!bytes) continue;
      files++;
      total += bytes.length;
      searchText(bytes.toString('latin1'), bytesForm, 'workspace', rel, hits);
    }
  }
  if (input.transcript) searchText(input.transcript, compiled, 'transcript', undefined, hits);
  for (const r of input.requests ?? []) {
    const text = [r.path ?? '', r.text ?? '', ...strings(r.args)].join('\n');
    searchText(text, compiled, 'requests', r.operation ?? r.path, hits);
  }
  return { flagged: hits.list.length > 0, hits: hits.list, workspaceTruncated: truncated, filesScanned: files };
}

/**
 * The needles searched in each request as the grader's proxy passes it on, so that every request of the
 * whole trial is searched (every scenario, the agent's calls too), however many there are and whatever
 * the record keeps.
 *
 * @example const scanner = new RequestScanner(needles); startTrialProxy({ twins, inspect: (r, text) => scanner.add(r.path, text) });
 */
export class RequestScanner {
  private readonly compiled: Compiled;
  private readonly found = new Hits();
  constructor(needles: Needles) {
    this.compiled = compile(needles);
  }
  add(location: string, text: string): void {
    searchText(text, this.compiled, 'requests', location, this.found);
  }
  get hits(): ContaminationHit[] {
    return this.found.list.slice();
  }
}
