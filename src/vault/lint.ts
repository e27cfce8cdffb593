// The scenario lint `twins scenarios add` runs before anything is written: parse errors, undefined steps, empty scenarios, duplicate names.

import type { Catalogue } from '../../scenarios/support/catalogue.ts';
import { PlatformError } from '../errors.ts';
import { notStepProblems, type ParsedFeature } from './feature.ts';
import { nameHash, normaliseName } from './vault-index.ts';

/** One thing wrong, at a place in a file. */
export interface LintProblem {
  /** The file as the person named it (relative to the current directory when beneath it). */
  file: string;
  line: number;
  column?: number;
  message: string;
}

/** `file:line[:column]: message`, the form editors and terminals link to. */
export function problemLine(p: LintProblem): string {
  return `${p.file}:${p.line}${p.column ? `:${p.column}` : ''}: ${p.message}`;
}

/** TWINS_SCENARIO_INVALID carrying every problem, so the CLI can print each before the one-line summary. */
export class ScenarioProblems extends PlatformError {
  readonly problems: LintProblem[];
  constructor(problems: LintProblem[]) {
    const files = new Set(problems.map((p) => p.file)).size;
    const first = problems[0];
    const message =
      problems.length === 1
        ? problemLine(first)
        : `${problems.length} problems in ${files} file${files === 1 ? '' : 's'}, the first at ${first.file}:${first.line}`;
    super('TWINS_SCENARIO_INVALID', `${message}; nothing was added`, 'Fix the lines named; `twins steps` lists the steps there are.');
    this.problems = problems;
  }
}

/** A feature to lint: its name for messages and its parse. */
export interface LintSource {
  file: string;
  parsed: ParsedFeature;
  /**
   * The file is already a public feature of the task, added again after an edit: scenarios that
   * carry one well-formed canary keep it (only new ones get stamped), but one canary may not tag
   * two scenarios.
   */
  inPlace?: boolean;
}

/** What the new scenarios must not collide with. */
export interface LintContext {
  catalogue: Catalogue;
  task: string;
  /** Normalised names of the task's public scenarios → where they are. */
  publicNames: Map<string, { file: string; line: number }>;
  /** `nameHash` of the task's sealed scenarios → holdout id. */
  holdoutNameHashes: Map<string, string>;
}

/** A name in double quotes, a step line in backticks: both as written, nothing escaped. */
const quote = (s: string) => `"${s}"`;
const code = (s: string) => `\`${s}\``;

/** Every problem in `sources`, in file then line order; an empty list means they may be added. */
export function lintFeatures(sources: readonly LintSource[], ctx: LintContext): LintProblem[] {
  const problems: LintProblem[] = [];
  const batchNames = new Map<string, { file: string; line: number }>();
  for (const source of sources) {
    const { file, parsed } = source;
    const canaries = new Map<string, number>();
    const mine: LintProblem[] = [];
    const add = (line: number, message: string, column?: number) => mine.push({ file, line, column, message });
    if (parsed.errors.length > 0) {
      // The rest of the lint would only echo the parse errors in other words.
      for (const e of parsed.errors) add(e.line, `does not parse: ${e.message}`, e.column);
      problems.push(...mine);
      continue;
    }
    if (!parsed.hasFeature) {
      add(1, 'has no Feature: the file is empty or only comments');
      problems.push(...mine);
      continue;
    }
    if (parsed.scenarios.length === 0) add(1, `feature ${quote(parsed.name ?? '')} has no scenarios`);

    for (const s of parsed.scenarios) {
      const label = `${s.keyword.toLowerCase()} ${quote(s.name)}`;
      if (s.name.trim() === '') add(s.line, `a ${s.keyword.toLowerCase()} needs a name (the duplicate check and the reports use it)`);
      if (s.steps.length === 0) {
        const why = s.description
          ? `; the line${s.description.includes('\n') ? 's' : ''} under it (${code(s.description.split('\n')[0].trim())}) read as a description, not a step: is a keyword misspelt?`
          : '';
        add(s.line, `${label} has no steps${why}`);
      } else if (s.outline && s.exampleRows === 0) {
        add(s.line, `${label} has no example rows, so it never runs`);
      }
      const kept = source.inPlace && s.canary !== undefined;
      if (kept && s.canary) {
        const first = canaries.get(s.canary);
        if (first !== undefined)
          add(s.canaryTags[0].line, `${label} carries ${s.canary}, as the scenario at line ${first} does: delete this copy's tag line`);
        else canaries.set(s.canary, s.line);
      } else
        for (const t of s.canaryTags)
          add(t.line, `${label} already carries ${t.name}: canary tags are stamped by \`twins scenarios add\`; remove the tag`);
      if (s.name.trim() === '') continue;
      const key = normaliseName(s.name);
      const earlier = batchNames.get(key);
      const pub = ctx.publicNames.get(key);
      const sealed = ctx.holdoutNameHashes.get(nameHash(ctx.task, s.name));
      if (earlier) add(s.line, `duplicate scenario name ${quote(s.name)} (also at ${earlier.file}:${earlier.line})`);
      else if (pub) add(s.line, `duplicate scenario name ${quote(s.name)}: task ${ctx.task} already has it at ${pub.file}:${pub.line}`);
      else if (sealed)
        add(s.line, `duplicate scenario name ${quote(s.name)}: task ${ctx.task} already has a holdout scenario of that name (${sealed})`);
      if (!earlier) batchNames.set(key, { file, line: s.line });
    }

    // Shared with `twins run` (structureProblems): free text where steps go never runs. A scenario
    // with no steps at all is reported above, with its first such line.
    const stepless = new Set(parsed.scenarios.filter((s) => s.steps.length === 0).map((s) => s.line));
    for (const p of notStepProblems(parsed)) if (!stepless.has(p.keywordLine)) add(p.line, p.message);
    const keywordAt = new Map<number, string>();
    for (const st of [...parsed.background, ...parsed.scenarios.flatMap((s) => [...s.steps, ...(s.ruleBackground ?? [])])])
      keywordAt.set(st.line, st.keyword);
    for (const step of parsed.pickleSteps) {
      const written = `${keywordAt.get(step.line) ?? '*'} ${step.text}`;
      const matches = ctx.catalogue.match(step.text);
      if (matches.length === 1) continue;
      if (matches.length > 1) {
        add(
          step.line,
          `ambiguous step ${code(written)} matches ${matches.length} steps: ${matches.map((m) => code(m.expression)).join(', ')}`,
        );
        continue;
      }
      const near = ctx.catalogue.suggest(step.text, 3);
      const hint = near.length > 0 ? `; nearest: ${near.map((n) => code(n.example)).join(', ')}` : '; the step library is empty';
      add(step.line, `undefined step ${code(written)}${hint}`);
    }
    mine.sort((a, b) => a.line - b.line);
    problems.push(...mine);
  }
  return problems;
}
