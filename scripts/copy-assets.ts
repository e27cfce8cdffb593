// Copies the non-TypeScript files the code loads at run time (contracts as JSON, control-plane documents) into dist/, after tsc.

import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const assets = ['src/control/openapi.yaml'];
for (const twin of readdirSync(join(ROOT, 'twins'))) {
  for (const file of ['generated/openapi.json', 'control.yaml']) {
    if (existsSync(join(ROOT, 'twins', twin, file))) assets.push(`twins/${twin}/${file}`);
  }
}
for (const asset of assets) cpSync(join(ROOT, asset), join(ROOT, 'dist', asset));
console.log(`copied ${assets.length} assets into dist/: ${assets.join(', ')}`);
