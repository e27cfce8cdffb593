// A feature that would run less than it says (no steps, a misspelt keyword) is refused before anything runs: by `twins run`, its checks and the `scenarios add` lint.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Catalogue, loadCatalogue } from '../../scenarios/support/catalogue.ts';
import { checkSteps } from '../../src/scenarios/features.ts';
import { parseFeature, structureProblems } from '../../src/vault/feature.ts';
import { lintFeatures } from '../../src/vault/lint.ts';
import { killAll, twins } from '../support/cli.ts';

/** The feature from the issue: every keyword misspelt, so Gherkin reads the lines as free text. */
const MISSPELT = `Feature: Incidents
  Scenario: An incident gets a number
    Whn "alice" posts "incident: checkout is down" in "#ops"
    Thn "#ops" has a message matching /INC-\\d+/
`;

const GOOD = `Feature: Channels
  Free text under the Feature line says what the feature is for.
  Note: prose with a colon is fine here.

  Scenario: A channel exists
    Given a Slack channel "#tickets"
    Then a channel matching /^tickets$/ exists
`;

let catalogue: Catalogue;
let work: string;

beforeAll(async () => {
  catalogue = await loadCatalogue();
  work = mkdtempSync(join(tmpdir(), 'twins-zero-steps-'));
});

afterAll(() => {
  killAll();
  rmSync(work, { recursive: true, force: true });
});

const problemsOf = (text: string) => structureProblems(parseFeature(text, 'x.feature'));

describe('structureProblems (the shared parse)', () => {
  it('accepts a well-formed feature with prose under Feature', () => {
    expect(problemsOf(GOOD)).toEqual([]);
    expect(checkSteps([{ uri: 'good.feature', text: GOOD }], catalogue)).toEqual([]);
  });

  it('refuses a scenario whose steps are misspelt: it has no steps, and each line is named', () => {
    expect(problemsOf(MISSPELT)).toEqual([
      { line: 2, message: 'scenario "An incident gets a number" has no steps: nothing in it would run' },
      {
        line: 3,
        message:
          'line is not a step: `Whn "alice" posts "incident: checkout is down" in "#ops"` (free text under a scenario never runs; is a keyword misspelt?)',
      },
      {
        line: 4,
        message:
          'line is not a step: `Thn "#ops" has a message matching /INC-\\d+/` (free text under a scenario never runs; is a keyword misspelt?)',
      },
    ]);
  });

  it('refuses a line that is not a step above real steps (a scenario that would otherwise run and pass)', () => {
    const text = `Feature: f
  Scenario: s
    Gven a Slack channel "#tickets"
    Then a channel matching /^tickets$/ exists
`;
    expect(problemsOf(text).map((p) => p.line)).toEqual([3]);
  });

  it('refuses a misspelt Scenario keyword (read as the feature description) and an empty feature', () => {
    const text = `Feature: f
  Scenaro: s
    Given a Slack channel "#tickets"
`;
    expect(problemsOf(text)).toEqual([
      { line: 1, message: 'feature "f" has no scenarios: nothing would run' },
      {
        line: 2,
        message:
          "line is not a step: `Scenaro: s` (it looks like a misspelt keyword, so what follows is read as the feature's description)",
      },
    ]);
    expect(problemsOf('# only a comment\n')).toEqual([{ line: 1, message: 'has no Feature: the file is empty or only comments' }]);
  });

  it('refuses an empty Background, an empty Rule, free text under Examples and an outline without rows', () => {
    const text = `Feature: f
  Background:
    Gven a Slack channel "#tickets"

  Scenario Outline: o <n>
    Given a Slack channel "#t<n>"

    Examples:
      some text
      | n |

  Rule: nothing here
`;
    expect(problemsOf(text).map((p) => [p.line, p.message.split(':')[0]])).toEqual([
      [2, 'the Background has no steps'],
      [3, 'line is not a step'],
      [5, 'scenario outline "o <n>" has no example rows, so it never runs'],
      [9, 'line is not a step'],
      [12, 'rule "nothing here" has no scenarios'],
    ]);
  });

  it('checkSteps reports them with undefined steps, in line order', () => {
    const text = `Feature: f
  Scenario: s
    Gven a Slack channel "#tickets"
    Then this step is not in the library
`;
    const problems = checkSteps([{ uri: 'f.feature', text }], catalogue);
    expect(problems.map((p) => [p.line, p.kind])).toEqual([
      [3, 'structure'],
      [4, 'undefined'],
    ]);
  });

  it('the `scenarios add` lint refuses a line that is not a step', () => {
    const text = `Feature: f
  Scenario: s
    Gven a Slack channel "#tickets"
    Then a channel matching /^tickets$/ exists
`;
    const problems = lintFeatures([{ file: 'f.feature', parsed: parseFeature(text, 'f.feature') }], {
      catalogue,
      task: 't',
      publicNames: new Map(),
      holdoutNameHashes: new Map(),
    });
    expect(problems.map((p) => [p.line, p.message.split(':')[0]])).toEqual([[3, 'line is not a step']]);
  });
});

describe('twins run', () => {
  it('refuses the misspelt feature before starting anything, exit 1, naming each line', async () => {
    const file = join(work, 'misspelt.feature');
    writeFileSync(file, MISSPELT);
    const run = twins(['run', file], { cwd: work });
    expect(await run.exited).toBe(1);
    const err = run.err();
    expect(err).toContain('TWINS_SCENARIO_INVALID');
    expect(err).toContain('misspelt.feature:2: scenario "An incident gets a number" has no steps');
    expect(err).toContain('misspelt.feature:3: line is not a step: `Whn "alice" posts');
    expect(err).not.toContain('twin started');
    expect(run.out()).not.toMatch(/passed/);
  }, 60_000);
});
