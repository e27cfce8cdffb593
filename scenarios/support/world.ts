// The World each scenario gets: its tenants on the twins, clients for their control planes, and the app under test.

import { type IWorldOptions, World } from '@cucumber/cucumber';
import type { TwinsWorldParameters } from './config.ts';

export class TwinsWorld extends World<TwinsWorldParameters> {
  constructor(options: IWorldOptions<TwinsWorldParameters>) {
    super(options);
  }
}
