#!/usr/bin/env node
// The `twins` CLI entry: loads the TypeScript CLI through tsx, so no build step is needed. bin/twins runs it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const args = process.argv.slice(2);
// bin/twins puts `--` first so Node 20 leaves our flags alone (see bin/twins).
if (args[0] === '--') args.shift();
const code = await main(args);
// A negative code means a long-running command (twins up) that exits on a signal.
if (code >= 0) process.exit(code);
