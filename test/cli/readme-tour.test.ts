// The README's tour runs as written: the SDK snippet with the variables `twins up --env-file` wrote (and refusing without them), and the `twins run` line on the demo task.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, killAll, twins, until } from '../support/cli.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const TOUR = README.slice(README.indexOf('## A two-minute tour'), README.indexOf('\n## ', README.indexOf('## A two-minute tour') + 5));
const run = promisify(execFile);

/** The first fenced block of `lang` after `marker` in the tour. */
function blockAfter(marker: string, lang: string): string {
  const at = TOUR.indexOf(marker);
  expect(at, `the tour says "${marker}"`).toBeGreaterThanOrEqual(0);
  const m = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(TOUR.slice(at));
  if (!m) throw new Error(`no ${lang} block after "${marker}"`);
  return m[1];
}

let dir: string;
let envFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'twins-tour-'));
  envFile = join(dir, '.env.twins');
  const up = twins(['up', 'slack', '--port', '0', '--env-file', envFile]);
  await until(() => up.out().includes('Ctrl-C stops the twins.'), 'twins up', 30_000);
}, 60_000);

afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('the README tour', () => {
  it('the SDK snippet, run as the tour says (node --env-file=.env.twins), talks to the twin', async () => {
    const snippet = blockAfter('Save this as `try.mjs`', 'js');
    const shown = blockAfter('and run it with the variables loaded', 'console');
    expect(shown).toContain('$ node --env-file=.env.twins try.mjs');
    // Run from the repository so the snippet's bare import resolves as in a clone.
    const { stdout } = await run(process.execPath, [`--env-file=${envFile}`, '--input-type=module', '-e', snippet], { cwd: ROOT });
    const expected = shown
      .split('\n')
      .filter((l) => l && !l.startsWith('$'))
      .join('\n');
    expect(stdout.trim()).toBe(expected);
  }, 60_000);

  it('without the variables the snippet refuses, rather than calling slack.com', async () => {
    const snippet = blockAfter('Save this as `try.mjs`', 'js');
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLACK_')));
    const failed = await run(process.execPath, ['--input-type=module', '-e', snippet], { cwd: ROOT, env }).then(
      () => undefined,
      (err: { stderr: string }) => err,
    );
    expect(failed?.stderr).toContain("load the twins' variables first: node --env-file=.env.twins try.mjs");
  }, 60_000);

  it('the twins run line on the demo task passes as shown', async () => {
    const shown = blockAfter('so this runs as written in a clone', 'console');
    const line = shown.split('\n').find((l) => l.startsWith('$ npx twins run '));
    expect(line, 'the tour shows a `npx twins run` line').toBeDefined();
    const summary = /^\d+ scenarios? \(\d+ passed\)$/m.exec(shown)?.[0];
    expect(summary).toBeDefined();
    // `npx twins` in a clone is the repository's own launcher.
    const command = (line as string).slice(2).replace(/^npx twins /, `${BIN} `);
    const { stdout } = await run('sh', ['-c', command], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    expect(stdout).toContain(summary);
  }, 180_000);
});
