// The step registry: every step is data (kind, wording, example, doc, body) so that cucumber, `twins steps` and the linter share one list.

import type { TwinsWorld } from './world.ts';

/** Arrange sets the world up, act makes something happen as the vendor would, observe waits for an outcome. */
export type StepKind = 'arrange' | 'act' | 'observe';

export interface StepSpec {
  kind: StepKind;
  /** The step file's topic: `slack`, `app`, `time`, `faults`, later `okta`, `jira`. */
  topic: string;
  /** A cucumber expression, e.g. `{user} posts {string} in {channel}`. */
  expression: string;
  /** One step line, with its keyword, that matches this expression and no other: `When "alice" posts "deploy" in "#ops"`. */
  example: string;
  /** One sentence: what the step does (observe steps: what it waits for and for how long). */
  doc: string;
  /** Cucumber's timeout for this step, for steps that wait longer than the default. */
  timeoutMs?: number;
  // biome-ignore lint/suspicious/noExplicitAny: cucumber hands step arguments over untyped; each step's own signature types them.
  run: (this: TwinsWorld, ...args: any[]) => unknown | Promise<unknown>;
}

/** Every step defined so far, in definition order. */
export const STEPS: StepSpec[] = [];

/** Define a step; `scenarios/support/register.ts` hands each to cucumber. */
export function step(spec: StepSpec): StepSpec {
  STEPS.push(spec);
  return spec;
}
