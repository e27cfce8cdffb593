// `twins scenarios add`: the lint (file:line, suggestions), canary stamping, public features, and sealing without the identity or any plaintext on disk.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlatformError } from '../../src/errors.ts';
import {
  addScenarios,
  initVault,
  openHoldouts,
  parseFeature,
  readIndex,
  ScenarioProblems,
  stampCanaries,
  unstampCanaries,
} from '../../src/vault/index.ts';
import { catalogue, featureText, filesContaining, nonce, type Sandbox, sandbox, snapshot } from './helpers.ts';

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

const add = (files: string[], extra: Partial<Parameters<typeof addScenarios>[0]> = {}) =>
  addScenarios({ files, task: 'OPS-1', vaultDir: box.vaultDir, featuresDir: box.featuresDir, catalogue, cwd: box.project, ...extra });

async function rejection(p: Promise<unknown>): Promise<PlatformError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PlatformError);
  return err as PlatformError;
}

async function problems(p: Promise<unknown>): Promise<string[]> {
  const err = await rejection(p);
  expect(err).toBeInstanceOf(ScenarioProblems);
  expect(err.code).toBe('TWINS_SCENARIO_INVALID');
  return (err as ScenarioProblems).problems.map((x) => `${x.file.replace(/^.*\//, '')}:${x.line}: ${x.message}`);
}

describe('canary stamping', () => {
  it('inserts one tag line above each scenario, indented like it, and leaves every other byte', () => {
    const text =
      'Feature: f\r\n\r\n  @slow\r\n  Scenario: a\r\n    Given x\r\n\r\n  Rule: r\r\n    Scenario Outline: b\r\n      Given x\r\n';
    const parsed = parseFeature(text);
    const stamped = stampCanaries(
      text,
      parsed.scenarios.map((s) => s.line),
      ['@canary-0000000000000001', '@canary-0000000000000002'],
    );
    expect(stamped).toBe(
      'Feature: f\r\n\r\n  @slow\r\n  @canary-0000000000000001\r\n  Scenario: a\r\n    Given x\r\n\r\n  Rule: r\r\n    @canary-0000000000000002\r\n    Scenario Outline: b\r\n      Given x\r\n',
    );
    expect(unstampCanaries(stamped)).toBe(text);
    expect(parseFeature(stamped).scenarios.map((s) => [s.name, s.canary, s.tags])).toEqual([
      ['a', '@canary-0000000000000001', ['@slow', '@canary-0000000000000001']],
      ['b', '@canary-0000000000000002', ['@canary-0000000000000002']],
    ]);
  });
});

describe('scenarios add (public)', () => {
  it('writes the stamped feature to features/<task>/<name>.feature, each scenario with its own canary', async () => {
    const text = featureText(['Deploy reaches ops', 'Second deploy reaches ops', 'Third']);
    const src = box.write('alerts.feature', text);
    const r = await add([src]);
    const dest = join(box.featuresDir, 'OPS-1', 'alerts.feature');
    expect(r.added).toEqual([{ source: src, scenarios: 3, file: 'scenarios/features/OPS-1/alerts.feature', unchanged: undefined }]);
    const written = readFileSync(dest, 'utf8');
    expect(unstampCanaries(written)).toBe(text);
    const canaries = parseFeature(written).scenarios.map((s) => s.canary);
    expect(canaries.every((c) => /^@canary-[0-9a-f]{16}$/.test(c ?? ''))).toBe(true);
    expect(new Set(canaries).size).toBe(3);
    // The source is the author's, untouched.
    expect(readFileSync(src, 'utf8')).toBe(text);
  });

  it("a new task's empty features folder is no obstacle: public and holdout adds both go through", async () => {
    mkdirSync(join(box.featuresDir, 'OPS-1'), { recursive: true });
    await initVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    const sealed = await add([box.write('h.feature', featureText(['Sealed first']))], { holdout: true });
    expect(sealed.added).toHaveLength(1);
    const pub = await add([box.write('p.feature', featureText(['Public first']))]);
    expect(pub.added[0].file).toBe('scenarios/features/OPS-1/p.feature');
  });

  it('adding the same file again changes nothing; a different file of that name is refused', async () => {
    const src = box.write('alerts.feature', featureText(['Deploy reaches ops']));
    await add([src]);
    const dest = join(box.featuresDir, 'OPS-1', 'alerts.feature');
    const first = readFileSync(dest, 'utf8');
    const again = await add([src]);
    expect(again.added[0].unchanged).toBe(true);
    expect(readFileSync(dest, 'utf8')).toBe(first);

    writeFileSync(src, featureText(['Something else entirely']));
    const err = await rejection(add([src]));
    expect(err.code).toBe('TWINS_SCENARIO_EXISTS');
    expect(err.message).toContain('scenarios/features/OPS-1/alerts.feature');
    expect(readFileSync(dest, 'utf8')).toBe(first);
  });
  it('a public feature edited in place and named again: new scenarios get canaries, existing ones keep theirs', async () => {
    await add([box.write('alerts.feature', featureText(['First']))]);
    const dest = join(box.featuresDir, 'OPS-1', 'alerts.feature');
    const [first] = parseFeature(readFileSync(dest, 'utf8')).scenarios;
    writeFileSync(dest, `${readFileSync(dest, 'utf8')}\n${featureText(['Second']).split('\n\n')[1]}`);
    const r = await add([dest]);
    expect(r.added[0]).toMatchObject({ scenarios: 2, unchanged: undefined });
    const [a, b] = parseFeature(readFileSync(dest, 'utf8')).scenarios;
    expect([a.name, a.canary, b.name]).toEqual(['First', first.canary, 'Second']);
    expect(b.canary).toMatch(/^@canary-[0-9a-f]{16}$/);
    expect(b.canary).not.toBe(a.canary);
    expect((await add([dest])).added[0].unchanged).toBe(true);

    // A scenario copied with its tag line would share a canary: refused.
    const text = readFileSync(dest, 'utf8');
    writeFileSync(dest, text.replace('Scenario: Second', 'Scenario: Third').replace(b.canary ?? '', a.canary ?? ''));
    const found = await problems(add([dest]));
    expect(found).toEqual([
      expect.stringMatching(/^alerts\.feature:\d+: scenario "Third" carries @canary-[0-9a-f]{16}, as the scenario at line \d+ does/),
    ]);
  });
});

