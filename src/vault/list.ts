// `twins scenarios list`: a task's public features in full, its holdouts as ids and counts (in full only with the identity).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type FeatureStep, parseFeature } from './feature.ts';
import { openHoldouts } from './open.ts';
import { defaultVaultDir, publicFeatureDirs, shown } from './paths.ts';
import { readIndex } from './store.ts';

export interface ListedScenario {
  name: string;
  keyword: string;
  line: number;
  canary?: string;
  tags: string[];
  rule?: string;
  /** Its own steps; the feature's Background (and its Rule's) run before them. */
  steps: FeatureStep[];
}

export interface ListedFeature {
  task: string;
  file: string;
  feature?: string;
  background: FeatureStep[];
  scenarios: ListedScenario[];
  /** Parse errors, when the file does not parse. */
  errors?: string[];
}

export interface ListedHoldout {
  id: string;
  task: string;
  /** The sealed file. */
  file: string;
  /** Number of scenarios. */
  scenarios: number;
  added: string;
  /** Only when opened with the identity. */
  feature?: Omit<ListedFeature, 'task' | 'file'>;
}

export interface ScenarioListing {
  public: ListedFeature[];
  holdouts: ListedHoldout[];
  /** True when holdouts were decrypted and are shown in full. */
  opened: boolean;
}

function outline(text: string, uri: string): Omit<ListedFeature, 'task' | 'file'> {
  const parsed = parseFeature(text, uri);
  return {
    feature: parsed.name,
    background: parsed.background,
    scenarios: parsed.scenarios.map((s) => ({
      name: s.name,
      keyword: s.keyword,
      line: s.line,
      canary: s.canary,
      tags: s.tags,
      rule: s.rule,
      steps: [...(s.ruleBackground ?? []), ...s.steps],
    })),
    errors: parsed.errors.length > 0 ? parsed.errors.map((e) => `${e.line}:${e.column}: ${e.message}`) : undefined,
  };
}

function featureFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...featureFiles(p));
    else if (e.name.endsWith('.feature')) out.push(p);
  }
  return out;
}

/**
 * The scenarios of one task (or all): public features parsed in full; holdouts from the index as ids,
 * counts and dates, unless `identityPath` is given, when they are decrypted in memory and shown in full.
 */
export async function listScenarios(
  opts: { featuresDir?: string; vaultDir?: string; task?: string; identityPath?: string; cwd?: string } = {},
): Promise<ScenarioListing> {
  const cwd = opts.cwd ?? process.cwd();
  const vaultDir = resolve(cwd, opts.vaultDir ?? defaultVaultDir(cwd));
  const listing: ScenarioListing = { public: [], holdouts: [], opened: false };
  // Each task's own features/ folder (harness/tasks/<task>/features), or <featuresDir>/<task> when named.
  for (const { task, dir } of publicFeatureDirs({ featuresDir: opts.featuresDir, cwd, task: opts.task }))
    for (const path of featureFiles(dir))
      listing.public.push({ task, file: shown(path, cwd), ...outline(readFileSync(path, 'utf8'), path) });

  const entries = readIndex(vaultDir).holdouts.filter((h) => opts.task === undefined || h.task === opts.task);
  const opened = opts.identityPath ? await openHoldouts({ vaultDir, identityPath: opts.identityPath, task: opts.task }) : [];
  listing.opened = Boolean(opts.identityPath);
  const text = new Map(opened.map((o) => [o.id, o]));
  for (const h of entries) {
    const o = text.get(h.id);
    listing.holdouts.push({
      id: h.id,
      task: h.task,
      file: shown(join(vaultDir, h.file), cwd),
      scenarios: h.scenarios,
      added: h.added,
      feature: o ? outline(o.text, h.file) : undefined,
    });
  }
  return listing;
}
