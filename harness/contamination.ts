// Contamination: the opened holdouts' canary ids and verbatim step lines searched for in a trial's workspace, transcript and the requests sent to the twins.

import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
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
  /**
   * Decoys the run planted where only a cheat would look (a tenant no trial owns, on each twin's control plane).
   * Reported as canaries: one found in a trial's work means the agent went looking where it had no business.
   */
  decoys?: string[];
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
      ...(needles.decoys ?? []).map((d) => ({ kind: 'canary' as const, needle: d, probe: d })),
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

/** Read at most `max` bytes from the start of a file. */
function readHead(path: string, size: number, max: number): Buffer {
  if (size <= max) return readFileSync(path);
  const buf = Buffer.alloc(max);
  const fd = openSync(path, 'r');
  try {
    const n = readSync(fd, buf, 0, max, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Files of `root` (hidden ones and node_modules included), depth first, never following symlinks (a link may point anywhere). */
function* walk(root: string): Generator<{ path: string; size: number }> {
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // unreadable (the app may have made it 000): nothing to read
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) stack.push(path);
      else if (e.isFile()) {
        try {
          yield { path, size: lstatSync(path).size };
        } catch {
          // Gone since the listing.
        }
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
  /** What the app (and the agent, on its tenant) sent to the twins, from the journals. */
  requests?: { operation?: string; path?: string; args?: unknown }[];
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
  let truncated = false;
  let files = 0;
  if (input.workspace && compiled.list.length > 0) {
    const skip = new Set(input.skip ?? []);
    let total = 0;
    for (const f of walk(input.workspace)) {
      const rel = relative(input.workspace, f.path);
      if (skip.has(rel)) continue;
      if (files >= SCAN_LIMITS.files || total >= SCAN_LIMITS.totalBytes) {
        truncated = true;
        break;
      }
      const want = Math.min(f.size, SCAN_LIMITS.fileBytes, SCAN_LIMITS.totalBytes - total);
      if (want < f.size) truncated = true;
      let bytes: Buffer;
      try {
        bytes = readHead(f.path, f.size, want);
      } catch {
        continue;
      }
      files++;
      total += bytes.length;
      searchText(bytes.toString('latin1'), bytesForm, 'workspace', rel, hits);
    }
  }
  if (input.transcript) searchText(input.transcript, compiled, 'transcript', undefined, hits);
  for (const r of input.requests ?? []) {
    const text = [r.path ?? '', ...strings(r.args)].join('\n');
    searchText(text, compiled, 'requests', r.operation ?? r.path, hits);
  }
  return { flagged: hits.list.length > 0, hits: hits.list, workspaceTruncated: truncated, filesScanned: files };
}
