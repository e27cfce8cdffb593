// Okta steps: the org as it is (people, groups, states, the app's event hook), what admins and people do in it, and what the app did and received.

import type { DataTable } from '@cucumber/cucumber';
import { withAppVariables } from '../support/config.ts';
import type { JournalEntry } from '../support/control-client.ts';
import { step } from '../support/define.ts';
import {
  OKTA_STATUSES,
  type OktaControlClient,
  type OktaHookDelivery,
  type OktaLogEvent,
  type OktaStateView,
  type OktaUserView,
  personName,
  subjectOf,
} from '../support/okta-client.ts';
import { patientStep, WAITING_STEP_TIMEOUT_MS, watchfulStep } from '../support/patience.ts';
import { eventually, never } from '../support/wait.ts';
import type { TwinsWorld } from '../support/world.ts';

const topic = 'okta';

// ── helpers ──────────────────────────────────────────────────────────────────

/** Lists as people write them: "a, b c" → [a, b, c]. */
function listOf(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The org's mail domain, from its super admin's login (`okta.admin@acme.test` → `acme.test`). */
function orgDomain(state: OktaStateView): string {
  const login = state.users[state.adminUserId]?.profile.login;
  return typeof login === 'string' && login.includes('@') ? login.split('@')[1] : `${state.org.subdomain}.test`;
}

function capitalised(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** A status word as written (`deprovisioned`, `DEPROVISIONED`), checked against Okta's. */
function statusWord(word: string): string {
  const status = word.toUpperCase();
  if (!(OKTA_STATUSES as readonly string[]).includes(status))
    throw new Error(`"${word}" is not an Okta user status; write one of ${OKTA_STATUSES.join(', ')}`);
  return status;
}

/**
 * The profile change for `attribute` = `value`: a manager is written as a person, and becomes
 * Okta's `managerId` (their id) and `manager` (their name), as Okta's base profile has them.
 */
function profileChange(okta: OktaControlClient, state: OktaStateView, attribute: string, value: string): Record<string, unknown> {
  if (attribute === 'manager') {
    const manager = okta.resolveUser(state, value);
    return { managerId: manager.id, manager: personName(manager) };
  }
  return { [attribute]: value };
}

/** A lifecycle operation on a person as the org's super admin would run it in the Admin Console. */
async function lifecycle(world: TwinsWorld, ref: string, operation: string, query?: Record<string, boolean>): Promise<void> {
  const user = world.okta.resolveUser(await world.okta.state(), ref);
  await world.okta.api('POST', `/api/v1/users/${user.id}/lifecycle/${operation}`, { query });
}

function renderCall(e: JournalEntry): string {
  return `#${e.seq} ${e.operation ?? '?'} ${e.method} ${e.path} → ${e.error ? `${e.status} ${e.error}` : e.status}`;
}

/** Whether a System Log event is about `ids` (people and groups by id): its targets, or its actor when it has none (user.session.start). */
function about(e: OktaLogEvent, ids: Set<string>): boolean {
  return (e.target?.length ? e.target : [e.actor]).some((t) => ids.has(t.id));
}

/** The ids a reference stands for in the org: a person's, else a group's; none when neither exists yet. */
function idsOf(okta: OktaControlClient, state: OktaStateView, ref: string): Set<string> {
  const user = okta.findUser(state, ref);
  if (user) return new Set([user.id]);
  const group = okta.findGroup(state, ref);
  return new Set(group ? [group.id] : []);
}

/** Deliveries of `eventType` about `ref` (anyone when `ref` is undefined). */
function deliveriesAbout(okta: OktaControlClient, state: OktaStateView, all: OktaHookDelivery[], eventType: string, ref?: string) {
  const ids = ref === undefined ? undefined : idsOf(okta, state, ref);
  return all.filter(
    (d) => d.eventType === eventType && (ids === undefined || d.events.some((e) => e.eventType === eventType && about(e, ids))),
  );
}

function renderLog(e: OktaLogEvent): string {
  return `${e.eventType} ${e.outcome.result} by ${e.actor.alternateId} → ${subjectOf(e)} at ${e.published}`;
}

async function userState(world: TwinsWorld, ref: string): Promise<OktaUserView | undefined> {
  return world.okta.findUser(await world.okta.state(), ref);
}

// ── arrange: the org as it already is (the app's event hook hears none of it) ─

/** Create a person unless they exist: ACTIVE, with the org test password, `profile` on top of the names made from `ref`. */
async function ensureUser(world: TwinsWorld, ref: string, profile: Record<string, unknown> = {}): Promise<OktaUserView> {
  const state = await world.okta.state();
  const existing = world.okta.findUser(state, ref);
  if (existing) {
    if (Object.keys(profile).length > 0)
      await world.okta.quietly(() => world.okta.api('POST', `/api/v1/users/${existing.id}`, { body: { profile } }));
    return existing;
  }
  const env = await world.okta.credentials();
  const login = ref.includes('@') ? ref : `${ref.toLowerCase()}@${orgDomain(state)}`;
  const [first, last] = login.split('@')[0].split(/[._-]/);
  const created = await world.okta.quietly(() =>
    world.okta.api<OktaUserView>('POST', '/api/v1/users', {
      query: { activate: true },
      body: {
        profile: { login, email: login, firstName: capitalised(first || login), lastName: capitalised(last || 'Twin'), ...profile },
        credentials: { password: { value: env.OKTA_TEST_PASSWORD } },
      },
    }),
  );
  return created.body;
}

step({
  kind: 'arrange',
  topic,
  expression: 'an Okta user {string}',
  example: 'Given an Okta user "zoe"',
  doc: 'A person with that login (`zoe` becomes zoe@<the org domain>) or email is ACTIVE in the org, in Everyone, with the org test password (OKTA_TEST_PASSWORD); seeded people such as "alice" … "heidi" already are.',
  async run(this: TwinsWorld, ref: string) {
    await ensureUser(this, ref);
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'an Okta user {string} with:',
  example: 'Given an Okta user "zoe" with:',
  doc: 'Like the person without a table, with the rows `| department | Engineering |`, `| title | … |`, `| manager | alice |` (any profile attribute; a manager is a person), `| groups | Sales, Contractors |` (existing groups) and `| status | SUSPENDED |` or `| status | DEPROVISIONED |` set as given.',
  async run(this: TwinsWorld, ref: string, table: DataTable) {
    const rows = table.rowsHash() as Record<string, string>;
    const state = await this.okta.state();
    const profile: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(rows)) {
      if (key === 'groups' || key === 'status') continue;
      Object.assign(profile, profileChange(this.okta, state, key, value));
    }
    const groups = (rows.groups ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean);
    const wanted = rows.status ? statusWord(rows.status) : undefined;
    if (wanted && wanted !== 'SUSPENDED' && wanted !== 'DEPROVISIONED' && wanted !== 'ACTIVE')
      throw new Error(`an arranged person's status may be ACTIVE, SUSPENDED or DEPROVISIONED, not ${wanted}`);
    const resolved = groups.map((g) => this.okta.resolveGroup(state, g));
    const user = await ensureUser(this, ref, profile);
    await this.okta.quietly(async () => {
      for (const g of resolved) await this.okta.api('PUT', `/api/v1/groups/${g.id}/users/${user.id}`);
      if (wanted === 'SUSPENDED' && user.status !== 'SUSPENDED') await this.okta.api('POST', `/api/v1/users/${user.id}/lifecycle/suspend`);
      if (wanted === 'DEPROVISIONED' && user.status !== 'DEPROVISIONED')
        await this.okta.api('POST', `/api/v1/users/${user.id}/lifecycle/deactivate`);
    });
  },
});

step({
  kind: 'arrange',
  topic,
  expression: "{string}'s Okta {word} is {string}",
  example: 'Given "zoe"\'s Okta department is "Engineering"',
  doc: "The person's profile attribute (department, title, manager, …) has that value; a manager is written as a person and becomes Okta's managerId and manager (their id and name).",
  async run(this: TwinsWorld, ref: string, attribute: string, value: string) {
    const state = await this.okta.state();
    const user = this.okta.resolveUser(state, ref);
    const profile = profileChange(this.okta, state, attribute, value);
    await this.okta.quietly(() => this.okta.api('POST', `/api/v1/users/${user.id}`, { body: { profile } }));
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'an Okta group {string}',
  example: 'Given an Okta group "Contractors"',
  doc: 'An Okta group (OKTA_GROUP) with that name exists; seeded ones are Everyone, Engineering, Sales, Support, Marketing, Finance and Admins.',
  async run(this: TwinsWorld, name: string) {
    if (this.okta.findGroup(await this.okta.state(), name)) return;
    await this.okta.quietly(() => this.okta.api('POST', '/api/v1/groups', { body: { profile: { name, description: null } } }));
  },
});

step({
  kind: 'arrange',
  topic,
  expression: '{string} is in the Okta group {string}',
  example: 'Given "zoe" is in the Okta group "Contractors"',
  doc: 'The person is a member of the group (added without the app hearing of it).',
  async run(this: TwinsWorld, ref: string, groupRef: string) {
    const state = await this.okta.state();
    const user = this.okta.resolveUser(state, ref);
    const group = this.okta.resolveGroup(state, groupRef);
    if (group.members.includes(user.id)) return;
    await this.okta.quietly(() => this.okta.api('PUT', `/api/v1/groups/${group.id}/users/${user.id}`));
  },
});

step({
  kind: 'arrange',
  topic,
  expression: '{string} is suspended in Okta',
  example: 'Given "bob" is suspended in Okta',
  doc: 'The person is SUSPENDED (they were ACTIVE; Okta refuses to suspend anyone else).',
  async run(this: TwinsWorld, ref: string) {
    const user = this.okta.resolveUser(await this.okta.state(), ref);
    if (user.status === 'SUSPENDED') return;
    await this.okta.quietly(() => this.okta.api('POST', `/api/v1/users/${user.id}/lifecycle/suspend`));
  },
});

step({
  kind: 'arrange',
  topic,
  expression: '{string} is deactivated in Okta',
  example: 'Given "bob" is deactivated in Okta',
  doc: 'The person is DEPROVISIONED: they cannot sign in, and lists show them only with a filter or search.',
  async run(this: TwinsWorld, ref: string) {
    const user = this.okta.resolveUser(await this.okta.state(), ref);
    if (user.status === 'DEPROVISIONED') return;
    await this.okta.quietly(() => this.okta.api('POST', `/api/v1/users/${user.id}/lifecycle/deactivate`));
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'the app has an Okta event hook for {string} at {string}',
  example: 'Given the app has an Okta event hook for "user.lifecycle.deactivate, user.lifecycle.suspend" at "/okta/hooks"',
  doc: "An admin registered the app's path (or full URL) as an event hook for these event types and verified it, which the app must pass by echoing x-okta-verification-challenge; for runs that do not register the app's hook themselves.",
  async run(this: TwinsWorld, events: string, pathOrUrl: string) {
    await this.okta.registerEventHook({ url: this.appUrlFor(pathOrUrl), events: listOf(events) });
  },
});

/** An app's assignment of a person, as the super admin makes or ends it. */
async function assignment(world: TwinsWorld, ref: string, appRef: string, assign: boolean): Promise<void> {
  const state = await world.okta.state();
  const user = world.okta.resolveUser(state, ref);
  const app = world.okta.resolveApp(state, appRef);
  if (assign) await world.okta.api('POST', `/api/v1/apps/${app.id}/users`, { body: { id: user.id, scope: 'USER' } });
  else await world.okta.api('DELETE', `/api/v1/apps/${app.id}/users/${user.id}`);
}

step({
  kind: 'arrange',
  topic,
  expression: 'an Okta app {string}',
  example: 'Given an Okta app "Payroll"',
  doc: 'An ACTIVE OIDC web app with that label exists, assigned to nobody; seeded ones are "Twin Web App" (assigned to Everyone, OKTA_CLIENT_ID) and "Twin Service App".',
  async run(this: TwinsWorld, label: string) {
    if (this.okta.findApp(await this.okta.state(), label)) return;
    await this.okta.quietly(() =>
      this.okta.api('POST', '/api/v1/apps', {
        body: {
          name: 'oidc_client',
          label,
          signOnMode: 'OPENID_CONNECT',
          settings: {
            oauthClient: {
              application_type: 'web',
              grant_types: ['authorization_code'],
              redirect_uris: ['http://localhost:8080/authorization-code/callback'],
            },
          },
        },
      }),
    );
  },
});

step({
  kind: 'arrange',
  topic,
  expression: '{string} is assigned to the Okta app {string}',
  example: 'Given "bob" is assigned to the Okta app "Payroll"',
  doc: 'The person is assigned to the app directly (so they may sign in to it and it is among their app links).',
  async run(this: TwinsWorld, ref: string, appRef: string) {
    const state = await this.okta.state();
    const app = this.okta.resolveApp(state, appRef);
    if (app.users.includes(this.okta.resolveUser(state, ref).id)) return;
    await this.okta.quietly(() => assignment(this, ref, appRef, true));
  },
});

// ── act: Okta admins and people do things (the System Log and event hooks hear of it) ─

step({
  kind: 'act',
  topic,
  expression: 'an Okta admin deactivates {string}',
  example: 'When an Okta admin deactivates "bob"',
  doc: 'The super admin deactivates the person (DEPROVISIONED; user.lifecycle.deactivate in the System Log and to event hooks).',
  async run(this: TwinsWorld, ref: string) {
    await lifecycle(this, ref, 'deactivate');
  },
});

step({
  kind: 'act',
  topic,
  expression: 'an Okta admin suspends {string}',
  example: 'When an Okta admin suspends "bob"',
  doc: 'The super admin suspends the person, who must be ACTIVE (user.lifecycle.suspend).',
  async run(this: TwinsWorld, ref: string) {
    await lifecycle(this, ref, 'suspend');
  },
});

step({
  kind: 'act',
  topic,
  expression: 'an Okta admin unsuspends {string}',
  example: 'When an Okta admin unsuspends "bob"',
  doc: 'The super admin unsuspends the person, who must be SUSPENDED (ACTIVE again; user.lifecycle.unsuspend).',
  async run(this: TwinsWorld, ref: string) {
    await lifecycle(this, ref, 'unsuspend');
  },
});

step({
  kind: 'act',
  topic,
  expression: 'an Okta admin reactivates {string}',
  example: 'When an Okta admin reactivates "bob"',
  doc: 'The super admin brings a deactivated (or staged) person back as the Admin Console does, by activating them without an email (ACTIVE with their password; user.lifecycle.activate).',
  async run(this: TwinsWorld, ref: string) {
    const user = this.okta.resolveUser(await this.okta.state(), ref);
    if (user.status === 'SUSPENDED')
      throw new Error(`"${ref}" is SUSPENDED, not deactivated; write: When an Okta admin unsuspends "${ref}"`);
    if (user.status === 'PROVISIONED' || user.status === 'RECOVERY')
      await this.okta.api('POST', `/api/v1/users/${user.id}/lifecycle/reactivate`, { query: { sendEmail: false } });
    else await this.okta.api('POST', `/api/v1/users/${user.id}/lifecycle/activate`, { query: { sendEmail: false } });
  },
});

step({
  kind: 'act',
  topic,
  expression: 'an Okta admin adds {string} to the group {string}',
  example: 'When an Okta admin adds "bob" to the group "Sales"',
  doc: 'The super admin adds the person to the Okta group (group.user_membership.add).',
  async run(this: TwinsWorld, ref: string, groupRef: string) {
    const state = await this.okta.state();
    const user = this.okta.resolveUser(state, ref);
    const group = this.okta.resolveGroup(state, groupRef);
    await this.okta.api('PUT', `/api/v1/groups/${group.id}/users/${user.id}`);
  },
});

step({
  kind: 'act',
  topic,
  expression: 'an Okta admin removes {string} from the group {string}',
  example: 'When an Okta admin removes "alice" from the group "Engineering"',
  doc: 'The super admin removes the person from the Okta group (group.user_membership.remove, if they were in it).',
  async run(this: TwinsWorld, ref: string, groupRef: string) {
    const state = await this.okta.state();
    const user = this.okta.resolveUser(state, ref);
    const group = this.okta.resolveGroup(state, groupRef);
    await this.okta.api('DELETE', `/api/v1/groups/${group.id}/users/${user.id}`);
  },
});

step({
  kind: 'act',
  topic,
  expression: "an Okta admin changes {string}'s {word} to {string}",
  example: 'When an Okta admin changes "alice"\'s department to "Sales"',
  doc: "The super admin updates the person's profile attribute (a manager is written as a person; user.account.update_profile).",
  async run(this: TwinsWorld, ref: string, attribute: string, value: string) {
    const state = await this.okta.state();
    const user = this.okta.resolveUser(state, ref);
    await this.okta.api('POST', `/api/v1/users/${user.id}`, { body: { profile: profileChange(this.okta, state, attribute, value) } });
  },
});

step({
  kind: 'act',
  topic,
  expression: 'an Okta admin assigns {string} to the Okta app {string}',
  example: 'When an Okta admin assigns "bob" to the Okta app "Payroll"',
  doc: 'The super admin assigns the person to the app directly (application.user_membership.add).',
  async run(this: TwinsWorld, ref: string, appRef: string) {
    await assignment(this, ref, appRef, true);
  },
});

step({
  kind: 'act',
  topic,
  expression: 'an Okta admin unassigns {string} from the Okta app {string}',
  example: 'When an Okta admin unassigns "bob" from the Okta app "Payroll"',
  doc: "The super admin ends the person's direct assignment to the app (application.user_membership.remove; Okta refuses when there is none).",
  async run(this: TwinsWorld, ref: string, appRef: string) {
    await assignment(this, ref, appRef, false);
  },
});

/** The person tries to sign in with their password (or a wrong one); Okta's answer. */
async function signIn(
  world: TwinsWorld,
  ref: string,
  wrongPassword: boolean,
): Promise<{ status: number; body: { status?: string; errorSummary?: string } }> {
  const user = world.okta.resolveUser(await world.okta.state(), ref);
  const env = await world.okta.credentials();
  return world.okta.api<{ status?: string; errorSummary?: string }>('POST', '/api/v1/authn', {
    auth: false,
    allowError: true,
    body: { username: user.profile.login, password: wrongPassword ? `${env.OKTA_TEST_PASSWORD}-wrong` : env.OKTA_TEST_PASSWORD },
  });
}

step({
  kind: 'act',
  topic,
  expression: '{string} signs in to Okta',
  example: 'When "alice" signs in to Okta',
  doc: 'The person signs in with the org test password (POST /api/v1/authn; user.session.start), and the step fails unless Okta lets them in.',
  async run(this: TwinsWorld, ref: string) {
    const answer = await signIn(this, ref, false);
    if (answer.status !== 200 || answer.body.status !== 'SUCCESS')
      throw new Error(
        `Okta did not let "${ref}" sign in: HTTP ${answer.status} ${answer.body.status ?? answer.body.errorSummary ?? ''}`.trim() +
          `; to try without expecting success, write: When "${ref}" tries to sign in to Okta`,
      );
  },
});

step({
  kind: 'act',
  topic,
  expression: '{string} tries to sign in to Okta',
  example: 'When "bob" tries to sign in to Okta',
  doc: 'The person tries to sign in with the org test password, whatever Okta answers (a suspended or deactivated person is refused; user.session.start FAILURE).',
  async run(this: TwinsWorld, ref: string) {
    await signIn(this, ref, false);
  },
});

step({
  kind: 'act',
  topic,
  expression: '{string} tries to sign in to Okta with a wrong password',
  example: 'When "bob" tries to sign in to Okta with a wrong password',
  doc: 'The person signs in with a wrong password: Okta refuses (user.session.start FAILURE), and ten in a row lock them out.',
  async run(this: TwinsWorld, ref: string) {
    await signIn(this, ref, true);
  },
});

step({
  kind: 'act',
  topic,
  expression: 'Okta delivers the last {string} event hook again',
  example: 'When Okta delivers the last "user.lifecycle.deactivate" event hook again',
  doc: "Okta sends the app's event hook the newest delivery of that event type once more, the same body (same eventId) with the hook's Authorization header, as it does when it is not sure the first one arrived; the step waits for that delivery to exist first.",
  async run(this: TwinsWorld, eventType: string) {
    const hook = this.oktaHook;
    if (!hook) throw new Error("this run registered no Okta event hook for the app (task.yaml's app.events.okta)");
    const delivery = await this.waitFor(
      async () =>
        (await this.okta.hookDeliveries())
          .filter((d) => d.eventType === eventType && d.delivery.body)
          .map((d) => d.delivery)
          .at(-1),
      { describe: `a delivery of ${eventType} to the app's event hook` },
    );
    const env = withAppVariables(await this.okta.credentials());
    const res = await fetch(hook.uri, {
      method: 'POST',
      headers: {
        authorization: env.OKTA_EVENT_HOOK_SECRET,
        'content-type': 'application/json',
        accept: 'application/json',
        'user-agent': 'Okta Event Hooks (twin)',
      },
      body: delivery.body,
      signal: AbortSignal.timeout(10_000),
    });
    await res.body?.cancel();
  },
});

// ── observe: the org, the app's calls to Okta, the hooks it received, the System Log ─

patientStep({
  topic,
  expression: 'the Okta user {string} is {word}',
  example: 'Then the Okta user "bob" is DEPROVISIONED',
  doc: "Waits {wait} for the person's status to be that one (ACTIVE, SUSPENDED, DEPROVISIONED, LOCKED_OUT, PROVISIONED, STAGED, RECOVERY, PASSWORD_EXPIRED).",
  async run(this: TwinsWorld, waitMs: number | undefined, ref: string, word: string) {
    const status = statusWord(word);
    await eventually(async () => (await userState(this, ref))?.status === status, {
      timeoutMs: this.patience(waitMs),
      describe: `the Okta user "${ref}" to be ${status}`,
      saw: async () => {
        const user = await userState(this, ref);
        return user ? `"${ref}" (${user.profile.login}) is ${user.status}.` : `There is no Okta user "${ref}".`;
      },
    });
  },
});

patientStep({
  topic,
  expression: "the Okta user {string}'s {word} is {string}",
  example: 'Then the Okta user "alice"\'s title is "Team Lead"',
  doc: "Waits {wait} for the person's profile attribute to have that value (a manager is compared by managerId, written as a person).",
  async run(this: TwinsWorld, waitMs: number | undefined, ref: string, attribute: string, value: string) {
    const read = async () => {
      const state = await this.okta.state();
      const user = this.okta.findUser(state, ref);
      if (!user) return { user, actual: undefined, wanted: value };
      if (attribute === 'manager') return { user, actual: user.profile.managerId, wanted: this.okta.findUser(state, value)?.id ?? value };
      return { user, actual: user.profile[attribute], wanted: value };
    };
    await eventually(
      async () => {
        const r = await read();
        return r.user !== undefined && r.actual === r.wanted;
      },
      {
        timeoutMs: this.patience(waitMs),
        describe: `the Okta user "${ref}"'s ${attribute} to be "${value}"`,
        saw: async () => {
          const r = await read();
          return r.user ? `"${ref}"'s ${attribute} is ${JSON.stringify(r.actual ?? null)}.` : `There is no Okta user "${ref}".`;
        },
      },
    );
  },
});

patientStep({
  topic,
  expression: 'the Okta group {string} includes {string}',
  example: 'Then the Okta group "Sales" includes "bob"',
  doc: 'Waits {wait} for the person to be a member of the group.',
  async run(this: TwinsWorld, waitMs: number | undefined, groupRef: string, ref: string) {
    await membership(this, waitMs, groupRef, ref, true);
  },
});

patientStep({
  topic,
  expression: 'the Okta group {string} does not include {string}',
  example: 'Then the Okta group "Engineering" does not include "alice"',
  doc: 'Waits {wait} for the person not to be a member of the group (passes at once if they are not).',
  async run(this: TwinsWorld, waitMs: number | undefined, groupRef: string, ref: string) {
    await membership(this, waitMs, groupRef, ref, false);
  },
});

async function membership(world: TwinsWorld, waitMs: number | undefined, groupRef: string, ref: string, member: boolean): Promise<void> {
  const read = async () => {
    const state = await world.okta.state();
    return { group: world.okta.findGroup(state, groupRef), user: world.okta.findUser(state, ref), state };
  };
  await eventually(
    async () => {
      const { group, user } = await read();
      if (!group) return !member;
      if (!user) return !member;
      return group.members.includes(user.id) === member;
    },
    {
      timeoutMs: world.patience(waitMs),
      describe: `"${ref}" ${member ? 'in' : 'out of'} the Okta group "${groupRef}"`,
      saw: async () => {
        const { group, state } = await read();
        if (!group) return `There is no Okta group "${groupRef}".`;
        const who = group.members.map((id) => String(state.users[id]?.profile.login ?? id));
        return `"${groupRef}" has ${who.length} member(s): ${who.slice(0, 30).join(', ')}${who.length > 30 ? ', …' : ''}.`;
      },
    },
  );
}

async function assigned(world: TwinsWorld, waitMs: number | undefined, appRef: string, ref: string, wanted: boolean): Promise<void> {
  await eventually(
    async () => {
      const state = await world.okta.state();
      const app = world.okta.findApp(state, appRef);
      const user = world.okta.findUser(state, ref);
      if (!app || !user) return !wanted;
      return world.okta.isAssigned(state, app, user.id) === wanted;
    },
    {
      timeoutMs: world.patience(waitMs),
      describe: `the Okta app "${appRef}" ${wanted ? '' : 'not '}assigned to "${ref}"`,
      saw: async () => {
        const state = await world.okta.state();
        const app = world.okta.findApp(state, appRef);
        if (!app) return `There is no Okta app "${appRef}".`;
        const people = app.users.map((id) => String(state.users[id]?.profile.login ?? id));
        const groups = app.groups.map((id) => state.groups[id]?.profile.name ?? id);
        return `"${appRef}" is assigned to ${people.join(', ') || 'nobody'} directly and to the groups ${groups.join(', ') || '(none)'}.`;
      },
    },
  );
}

patientStep({
  topic,
  expression: 'the Okta app {string} is assigned to {string}',
  example: 'Then the Okta app "Payroll" is assigned to "bob"',
  doc: 'Waits {wait} for the person to be assigned to the app, directly or through one of their groups.',
  async run(this: TwinsWorld, waitMs: number | undefined, appRef: string, ref: string) {
    await assigned(this, waitMs, appRef, ref, true);
  },
});

patientStep({
  topic,
  expression: 'the Okta app {string} is not assigned to {string}',
  example: 'Then the Okta app "Payroll" is not assigned to "bob"',
  doc: 'Waits {wait} for the person not to be assigned to the app, directly or through a group (passes at once if they are not).',
  async run(this: TwinsWorld, waitMs: number | undefined, appRef: string, ref: string) {
    await assigned(this, waitMs, appRef, ref, false);
  },
});

watchfulStep({
  topic,
  expression: 'the Okta app {string} is never assigned to {string}',
  example: 'Then the Okta app "Payroll" is never assigned to "bob"',
  doc: 'Watches the app for {wait} and passes only if the person is not assigned to it (directly or through a group) at any point meanwhile; it always waits the full time.',
  async run(this: TwinsWorld, waitMs: number | undefined, appRef: string, ref: string) {
    const state = await this.okta.state();
    if (!this.okta.findApp(state, appRef)) throw new Error(`there is no Okta app "${appRef}"`);
    if (!this.okta.findUser(state, ref)) throw new Error(`there is no Okta user "${ref}"`);
    await this.mustNotSee(
      async () => {
        const now = await this.okta.state();
        const app = this.okta.findApp(now, appRef);
        const user = this.okta.findUser(now, ref);
        return app && user && this.okta.isAssigned(now, app, user.id);
      },
      {
        timeoutMs: waitMs,
        describe: `the Okta app "${appRef}" assigned to "${ref}"`,
        render: () => `"${ref}" was assigned to the Okta app "${appRef}"`,
      },
    );
  },
});

patientStep({
  topic,
  expression: 'the app calls/called Okta {string}',
  example: 'Then the app called Okta "deactivateUser"',
  doc: "Waits {wait} for the app to have called that Okta API operation in this scenario, whatever Okta answered (operation names are Okta's operationIds, as okta-sdk-nodejs names its methods: listUsers, getUser, deactivateUser, unassignUserFromGroup, listLogEvents, …).",
  async run(this: TwinsWorld, waitMs: number | undefined, operation: string) {
    await eventually(async () => (await this.okta.appCalls(operation))[0], {
      timeoutMs: this.patience(waitMs),
      describe: `a call of Okta's ${operation} by the app`,
      saw: () => this.okta.describeAppCalls(),
    });
  },
});

patientStep({
  topic,
  expression: 'the app calls/called Okta {string} for {string}',
  example: 'Then the app called Okta "deactivateUser" for "bob"',
  doc: 'Waits {wait} for the app to have called that Okta API operation on that person or group (named in the call by id or login).',
  async run(this: TwinsWorld, waitMs: number | undefined, operation: string, ref: string) {
    await eventually(
      async () => {
        const state = await this.okta.state();
        const user = this.okta.findUser(state, ref);
        const group = this.okta.findGroup(state, ref);
        const keys = [user?.id, user?.profile.login, group?.id].filter((k): k is string => typeof k === 'string');
        const calls = await this.okta.appCalls(operation);
        return calls.find((c) => {
          const segments = c.path.split('/').map((s) => decodeURIComponent(s));
          return keys.some((k) => segments.includes(k));
        });
      },
      {
        timeoutMs: this.patience(waitMs),
        describe: `a call of Okta's ${operation} for "${ref}" by the app`,
        saw: () => this.okta.describeAppCalls(),
      },
    );
  },
});

watchfulStep({
  topic,
  expression: 'the app never calls/called Okta {string}',
  example: 'Then the app never calls Okta "deleteUser"',
  doc: 'Watches for {wait} that the app makes no call of that Okta API operation in this scenario (earlier calls in the scenario count too); always waits the full time.',
  async run(this: TwinsWorld, waitMs: number | undefined, operation: string) {
    await never(async () => (await this.okta.appCalls(operation))[0], {
      timeoutMs: this.patience(waitMs),
      describe: `call of Okta's ${operation} by the app`,
      render: renderCall,
      saw: () => this.okta.describeAppCalls(),
    });
  },
});

patientStep({
  topic,
  expression: 'the app receives/received an Okta event hook {string} for {string}',
  example: 'Then the app received an Okta event hook "user.lifecycle.deactivate" for "bob"',
  doc: 'Waits {wait} for Okta to have delivered an event hook of that event type about that person (or group) to the app, and the app to have answered it 2xx.',
  async run(this: TwinsWorld, waitMs: number | undefined, eventType: string, ref: string) {
    await receivedHook(this, waitMs, eventType, ref);
  },
});

patientStep({
  topic,
  expression: 'the app receives/received an Okta event hook {string}',
  example: 'Then the app received an Okta event hook "user.lifecycle.suspend"',
  doc: 'Waits {wait} for Okta to have delivered an event hook of that event type to the app, and the app to have answered it 2xx.',
  async run(this: TwinsWorld, waitMs: number | undefined, eventType: string) {
    await receivedHook(this, waitMs, eventType);
  },
});

async function receivedHook(world: TwinsWorld, waitMs: number | undefined, eventType: string, ref?: string): Promise<void> {
  await eventually(
    async () => {
      const state = await world.okta.state();
      return deliveriesAbout(world.okta, state, await world.okta.hookDeliveries(), eventType, ref).find(
        (d) => d.delivery.status === 'delivered',
      );
    },
    {
      timeoutMs: world.patience(waitMs),
      describe: `an Okta event hook ${eventType}${ref ? ` for "${ref}"` : ''} delivered to the app and answered 2xx`,
      saw: () => world.okta.describeDeliveries(),
    },
  );
}

patientStep({
  topic,
  expression: 'the app answered the Okta event hook {string} for {string} with {int}',
  example: 'Then the app answered the Okta event hook "user.lifecycle.deactivate" for "bob" with 204',
  doc: 'Waits {wait} for a delivery of that event hook about that person that the app answered with that HTTP status (any attempt: Okta retries once on a timeout or 5xx).',
  async run(this: TwinsWorld, waitMs: number | undefined, eventType: string, ref: string, status: number) {
    await eventually(
      async () => {
        const state = await this.okta.state();
        return deliveriesAbout(this.okta, state, await this.okta.hookDeliveries(), eventType, ref).find((d) =>
          d.delivery.attempts.some((a) => a.status === status),
        );
      },
      {
        timeoutMs: this.patience(waitMs),
        describe: `an Okta event hook ${eventType} for "${ref}" answered ${status} by the app`,
        saw: () => this.okta.describeDeliveries(),
      },
    );
  },
});

watchfulStep({
  topic,
  expression: 'Okta sends the app no event hook {string}',
  example: 'Then Okta sends the app no event hook "user.lifecycle.create"',
  doc: 'Watches for {wait} that Okta delivers no event hook of that event type to the app in this scenario; always waits the full time.',
  async run(this: TwinsWorld, waitMs: number | undefined, eventType: string) {
    await never(async () => (await this.okta.hookDeliveries()).find((d) => d.eventType === eventType), {
      timeoutMs: this.patience(waitMs),
      describe: `Okta event hook ${eventType}`,
      render: (d) => `${d.delivery.id} ${d.eventType} (${d.events.map(subjectOf).join(', ')})`,
      saw: () => this.okta.describeDeliveries(),
    });
  },
});

step({
  kind: 'observe',
  topic,
  expression: "the app passed Okta's event hook verification",
  // It reads what the set-up saw and waits for nothing; the catalogue gives every observe step the waiting steps' timeout.
  timeoutMs: WAITING_STEP_TIMEOUT_MS,
  example: "Then the app passed Okta's event hook verification",
  doc: "The app's event hook, registered before the scenario (task.yaml's app.events.okta), is VERIFIED: the app answered Okta's GET with x-okta-verification-challenge by echoing it as {\"verification\": …}.",
  async run(this: TwinsWorld) {
    const hook = this.oktaHook;
    if (!hook) throw new Error("this run registered no Okta event hook for the app (task.yaml's app.events.okta)");
    if (!hook.verified) throw new Error(hook.problem ?? `the app's Okta event hook ${hook.uri} is not verified`);
  },
});

/** The scenario's System Log events (not the steps' own) of that type about `ref`. */
async function logsAbout(world: TwinsWorld, eventType: string, ref: string): Promise<OktaLogEvent[]> {
  const state = await world.okta.state();
  const ids = idsOf(world.okta, state, ref);
  return (await world.okta.outcomeLogs(state)).filter((e) => e.eventType === eventType && about(e, ids));
}

patientStep({
  topic,
  expression: 'the System Log has {string} for {string}',
  example: 'Then the System Log has "group.user_membership.remove" for "bob"',
  doc: "Waits {wait} for a System Log event of that type about that person (or group) written in this scenario by the app's calls or by Okta itself, not by the scenario's own steps.",
  async run(this: TwinsWorld, waitMs: number | undefined, eventType: string, ref: string) {
    await eventually(async () => (await logsAbout(this, eventType, ref))[0], {
      timeoutMs: this.patience(waitMs),
      describe: `a System Log event ${eventType} for "${ref}"`,
      saw: () => this.okta.describeLogs(),
    });
  },
});

watchfulStep({
  topic,
  expression: 'the System Log has no {string} for {string}',
  example: 'Then the System Log has no "user.lifecycle.deactivate" for "alice"',
  doc: "Watches for {wait} that no System Log event of that type about that person (or group) is written in this scenario by the app's calls or Okta itself; always waits the full time.",
  async run(this: TwinsWorld, waitMs: number | undefined, eventType: string, ref: string) {
    await never(async () => (await logsAbout(this, eventType, ref))[0], {
      timeoutMs: this.patience(waitMs),
      describe: `System Log event ${eventType} for "${ref}"`,
      render: renderLog,
      saw: () => this.okta.describeLogs(),
    });
  },
});
