// Runs a module agent inside the sandbox: imports it from its read-only folder and calls its generate(context) with the JSON context the harness wrote.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const modulePath = process.env.TWINS_AGENT_MODULE;
const contextPath = process.env.TWINS_AGENT_CONTEXT;

function fail(message) {
  console.error(`twins: ${message}`);
  process.exit(1);
}

if (!modulePath || !contextPath) fail('the module runner needs TWINS_AGENT_MODULE and TWINS_AGENT_CONTEXT');
const context = JSON.parse(readFileSync(contextPath, 'utf8'));
context.log = (line) => console.log(String(line));

let mod;
try {
  const url = pathToFileURL(modulePath).href;
  // TypeScript goes through the toolbox's tsx, as ESM whatever the module's folder says (a lone .ts has no package.json).
  const tsxApi = process.env.TWINS_AGENT_TSX;
  if (/\.[cm]?ts$/.test(modulePath) && tsxApi) {
    const { tsImport } = await import(pathToFileURL(tsxApi).href);
    mod = await tsImport(url, import.meta.url);
  } else {
    mod = await import(url);
  }
} catch (err) {
  const hint =
    err?.code === 'ERR_UNKNOWN_FILE_EXTENSION'
      ? ' (TypeScript needs the toolbox, which brings tsx: leave the sandbox toolbox on, or give a .js/.mjs module)'
      : err?.code === 'ERR_MODULE_NOT_FOUND'
        ? " (only the module's own folder is visible in the sandbox: keep what it imports there, or bundle it)"
        : '';
  fail(`could not load the module agent ${modulePath}${hint}: ${err?.stack ?? err}`);
}

const generate =
  typeof mod.generate === 'function' ? mod.generate : typeof mod.default?.generate === 'function' ? mod.default.generate : undefined;
if (!generate) fail(`the module agent ${modulePath} exports no generate(context) function`);

try {
  const result = await generate(context);
  // generate may return what it spent, the same shape as .twins/usage.json; a file the agent wrote itself wins.
  if (result && typeof result === 'object' && (result.tokens || result.costUsd !== undefined) && !existsSync('.twins/usage.json')) {
    writeFileSync('.twins/usage.json', JSON.stringify({ tokens: result.tokens, costUsd: result.costUsd }));
  }
} catch (err) {
  fail(`generate() threw: ${err?.stack ?? err}`);
}
// Whatever the module left running (timers, servers) must not keep the agent alive past its work.
process.exit(0);
