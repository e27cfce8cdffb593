// Builds the package, packs it with `npm pack`, and installs the tarball into an empty folder as a user would: the package test and `npm run bench` start from there.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Installed {
  /** The `.tgz` npm pack wrote. */
  tarball: string;
  /** The folder the package was installed into (its package.json depends only on the tarball). */
  app: string;
  /** The installed package: `${app}/node_modules/<name>`. */
  packageDir: string;
  /** The `twins` command npm linked: `${app}/node_modules/.bin/twins`. */
  bin: string;
  name: string;
  version: string;
  /** How each step went, for logs. */
  steps: { step: string; ms: number }[];
}

/**
 * The environment npm gets: ours without the `npm_*` variables an enclosing `npm test` or `npm run`
 * sets (npm_config_prefix and friends would point the install elsewhere).
 */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): string {
  try {
    return execFileSync(cmd, args, { cwd, env: npmEnv(), encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/**
 * Build (unless `build: false`), `npm pack` into `dir`, and `npm install` the tarball into `dir/app`.
 * The install tries the npm cache alone first (`--offline`); when the cache lacks a package's metadata
 * it asks the registry for what is missing (`--prefer-offline`), so a warm cache needs no network.
 */
export function packAndInstall(opts: { dir: string; build?: boolean; log?: (line: string) => void }): Installed {
  const steps: Installed['steps'] = [];
  const log = opts.log ?? (() => {});
  const timed = <T>(step: string, fn: () => T): T => {
    const started = performance.now();
    const out = fn();
    steps.push({ step, ms: Math.round(performance.now() - started) });
    log(`${step}: ${Math.round(performance.now() - started)} ms`);
    return out;
  };
  if (opts.build !== false) {
    timed('build', () =>
      run(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/build.ts')], ROOT, 300_000),
    );
  }
  // Built just above (or by the caller): prepack would build a second time.
  const packed = timed('npm pack', () => run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', opts.dir], ROOT, 120_000));
  const info = (JSON.parse(packed) as { filename: string; name: string; version: string }[])[0];
  const tarball = join(opts.dir, info.filename);
  const app = join(opts.dir, 'app');
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'twins-consumer', private: true, type: 'module' }, null, 2)}\n`);
  timed('npm install', () => {
    const args = ['install', '--no-audit', '--no-fund', '--no-package-lock', tarball];
    try {
      run('npm', [...args, '--offline'], app, 300_000);
    } catch {
      log('npm install --offline: the cache lacks some metadata; trying --prefer-offline');
      run('npm', [...args, '--prefer-offline'], app, 300_000);
    }
  });
  const packageDir = join(app, 'node_modules', info.name);
  const installed = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  if (installed.version !== info.version) throw new Error(`installed ${installed.version}, packed ${info.version}`);
  return { tarball, app, packageDir, bin: join(app, 'node_modules', '.bin', 'twins'), name: info.name, version: info.version, steps };
}
