// The step catalogue without cucumber: match a step's text against every definition, suggest the nearest ones, and list them for `twins steps`.

import { CucumberExpression, ParameterType, ParameterTypeRegistry } from '@cucumber/cucumber-expressions';
import { STEPS, type StepSpec } from './define.ts';
import { PARAMETER_TYPES } from './parameters.ts';

export interface Catalogue {
  steps: readonly StepSpec[];
  /** The definitions whose expression matches `text` (a step line without its keyword). */
  match(text: string): StepSpec[];
  /** Up to `n` definitions nearest to `text`, nearest first, for "did you mean". */
  suggest(text: string, n?: number): StepSpec[];
}

/** A step line without its Gherkin keyword: `When "alice" posts "hi" in "#ops"` → `"alice" posts "hi" in "#ops"`. */
export function withoutKeyword(line: string): string {
  return line.replace(/^\s*(Given|When|Then|And|But|\*)\s+/, '');
}

/** A registry with cucumber's built-in parameter types and the step language's own. */
export function parameterRegistry(): ParameterTypeRegistry {
  const registry = new ParameterTypeRegistry();
  for (const p of PARAMETER_TYPES) {
    registry.defineParameterType(new ParameterType(p.name, p.regexps, null, p.transformer, false, true));
  }
  return registry;
}

/** Quoted values and numbers blurred, so distance measures wording rather than data. */
function shape(text: string): string {
  return text
    .toLowerCase()
    .replace(/"[^"]*"/g, '"x"')
    .replace(/\/(?:[^/\\\n]|\\.)+\/[a-z]*/g, '"x"')
    .replace(/\{[a-z]+\}/g, '"x"')
    .replace(/\d+(\.\d+)?/g, '9')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Levenshtein distance over words, cheap enough for a few hundred steps. */
function wordDistance(a: string, b: string): number {
  const x = a.split(' ');
  const y = b.split(' ');
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length];
}

/** A catalogue over `steps` (by default every step loaded so far). */
export function catalogueOf(steps: readonly StepSpec[] = STEPS): Catalogue {
  const registry = parameterRegistry();
  const compiled = steps.map((s) => ({ spec: s, expr: new CucumberExpression(s.expression, registry), shape: shape(s.expression) }));
  return {
    steps,
    match(text) {
      const t = withoutKeyword(text);
      return compiled.filter((c) => c.expr.match(t) !== null).map((c) => c.spec);
    },
    suggest(text, n = 3) {
      const t = shape(withoutKeyword(text));
      return compiled
        .map((c) => ({ spec: c.spec, d: wordDistance(t, c.shape) }))
        .sort((a, b) => a.d - b.d)
        .slice(0, n)
        .map((c) => c.spec);
    },
  };
}

/** Load every step file and return the catalogue of all steps. */
export async function loadCatalogue(): Promise<Catalogue> {
  await import('../steps/index.ts');
  return catalogueOf(STEPS);
}
