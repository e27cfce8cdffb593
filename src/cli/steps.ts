// `twins steps`: placeholder until its implementation lands.

import { PlatformError } from '../errors.ts';

export async function stepsCommand(_argv: string[]): Promise<number> {
  throw new PlatformError('TWINS_USAGE', '`twins steps` is not available in this build', 'Run `twins --help`.');
}
