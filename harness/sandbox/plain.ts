// The plain-process fallback: the same limits and output handling as bubblewrap, and no isolation at all, said loudly.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Sandbox, SandboxProcess, SandboxRequest, SandboxResult } from '../types.ts';
import { real } from './paths.ts';
import { type Launch, supervise } from './supervise.ts';
import type { Toolbox } from './toolbox.ts';

/** The first line of every plain command's output, so transcripts and reports cannot miss it. */
export const NO_ISOLATION_NOTICE =
  'twins: WARNING: NO SANDBOX: this command runs as a plain process of the harness user and ISOLATES NOTHING ' +
  '(it can read the repository, the vault, the identity and other trials). Install bubblewrap for isolation.';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A sandbox in name only: a shell child with the environment cleared to the request's, in the workspace, under the limits. */
export class PlainSandbox implements Sandbox {
  readonly kind = 'none' as const;
  constructor(private readonly opts: { toolbox?: Toolbox; reason?: string }) {}

  /** Where the toolbox is for commands of this sandbox: the project itself, since nothing is hidden. */
  get toolbox(): string | undefined {
    return this.opts.toolbox?.root;
  }

  describe(): string {
    return (
      `NO ISOLATION: plain processes${this.opts.reason ? ` (${this.opts.reason})` : ''}. The agent runs as this user and ` +
      'can read and write everything this user can: the repository, the vault, the identity, the reference solutions, ' +
      "other trials and the grader, and it shares the machine's network, loopback included (a network of its own " +
      'needs bubblewrap). Only time, output, workspace and process limits apply. Use it only for agents you trust; ' +
      'install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) for a real sandbox.'
    );
  }

  private launch(req: SandboxRequest): Launch {
    const workspace = real(req.workspace);
    mkdirSync(workspace, { recursive: true });
    const env: Record<string, string> = { ...req.env };
    let path = env.PATH ?? DEFAULT_PATH;
    const nodeBin = dirname(real(process.execPath));
    if (!path.split(':').includes(nodeBin)) path = `${path}:${nodeBin}`;
    if (this.opts.toolbox) {
      const bin = join(this.opts.toolbox.root, 'bin');
      if (!path.split(':').includes(bin)) path = `${path}:${bin}`;
    }
    env.PATH = path;
    let home: string | undefined;
    if (!env.HOME) {
      // A HOME of its own per command, like the tmpfs bubblewrap gives: the harness user's dotfiles stay out of reach of tools that look there first.
      home = mkdtempSync(join(tmpdir(), 'twins-plain-home-'));
      env.HOME = home;
    }
    env.TMPDIR ??= tmpdir();
    return {
      file: '/bin/sh',
      args: ['-c', req.command],
      env,
      cwd: workspace,
      isolation: 'none',
      preamble: NO_ISOLATION_NOTICE,
      cleanup: home ? () => rmSync(home, { recursive: true, force: true }) : undefined,
    };
  }

  /** Runs `req` to its end. Rejects (TWINS_SANDBOX_PATH) only for a request that would show what must stay hidden. */
  async run(req: SandboxRequest): Promise<SandboxResult> {
    return supervise(this.launch(req), req).exited;
  }

  /** Starts `req` (the app) and returns at once; throws (TWINS_SANDBOX_PATH) only for a request that would show what must stay hidden. */
  start(req: SandboxRequest): SandboxProcess {
    return supervise(this.launch(req), req);
  }
}
