// The toolbox: the parts of the project an agent may use inside its sandbox (the twins, the step library, `twins run`), and nothing that grades it.

import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { processAlive } from '../../src/vault/atomic.ts';
import { findExecutable } from './process-tree.ts';

/** Where the toolbox appears inside a bubblewrap sandbox; its bin/ is on PATH, so `twins run …` works there. */
export const TOOLBOX_DIR = '/opt/twins';

/**
 * The project's paths the toolbox shows, read-only. Enough for `twins run`, `twins steps` and `twins up` with the
 * public scenarios; never harness/ (tasks, reference solutions, the grader), scenarios/vault or test/.
 */
export const TOOLBOX_ENTRIES = [
  'bin',
  'src',
  'twins',
  'scenarios/support',
  'scenarios/steps',
  'node_modules',
  'package.json',
  'tsconfig.json',
];

export interface Toolbox {
  /** The project the toolbox comes from. */
  root: string;
}

/** Each toolbox path that exists: where it is on the host and where it appears in the sandbox. */
export function toolboxEntries(t: Toolbox): { src: string; dest: string }[] {
  return TOOLBOX_ENTRIES.map((e) => ({ src: join(t.root, e), dest: `${TOOLBOX_DIR}/${e}` })).filter((e) => existsSync(e.src));
}

const staged = new Map<string, string>();
const CP = findExecutable('cp');
const STAGE_PREFIX = 'twins-toolbox-';

/** Copies `src` to `dest` as hard links where the file system allows (one inode, no bytes), byte copies otherwise; links are recreated as links. */
function linkTree(src: string, dest: string): void {
  const st = lstatSync(src);
  if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(src), dest);
  } else if (st.isDirectory()) {
    mkdirSync(dest, { recursive: true });
    for (const name of readdirSync(src)) linkTree(join(src, name), join(dest, name));
  } else if (st.isFile()) {
    try {
      linkSync(src, dest);
    } catch {
      // Another file system (EXDEV) or links not allowed here: a copy shows the same bytes.
      copyFileSync(src, dest);
    }
  }
  // Sockets, FIFOs and devices in a toolbox are nobody's tools: left out.
}

/**
 * The toolbox staged under a neutral, random-named folder of the temp dir (`twins-toolbox-PID-XXXXXX`), once per
 * process and project, removed when the process exits. A bind mount's source shows in the sandbox's
 * /proc/self/mountinfo, so binding the project's own folders would tell the agent where the repository (and so the
 * vault and the tasks) live; the staged copy names nothing. Hard links make it cost no bytes and a second or two for a
 * 17,000-file node_modules; across file systems it is a copy. Stage folders of processes that died (SIGKILL) are
 * removed on the way.
 */
export function stagedToolbox(t: Toolbox): Toolbox {
  const known = staged.get(t.root);
  if (known && existsSync(known)) return { root: known };
  for (const name of safeList(tmpdir())) {
    const m = /^twins-toolbox-(\d+)-/.exec(name);
    if (m && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
  const dir = mkdtempSync(join(tmpdir(), `${STAGE_PREFIX}${process.pid}-`));
  // Read and searchable by the sandbox's user, whatever it is mapped to (mkdtemp makes it 0700); nothing in it is secret.
  chmodSync(dir, 0o755);
  try {
    for (const e of TOOLBOX_ENTRIES) {
      const src = join(t.root, e);
      if (!existsSync(src)) continue;
      mkdirSync(dirname(join(dir, e)), { recursive: true });
      // cp -al does in 0.4 s what a walk from here takes seconds for; without it (or across file systems) the walk.
      const cp = CP ? spawnSync(CP, ['-a', '-l', src, join(dir, e)], { stdio: 'ignore', timeout: 120_000 }) : undefined;
      if (cp?.status !== 0) {
        rmSync(join(dir, e), { recursive: true, force: true });
        linkTree(src, join(dir, e));
      }
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  if (staged.size === 0) process.once('exit', () => removeStaged());
  staged.set(t.root, dir);
  return { root: dir };
}

/** Removes this process's staged toolboxes (at exit; tests call it to check nothing is left). */
export function removeStaged(): void {
  for (const dir of staged.values()) rmSync(dir, { recursive: true, force: true });
  staged.clear();
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
