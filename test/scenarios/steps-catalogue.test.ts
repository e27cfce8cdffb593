// The step catalogue: every example matches its own step and no other, parameter types transform as documented, misspellings find their step, and `twins steps` prints it all.

import { CucumberExpression } from '@cucumber/cucumber-expressions';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Catalogue, loadCatalogue, parameterRegistry } from '../../scenarios/support/catalogue.ts';
import { stepsCommand, stepsJson, stepsText } from '../../src/cli/steps.ts';
import { PlatformError } from '../../src/errors.ts';

let catalogue: Catalogue;

beforeAll(async () => {
  catalogue = await loadCatalogue();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** The values a step line's parameters take, through the same registry cucumber uses. */
function values(expression: string, text: string): unknown[] | undefined {
  return new CucumberExpression(expression, parameterRegistry()).match(text)?.map((a) => a.getValue(null));
}

const KEYWORD = { arrange: 'Given', act: 'When', observe: 'Then' } as const;

describe('the step definitions', () => {
  it('cover every topic the issue names, each kind', () => {
    const topics = new Set(catalogue.steps.map((s) => s.topic));
    expect([...topics]).toEqual(expect.arrayContaining(['slack', 'app', 'time', 'faults']));
    for (const kind of ['arrange', 'act', 'observe'] as const) expect(catalogue.steps.some((s) => s.kind === kind)).toBe(true);
  });

  it('each has an example that matches it and no other step', () => {
    for (const s of catalogue.steps) {
      const matches = catalogue.match(s.example);
      expect(
        matches.map((m) => m.expression),
        s.example,
      ).toEqual([s.expression]);
    }
  });

  it('each example starts with the keyword of its kind, and each doc is one sentence', () => {
    for (const s of catalogue.steps) {
      expect(s.example.startsWith(`${KEYWORD[s.kind]} `), s.example).toBe(true);
      expect(s.doc, s.expression).toMatch(/^[A-Z`].*[.)]$/s);
      expect(s.doc.split(/\.\s+[A-Z]/).length, s.doc).toBe(1);
    }
  });

  it('have distinct wordings, and functions taking exactly their parameters (cucumber checks the arity)', () => {
    expect(new Set(catalogue.steps.map((s) => s.expression)).size).toBe(catalogue.steps.length);
    for (const s of catalogue.steps) {
      const args = values(s.expression, s.example.replace(/^\S+\s+/, ''));
      expect(args, s.example).toBeDefined();
      // A wording ending in a colon takes a data table, which cucumber hands over as one more argument.
      expect(s.run.length, s.expression).toBe((args?.length ?? 0) + (s.expression.endsWith(':') ? 1 : 0));
    }
  });

  it('give every step that waits a cucumber timeout above the longest wait it accepts', () => {
    for (const s of catalogue.steps.filter((x) => x.kind === 'observe')) expect(s.timeoutMs, s.expression).toBeGreaterThan(120_000);
  });

  it('offer "has no" and "never" steps that say they wait the full time', () => {
    const negative = catalogue.steps.filter((s) => / no | never /.test(` ${s.expression} `) && s.kind === 'observe');
    expect(negative.length).toBeGreaterThanOrEqual(8);
    for (const s of negative) expect(s.doc, s.expression).toMatch(/always waits the full time/);
  });
});

describe('parameter types', () => {
  it('{duration} becomes milliseconds', () => {
    const d = (text: string) => values('{duration} pass(es)', `${text} pass`)?.[0];
    expect(d('5 seconds')).toBe(5000);
    expect(d('250 ms')).toBe(250);
    expect(d('2 hours')).toBe(7_200_000);
    expect(d('1.5 minutes')).toBe(90_000);
    expect(d('1 day')).toBe(86_400_000);
    expect(values('{duration} pass(es)', 'two hours pass')).toBeUndefined();
  });

  it('{regex} takes /source/flags or a quoted pattern', () => {
    const r = (text: string) => values('{channel} has a message matching {regex}', `"#ops" has a message matching ${text}`)?.[1] as RegExp;
    expect(r('/deploy(ed)? v\\d+/i')).toEqual(/deploy(ed)? v\d+/i);
    expect(r('"OPS-\\d+"')).toEqual(/OPS-\d+/);
    expect(r('"OPS-\\d+"').test('OPS-42')).toBe(true);
    expect(r('"OPS-\\d+"').test('nothing to see')).toBe(false);
    expect(r('/a\\/b/').test('a/b')).toBe(true);
    expect(() => r('/(unclosed/')).toThrow(/not a valid regular expression/);
  });

  it('{channel} keeps the #name or id; {user} takes names and emails', () => {
    expect(values('{user} joins {channel}', '"alice" joins "#ops"')).toEqual(['alice', '#ops']);
    expect(values('{user} joins {channel}', '"bob@acme.test" joins "C0123ABCD"')).toEqual(['bob@acme.test', 'C0123ABCD']);
    expect(values('{user} joins {channel}', '"alice" joins "ops"')).toBeUndefined();
  });
});

describe('suggestions', () => {
  const first = (line: string) => catalogue.suggest(line, 3)[0]?.expression;

  it('find the intended step for a misspelt line', () => {
    expect(catalogue.match('When "alice" post "deploy" in "#ops"')).toEqual([]);
    expect(first('When "alice" post "deploy" in "#ops"')).toBe('{user} posts {string} in {channel}');
    expect(first('Then "#ops" has a mesage matching /deployed/')).toBe('{channel} has a message matching {regex}');
    expect(first('Then the app call "chat.postMessage"')).toBe('the app calls {string}');
    expect(first('When "bob" clicks "Take it" on the apps last message in "#tickets"')).toBe(
      "{user} clicks {string} on the app's last message in {channel}",
    );
    expect(first('Given Slack rate limits "chat.postMessage" for the next 2 calls')).toBe(
      'Slack rate-limits {string} for the next {int} call(s)',
    );
  });
});

describe('twins steps', () => {
  function capture(): { out: () => string } {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    return { out: () => out };
  }

  it('prints every step grouped by topic and kind, with doc and example, then the parameter types', async () => {
    const { out } = capture();
    expect(await stepsCommand([])).toBe(0);
    const text = out();
    expect(text).toBe(`${stepsText(catalogue.steps)}\n`);
    for (const s of catalogue.steps) {
      expect(text).toContain(`    ${s.expression}\n      ${s.doc}\n      e.g. ${s.example}`);
    }
    for (const topic of ['slack', 'app', 'time', 'faults']) expect(text).toMatch(new RegExp(`^${topic}\\n═+$`, 'm'));
    expect(text).toMatch(/\{duration\}\s+5 seconds/);
    expect(text.indexOf('arrange (Given)')).toBeLessThan(text.indexOf('act (When)'));
  });

  it('--json prints the same catalogue as data', async () => {
    const { out } = capture();
    expect(await stepsCommand(['--json'])).toBe(0);
    const parsed = JSON.parse(out());
    expect(parsed).toEqual(stepsJson(catalogue.steps));
    expect(parsed.steps).toHaveLength(catalogue.steps.length);
    expect(parsed.steps[0]).toEqual(
      expect.objectContaining({ kind: 'arrange', topic: 'slack', expression: expect.any(String), example: expect.any(String) }),
    );
    expect(parsed.parameterTypes.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['channel', 'user', 'duration', 'regex', 'string']),
    );
  });

  it('rejects unknown flags and arguments with TWINS_USAGE', async () => {
    await expect(stepsCommand(['--yaml'])).rejects.toMatchObject({ code: 'TWINS_USAGE' });
    await expect(stepsCommand(['slack'])).rejects.toBeInstanceOf(PlatformError);
  });
});
