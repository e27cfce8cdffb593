// Scenario results from Cucumber messages: ids from canary tags, the worst step wins, the first failure is quoted, retries and unrun scenarios.

import type { Envelope } from '@cucumber/messages';
import { describe, expect, it } from 'vitest';
import { scenarioResults } from '../../src/scenarios/results.ts';

const ts = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

function pickle(id: string, name: string, steps: string[], tags: string[] = []): Envelope {
  return {
    pickle: {
      id,
      uri: 'x.feature',
      name,
      language: 'en',
      astNodeIds: [],
      tags: tags.map((t) => ({ name: t, astNodeId: '' })),
      steps: steps.map((text, i) => ({ id: `${id}-s${i}`, text, astNodeIds: [] })),
    },
  } as unknown as Envelope;
}
const testCase = (id: string, pickleId: string, n: number): Envelope =>
  ({
    testCase: { id, pickleId, testSteps: Array.from({ length: n }, (_, i) => ({ id: `${id}-t${i}`, pickleStepId: `${pickleId}-s${i}` })) },
  }) as unknown as Envelope;
const started = (id: string, testCaseId: string, at: number): Envelope =>
  ({ testCaseStarted: { id, testCaseId, attempt: 0, timestamp: ts(at) } }) as unknown as Envelope;
const step = (startedId: string, testStepId: string, status: string, message?: string): Envelope =>
  ({
    testStepFinished: { testCaseStartedId: startedId, testStepId, testStepResult: { status, message, duration: ts(0) }, timestamp: ts(0) },
  }) as unknown as Envelope;
const finished = (startedId: string, at: number): Envelope =>
  ({ testCaseFinished: { testCaseStartedId: startedId, timestamp: ts(at), willBeRetried: false } }) as unknown as Envelope;

describe('scenarioResults', () => {
  it('names scenarios by canary, takes the worst step, quotes the first failure, and reports what never ran', () => {
    const results = scenarioResults([
      pickle('p1', 'passes', ['a', 'b'], ['@canary-aaaa']),
      pickle('p2', 'fails', ['first', 'second', 'third'], ['@smoke', '@canary-bbbb']),
      pickle('p3', 'never ran', ['x']),
      testCase('c1', 'p1', 2),
      testCase('c2', 'p2', 3),
      started('r1', 'c1', 1000),
      step('r1', 'c1-t0', 'PASSED'),
      step('r1', 'c1-t1', 'PASSED'),
      finished('r1', 1250),
      started('r2', 'c2', 2000),
      step('r2', 'c2-t0', 'PASSED'),
      step('r2', 'c2-t1', 'FAILED', 'waited 5 s, in vain'),
      step('r2', 'c2-t2', 'SKIPPED'),
      finished('r2', 7000),
    ]);
    expect(results).toEqual([
      { id: 'canary-aaaa', name: 'passes', status: 'passed', durationMs: 250 },
      { id: 'canary-bbbb', name: 'fails', status: 'failed', durationMs: 5000, error: 'second: waited 5 s, in vain' },
      { id: 'never ran', name: 'never ran', status: 'unknown', durationMs: 0, error: 'did not run' },
    ]);
  });

  it('an undefined step makes the scenario undefined; a retried scenario counts its last attempt', () => {
    const results = scenarioResults([
      pickle('p1', 'retried', ['a'], ['@canary-cccc']),
      pickle('p2', 'undefined', ['nope']),
      testCase('c1', 'p1', 1),
      testCase('c2', 'p2', 1),
      started('r1', 'c1', 0),
      step('r1', 'c1-t0', 'FAILED', 'flaky'),
      finished('r1', 10),
      started('r1b', 'c1', 20),
      step('r1b', 'c1-t0', 'PASSED'),
      finished('r1b', 30),
      started('r2', 'c2', 40),
      step('r2', 'c2-t0', 'UNDEFINED'),
      finished('r2', 41),
    ]);
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['canary-cccc', 'passed'],
      ['undefined', 'undefined'],
    ]);
    expect(results[1].error).toBe('nope: undefined');
  });
});
