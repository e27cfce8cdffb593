// The harness's own cost: overhead per trial (everything but the agent, the install, the app's start and the holdouts' own time) and 50 holdout scenarios against a ready app.

import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openTaskHoldouts, runTwins, scoreRun, taskNeedles } from '../harness/run.ts';
import { loadTask } from '../harness/task.ts';
import { gradeApp, plainLauncher } from '../harness/trial.ts';
import { addScenarios, initVault } from '../src/vault/index.ts';
import { holdoutFeatures } from '../test/fixtures/tasks/sample/holdouts.ts';

const SAMPLE = fileURLToPath(new URL('../test/fixtures/tasks/sample', import.meta.url));

export const HARNESS_TARGETS = { overheadMs: 2000, fiftyScenariosMs: 15_000 };

export interface HarnessBench {
  overhead: {
    trials: number;
    /** Median of the trials' overheadMs. */
    medianMs: number;
    values: number[];
    /** Median of each stage, for where the time goes. */
    stages: Record<string, number>;
    satisfaction: number;
    isolation: string;
  };
  fiftyScenarios: {
    scenarios: number;
    passed: number;
    /** The grade stage: runScenarios over the 50 holdouts against the app, already answering. */
    gradeMs: number;
    /** The holdouts' own time (sum of their durations); the rest of gradeMs is the runner's. */
    scenariosOwnMs: number;
    perScenarioMs: number;
  };
  targets: typeof HARNESS_TARGETS;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function sealInto(work: string, features: { name: string; text: string }[]): Promise<{ vault: string; identity: string }> {
  const vault = join(work, 'vault');
  const identity = join(work, 'keys', 'identity.txt');
  await initVault({ vaultDir: vault, identityPath: identity });
  const files = features.map((f) => {
    const p = join(work, f.name);
    writeFileSync(p, f.text);
    return p;
  });
  await addScenarios({ files, task: 'sample', holdout: true, vaultDir: vault, cwd: work, removeSource: true });
  return { vault, identity };
}

/** Fifty quick holdouts for the sample task: a ping answered in its thread, each its own scenario. */
function fiftyScenarios(): { name: string; text: string }[] {
  return Array.from({ length: 5 }, (_, f) => ({
    name: `bench-${f}.feature`,
    text: `Feature: Bench pings ${f}\n${Array.from(
      { length: 10 },
      (_, i) => `
  Scenario: Ping ${f * 10 + i} is answered
    When "alice" posts "ping" in "#ops"
    Then the message matching "^ping$" in "#ops" has a reply matching /^pong$/
`,
    ).join('')}`,
  }));
}

/**
 * Measure the harness: `trials` reference trials of the sample task (the median overheadMs), then one
 * grading of the reference app, already running, by 50 sealed holdout scenarios.
 */
export async function benchHarness(opts: { trials?: number; log?: (line: string) => void } = {}): Promise<HarnessBench> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const trials = opts.trials ?? 5;
  const work = mkdtempSync(join(tmpdir(), 'twins-bench-harness-'));
  try {
    // 1. Overhead per trial: the reference agent, one trial at a time so that trials do not slow each other.
    const sample = await sealInto(join(work, 'sample'), holdoutFeatures(`bench${Date.now().toString(36)}`));
    log(`bench harness: ${trials} reference trials of the sample task`);
    const { summary } = await scoreRun({
      agent: 'reference',
      task: SAMPLE,
      trials,
      outDir: join(work, 'out'),
      vaultDir: sample.vault,
      identityPath: sample.identity,
      cwd: work,
    });
    const values = summary.trials.map((t) => t.timings.overheadMs);
    const stages: Record<string, number> = {};
    for (const k of Object.keys(summary.trials[0].timings) as (keyof (typeof summary.trials)[0]['timings'])[])
      stages[k] = median(summary.trials.map((t) => t.timings[k]));

    // 2. Fifty holdouts against a ready app: the reference, started once as a plain process.
    const fifty = await sealInto(join(work, 'fifty'), fiftyScenarios());
    const task = loadTask(SAMPLE);
    const holdouts = await openTaskHoldouts(task, { vaultDir: fifty.vault, identityPath: fifty.identity });
    const appDir = join(work, 'app');
    cpSync(task.referenceDir, appDir, { recursive: true });
    const twins = await runTwins({});
    log('bench harness: 50 holdout scenarios against the reference app');
    let graded: Awaited<ReturnType<typeof gradeApp>>;
    const started = performance.now();
    try {
      graded = await gradeApp({
        runId: 'bench',
        trial: 0,
        task,
        agentName: 'reference',
        appDir,
        launch: plainLauncher(task.app.start),
        twins: twins.twins,
        holdouts,
        needles: taskNeedles(task, holdouts),
        noScan: true,
      });
    } finally {
      await twins.close();
    }
    const wallMs = performance.now() - started;
    const passed = graded.scenarios.filter((s) => s.status === 'passed').length;
    const own = graded.scenarios.reduce((n, s) => n + s.durationMs, 0);
    log(`bench harness: graded in ${Math.round(wallMs)} ms in all (app start ${graded.timings.startMs} ms)`);
    return {
      overhead: {
        trials,
        medianMs: median(values),
        values,
        stages,
        satisfaction: summary.scores.satisfaction,
        isolation: summary.isolation,
      },
      fiftyScenarios: {
        scenarios: graded.scenarios.length,
        passed,
        gradeMs: graded.timings.gradeMs,
        scenariosOwnMs: own,
        perScenarioMs: Math.round(graded.timings.gradeMs / Math.max(1, graded.scenarios.length)),
      },
      targets: HARNESS_TARGETS,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchHarness({ trials: Number(process.argv[2] ?? 5) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}
