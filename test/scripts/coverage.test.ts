// The coverage page generator puts each operation's `Limitations:` on that operation, even when two operation files export functions of the same name.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { limitationsByHandler, limitationsInSource, page } from '../../scripts/coverage.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The Limitations cell of an operation's row in a coverage page. */
function limitationsCell(text: string, operationId: string): string {
  const row = text.split('\n').find((l) => l.startsWith(`| \`${operationId}\` |`));
  if (!row) throw new Error(`no row for ${operationId}`);
  const cells = row.split(/(?<!\\)\|/);
  return cells[cells.length - 2].trim();
}

describe('scripts/coverage.ts', () => {
  it('reads Limitations lines, continued lines included, keyed by the export they document', () => {
    const notes = limitationsInSource(`/** Helper. */
const x = 1;
/**
 * conversations.open: opens a DM.
 * Limitations: with prevent_creation the answer is
 *   no_op.
 * @example open(ctx)
 */
export function open() {}
/** No limitations here. */
export function close() {}
`);
    expect([...notes]).toEqual([['open', ['with prevent_creation the answer is no_op.']]]);
  });

  it('two files exporting the same name keep their own limitations (the handler, not its name, is the key)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twins-coverage-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'conversations.ts'), '/** Limitations: conversations note. */\nexport function open() { return 1; }\n');
    writeFileSync(join(dir, 'views.ts'), '/** Limitations: views note. */\nexport function open() { return 2; }\n');
    writeFileSync(join(dir, 'pins.ts'), '/** Pins, no limitation. */\nexport function add() { return 3; }\n');
    writeFileSync(join(dir, 'reactions.ts'), '/** Limitations: reactions note. */\nexport function add() { return 4; }\n');
    const limits = await limitationsByHandler(dir);
    const load = async (f: string) => (await import(join(dir, f))) as Record<string, unknown>;
    expect(limits.get((await load('conversations.ts')).open)).toEqual(['conversations note.']);
    expect(limits.get((await load('views.ts')).open)).toEqual(['views note.']);
    expect(limits.get((await load('reactions.ts')).add)).toEqual(['reactions note.']);
    expect(limits.get((await load('pins.ts')).add)).toBeUndefined();
  });

  it("the Slack page: views.open and pins.add no longer show conversations.open's and reactions.add's notes", async () => {
    const { path, text } = await page('slack');
    expect(path).toBe(join('docs', 'twins', 'slack-coverage.md'));
    const conversationsOpen = limitationsCell(text, 'conversations.open');
    const reactionsAdd = limitationsCell(text, 'reactions.add');
    expect(conversationsOpen).toContain('prevent_creation');
    expect(reactionsAdd).toContain('emoji');
    expect(limitationsCell(text, 'views.open')).not.toContain('prevent_creation');
    expect(limitationsCell(text, 'pins.add')).not.toContain('emoji');
    expect(limitationsCell(text, 'pins.add')).toMatch(/pinned/);
  }, 60_000);
});
