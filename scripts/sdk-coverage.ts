// Makes twins/<twin>/generated/sdk-coverage.json: runs the official clients' tests with TWINS_SDK_COVERAGE set, and, only when they all pass, merges what they recorded; `--check` verifies the files are there and name only operations of the current contracts.
//
//   npx tsx scripts/sdk-coverage.ts           run the SDK tests, write the files
//   npx tsx scripts/sdk-coverage.ts --check   exit 1 naming each file that is missing, unreadable or stale

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  mergeFragments,
  SDK_COVERAGE_ENV,
  SDK_TEST_FILES,
  type SdkCoverageFile,
  sdkCoveragePath,
  sdkCoverageText,
  unrecognisedAgents,
} from '../src/fidelity/sdk-coverage.ts';
import { collectOperations } from '../src/kernel/openapi.ts';
import { loadTwin, TWIN_NAMES } from '../src/registry.ts';

const ROOT = new URL('..', import.meta.url).pathname;

/** What is wrong with each twin's SDK coverage file: missing, unreadable, another twin's, or naming an operation its contract no longer has. */
export async function checkSdkCoverage(root = ROOT): Promise<string[]> {
  const problems: string[] = [];
  for (const twin of TWIN_NAMES) {
    const path = sdkCoveragePath(twin, root);
    const rel = path.slice(root.length).replace(/^\//, '');
    if (!existsSync(path)) {
      problems.push(`${rel} is missing: run npx tsx scripts/sdk-coverage.ts`);
      continue;
    }
    let file: SdkCoverageFile;
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as SdkCoverageFile;
    } catch (err) {
      problems.push(`${rel} is not JSON (${(err as Error).message}): run npx tsx scripts/sdk-coverage.ts`);
      continue;
    }
    if (file?.twin !== twin || !file.operations || typeof file.operations !== 'object') {
      problems.push(`${rel} is not the ${twin} twin's SDK coverage: run npx tsx scripts/sdk-coverage.ts`);
      continue;
    }
    const ids = new Set(collectOperations((await loadTwin(twin)).openapi).map((o) => o.operationId));
    const stale = Object.keys(file.operations).filter((op) => !ids.has(op));
    if (stale.length > 0)
      problems.push(`${rel} names operations the contract no longer has (${stale.join(', ')}): run npx tsx scripts/sdk-coverage.ts`);
  }
  return problems;
}

/** Run the SDK tests recording, and write the files when every test passed; the exit code. */
async function generate(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'twins-sdk-coverage-'));
  try {
    const files = Object.values(SDK_TEST_FILES).flat();
    const run = spawnSync('npx', ['vitest', 'run', ...files], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, [SDK_COVERAGE_ENV]: dir },
    });
    if (run.status !== 0) {
      console.error('sdk-coverage: the SDK tests did not all pass; nothing written');
      return 1;
    }
    const merged = mergeFragments(dir);
    for (const twin of TWIN_NAMES) {
      const file = merged.get(twin);
      if (!file) {
        console.error(`sdk-coverage: the ${twin} twin's SDK tests recorded nothing; nothing written for it`);
        continue;
      }
      const path = sdkCoveragePath(twin, ROOT);
      const text = sdkCoverageText(file);
      const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
      if (current !== text) writeFileSync(path, text);
      console.log(
        `${current === text ? 'unchanged' : 'wrote'} ${path.slice(ROOT.length)}: ${Object.keys(file.operations).length} operations, clients ${file.clients.join(', ')}`,
      );
    }
    for (const [twin, agents] of unrecognisedAgents(dir))
      console.log(
        `sdk-coverage: ${twin}: not counted (not an official client): ${Object.entries(agents)
          .map(([ua, n]) => `${ua} ×${n}`)
          .join('; ')}`,
      );
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run only as a script, so tests can import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--check')) {
    const problems = await checkSdkCoverage();
    for (const p of problems) console.error(p);
    process.exit(problems.length > 0 ? 1 : 0);
  }
  process.exit(await generate());
}
