// Runs `twins up`'s CommonJS bundle with a V8 code cache on disk, so a start after the first skips compiling the bundle (Node 20 has no module compile cache; 22.1+ has one for everything).

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

/**
 * Where the cache lives: `node_modules/.cache/saas-twins` beside the installed package (the place
 * babel and eslint use), else `~/.cache/saas-twins` (a global install owned by another user). Never a
 * shared temp folder: V8 trusts what it reads from a cache file, so nobody else may write there.
 */
function cacheDirs(packageRoot) {
  const dirs = [];
  for (let dir = packageRoot; dirname(dir) !== dir; dir = dirname(dir)) {
    if (basename(dir) === 'node_modules') {
      dirs.push(join(dir, '.cache', 'saas-twins'));
      break;
    }
  }
  dirs.push(join(packageRoot, 'node_modules', '.cache', 'saas-twins'));
  const home = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  dirs.push(join(home, 'saas-twins'));
  return dirs;
}

function readCache(files) {
  for (const file of files) {
    try {
      return { file, data: readFileSync(file) };
    } catch {
      // no cache there yet
    }
  }
  return undefined;
}

/** Write the cache once the code has run (V8 then includes the functions it compiled lazily); any failure only costs the next start its speed. */
function writeCache(files, script) {
  const data = script.createCachedData();
  for (const file of files) {
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, data, { mode: 0o600 });
      renameSync(tmp, file);
      // Caches of other bundles or other Node versions are of no more use.
      for (const old of readdirSync(dirname(file)))
        if (/^up-.*\.v8$/.test(old) && old !== basename(file)) rmSync(join(dirname(file), old), { force: true });
      return;
    } catch {
      // not writable here: try the next place
    }
  }
}

/**
 * Load a CommonJS bundle through vm.Script with cached data: the bundle's exports.
 * TWINS_CODE_CACHE=0 turns the cache off (the bundle then compiles at every start, as without it).
 *
 * @example const { main } = runBundle(new URL('../dist/cli/up.cjs', import.meta.url));
 */
export function runBundle(url) {
  const file = fileURLToPath(url);
  const source = readFileSync(file, 'utf8');
  const useCache = process.env.TWINS_CODE_CACHE !== '0';
  // The key names what makes a cache invalid: this Node (V8 checks its own version and flags too) and this bundle.
  const stat = statSync(file);
  const key = `up-${process.version}-${process.arch}-${stat.size}-${Math.round(stat.mtimeMs)}.v8`;
  const files = useCache ? cacheDirs(fileURLToPath(new URL('..', import.meta.url))).map((d) => join(d, key)) : [];
  const cached = useCache ? readCache(files) : undefined;
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData: cached?.data,
    // The bundle's import() calls (node built-ins, packages left outside it) go through Node's own loader.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  if (useCache && (!cached || script.cachedDataRejected)) {
    // After start-up, off the path to the first answer; unref'd, so it never keeps the process alive.
    setTimeout(() => writeCache(files, script), 1000).unref();
  }
  return module.exports;
}
