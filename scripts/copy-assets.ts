// Copies the non-TypeScript files the code loads at run time (contracts, control-plane documents, task folders, runner scripts, pages) into dist/, after tsc.

import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The folders tsconfig.build.json compiles: whatever else lies in them ships beside the JavaScript. */
export const SOURCE_FOLDERS = ['src', 'twins', 'scenarios', 'harness'];

/**
 * Every file under the source folders that tsc does not emit: not TypeScript, not a test, not a
 * dependency folder. Generic on purpose, so a new twin's contract (twins/okta/…) or a new page ships
 * without anyone editing this list. `openapi.yaml` sources ship too: they are the contracts people read.
 */
export function assetFiles(root = ROOT): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (!/\.(ts|tsx|mts|cts)$/.test(entry.name) && !/\.test\./.test(entry.name)) {
        out.push(path);
      }
    }
  };
  for (const folder of SOURCE_FOLDERS) walk(folder);
  return out.sort();
}

/** Copy the assets into `outDir` (dist/ by default), each at its own relative path. */
export function copyAssets(outDir = join(ROOT, 'dist'), root = ROOT): string[] {
  const files = assetFiles(root);
  for (const file of files) {
    const dest = join(outDir, file);
    mkdirSync(dirname(dest), { recursive: true });
    cpSync(join(root, file), dest);
  }
  return files.map((f) => relative(root, join(root, f)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const copied = copyAssets();
  console.log(`copied ${copied.length} assets into dist/`);
}
