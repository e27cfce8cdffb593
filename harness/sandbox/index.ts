// Chooses the agent sandbox: bubblewrap when it works on this machine, else a plain-process fallback that says it isolates nothing.

import { PlatformError } from '../../src/errors.ts';
import type { Sandbox } from '../types.ts';
import { BubblewrapSandbox, probeBubblewrap } from './bubblewrap.ts';
import { PROJECT_ROOT, protectedPaths } from './paths.ts';
import { NO_ISOLATION_NOTICE, PlainSandbox } from './plain.ts';

export { type BubblewrapProbe, bubblewrapArgs, probeBubblewrap } from './bubblewrap.ts';
export { PROJECT_ROOT, type ProtectedPath, protectedPaths } from './paths.ts';
export { NO_ISOLATION_NOTICE } from './plain.ts';
export { TOOLBOX_DIR, TOOLBOX_ENTRIES } from './toolbox.ts';

export interface SandboxOptions {
  /** `bubblewrap` insists on it (TWINS_SANDBOX_UNAVAILABLE when it does not work here); `none` asks for the plain fallback. Unset: bubblewrap when it works. */
  prefer?: 'bubblewrap' | 'none';
  /** Mount the read-only toolbox (the twins, the step library, `twins run`) at /opt/twins, with its bin/ on PATH. Default true. */
  toolbox?: boolean;
  /** The project: where the toolbox comes from, and hidden with its vault and tasks. Default: the project this module is in. */
  repoRoot?: string;
  /** More paths no command may see: the run's out folder, other trials' workspaces. */
  hide?: string[];
  /**
   * Folders never shown, nor anything inside them, even when a folder holding them is (kind `secret`): every task
   * folder and vault folder, wherever `--tasks` and `--vault` point. A workspace or read-only folder inside one is refused.
   */
  secret?: string[];
  /** Where the warning about the plain fallback goes (default: standard error). */
  log?: (line: string) => void;
}

/** A Sandbox that also says where the toolbox is for its commands (`/opt/twins` in bubblewrap, the project itself in the fallback). */
export interface TwinsSandbox extends Sandbox {
  readonly toolbox: string | undefined;
}

/**
 * The sandbox agents and apps run in. Probes bubblewrap once per process (`bwrap … true`).
 *
 * @example
 * const sandbox = createSandbox({ hide: [outDir] });
 * const r = await sandbox.run({ command: 'npm install', workspace, env, wallMs: 120_000, outputBytes: 1 << 20, processes: 64 });
 */
export function createSandbox(opts: SandboxOptions = {}): TwinsSandbox {
  const repoRoot = opts.repoRoot ?? PROJECT_ROOT;
  const toolbox = opts.toolbox === false ? undefined : { root: repoRoot };
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (opts.prefer === 'none') {
    log(`${NO_ISOLATION_NOTICE} (the plain sandbox was asked for)`);
    return new PlainSandbox({ toolbox, reason: 'asked for' });
  }
  const probe = probeBubblewrap();
  if (probe.ok) {
    return new BubblewrapSandbox({ probe, toolbox, protect: protectedPaths({ repoRoot, hide: opts.hide, secret: opts.secret }) });
  }
  const reason = `bubblewrap does not work here: ${firstLine(probe.reason)}`;
  if (opts.prefer === 'bubblewrap') {
    throw new PlatformError(
      'TWINS_SANDBOX_UNAVAILABLE',
      reason,
      'Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) and allow user namespaces (in a container: run it with --privileged or a seccomp profile that permits them), or leave out the bubblewrap preference to run without isolation.',
    );
  }
  log(`${NO_ISOLATION_NOTICE} (${reason})`);
  return new PlainSandbox({ toolbox, reason });
}

function firstLine(text: string | undefined): string {
  return (
    (text ?? 'unknown reason')
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? 'unknown reason'
  );
}
