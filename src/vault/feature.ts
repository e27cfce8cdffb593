// Gherkin features as the vault sees them: parsed in memory (errors with line numbers), outlined, and stamped with canary tags.

import { randomBytes } from 'node:crypto';
import { dialects, generateMessages } from '@cucumber/gherkin';
import { type Background, type Envelope, IdGenerator, type Scenario, SourceMediaType, type Step } from '@cucumber/messages';

/** A canary tag: `@canary-` and 16 lower-case hex characters (64 random bits). */
export const CANARY_TAG = /^@canary-[0-9a-f]{16}$/;
/** Any tag that claims to be a canary, well-formed or not. */
const CANARY_LIKE = /^@canary-/i;

/** A new random canary tag, e.g. `@canary-9f3c2a71b04e5d18`. */
export function newCanary(): string {
  return `@canary-${randomBytes(8).toString('hex')}`;
}

export interface FeatureStep {
  /** The keyword as written, trimmed: `Given`, `And`, `*`. */
  keyword: string;
  text: string;
  line: number;
}

export interface FeatureScenario {
  name: string;
  /** `Scenario`, `Scenario Outline`, `Example`, or the keyword in the file's language. */
  keyword: string;
  line: number;
  /** The Rule it sits in, if any. */
  rule?: string;
  tags: string[];
  /** Its canary tag, if it carries exactly one. */
  canary?: string;
  /** Every tag that looks like a canary (`@canary-…`), for the lint. */
  canaryTags: { name: string; line: number }[];
  /** Its own steps, without any Background. */
  steps: FeatureStep[];
  /** The Rule's Background steps, when its Rule has one. */
  ruleBackground?: FeatureStep[];
  /** Lines under the keyword that are not steps (often a step whose keyword has a typo). */
  description: string;
  outline: boolean;
  /** Example rows of an outline (0 means cucumber runs nothing). */
  exampleRows: number;
}

/** One step as cucumber will run it (outline placeholders filled in), for the undefined-step lint. */
export interface PickleStepRef {
  text: string;
  /** The line of the step in the file (for an outline, the step's line, not the example row's). */
  line: number;
}

/** A line Gherkin read as free text where a step (or a keyword) was most likely meant. */
export interface NotStepLine {
  line: number;
  /** The line as written, trimmed. */
  text: string;
  /** What it sits under: free text under a scenario, background or examples is never run. */
  under: 'feature' | 'rule' | 'background' | 'scenario' | 'examples';
  /** The line of the keyword it sits under (for examples, their scenario's). */
  keywordLine: number;
}

/** A Rule and how many scenarios it holds (a rule with none runs nothing). */
export interface FeatureRule {
  name: string;
  line: number;
  scenarios: number;
}

export interface ParsedFeature {
  /** The feature's name, when the file has a Feature. */
  name?: string;
  hasFeature: boolean;
  background: FeatureStep[];
  /** The line of the feature's own Background, when it has one. */
  backgroundLine?: number;
  scenarios: FeatureScenario[];
  rules: FeatureRule[];
  /** Every step cucumber will run, deduplicated by line and text. */
  pickleSteps: PickleStepRef[];
  /**
   * Free-text lines that are not steps: every line under a Scenario, Background or Examples keyword
   * that is not a step (a step keyword misspelt turns a step into such a line, and it silently never
   * runs), and lines under Feature or Rule that look like a misspelt keyword (`Scenaro:`).
   */
  notSteps: NotStepLine[];
  errors: { line: number; column: number; message: string }[];
}

/** Levenshtein distance, for telling a misspelt keyword from prose. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The block keywords (`Scenario`, `Background`, …) of a Gherkin language, lower-cased. */
function blockKeywords(language: string): string[] {
  const d = dialects[language] ?? dialects.en;
  return [...d.feature, ...d.rule, ...d.background, ...d.scenario, ...d.scenarioOutline, ...d.examples].map((k) => k.toLowerCase());
}

/**
 * `Scenaro: x` or `Backgroud:` in free text: a head before a colon within one edit (two for words
 * longer than five letters) of a block keyword. Prose such as `Note: …` is left alone.
 */
function looksLikeKeyword(line: string, keywords: readonly string[]): boolean {
  const head = /^([^:]{1,40}):/.exec(line)?.[1]?.trim().toLowerCase();
  if (!head) return false;
  return keywords.some((k) => distance(head, k) <= (k.length > 5 ? 2 : 1));
}

/**
 * The lines of a keyword's description with their line numbers: Gherkin gives the text only, so
 * each line is found in the source after the keyword's line, in order.
 */