describe('scenarios add: the lint', () => {
  it('an undefined step names its line and suggests the nearest steps', async () => {
    const src = box.write(
      'a.feature',
      'Feature: f\n  Scenario: s\n    Given a Slack channel "#ops"\n    When "alice" says "hi" in "#ops"\n',
    );
    const found = await problems(add([src]));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^a\.feature:4: undefined step `When "alice" says "hi" in "#ops"`; nearest: /);
    expect(found[0]).toContain('nearest: `When "alice" posts "deploy" in "#ops"`');
  });

  it('an empty scenario, a parse error, an outline without examples, a canary tag already there', async () => {
    const empty = box.write('empty.feature', 'Feature: f\n  Scenario: nothing here\n    Giv a Slack channel "#ops"\n');
    const broken = box.write('broken.feature', 'Feature: f\n  Scenario: s\n    Given a Slack channel "#ops"\n    | a | b |\n    | c |\n');
    const outline = box.write(
      'outline.feature',
      'Feature: f\n  Scenario Outline: o <x>\n    Given a Slack channel "<x>"\n    Examples:\n      | x |\n',
    );
    const stamped = box.write(
      'stamped.feature',
      'Feature: f\n  @canary-0123456789abcdef\n  Scenario: s\n    Given a Slack channel "#ops"\n',
    );
    const none = box.write('none.feature', '# nothing\n');
    const found = await problems(add([empty, broken, outline, stamped, none]));
    expect(found).toEqual([
      expect.stringMatching(/^empty\.feature:2: scenario "nothing here" has no steps; the line under it \(`Giv a Slack/),
      expect.stringMatching(/^broken\.feature:5: does not parse: inconsistent cell count/),
      expect.stringMatching(/^outline\.feature:2: scenario outline "o <x>" has no example rows/),
      expect.stringMatching(/^stamped\.feature:2: scenario "s" already carries @canary-0123456789abcdef/),
      expect.stringMatching(/^none\.feature:1: has no Feature/),
    ]);
    // Nothing at all was added.
    expect(existsSync(box.featuresDir)).toBe(false);
  });

  it('duplicate names: within a file, across the files, against the public features and against the holdouts', async () => {
    await initVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    await add([box.write('public.feature', featureText(['Public one']))]);
    await add([box.write('sealed.feature', featureText(['Sealed one']))], { holdout: true, removeSource: true });
    const a = box.write('a.feature', featureText(['Twice', 'TWICE', 'Across']));
    const b = box.write('b.feature', featureText(['across', 'public ONE', 'Sealed one']));
    for (const holdout of [false, true]) {
      const found = await problems(add([a, b], { holdout }));
      expect(found).toEqual([
        expect.stringMatching(/^a\.feature:8: duplicate scenario name "TWICE" \(also at .*a\.feature:3\)/),
        expect.stringMatching(/^b\.feature:3: duplicate scenario name "across" \(also at .*a\.feature:13\)/),
        expect.stringMatching(
          /^b\.feature:8: duplicate scenario name "public ONE": task OPS-1 already has it at scenarios\/features\/OPS-1\/public\.feature:4/,
        ),
        expect.stringMatching(
          /^b\.feature:13: duplicate scenario name "Sealed one": task OPS-1 already has a holdout scenario of that name \([0-9a-f]{16}\)/,
        ),
      ]);
    }
    // Names are per task: another task may reuse them.
    const other = await add([b], { task: 'OPS-2' });
    expect(other.added).toHaveLength(1);
  });

  it('no task, or a task that is not a folder name, is a usage error', async () => {
    const src = box.write('a.feature', featureText(['s']));
    const missing = await rejection(add([src], { task: '' }));
    expect(missing.code).toBe('TWINS_USAGE');
    expect(missing.message).toContain('--task');
    expect((await rejection(add([src], { task: '../escape' }))).code).toBe('TWINS_USAGE');
    expect((await rejection(add([join(box.drafts, 'missing.feature')]))).code).toBe('TWINS_NO_FEATURES');
  });
});

describe('scenarios add --holdout', () => {
  it('seals without the identity: no identity file, TWINS_VAULT_IDENTITY unset, only the public recipients', async () => {
    await initVault({ vaultDir: box.vaultDir, identityPath: join(box.root, 'keys', 'id.txt') });
    expect(existsSync(box.identity)).toBe(false);
    expect(process.env.TWINS_VAULT_IDENTITY).toBeUndefined();
    const r = await add([box.write('h.feature', featureText(['Sealed one', 'Sealed two']))], { holdout: true });
    expect(r.added).toHaveLength(1);
    const [entry] = readIndex(box.vaultDir).holdouts;
    expect(entry).toMatchObject({ id: r.added[0].id, task: 'OPS-1', scenarios: 2, file: `sealed/${r.added[0].id}.feature.age` });
    expect(readdirSync(join(box.vaultDir, 'sealed'))).toEqual([`${entry.id}.feature.age`]);
    // The index holds no names and no canaries.
    const index = readFileSync(join(box.vaultDir, 'index.json'), 'utf8');
    expect(index).not.toMatch(/Sealed|canary-[0-9a-f]/);

    const [opened] = await openHoldouts({ vaultDir: box.vaultDir, identityPath: join(box.root, 'keys', 'id.txt') });
    expect(opened.scenarios.map((s) => s.name)).toEqual(['Sealed one', 'Sealed two']);
    expect(new Set(opened.scenarios.map((s) => s.canary)).size).toBe(2);
    expect(unstampCanaries(opened.text)).toBe(featureText(['Sealed one', 'Sealed two']));
  });

  it('needs an initialised vault', async () => {
    const err = await rejection(add([box.write('h.feature', featureText(['x']))], { holdout: true }));
    expect(err.code).toBe('TWINS_VAULT_NOT_INITIALISED');
  });

  it('never writes the plaintext: a nonce in the holdout is found in no file under the vault or the temp dir', async () => {
    const since = Date.now();
    await initVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    const secret = nonce();
    const src = box.write('secret.feature', featureText(['Sealed with a nonce'], secret));
    const r = await add([src], { holdout: true, removeSource: true });
    expect(r.removed).toEqual([src]);
    expect(existsSync(src)).toBe(false);
    // The scan finds what is there: a control file with another nonce.
    const control = nonce();
    writeFileSync(join(box.root, 'control.txt'), control);
    expect(filesContaining(tmpdir(), control, since)).toEqual([join(box.root, 'control.txt')]);
    expect(filesContaining(box.root, secret, since)).toEqual([]);
    expect(filesContaining(tmpdir(), secret, since)).toEqual([]);
    if (existsSync('/dev/shm')) expect(filesContaining('/dev/shm', secret, since)).toEqual([]);
    // And it is in there, sealed.
    const [opened] = await openHoldouts({ vaultDir: box.vaultDir });
    expect(opened.text).toContain(secret);
  });

  it('warns when the source lies inside the repository, unless --remove-source deletes it', async () => {
    await initVault({ vaultDir: box.vaultDir, identityPath: box.identity });
    mkdirSync(join(box.project, 'drafts'));
    const inside = join(box.project, 'drafts', 'in-repo.feature');
    writeFileSync(inside, featureText(['Inside the repo']));
    const r = await add([inside], { holdout: true });
    const notLoss = (ws: string[]) => ws.filter((w) => !/recipient can open/.test(w));
    expect(notLoss(r.warnings)).toEqual([expect.stringContaining('drafts/in-repo.feature is inside the repository')]);
    expect(existsSync(inside)).toBe(true);
    const before = snapshot(box.vaultDir);
    const outside = await add([box.write('out.feature', featureText(['Outside the repo']))], { holdout: true });
    expect(notLoss(outside.warnings)).toEqual([]);
    expect(Object.keys(snapshot(box.vaultDir)).length).toBe(Object.keys(before).length + 1);
  });
});
