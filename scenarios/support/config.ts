// What a run hands each scenario's World (cucumber's worldParameters): where the twins and the app under test are.

import { createHash } from 'node:crypto';

/** The twins the step library knows. */
export type ScenarioTwin = 'slack' | 'jira' | 'okta';

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
  /**
   * The path (or URL) on the app for Okta's event hook (task.yaml `app.events.okta`): before every scenario
   * the app is registered there as the Okta org's event hook, created, verified (Okta's GET with
   * `x-okta-verification-challenge`), active and subscribed to OKTA_HOOK_EVENTS. Absent: no hook.
   */
  oktaEventHookPath?: string;
  /** Default patience of observe steps that name no duration, in ms (default 5000). */
  waitMs?: number;
  /** The path on the app Jira's webhook is pointed at when a run has an app and a Jira twin (default `/jira/webhook`). */
  jiraWebhookPath?: string;
}

export const DEFAULT_EVENTS_PATH = '/slack/events';
export const DEFAULT_WAIT_MS = 5000;
export const DEFAULT_JIRA_WEBHOOK_PATH = '/jira/webhook';

/** The Okta event types the app's event hook is subscribed to: a person's lifecycle. */
export const OKTA_HOOK_EVENTS = [
  'user.lifecycle.create',
  'user.lifecycle.activate',
  'user.lifecycle.deactivate',
  'user.lifecycle.suspend',
  'user.lifecycle.unsuspend',
  'user.lifecycle.reactivate',
  'user.lifecycle.delete.initiated',
] as const;

/**
 * The variables the harness adds to a tenant's own before handing them to an app: for an Okta org,
 * `OKTA_EVENT_HOOK_SECRET`, the value the harness registers as the event hook's Authorization header
 * (Okta sends it with every delivery and with the verification GET), so the app can refuse other callers.
 * Derived from the org's API token, so the World, which reads the tenant's variables from the control
 * plane, registers the same value the app was given.
 *
 * @example withAppVariables(tenant.env).OKTA_EVENT_HOOK_SECRET // 'ehs_3f…'
 */
export function withAppVariables(env: Record<string, string>): Record<string, string> {
  if (!env.OKTA_API_TOKEN || env.OKTA_EVENT_HOOK_SECRET) return env;
  const secret = createHash('sha256').update(`twins event hook:${env.OKTA_API_TOKEN}`).digest('hex').slice(0, 40);
  return { ...env, OKTA_EVENT_HOOK_SECRET: `ehs_${secret}` };
}