function descriptionLines(description: string, keywordLine: number, source: readonly string[]): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let at = keywordLine; // 1-based line of the keyword; its description starts below it
  for (const raw of description.split('\n')) {
    const text = raw.trim();
    if (text === '') continue;
    let i = at;
    while (i < source.length && source[i].trim() !== text) i++;
    if (i >= source.length) continue;
    out.push({ line: i + 1, text });
    at = i + 1;
  }
  return out;
}

function stepsOf(steps: readonly Step[]): FeatureStep[] {
  return steps.map((s) => ({ keyword: s.keyword.trim(), text: s.text, line: s.location.line }));
}

function scenarioOf(s: Scenario, rule?: string, ruleBackground?: Background): FeatureScenario {
  const canaryTags = s.tags.filter((t) => CANARY_LIKE.test(t.name)).map((t) => ({ name: t.name, line: t.location.line }));
  const exampleRows = s.examples.reduce((n, e) => n + e.tableBody.length, 0);
  return {
    name: s.name,
    keyword: s.keyword,
    line: s.location.line,
    rule,
    tags: s.tags.map((t) => t.name),
    canary: canaryTags.length === 1 && CANARY_TAG.test(canaryTags[0].name) ? canaryTags[0].name : undefined,
    canaryTags,
    steps: stepsOf(s.steps),
    ruleBackground: ruleBackground ? stepsOf(ruleBackground.steps) : undefined,
    description: s.description.trim(),
    outline: s.examples.length > 0 || /outline|template/i.test(s.keyword),
    exampleRows,
  };
}

/** Parse a feature from memory. Never throws on bad Gherkin: errors come back with their line and column. */
export function parseFeature(text: string, uri = 'feature'): ParsedFeature {
  const envelopes: readonly Envelope[] = generateMessages(text, uri, SourceMediaType.TEXT_X_CUCUMBER_GHERKIN_PLAIN, {
    includeGherkinDocument: true,
    includePickles: true,
    newId: IdGenerator.incrementing(),
  });
  const parsed: ParsedFeature = { hasFeature: false, background: [], scenarios: [], rules: [], pickleSteps: [], notSteps: [], errors: [] };
  const stepLines = new Map<string, number>();
  const source = text.split(/\r?\n/);
  const notStep = (
    under: NotStepLine['under'],
    node: { description: string; location: { line: number } },
    keywords?: readonly string[],
    keywordLine = node.location.line,
  ) => {
    for (const l of descriptionLines(node.description, node.location.line, source))
      if (!keywords || looksLikeKeyword(l.text, keywords)) parsed.notSteps.push({ ...l, under, keywordLine });
  };
  const scenarioNotSteps = (s: Scenario) => {
    notStep('scenario', s);
    for (const e of s.examples) notStep('examples', e, undefined, s.location.line);
  };
  for (const env of envelopes) {
    if (env.parseError) {
      const loc = env.parseError.source.location;
      parsed.errors.push({
        line: loc?.line ?? 1,
        column: loc?.column ?? 1,
        message: env.parseError.message.replace(/^\(\d+:\d+\):\s*/, ''),
      });
    }
    const feature = env.gherkinDocument?.feature;
    if (!feature) continue;
    parsed.hasFeature = true;
    parsed.name = feature.name;
    const keywords = blockKeywords(feature.language);
    notStep('feature', feature, keywords);
    for (const child of feature.children) {
      if (child.background) {
        parsed.background = stepsOf(child.background.steps);
        parsed.backgroundLine = child.background.location.line;
        notStep('background', child.background);
        for (const s of child.background.steps) stepLines.set(s.id, s.location.line);
      }
      if (child.scenario) {
        parsed.scenarios.push(scenarioOf(child.scenario));
        scenarioNotSteps(child.scenario);
        for (const s of child.scenario.steps) stepLines.set(s.id, s.location.line);
      }
      if (child.rule) {
        const bg = child.rule.children.find((c) => c.background)?.background;
        notStep('rule', child.rule, keywords);
        if (bg) notStep('background', bg);
        for (const s of bg?.steps ?? []) stepLines.set(s.id, s.location.line);
        let count = 0;
        for (const rc of child.rule.children) {
          if (!rc.scenario) continue;
          count++;
          parsed.scenarios.push(scenarioOf(rc.scenario, child.rule.name, bg));
          scenarioNotSteps(rc.scenario);
          for (const s of rc.scenario.steps) stepLines.set(s.id, s.location.line);
        }
        parsed.rules.push({ name: child.rule.name, line: child.rule.location.line, scenarios: count });
      }
    }
  }
  const seen = new Set<string>();
  for (const env of envelopes) {
    for (const step of env.pickle?.steps ?? []) {
      const line = stepLines.get(step.astNodeIds[0]) ?? 0;
      const key = `${line}\n${step.text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      parsed.pickleSteps.push({ text: step.text, line });
    }
  }
  parsed.pickleSteps.sort((a, b) => a.line - b.line);
  parsed.notSteps.sort((a, b) => a.line - b.line);
  return parsed;
}

/**
 * What would make a feature run less than it says, as `line: message`: no Feature, no scenarios, a
 * scenario (or Background, or Rule) with nothing in it, an outline without example rows, and every
 * line that is not a step (`notSteps`). `twins run` (and so `task validate` and the grader) refuses
 * a feature with any of these before anything starts; `scenarios add` lints the same parse.
 *
 * @example structureProblems(parseFeature('Feature: f\n  Scenario: s\n    Whn it runs\n'))
 *   // [{ line: 2, message: 'scenario "s" has no steps: nothing in it would run' },
 *   //  { line: 3, message: 'line is not a step: `Whn it runs` (free text under a scenario never runs; is a keyword misspelt?)' }]
 */
export function structureProblems(parsed: ParsedFeature): { line: number; message: string }[] {
  if (parsed.errors.length > 0) return []; // the parse errors say it already
  if (!parsed.hasFeature) return [{ line: 1, message: 'has no Feature: the file is empty or only comments' }];
  const out: { line: number; message: string }[] = [];
  if (parsed.scenarios.length === 0) out.push({ line: 1, message: `feature "${parsed.name ?? ''}" has no scenarios: nothing would run` });
  if (parsed.backgroundLine !== undefined && parsed.background.length === 0)
    out.push({ line: parsed.backgroundLine, message: 'the Background has no steps' });
  for (const r of parsed.rules)
    if (r.scenarios === 0) out.push({ line: r.line, message: `rule "${r.name}" has no scenarios: nothing in it would run` });
  for (const s of parsed.scenarios) {
    const label = `${s.keyword.toLowerCase()} "${s.name}"`;
    if (s.steps.length === 0) out.push({ line: s.line, message: `${label} has no steps: nothing in it would run` });
    else if (s.outline && s.exampleRows === 0) out.push({ line: s.line, message: `${label} has no example rows, so it never runs` });
  }
  out.push(...notStepProblems(parsed).map(({ line, message }) => ({ line, message })));
  return out.sort((a, b) => a.line - b.line);
}

/** `parsed.notSteps` as problems, each saying why the line will not run (part of structureProblems). */
export function notStepProblems(parsed: ParsedFeature): { line: number; keywordLine: number; message: string }[] {
  return parsed.notSteps.map((n) => {
    const why =
      n.under === 'feature' || n.under === 'rule'
        ? `it looks like a misspelt keyword, so what follows is read as the ${n.under}'s description`
        : `free text under ${n.under === 'examples' ? 'Examples' : `a ${n.under}`} never runs; is a keyword misspelt?`;
    return { line: n.line, keywordLine: n.keywordLine, message: `line is not a step: \`${n.text}\` (${why})` };
  });
}

