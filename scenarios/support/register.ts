// The cucumber support entry a run loads: the World, the parameter types, every step of the library, and the hooks that give each scenario its tenant.

import { After, Before, defineParameterType, defineStep, Status, setDefaultTimeout, setWorldConstructor } from '@cucumber/cucumber';
import '../steps/index.ts';
import { STEPS } from './define.ts';
import { PARAMETER_TYPES } from './parameters.ts';
import { TwinsWorld } from './world.ts';

/**
 * Steps that wait say how long (observe steps set their own, above the longest wait they
 * accept); the rest talk to the twin, and acts such as a slash command wait for the app's
 * answer (Slack gives it 3 seconds), so 30 seconds is a generous bound that still ends a hang.
 */
export const DEFAULT_STEP_TIMEOUT_MS = 30_000;

setDefaultTimeout(DEFAULT_STEP_TIMEOUT_MS);
setWorldConstructor(TwinsWorld);

for (const p of PARAMETER_TYPES) {
  defineParameterType({ name: p.name, regexp: p.regexps, transformer: p.transformer, useForSnippets: false, preferForRegexpMatch: false });
}

for (const s of STEPS) {
  // Cucumber reads the step's arity from the function's length, so the definition is handed over unwrapped.
  defineStep(s.expression, s.timeoutMs ? { timeout: s.timeoutMs } : {}, s.run);
}

Before({ name: 'provision the twins for this scenario', timeout: DEFAULT_STEP_TIMEOUT_MS }, async function (this: TwinsWorld) {
  await this.setUp();
});

After(
  { name: 'diagnose a failure and release the tenant', timeout: DEFAULT_STEP_TIMEOUT_MS },
  async function (this: TwinsWorld, { result }) {
    try {
      if (result?.status === Status.FAILED) this.attach(await this.diagnostics(), 'text/plain');
    } finally {
      await this.tearDown();
    }
  },
);
