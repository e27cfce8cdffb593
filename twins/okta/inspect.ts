// What the inspector page (/_twin/ui) shows of an Okta org: people with their status, groups with members, apps, event hooks and the recent System Log.

import type { InspectorCell, InspectorItem, InspectorSection, InspectorView } from '../../src/kernel/types.ts';
import { type LogActor, type LogEvent, type OktaState, profileValue, type UserRecord } from './store.ts';

/** How much one refresh shows: the page polls every second, so each section stays bounded however big the org. */
export const INSPECT_LIMITS = { users: 500, groups: 300, membersShown: 20, apps: 200, hooks: 100, logEvents: 100 } as const;

const text = (v: unknown): string | null => (typeof v === 'string' ? v : v === undefined || v === null ? null : String(v));

function login(user: UserRecord | undefined, id: string): string {
  const l = user && profileValue(user.profile, 'login');
  return typeof l === 'string' ? l : id;
}

function displayName(user: UserRecord): string {
  const first = text(profileValue(user.profile, 'firstName')) ?? '';
  const last = text(profileValue(user.profile, 'lastName')) ?? '';
  return `${first} ${last}`.trim();
}

function actorLabel(a: LogActor): string {
  return a.alternateId && a.alternateId !== 'unknown' ? `${a.displayName || a.alternateId} (${a.alternateId})` : a.displayName || a.id;
}

function logItem(e: LogEvent): InspectorItem {
  const meta = [e.published, `by ${actorLabel(e.actor)}`, `${e.outcome.result}${e.outcome.reason ? `: ${e.outcome.reason}` : ''}`];
  if (e.severity !== 'INFO') meta.push(e.severity);
  return {
    key: e.uuid,
    title: e.eventType,
    text: e.displayMessage,
    meta,
    tags: e.target.map((t) => `${t.type} ${t.alternateId && t.alternateId !== 'unknown' ? t.alternateId : t.displayName || t.id}`),
  };
}

const more = (shown: number, total: number, what: string) => (total > shown ? `the first ${shown} of ${total} ${what}` : undefined);

/**
 * The Okta twin's inspector view: the org, people with their status, groups with their members,
 * OIDC apps and who is assigned, event hooks (their deliveries are in the page's Deliveries
 * section), and the newest System Log events. API tokens, client ids and secrets, passwords and
 * hook authorization values are never shown.
 */
export function inspectOkta(state: OktaState): InspectorView {
  const users = [...state.users.values()];
  const groups = [...state.groups.values()];
  const apps = [...state.apps.values()];
  const hooks = [...state.eventHooks.values()];
  const sections: InspectorSection[] = [
    {
      kind: 'table',
      title: 'Org',
      columns: ['field', 'value'],
      rows: [
        ['org', `${state.org.name} (${state.org.id})`],
        ['subdomain', state.org.subdomain],
        ['people', users.length],
        ['groups', groups.length],
        ['apps', apps.length],
        ['event hooks', hooks.length],
        ['System Log events', state.logs.length],
        ['authorization servers', [...state.authServers.values()].map((s) => `${s.name} (${s.id}, ${s.status})`).join(', ')],
      ],
    },
  ];

  const groupsOf = new Map<string, string[]>();
  for (const g of groups) for (const m of g.members) groupsOf.set(m, [...(groupsOf.get(m) ?? []), g.profile.name]);
  sections.push({
    kind: 'table',
    title: 'People',
    columns: ['id', 'login', 'name', 'status', 'groups', 'last login', 'status changed'],
    rows: users
      .slice(0, INSPECT_LIMITS.users)
      .map((u): InspectorCell[] => [
        u.id,
        login(u, u.id),
        displayName(u),
        u.status,
        (groupsOf.get(u.id) ?? []).join(', '),
        u.lastLogin,
        u.statusChanged,
      ]),
    note: more(INSPECT_LIMITS.users, users.length, 'people'),
  });

  sections.push({
    kind: 'table',
    title: 'Groups',
    columns: ['id', 'name', 'type', 'members', 'who'],
    rows: groups.slice(0, INSPECT_LIMITS.groups).map((g): InspectorCell[] => {
      const shown = g.members.slice(0, INSPECT_LIMITS.membersShown).map((id) => login(state.users.get(id), id));
      const rest = g.members.length - shown.length;
      return [g.id, g.profile.name, g.type, g.members.length, `${shown.join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`];
    }),
    note: more(INSPECT_LIMITS.groups, groups.length, 'groups'),
  });

  sections.push({
    kind: 'table',
    title: 'Apps',
    columns: ['id', 'label', 'type', 'status', 'grant types', 'sign-in', 'redirect URIs', 'people', 'groups'],
    rows: apps
      .slice(0, INSPECT_LIMITS.apps)
      .map((a): InspectorCell[] => [
        a.id,
        a.label,
        a.appType,
        a.status,
        a.grantTypes.join(', '),
        a.tokenEndpointAuthMethod,
        a.redirectUris.join(', '),
        a.users.map((id) => login(state.users.get(id), id)).join(', '),
        a.groups.map((id) => state.groups.get(id)?.profile.name ?? id).join(', '),
      ]),
    note: more(INSPECT_LIMITS.apps, apps.length, 'apps'),
  });

  sections.push({
    kind: 'table',
    title: 'Event hooks',
    columns: ['id', 'name', 'status', 'verification', 'URI', 'events', 'authorization header'],
    rows: hooks.slice(0, INSPECT_LIMITS.hooks).map((h): InspectorCell[] => [
      h.id,
      h.name,
      h.status,
      h.verificationStatus,
      h.channel.config.uri,
      h.events.items.join(', '),
      // The header's name only: its value is the receiver's secret.
      h.channel.config.authScheme ? `${h.channel.config.authScheme.key} (value hidden)` : null,
    ]),
    note: 'Each hook’s deliveries and their attempts are in the Deliveries section of this page (kind event_hook).',
  });

  const newest = state.logs.slice(-INSPECT_LIMITS.logEvents).reverse();
  sections.push({
    kind: 'list',
    title: 'System Log (newest first)',
    items: newest.map(logItem),
    note: state.logs.length > newest.length ? `the newest ${newest.length} of ${state.logs.length} events` : undefined,
  });
  return { sections };
}
