// Watches how many bytes a workspace holds, by a bounded walk that never follows links, so a command can be stopped past its cap.

import { type Dir, lstatSync, opendirSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/** Pause between two walks of the workspace: the cap's granularity is one walk plus this. */
export const WORKSPACE_POLL_MS = 500;
/** Entries one walk looks at, at most; a workspace with more is over its cap whatever their size. */
export const WORKSPACE_MAX_ENTRIES = 1_000_000;

/** What a walk found: bytes (past `limit` it stops early) and whether it stopped at the entry bound. */
export interface WorkspaceUsage {
  bytes: number;
  entries: number;
  tooMany: boolean;
}

/** Entries looked at between two yields to the event loop: a few milliseconds of synchronous lstat. */
const BATCH = 500;

/**
 * The bytes under `dir`: for each file its size or its allocated blocks, whichever is larger (a sparse file counts at
 * its size), for each folder its blocks; a file with several links once. Links are never followed and nothing but
 * folders is opened; a folder on another device (something swapped in during the walk) is not entered. Stops as
 * soon as the sum passes `limit`, or after WORKSPACE_MAX_ENTRIES entries.
 *
 * Synchronous calls in batches of BATCH entries, yielding between them: a promise per lstat is ten times slower
 * (17,000 entries: ~0.5 s this way, 5 s that way on a loaded machine), and a batch blocks the harness for
 * milliseconds only.
 */
export async function workspaceUsage(dir: string, limit = Number.POSITIVE_INFINITY): Promise<WorkspaceUsage> {
  let root: Stats;
  try {
    root = lstatSync(dir);
  } catch {
    return { bytes: 0, entries: 0, tooMany: false };
  }
  if (!root.isDirectory()) return { bytes: 0, entries: 0, tooMany: false };
  const seen = new Set<string>();
  const stack = [dir];
  let bytes = 0;
  let entries = 0;
  let sinceYield = 0;
  while (stack.length > 0) {
    const folder = stack.pop() as string;
    let handle: Dir;
    try {
      handle = opendirSync(folder);
    } catch {
      continue; // gone, or not a folder any more
    }
    try {
      for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
        if (++entries > WORKSPACE_MAX_ENTRIES) return { bytes, entries, tooMany: true };
        if (++sinceYield >= BATCH) {
          sinceYield = 0;
          await new Promise((r) => setImmediate(r));
        }
        let st: Stats;
        try {
          st = lstatSync(join(folder, entry.name));
        } catch {
          continue;
        }
        if (st.nlink > 1 && !st.isDirectory()) {
          const id = `${st.dev}:${st.ino}`;
          if (seen.has(id)) continue;
          seen.add(id);
        }
        const allocated = st.blocks * 512;
        if (st.isDirectory()) {
          bytes += allocated;
          if (st.dev === root.dev) stack.push(join(folder, entry.name));
        } else {
          bytes += st.isFile() ? Math.max(st.size, allocated) : allocated;
        }
        if (bytes > limit) return { bytes, entries, tooMany: false };
      }
    } catch {
      // the folder changed under the walk: what was read counts
    } finally {
      try {
        handle.closeSync();
      } catch {
        // closed already
      }
    }
  }
  return { bytes, entries, tooMany: false };
}

/**
 * Walks `dir` again and again (WORKSPACE_POLL_MS apart) until stopped, and calls `over` once when it holds more than
 * `limit` bytes or more than WORKSPACE_MAX_ENTRIES entries. Returns the function that stops the watch.
 */
export function watchWorkspace(dir: string, limit: number, over: (usage: WorkspaceUsage) => void): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    if (stopped) return;
    const usage = await workspaceUsage(dir, limit);
    if (stopped) return;
    if (usage.bytes > limit || usage.tooMany) {
      stopped = true;
      over(usage);
      return;
    }
    timer = setTimeout(() => void tick(), WORKSPACE_POLL_MS);
    timer.unref();
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
