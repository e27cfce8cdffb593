// What a run hands each scenario's World (cucumber's worldParameters): where the twins and the app under test are.

/** The twins the step library knows; Okta and Jira join when their twins do. */
export type ScenarioTwin = 'slack';

export interface TwinEndpoint {
  /** The twin's base URL, e.g. `http://127.0.0.1:3100`. */
  url: string;
  /** Its control plane, `${url}/_twin`. */
  control: string;
  /** The control token, when the twin was started with one (`twins up --control-token`, `twins score`). */
  token?: string;
}

/**
 * One app instance bound to one tenant per twin. With an app under test, each parallel worker
 * owns a slot: before every scenario its tenants are reset to fresh seeded state (same
 * credentials, so the running app keeps working) and the app's events URL is set again.
 */
export interface Slot {
  appUrl: string;
  tenants: Partial<Record<ScenarioTwin, string>>;
}

export interface TwinsWorldParameters {
  twins: Partial<Record<ScenarioTwin, TwinEndpoint>>;
  /**
   * Present when an app is under test: slot `CUCUMBER_WORKER_ID` (0 when not parallel, modulo
   * the count). Absent: every scenario gets a fresh tenant of its own, deleted afterwards.
   */
  slots?: Slot[];
  /** The path the app takes Slack events, slash commands and interactivity on (default `/slack/events`). */
  eventsPath?: string;
  /** Default patience of observe steps that name no duration, in ms (default 5000). */
  waitMs?: number;
}

export const DEFAULT_EVENTS_PATH = '/slack/events';
export const DEFAULT_WAIT_MS = 5000;
