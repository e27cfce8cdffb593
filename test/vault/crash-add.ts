// A child process for the crash tests: runs a holdout add and kills itself (SIGKILL, no clean-up) at the stage named.

import { type AddStage, addScenarios } from '../../src/vault/index.ts';
import { catalogue } from './helpers.ts';

const { stage, ...opts } = JSON.parse(process.argv[2]) as {
  stage: AddStage;
  files: string[];
  task: string;
  vaultDir: string;
  featuresDir: string;
  cwd: string;
};
await addScenarios({
  ...opts,
  holdout: true,
  catalogue,
  onStage: (s) => {
    if (s === stage) process.kill(process.pid, 'SIGKILL');
  },
});
// Reaching here means the stage never came: the test fails on the exit code.
process.exit(3);
