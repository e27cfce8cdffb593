// Okta's effects on the other twins of a company, as the vendors have them: SCIM provisioning to Slack (a deactivated person's Slack user deactivated) and Jira accounts following Okta.

import type { JiraState } from '../../twins/jira/store.ts';
import type { GroupRecord, LogEvent, OktaState, UserRecord } from '../../twins/okta/store.ts';
import { emitEvent } from '../../twins/slack/events.ts';
import { eventTs } from '../../twins/slack/messaging.ts';
import { renderUser } from '../../twins/slack/render.ts';
import type { SlackState } from '../../twins/slack/store.ts';
import type { Tenant } from '../kernel/types.ts';
import type { CompanyProvisioning } from './types.ts';

/** What the effects need of the other twins: the company's tenant on each, and a way to send Slack's events. */
export interface EffectTargets {
  slack?: { tenant: Tenant<SlackState>; deliver: Parameters<typeof emitEvent>[0]['deliver']; baseUrl: string };
  jira?: { tenant: Tenant<JiraState> };
}

/** Okta lifecycle events that end a person's access downstream, and those that restore it. */
const ENDS = new Set(['user.lifecycle.deactivate', 'user.lifecycle.suspend', 'user.lifecycle.delete.initiated']);
const RESTORES = new Set(['user.lifecycle.activate', 'user.lifecycle.reactivate', 'user.lifecycle.unsuspend']);

/** Whether the Okta app labelled `label` (ACTIVE) is assigned to the person, directly or through one of their groups. */
export function appAssigned(state: OktaState, user: UserRecord, label: string): boolean {
  const groups = new Set([...state.groups.values()].filter((g: GroupRecord) => g.members.includes(user.id)).map((g) => g.id));
  for (const app of state.apps.values()) {
    if (app.label !== label || app.status !== 'ACTIVE') continue;
    if (app.users.includes(user.id) || app.groups.some((g) => groups.has(g))) return true;
  }
  return false;
}

/** The principal Slack's own control routes render users with: every field, email included. */
const FULL_ACCESS = { token: '', tokenType: 'none' as const, userId: '', appId: '', scopes: ['users:read.email'] };

/**
 * Act on one Okta System Log event: a deactivation (suspension, deletion) deactivates the person's
 * Slack user (deleted: true, `user_change` sent to the app) and makes their Jira account inactive;
 * an activation (reactivation, unsuspension) undoes both. Each only when the company's provisioning
 * for that twin is on and the Okta app "Slack" (or "Jira") is assigned to the person. People are
 * matched by email, as SCIM matches userName. Returns what it changed, for the tests and the log.
 */
export function applyOktaEvent(
  okta: OktaState,
  event: LogEvent,
  provisioning: CompanyProvisioning,
  targets: EffectTargets,
): { slack?: string; jira?: string } {
  const ends = ENDS.has(event.eventType);
  if (!ends && !RESTORES.has(event.eventType)) return {};
  const target = event.target.find((t) => t.type === 'User');
  const user = target ? okta.users.get(target.id) : undefined;
  if (!user) return {};
  const email = String(user.profile.email ?? user.profile.login ?? '').toLowerCase();
  if (!email) return {};
  const done: { slack?: string; jira?: string } = {};
  const slack = targets.slack;
  if (slack && provisioning.slack && appAssigned(okta, user, 'Slack')) {
    const state = slack.tenant.state;
    const person = [...state.users.values()].find((u) => !u.is_bot && u.profile.email?.toLowerCase() === email);
    if (person && person.deleted !== ends) {
      person.deleted = ends;
      person.updated = Math.floor(slack.tenant.clock.now() / 1000);
      const env = { tenant: slack.tenant, deliver: slack.deliver, baseUrl: slack.baseUrl };
      emitEvent(env, { type: 'user_change', user: renderUser(person, FULL_ACCESS), cache_ts: person.updated, event_ts: eventTs(env) });
      done.slack = person.id;
    }
  }
  const jira = targets.jira;
  if (jira && provisioning.jira && appAssigned(okta, user, 'Jira')) {
    const account = [...jira.tenant.state.users.values()].find((u) => u.emailAddress.toLowerCase() === email);
    if (account && account.active === ends) {
      account.active = !ends;
      done.jira = account.accountId;
    }
  }
  return done;
}
