// The harness's reports: summaries, the results folder (read, write, merge), JUnit, HTML, text and the leaderboard.

export { escapeHtml, escapeXml } from './escape.ts';
export {
  mergeRuns,
  RESULTS,
  type ReadRunOptions,
  readRun,
  readRuns,
  readTrialFile,
  trialFilePath,
  writeRun,
  writeRunReports,
  writeTrialFile,
} from './files.ts';
export { html, reportHtml, SafeHtml } from './html.ts';
export { junitXml } from './junit.ts';
export {
  buildLeaderboard,
  type Leaderboard,
  type LeaderboardCell,
  type LeaderboardRow,
  type LeaderboardTask,
  leaderboardHtml,
  leaderboardText,
} from './leaderboard.ts';
export { sanitiseTrialResult } from './sanitise.ts';
export { RUN_SUMMARY_SCHEMA, TRIAL_RESULT_SCHEMA, validateRunSummary, validateTrialResult } from './schema.ts';
export {
  buildSummary,
  comparableSummary,
  dedupeTrials,
  mergeSummaries,
  missingTrials,
  normaliseShards,
  parseShard,
  RUN_IDENTITY,
  type RunMeta,
  weakestIsolation,
} from './summary.ts';
export { scoresText, summaryJson } from './text.ts';
