// The holdout vault's public API: init, add, list, verify, and openHoldouts for the runner and the grader.

export { type AddedFile, type AddOptions, type AddResult, type AddStage, addScenarios, expandFeatureArgs } from './add.ts';
export { CANARY_TAG, type ParsedFeature, parseFeature, stampCanaries, unstampCanaries } from './feature.ts';
export { type InitResult, initVault } from './init.ts';
export { type LoadedIdentity, loadIdentity, lossWarning, MIN_RECIPIENTS, readRecipientsFile, requireRecipients } from './keys.ts';
export { type LintProblem, problemLine, ScenarioProblems } from './lint.ts';
export { type ListedFeature, type ListedHoldout, type ListedScenario, listScenarios, type ScenarioListing } from './list.ts';
export { examineHoldout, type HoldoutCheck, type HoldoutStatus, holdoutError, type OpenedHoldout, openHoldouts } from './open.ts';
export {
  defaultIdentityPath,
  defaultTasksDir,
  defaultVaultDir,
  IDENTITY_DATA_ENV,
  IDENTITY_ENV,
  IDENTITY_FROM_ENV,
  identityGiven,
  publicFeatureDirs,
  resolveIdentityPath,
  taskFeaturesDir,
  type VaultPaths,
  vaultPaths,
} from './paths.ts';
export { type ResealResult, resealVault } from './reseal.ts';
export { readIndex } from './store.ts';
export { type HoldoutEntry, INDEX_VERSION, nameHash, type VaultIndex } from './vault-index.ts';
export { type FileStatus, type VerifyFinding, type VerifyReport, verifyError, verifyVault } from './verify.ts';
