// `twins vault`: placeholder until its implementation lands.

import { PlatformError } from '../errors.ts';

export async function vaultCommand(_argv: string[]): Promise<number> {
  throw new PlatformError('TWINS_USAGE', '`twins vault` is not available in this build', 'Run `twins --help`.');
}
