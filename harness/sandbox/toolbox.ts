// The toolbox: the parts of the project an agent may use inside its sandbox (the twins, the step library, `twins run`), and nothing that grades it.

import { existsSync } from 'node:fs';
import { join } from 'node:path';

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
