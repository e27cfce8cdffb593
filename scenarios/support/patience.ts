// Observe steps come in two wordings, one with the run's default patience and one naming its own: `within 10 seconds …`, `for 3 seconds …`.

import { type StepSpec, step } from './define.ts';
import { MAX_WAIT_MS } from './wait.ts';
import type { TwinsWorld } from './world.ts';

/** Cucumber's timeout for a waiting step: above the longest wait a step accepts, so the step's own message wins. */
export const WAITING_STEP_TIMEOUT_MS = MAX_WAIT_MS + 15_000;

export interface PatientSpec {
  topic: string;
  /** The wording without a duration: `{channel} has a message matching {regex}`. */
  expression: string;
  /** An example of the wording without a duration, with its keyword. */
  example: string;
  /** One sentence; `{wait}` becomes "the default wait" or "the given time". */
  doc: string;
  /** `waitMs` is undefined for the wording without a duration (the run's default then applies). */
  // biome-ignore lint/suspicious/noExplicitAny: cucumber hands step arguments over untyped; each step's own signature types them.
  run: (this: TwinsWorld, waitMs: number | undefined, ...args: any[]) => Promise<unknown>;
}

/** A function of the given arity calling `fn`: cucumber checks a step function's length against its parameters. */
// biome-ignore lint/suspicious/noExplicitAny: see PatientSpec.run.
function withArity(length: number, fn: (this: TwinsWorld, ...args: any[]) => Promise<unknown>): StepSpec['run'] {
  Object.defineProperty(fn, 'length', { value: length });
  return fn;
}

function pair(spec: PatientSpec, prefix: 'within' | 'for'): [StepSpec, StepSpec] {
  const { run } = spec;
  const arity = run.length - 1;
  const untimed = step({
    kind: 'observe',
    topic: spec.topic,
    expression: spec.expression,
    example: spec.example,
    doc: spec.doc.replace('{wait}', 'the default wait (5 seconds unless the run sets another)'),
    timeoutMs: WAITING_STEP_TIMEOUT_MS,
    run: withArity(arity, function (this: TwinsWorld, ...args) {
      return run.call(this, undefined, ...args);
    }),
  });
  const timed = step({
    kind: 'observe',
    topic: spec.topic,
    expression: `${prefix} {duration} ${spec.expression}`,
    example: spec.example.replace(/^(\S+) /, prefix === 'within' ? '$1 within 10 seconds ' : '$1 for 2 seconds '),
    doc: spec.doc.replace('{wait}', 'the given time'),
    timeoutMs: WAITING_STEP_TIMEOUT_MS,
    run: withArity(arity + 1, function (this: TwinsWorld, waitMs: number, ...args) {
      return run.call(this, waitMs, ...args);
    }),
  });
  return [untimed, timed];
}

/** An observe step that passes as soon as its outcome appears: `X` and `within {duration} X`. */
export function patientStep(spec: PatientSpec): [StepSpec, StepSpec] {
  return pair(spec, 'within');
}

/** An observe step that must see nothing for the whole window: `X` and `for {duration} X`. */
export function watchfulStep(spec: PatientSpec): [StepSpec, StepSpec] {
  return pair(spec, 'for');
}
