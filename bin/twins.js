#!/usr/bin/env node
// The `twins` executable: loads the TypeScript CLI through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
// A negative code means a long-running command (twins up) that exits on a signal.
if (code >= 0) process.exit(code);
