// `twins scenarios`: placeholder until its implementation lands.

import { PlatformError } from '../errors.ts';

export async function scenariosCommand(_argv: string[]): Promise<number> {
  throw new PlatformError('TWINS_USAGE', '`twins scenarios` is not available in this build', 'Run `twins --help`.');
}
