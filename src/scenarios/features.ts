// Finds the feature files a run names, and checks every scenario's shape and every step against the step library before cucumber runs them.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Catalogue } from '../../scenarios/support/catalogue.ts';
import { PlatformError } from '../errors.ts';
import { parseFeature, structureProblems } from '../vault/feature.ts';

/** Every `.feature` file under `paths` (files as given, folders recursively), sorted, absolute. */
export function expandFeaturePaths(paths: string[], cwd: string): string[] {
  const out = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && entry.name.endsWith('.feature')) out.add(p);
    }
  };
  for (const given of paths) {
    // cucumber's `file.feature:12` line filter is passed through untouched.
    const [file] = given.split(/:(?=\d+(?::\d+)*$)/);
    const abs = resolve(cwd, file);
    let isDir: boolean;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      throw new PlatformError('TWINS_NO_FEATURES', `${given} does not exist`, 'Pass feature files or folders that hold some.');
    }
    if (isDir) walk(abs);
    else out.add(resolve(cwd, given));
  }
  return [...out].sort();
}

export interface StepProblem {
  uri: string;
  line: number;
  text: string;
  /** `structure`: something that would not run (no steps, a line that is not a step); see structureProblems. */
  kind: 'undefined' | 'ambiguous' | 'parse' | 'structure';
  /** Nearest defined steps (undefined) or the clashing ones (ambiguous), as their examples. */
  candidates: string[];
  message?: string;
}

/**
 * Parse each feature, check that everything in it would run (a scenario with no steps, or a line
 * that is not a step, is refused: a misspelt keyword must not pass as "1 scenario (1 passed)"), and
 * match every step of every scenario (outlines expanded) against the catalogue: undefined and
 * ambiguous steps, and parse errors, with where they are, in line order.
 */
export function checkSteps(sources: { uri: string; text: string }[], catalogue: Catalogue): StepProblem[] {
  const problems: StepProblem[] = [];
  for (const { uri, text } of sources) {
    const parsed = parseFeature(text, uri);
    const mine: StepProblem[] = [];
    for (const e of parsed.errors) mine.push({ uri, line: e.line, text: '', kind: 'parse', candidates: [], message: e.message });
    for (const s of structureProblems(parsed))
      mine.push({ uri, line: s.line, text: '', kind: 'structure', candidates: [], message: s.message });
    for (const { text: step, line } of parsed.pickleSteps) {
      const matches = catalogue.match(step);
      if (matches.length === 1) continue;
      mine.push(
        matches.length === 0
          ? { uri, line, text: step, kind: 'undefined', candidates: catalogue.suggest(step, 3).map((x) => x.example) }
          : { uri, line, text: step, kind: 'ambiguous', candidates: matches.map((x) => x.example) },
      );
    }
    problems.push(...mine.sort((a, b) => a.line - b.line));
  }
  return problems;
}

/** The problems as a person reads them: one block per step, with what to use instead. */
export function formatStepProblems(problems: StepProblem[], cwd: string): string {
  return problems
    .map((p) => {
      const rel = relative(cwd, p.uri);
      const where = `${rel.startsWith('..') ? p.uri : rel}:${p.line}`;
      if (p.kind === 'parse') return `${where}: does not parse: ${p.message}`;
      if (p.kind === 'structure') return `${where}: ${p.message}`;
      if (p.kind === 'ambiguous') {
        return `${where}: ambiguous step: ${p.text}\n  it matches ${p.candidates.length} definitions:\n${p.candidates.map((c) => `    ${c}`).join('\n')}`;
      }
      return `${where}: undefined step: ${p.text}\n  the nearest defined steps:\n${p.candidates.map((c) => `    ${c}`).join('\n')}`;
    })
    .join('\n');
}

/** Read the files for checkSteps. */
export function readSources(files: string[]): { uri: string; text: string }[] {
  return files.map((f) => ({ uri: f.replace(/:\d+(?::\d+)*$/, ''), text: readFileSync(f.replace(/:\d+(?::\d+)*$/, ''), 'utf8') }));
}
