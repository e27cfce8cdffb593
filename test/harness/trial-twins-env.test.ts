// What an app reads from `.twins/twins.env` when it is graded: the graded tenant's variables, the same as its environment, whatever the agent left in `.twins/`.

import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contaminationNeedles } from '../../harness/contamination.ts';
import { runTwins } from '../../harness/run.ts';
import { loadTask } from '../../harness/task.ts';
import { runTrial, type TrialOptions } from '../../harness/trial.ts';
import type { Agent, AgentContext, Sandbox, SandboxProcess, SandboxRequest, SandboxResult, TaskSpec } from '../../harness/types.ts';
import { parseDotenv } from '../../src/scenarios/twins-env.ts';
import { SAMPLE } from './score-fixture.ts';

let twins: Awaited<ReturnType<typeof runTwins>>;
let work: string;
let task: TaskSpec;

const ok = (over: Partial<SandboxResult> = {}): SandboxResult => ({
  exitCode: 0,
  signal: null,
  timedOut: false,
  outputTruncated: false,
  processLimitHit: false,
  wallMs: 1,
  output: '',
  isolation: 'none',
  ...over,
});

/** What the app found when it was started: its environment, and `.twins/twins.env` as a file (or why not). */
interface AtStart {
  env: Record<string, string>;
  file?: Record<string, string>;
  fileKind?: string;
}

/** A sandbox whose app reads `.twins/twins.env` the moment it is started, and never answers. */
function readingSandbox(seen: AtStart[]): Sandbox {
  const silent: SandboxProcess = {
    pid: undefined,
    isolation: 'none',
    output: () => '',
    exited: new Promise(() => {}),
    stop: async () => ok({ exitCode: null, signal: 'SIGTERM' }),
  };
  return {
    kind: 'none',
    describe: () => 'reading',
    run: async () => ok(),
    start: (req: SandboxRequest) => {
      const file = join(req.workspace, '.twins', 'twins.env');
      const st = lstatSync(file, { throwIfNoEntry: false });
      seen.push({
        env: { ...req.env },
        fileKind: st ? (st.isFile() ? 'file' : st.isSymbolicLink() ? 'link' : 'other') : 'missing',
        ...(st?.isFile() ? { file: parseDotenv(readFileSync(file, 'utf8')) } : {}),
      });
      return silent;
    },
  };
}

function options(agent: Agent, sandbox: Sandbox): TrialOptions {
  return {
    runId: 'twins-env',
    agent,
    trial: 0,
    task,
    sandbox,
    twins: twins.twins,
    holdouts: [],
    needles: contaminationNeedles([], []),
    workDir: work,
    agentGraceMs: 100,
  };
}

/** An agent that keeps what `.twins/twins.env` said while it worked, then does `more` to the workspace. */
function agent(
  practice: { file?: Record<string, string>; env?: Record<string, string> },
  more: (ctx: AgentContext) => void = () => {},
): Agent {
  return {
    spec: 'reader',
    name: 'reader',
    async generate(ctx) {
      practice.env = { ...ctx.env };
      practice.file = parseDotenv(readFileSync(join(ctx.workspace, '.twins', 'twins.env'), 'utf8'));
      more(ctx);
      return { exitCode: 0, timedOut: false, wallMs: 1, transcript: '', transcriptTruncated: false, isolation: 'none' };
    },
  };
}

beforeAll(async () => {
  twins = await runTwins({});
  work = mkdtempSync(join(tmpdir(), 'twins-trial-env-'));
  const sample = loadTask(SAMPLE);
  task = { ...sample, limits: { ...sample.limits, agentSeconds: 5, appStartSeconds: 0.3 } };
}, 60_000);

afterAll(async () => {
  await twins?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('.twins/twins.env in the graded app’s workspace', () => {
  it('names the practice tenant while the agent works and the graded tenant, as the app’s environment does, when the app starts', async () => {
    const practice: { file?: Record<string, string>; env?: Record<string, string> } = {};
    const seen: AtStart[] = [];
    await runTrial(options(agent(practice), readingSandbox(seen)));
    expect(practice.file?.SLACK_BOT_TOKEN).toBe(practice.env?.SLACK_BOT_TOKEN);
    expect(seen).toHaveLength(1);
    const [app] = seen;
    expect(app.fileKind).toBe('file');
    expect(app.env.SLACK_BOT_TOKEN).toBeTruthy();
    expect(app.env.SLACK_BOT_TOKEN).not.toBe(practice.env?.SLACK_BOT_TOKEN);
    // Every variable of the file is the app's own, and none of the practice tenant's is left.
    for (const [k, v] of Object.entries(app.file ?? {})) expect(app.env[k], k).toBe(v);
    expect(Object.keys(app.file ?? {}).sort()).toEqual(Object.keys(practice.file ?? {}).sort());
  });

  it('is written anew, never through a link the agent left for `.twins` or for the file', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'twins-trial-env-outside-'));
    try {
      const victim = join(outside, 'victim.txt');
      writeFileSync(victim, 'untouched');
      mkdirSync(join(outside, 'dot'));
      const seenA: AtStart[] = [];
      // The file itself made a link to a file outside the workspace.
      await runTrial(
        options(
          agent({}, (ctx) => {
            const f = join(ctx.workspace, '.twins', 'twins.env');
            rmSync(f);
            symlinkSync(victim, f);
          }),
          readingSandbox(seenA),
        ),
      );
      // The whole `.twins` folder made a link to a folder outside.
      const seenB: AtStart[] = [];
      await runTrial(
        options(
          agent({}, (ctx) => {
            const dot = join(ctx.workspace, '.twins');
            rmSync(dot, { recursive: true });
            symlinkSync(join(outside, 'dot'), dot);
          }),
          readingSandbox(seenB),
        ),
      );
      expect(readFileSync(victim, 'utf8')).toBe('untouched');
      expect(existsSync(join(outside, 'dot', 'twins.env'))).toBe(false);
      for (const [app] of [seenA, seenB]) {
        expect(app.fileKind).toBe('file');
        expect(app.file?.SLACK_BOT_TOKEN).toBe(app.env.SLACK_BOT_TOKEN);
      }
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
