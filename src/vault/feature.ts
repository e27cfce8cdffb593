// Gherkin features as the vault sees them: parsed in memory (errors with line numbers), outlined, and stamped with canary tags.

import { randomBytes } from 'node:crypto';
import { generateMessages } from '@cucumber/gherkin';
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

export interface ParsedFeature {
  /** The feature's name, when the file has a Feature. */
  name?: string;
  hasFeature: boolean;
  background: FeatureStep[];
  scenarios: FeatureScenario[];
  /** Every step cucumber will run, deduplicated by line and text. */
  pickleSteps: PickleStepRef[];
  errors: { line: number; column: number; message: string }[];
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
  const parsed: ParsedFeature = { hasFeature: false, background: [], scenarios: [], pickleSteps: [], errors: [] };
  const stepLines = new Map<string, number>();
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
    for (const child of feature.children) {
      if (child.background) {
        parsed.background = stepsOf(child.background.steps);
        for (const s of child.background.steps) stepLines.set(s.id, s.location.line);
      }
      if (child.scenario) {
        parsed.scenarios.push(scenarioOf(child.scenario));
        for (const s of child.scenario.steps) stepLines.set(s.id, s.location.line);
      }
      if (child.rule) {
        const bg = child.rule.children.find((c) => c.background)?.background;
        for (const s of bg?.steps ?? []) stepLines.set(s.id, s.location.line);
        for (const rc of child.rule.children) {
          if (!rc.scenario) continue;
          parsed.scenarios.push(scenarioOf(rc.scenario, child.rule.name, bg));
          for (const s of rc.scenario.steps) stepLines.set(s.id, s.location.line);
        }
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
  return parsed;
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
