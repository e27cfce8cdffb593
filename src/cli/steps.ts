// `twins steps`: the step catalogue, generated from the step definitions themselves, for people (grouped text) and tools (--json).

import { parseArgs } from 'node:util';
import { loadCatalogue } from '../../scenarios/support/catalogue.ts';
import type { StepKind, StepSpec } from '../../scenarios/support/define.ts';
import { PARAMETER_TYPES } from '../../scenarios/support/parameters.ts';
import { PlatformError } from '../errors.ts';

const USAGE = `Usage: twins steps [--json]

Print every step the scenarios can use, grouped by topic and kind (arrange, act, observe),
each with its wording, what it does and an example line; then the parameter types.
  --json   one JSON object: {"parameterTypes": [...], "steps": [...]}`;

const KINDS: StepKind[] = ['arrange', 'act', 'observe'];

const KIND_TITLE: Record<StepKind, string> = {
  arrange: 'arrange (Given): the world as it already is; the app hears nothing of it',
  act: 'act (When): something happens, and the twin tells the app as the real service would',
  observe: 'observe (Then): wait, bounded, for an outcome (or watch that none comes)',
};

/** Cucumber's own parameter types that the steps use, described alongside the library's. */
const BUILT_IN = [
  { name: 'string', example: '"any text"', doc: 'text in double quotes' },
  { name: 'int', example: '42', doc: 'a whole number' },
  { name: 'word', example: 'thread_ts', doc: 'one word without spaces' },
];

export interface StepsJson {
  parameterTypes: { name: string; example: string; doc: string; builtIn: boolean }[];
  steps: { kind: StepKind; topic: string; expression: string; example: string; doc: string; timeoutMs?: number }[];
}

/** The catalogue as data: what `--json` prints. */
export function stepsJson(steps: readonly StepSpec[]): StepsJson {
  return {
    parameterTypes: [
      ...PARAMETER_TYPES.map((p) => ({ name: p.name, example: p.example, doc: p.doc, builtIn: false })),
      ...BUILT_IN.map((p) => ({ ...p, builtIn: true })),
    ],
    steps: steps.map((s) => ({
      kind: s.kind,
      topic: s.topic,
      expression: s.expression,
      example: s.example,
      doc: s.doc,
      ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}),
    })),
  };
}

/** The catalogue for people: topics in definition order, kinds arrange → act → observe, then the parameter types. */
export function stepsText(steps: readonly StepSpec[]): string {
  const topics = [...new Set(steps.map((s) => s.topic))];
  const lines = [
    `The step catalogue: ${steps.length} steps in ${topics.length} topics. Any step may follow Given, When, Then, And or But;`,
    'the kinds say what each is for. Full guide: docs/scenarios.md.',
  ];
  for (const topic of topics) {
    lines.push('', `${topic}`, `${'═'.repeat(topic.length)}`);
    for (const kind of KINDS) {
      const group = steps.filter((s) => s.topic === topic && s.kind === kind);
      if (group.length === 0) continue;
      lines.push('', `  ${KIND_TITLE[kind]}`);
      for (const s of group) lines.push('', `    ${s.expression}`, `      ${s.doc}`, `      e.g. ${s.example}`);
    }
  }
  lines.push('', 'parameter types', '═══════════════', '');
  const width = Math.max(...[...PARAMETER_TYPES, ...BUILT_IN].map((p) => p.name.length + 2));
  for (const p of PARAMETER_TYPES) lines.push(`  ${`{${p.name}}`.padEnd(width)}  ${p.example.padEnd(16)} ${p.doc}`);
  for (const p of BUILT_IN) lines.push(`  ${`{${p.name}}`.padEnd(width)}  ${p.example.padEnd(16)} ${p.doc} (cucumber's own)`);
  return lines.join('\n');
}

/** `twins steps [--json]`: print the catalogue; 0 on success. */
export async function stepsCommand(argv: string[]): Promise<number> {
  let values: { json?: boolean; help?: boolean };
  try {
    const parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    values = parsed.values;
  } catch (err) {
    throw new PlatformError('TWINS_USAGE', (err as Error).message.replace(/\. To specify.*$/s, ''), 'Run `twins steps --help` for usage.');
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { steps } = await loadCatalogue();
  process.stdout.write(values.json ? `${JSON.stringify(stepsJson(steps), null, 2)}\n` : `${stepsText(steps)}\n`);
  return 0;
}
