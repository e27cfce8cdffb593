// Child script for the start-up breakdown: times each step `twins up slack` takes, in one fresh process; prints one JSON line.
// Only dynamic imports, so each module's load is timed on its own (static imports would all run before the first line).

import { performance } from 'node:perf_hooks';

let phases: Record<string, number> = {};
// performance.now() counts from process start, so this is node's own boot plus tsx's loader registration.
phases['node + tsx boot'] = performance.now();
let mark = performance.now();
const step = async <T>(name: string, fn: () => T | Promise<T>): Promise<T> => {
  const out = await fn();
  const now = performance.now();
  phases[name] = now - mark;
  mark = now;
  return out;
};

const { serve } = await step('import fastify + adapter', () => import('../src/adapters/fastify.ts'));
const kernelMod = await step('import kernel (ajv, yaml)', () => import('../src/kernel/kernel.ts'));

if (process.argv[2] === 'pieces') {
  // createKernel's parts, each cold, in the order the constructor runs them.
  const { collectOperations } = await import('../src/kernel/openapi.ts');
  const { Validators } = await import('../src/kernel/validation.ts');
  const { slackTwin } = await import('../twins/slack/index.ts');
  phases = {};
  mark = performance.now();
  const ops = await step('collect operations', () => collectOperations(slackTwin.openapi));
  const validators = await step('create the ajv instances', () => new Validators(slackTwin.openapi, ops, slackTwin.coerceBody ?? false));
  // createKernel leaves this to a background task after start; timed here as the work it is.
  await step("compile every operation's validators (ajv; in the background after start)", () => validators.compileAll());
  await step('seed default tenant state', () => slackTwin.createState({ seed: 1, tenantId: 'default', ordinal: 0 }));
} else {
  const { slackTwin } = await step('import Slack twin', () => import('../twins/slack/index.ts'));
  const kernel = await step('createKernel', () => kernelMod.createKernel(slackTwin, { rateLimits: false }));
  const twin = await step('listen', () => serve(kernel as never, { port: 0 }));
  await step('first health answer', async () => (await fetch(`${twin.url}/_twin/health`)).ok || process.exit(1));
  await twin.close();
}
phases.total = performance.now();
process.stdout.write(`${JSON.stringify(phases)}\n`);