/** Offsets of the start of each line (index 0 = line 1), and the file's line ending. */
function lineStarts(text: string): { starts: number[]; eol: string } {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  const first = text.indexOf('\n');
  return { starts, eol: first > 0 && text[first - 1] === '\r' ? '\r\n' : '\n' };
}

/**
 * Insert a canary tag line directly above each scenario's keyword line, indented like it; every
 * other byte of `text` is kept. `lines` are the scenarios' keyword lines (1-based).
 *
 * @example stampCanaries('Feature: f\n  Scenario: s\n', [2], ['@canary-0123456789abcdef'])
 *   // 'Feature: f\n  @canary-0123456789abcdef\n  Scenario: s\n'
 */
export function stampCanaries(text: string, lines: readonly number[], canaries: readonly string[]): string {
  const { starts, eol } = lineStarts(text);
  const inserts = lines.map((line, i) => ({ line, tag: canaries[i] })).sort((a, b) => b.line - a.line);
  let out = text;
  // From the bottom up, so earlier offsets stay valid.
  for (const { line, tag } of inserts) {
    const at = starts[line - 1];
    const indent = /^[ \t]*/.exec(text.slice(at))?.[0] ?? '';
    out = `${out.slice(0, at)}${indent}${tag}${eol}${out.slice(at)}`;
  }
  return out;
}

/** `text` without the canary tag lines `stampCanaries` inserted: what the author wrote. */
export function unstampCanaries(text: string): string {
  return text.replace(/^[ \t]*@canary-[0-9a-f]{16}[ \t]*(?:\r\n|\n)/gm, '');
}
