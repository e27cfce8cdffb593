// `npm run build` (and `npm pack` through prepack): compiles the package into dist/ — JavaScript, type declarations, the files the code reads, and a bundled fast path for `twins up`.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { copyAssets } from './copy-assets.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
/** Where the bundled `twins up` lives; bin/twins.js runs dist/cli/up.cjs. */
const FAST = join(DIST, 'cli');

/**
 * The packages `twins up` needs before a twin answers: bundled into dist/cli so start-up reads a few
 * files instead of ~350. Everything else (msw, cucumber, age, oidc-provider, the JQL grammar, tsx)
 * stays an ordinary import from node_modules: some keep one instance per process (cucumber's step
 * registry), and none of them is on the start-up path.
 */
const BUNDLED = new Set(['fastify', 'ajv', '@faker-js/faker']);
// yaml and ajv-formats are absent on purpose: our code loads them on first use (a YAML document, a
// company, the background validator compile) through createRequire, from node_modules.

/**
 * Fastify loads its schema compilers (ajv with its JTD flavour, fast-json-stringify, fast-uri) as it
 * builds a server, though they are used only by routes that declare schemas, which a twin's catch-all
 * route does not. In the bundle each is replaced by a stand-in that builds the real one on first use.
 * Fastify calls the module (`ValidatorSelector()`) and then the function it returns, nothing else.
 */
const LAZY_FASTIFY_COMPILERS = ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'];
const lazyStandIn = (specifier: string) => `'use strict';
let real;
module.exports = function lazySelector(...selectorArgs) {
  let built;
  return function lazyCompilerFactory(...args) {
    real ??= require(${JSON.stringify(specifier)});
    built ??= real(...selectorArgs);
    return built(...args);
  };
};
`;

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The command modules main.js loads on demand for every command but `up`: left out of the `up` bundle, still loadable from dist/src/cli. */
const OTHER_COMMANDS = /^\.\/(init|run|steps|scenarios|vault|score|grade|task|report|leaderboard)\.js$/;

/**
 * Our modules find their files (contracts, pages, runner scripts) from `import.meta.url`. In the
 * bundle they would all share one URL, so each module's `import.meta.url` is pinned to where that
 * module sits in dist/, whose files ship beside the bundle. The bundle is CommonJS (so bin/twins.js can
 * run it with a V8 code cache, which Node 20 offers to scripts only): `__twinsUrl`, set by the banner,
 * is the bundle's own URL.
 */
const keepModuleUrls: Plugin = {
  name: 'keep-module-urls',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(DIST)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'js' };
      const rel = relative(FAST, args.path).split('\\').join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, __twinsUrl).href`), loader: 'js' };
    });
    b.onResolve({ filter: /^@fastify\// }, (args) => {
      if (!LAZY_FASTIFY_COMPILERS.includes(args.path) || !/[\\/]fastify[\\/]lib[\\/]schema-controller\.js$/.test(args.importer))
        return undefined;
      return { path: args.path, namespace: 'lazy-compiler', pluginData: { resolveDir: args.resolveDir } };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-compiler' }, (args) => ({
      contents: lazyStandIn(args.path),
      loader: 'js',
      // The stand-in's own require resolves from fastify's folder, to the real module (bundled, run on first use).
      resolveDir: (args.pluginData as { resolveDir: string }).resolveDir,
    }));
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || !args.importer.startsWith(DIST)) return undefined;
      return BUNDLED.has(packageOf(args.path)) ? undefined : { path: args.path, external: true };
    });
    b.onResolve({ filter: OTHER_COMMANDS }, (args) => {
      if (args.importer !== join(DIST, 'src', 'cli', 'main.js')) return undefined;
      return { path: `../src/cli/${args.path.slice(2)}`, external: true };
    });
  },
};

/** tsc keeps `./x.ts` in declaration files; a consumer's TypeScript wants the `.js` the package ships. */
function fixDeclarationSpecifiers(dir: string): number {
  let fixed = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    const text = readFileSync(file, 'utf8');
    const next = text.replace(/(from\s+|import\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\.ts\2/g, '$1$2$3.js$2');
    if (next !== text) {
      writeFileSync(file, next);
      fixed++;
    }
  }
  return fixed;
}

const started = performance.now();
const ms = () => `${Math.round(performance.now() - started)} ms`;
rmSync(DIST, { recursive: true, force: true });
// Emit only: `npm run check` type-checks the project, and checking twice makes every pack a minute slower.
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--noCheck'], { stdio: 'inherit' });
console.log(`build: tsc emitted dist/ (${ms()})`);
console.log(`build: ${fixDeclarationSpecifiers(DIST)} declaration files point at .js`);
console.log(`build: copied ${copyAssets(DIST).length} assets`);
await build({
  entryPoints: [join(DIST, 'src', 'cli', 'main.js')],
  outfile: join(FAST, 'up.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  plugins: [keepModuleUrls],
  // Less source for V8 to read at start; names are kept, so stack traces and class names stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  banner: { js: "const __twinsUrl = require('node:url').pathToFileURL(__filename).href;" },
});
console.log(`build: bundled the twins up path into dist/cli/up.cjs (${ms()})`);
