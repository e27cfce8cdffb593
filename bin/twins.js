#!/usr/bin/env node
// The `twins` CLI entry: runs the compiled CLI (dist/) in an installed package, the TypeScript sources through tsx in a clone.
import { existsSync, readFileSync } from 'node:fs';
import module from 'node:module';

// Node 22.1+ keeps compiled code on disk between runs; Node 20 has no such cache for modules, so
// `twins up` runs its bundle through bin/code-cache.js, which keeps one itself.
module.enableCompileCache?.();

const args = process.argv.slice(2);
// bin/twins puts `--` first so Node 20 leaves our flags alone (see bin/twins).
if (args[0] === '--') args.shift();
if (args[0] === '--version' || args[0] === '-v') {
  // Answered here: the package.json next to this file is the one installed, wherever dist/ puts the CLI.
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
  process.exit(0);
}

// A clone has its sources and runs them, so it never runs a dist/ older than its code; an installed
// package ships no sources, only dist/, and needs neither tsx nor a compiler (docs/decisions/0011).
// TWINS_FROM_DIST=1 runs dist/ in a clone too (after `npm run build`), as an installed package does.
const source = new URL('../src/cli/main.ts', import.meta.url);
let main;
if (process.env.TWINS_FROM_DIST !== '1' && existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(source.href));
} else if (args[0] === 'up') {
  // `twins up` has a bundled copy (dist/cli/up.cjs) that starts in a fraction of the time, run with a
  // V8 code cache; the other commands load the ordinary modules, which they share with what they load
  // themselves (cucumber's steps).
  ({ main } = (await import('./code-cache.js')).runBundle(new URL('../dist/cli/up.cjs', import.meta.url)));
} else {
  ({ main } = await import('../dist/src/cli/main.js'));
}
const code = await main(args);
// A negative code means a long-running command (twins up) that exits on a signal.
if (code >= 0) process.exit(code);
