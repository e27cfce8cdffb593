// `--help` and `-h` on every command and subcommand of the real `twins` launcher: usage on stdout, exit 0, nothing started.

import { describe, expect, it } from 'vitest';
import { PLANNED_TWINS, TWIN_NAMES } from '../../src/registry.ts';
import { twins } from '../support/cli.ts';

/** Each command line, and a phrase its help must contain (so the right help is printed). */
const TABLE: [args: string[], says: string][] = [
  [['--help'], 'twins up'],
  [['-h'], 'twins up'],
  [['help'], 'twins up'],
  [['help', 'up'], '--env-file PATH'],
  [['up', '--help'], '--env-file PATH'],
  [['up', '-h'], '--env-file PATH'],
  [['up', 'slack', '--port', '1', '--help'], '--env-file PATH'],
  [['init', '--help'], 'twins init [FILE]'],
  [['init', 'company.yaml', '-h'], 'twins init [FILE]'],
  [['run', '--help'], 'twins run [paths…]'],
  [['run', 'features', '-h'], 'twins run [paths…]'],
  [['steps', '--help'], 'twins steps [--json]'],
  [['steps', '-h'], 'twins steps [--json]'],
  [['scenarios', '--help'], 'twins scenarios add'],
  [['scenarios', 'add', '--help'], 'twins scenarios add'],
  [['scenarios', 'add', 'x.feature', '--task', 't', '-h'], 'twins scenarios add'],
  [['scenarios', 'list', '--help'], 'twins scenarios list'],
  [['vault', '--help'], 'twins vault'],
  [['vault', 'init', '--help'], 'init'],
  [['vault', 'verify', '--help'], 'verify'],
  [['vault', 'reseal', '-h'], 'reseal'],
  [['score', '--help'], 'twins score --agent SPEC'],
  [['score', '-h'], 'twins score --agent SPEC'],
  [['grade', '--help'], 'twins grade --app'],
  [['task', '--help'], 'twins task'],
  [['task', 'list', '--help'], 'list'],
  [['task', 'validate', '--help'], 'validate'],
  [['report', '--help'], 'twins report'],
  [['report', 'show', '--help'], 'show'],
  [['report', 'merge', '-h'], 'merge'],
  [['leaderboard', '--help'], 'twins leaderboard DIR…'],
  [['leaderboard', '-h'], 'twins leaderboard DIR…'],
];

describe('twins --help', () => {
  it.each(TABLE)(
    'twins %j prints its usage and exits 0',
    async (args, says) => {
      const run = twins(args, { env: { TWINS_CONTROL_TOKEN: undefined } });
      const code = await run.exited;
      expect(run.err()).toBe('');
      expect(code).toBe(0);
      expect(run.out()).toContain(says);
    },
    30_000,
  );

  it('the table covers every command the main help lists', async () => {
    const run = twins(['--help']);
    expect(await run.exited).toBe(0);
    const listed = new Set([...run.out().matchAll(/^twins ([a-z]+)\s{2,}/gm)].map((m) => m[1]));
    expect(listed.size).toBeGreaterThanOrEqual(10);
    const tested = new Set(TABLE.map(([args]) => args[0]));
    for (const command of listed) expect(tested, `twins ${command} --help is not tested`).toContain(command);
  }, 30_000);

  it('names the twins this version ships (src/registry.ts), and no other', async () => {
    const run = twins(['--help']);
    expect(await run.exited).toBe(0);
    const out = run.out();
    const title = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
    const firstLine = out.split('\n')[0];
    for (const name of TWIN_NAMES) {
      expect(firstLine).toContain(title(name));
      expect(out).toContain(`twins up [${TWIN_NAMES.join(' ')}]`);
    }
    for (const name of PLANNED_TWINS.filter((n) => !(TWIN_NAMES as readonly string[]).includes(n))) {
      expect(out).not.toContain(title(name));
      expect(out).not.toContain(name);
    }
  }, 30_000);

  it('a missing --twins-env file explains the Node 20 --env-file trap, since Node stopped `npx twins up` before twins ran', async () => {
    const run = twins(['run', 'harness/tasks/demo/features', '--twins-env', '/nonexistent/.env.twins', '--app-url', 'http://127.0.0.1:9']);
    expect(await run.exited).toBe(2);
    expect(run.err()).toContain('cannot read --twins-env /nonexistent/.env.twins: ENOENT');
    expect(run.err()).toContain('npx -- twins up --env-file FILE');
    expect(run.err()).toContain('"node: FILE: not found"');
  }, 30_000);
});
