// `twins run`: placeholder until its implementation lands.

import { PlatformError } from '../errors.ts';

export async function runCommand(_argv: string[]): Promise<number> {
  throw new PlatformError('TWINS_USAGE', '`twins run` is not available in this build', 'Run `twins --help`.');
}
