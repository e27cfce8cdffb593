// One company across the Okta, Slack and Jira twins: seeded from one file, made and managed through /_twin/companies, observed with the official SDKs, and Okta's provisioning effects on Slack and Jira.

import okta from '@okta/okta-sdk-nodejs';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type StartedTwins, startTwins } from '../../src/api.ts';
import { EXAMPLE_COMPANY_YAML } from '../../src/company/example.ts';
import { CompanyInvalid, companyPlan } from '../../src/company/spec.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the twins is read field by field; the tests assert its shape.
type Json = Record<string, any>;

const ACME = {
  name: 'Acme Robotics',
  domain: 'acme.test',
  people: [
    { name: 'Alice Adams', title: 'VP Engineering', department: 'Platform', timezone: 'Europe/London' },
    { name: 'Bob Brown', title: 'Engineer', department: 'Platform', manager: 'alice', timezone: 'America/New_York' },
    { name: 'Carol Chen', title: 'Support Lead', department: 'Support', manager: 'alice' },
    { name: 'Dave Diaz', title: 'Contractor', department: 'Support', jira: false },
  ],
  channels: [
    { name: 'platform', group: 'Platform' },
    { name: 'support', group: 'Support', private: true },
  ],
  projects: [{ key: 'PLAT', name: 'Platform', lead: 'alice', group: 'Platform' }],
  issues: [
    { project: 'PLAT', summary: 'Rotate the deploy keys', assignee: 'bob', reporter: 'alice', status: 'In Progress' },
    { project: 'PLAT', summary: 'Login returns 500', type: 'Bug', assignee: 'bob' },
  ],
  apps: [
    { label: 'Slack', groups: ['Everyone'] },
    { label: 'Jira', groups: ['Platform'] },
  ],
};

async function control(
  twins: StartedTwins<'slack' | 'okta' | 'jira'>,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  // Any twin of the group answers for all of them: ask a different one each time the test wants to show it.
  const res = await fetch(`${twins.okta.url}/_twin/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function jiraUser(env: Record<string, string>, accountId: string): Promise<Json> {
  const res = await fetch(`${env.JIRA_BASE_URL}/rest/api/3/user?accountId=${accountId}`, {
    headers: {
      authorization: `Basic ${Buffer.from(`${env.JIRA_EMAIL}:${env.JIRA_API_TOKEN}`).toString('base64')}`,
      accept: 'application/json',
    },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Json;
}

describe('a company file', () => {
  it('the example `twins init` writes is a valid company with every part', () => {
    const plan = companyPlan(parseYaml(EXAMPLE_COMPANY_YAML), 'company.yaml');
    expect(plan.people.map((p) => p.handle)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin', 'frank']);
    expect(plan.people[1]).toMatchObject({ email: 'bob@acme.test', manager: 'alice', timezone: 'America/New_York', status: 'ACTIVE' });
    expect(plan.people[5].status).toBe('DEPROVISIONED');
    expect(plan.groups.find((g) => g.name === 'Platform')?.members).toEqual(['alice', 'bob', 'carol', 'frank']);
    expect(plan.channels.find((c) => c.name === 'leadership')).toMatchObject({ private: true, members: ['alice', 'dave'] });
    expect(plan.projects.map((p) => p.key)).toEqual(['PLAT', 'SUP']);
    expect(plan.apps.map((a) => a.label)).toEqual(['Slack', 'Jira']);
    expect(plan.provisioning).toEqual({ slack: true, jira: true });
  });

  it('defaults: groups by department, a channel and a project per group, Slack and Jira assigned to Everyone', () => {
    const plan = companyPlan({ name: 'Tiny Co', people: [{ name: 'Zoe Zhang', department: 'Platform' }, { name: 'Yan Yu' }] });
    expect(plan.domain).toBe('tiny-co.test');
    expect(plan.groups.map((g) => [g.name, g.members])).toEqual([
      ['Platform', ['zoe']],
      ['General', ['yan']],
    ]);
    expect(plan.channels.map((c) => c.name)).toEqual(['platform']);
    expect(plan.projects.map((p) => [p.key, p.lead])).toEqual([
      ['PLATFORM', 'zoe'],
      ['GENERAL', 'yan'],
    ]);
    expect(plan.apps).toEqual([
      { label: 'Slack', people: [], groups: ['Everyone'] },
      { label: 'Jira', people: [], groups: ['Everyone'] },
    ]);
    expect(plan.people[0].admin).toBe(true);
  });

  const problems = (doc: unknown): string[] => {
    try {
      companyPlan(doc, 'f.yaml');
    } catch (err) {
      if (err instanceof CompanyInvalid) return err.problems;
      throw err;
    }
    throw new Error('the company was accepted');
  };

  it('names each bad field: schema first, then references between the parts', () => {
    expect(problems({ people: [] })).toContain('name is required');
    expect(problems({ name: 'X', people: [{ name: 'Al', colour: 'red' }] })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^people\[0\]\.name has the wrong form, "Al"/),
        'people[0].colour is not a field a company file has',
      ]),
    );
    expect(problems({ name: 'X', people: [{ name: 'Al Bo', status: 'gone' }] })).toEqual([
      'people[0].status must be one of "active", "staged", "suspended", "deactivated"',
    ]);
    expect(
      problems({
        name: 'X',
        people: [{ name: 'Al Bo', manager: 'zed', timezone: 'Mars/Olympus' }, { name: 'Al Cy' }],
        issues: [{ project: 'NOPE', summary: 's' }],
        apps: [{ label: 'Slack', groups: ['Nobody'] }],
      }),
    ).toEqual([
      'people[1].handle: "al" is taken by an earlier person; give each a handle of their own',
      'people[1].email: "al@x.test" is taken by an earlier person',
      'people[0].manager: no person has the handle "zed"',
      'people[0].timezone: "Mars/Olympus" is not an IANA time zone (e.g. Europe/London)',
      'issues[0].project: no project has the key "NOPE"',
      'apps[0].groups[0]: no group is called "Nobody"',
    ]);
  });
});

describe('one company across three twins', () => {
  let twins: StartedTwins<'slack' | 'okta' | 'jira'>;
  beforeAll(async () => {
    twins = await startTwins({ twins: ['slack', 'okta', 'jira'], seed: 5, rateLimits: false, company: ACME });
  }, 120_000);
  afterAll(async () => {
    await twins?.close();
  });

  it('the default tenants are the company: the same people in Okta, Slack and Jira, each with its vendor ids', async () => {
    const slack = new WebClient(twins.slack.env.SLACK_BOT_TOKEN, { slackApiUrl: twins.slack.env.SLACK_API_URL });
    const members = ((await slack.users.list({})).members ?? []).filter((u) => !u.is_bot && u.id !== 'USLACKBOT');
    expect(members.map((u) => [u.name, u.profile?.email, u.profile?.title, u.tz])).toEqual([
      ['alice', 'alice@acme.test', 'VP Engineering', 'Europe/London'],
      ['bob', 'bob@acme.test', 'Engineer', 'America/New_York'],
      ['carol', 'carol@acme.test', 'Support Lead', 'Etc/UTC'],
      ['dave', 'dave@acme.test', 'Contractor', 'Etc/UTC'],
    ]);
    const channels = (await slack.conversations.list({ types: 'public_channel,private_channel' })).channels ?? [];
    // #support is private and the app was not invited: the bot does not see it, as in Slack.
    expect(channels.map((c) => c.name).sort()).toEqual(['general', 'platform', 'random']);

    const oktaClient = new okta.Client({ orgUrl: twins.okta.env.OKTA_ORG_URL, token: twins.okta.env.OKTA_API_TOKEN });
    const bob = await oktaClient.userApi.getUser({ userId: 'bob@acme.test' });
    expect(bob.profile).toMatchObject({
      firstName: 'Bob',
      lastName: 'Brown',
      department: 'Platform',
      title: 'Engineer',
      manager: 'Alice Adams',
    });
    const groups: string[] = [];
    for await (const g of await oktaClient.groupApi.listGroups()) if (g?.profile?.name) groups.push(g.profile.name);
    expect(groups).toEqual(expect.arrayContaining(['Everyone', 'Platform', 'Support']));
    const apps: string[] = [];
    for await (const a of await oktaClient.applicationApi.listApplications()) if (a?.label) apps.push(a.label);
    expect(apps).toEqual(expect.arrayContaining(['Slack', 'Jira']));

    const alice = await oktaClient.userApi.getUser({ userId: 'alice@acme.test' });
    expect(bob.profile?.managerId).toBe(alice.id);
    const who = await control(twins, 'GET', 'companies/default/people/bob');
    expect(who.status).toBe(200);
    expect(who.body).toMatchObject({ handle: 'bob', email: 'bob@acme.test', manager: 'alice', okta: { id: bob.id, status: 'ACTIVE' } });
    expect(who.body.slack.id).toBe(members[1].id);
    const account = await jiraUser(twins.jira.env, who.body.jira.accountId);
    expect(account).toMatchObject({ displayName: 'Bob Brown', emailAddress: 'bob@acme.test', active: true, timeZone: 'America/New_York' });
    // Dave has no Jira account.
    expect((await control(twins, 'GET', 'companies/default/people/dave')).body.jira).toBeNull();
    expect(twins.jira.env.JIRA_EMAIL).toBe('alice@acme.test');
    expect(twins.jira.env.JIRA_PROJECT_KEY).toBe('PLAT');
  }, 120_000);

  it('POST /_twin/companies makes another company on every twin at once, answering each tenant and env; delete removes it', async () => {
    const made = await control(twins, 'POST', 'companies', { id: 'trial-1', company: { ...ACME, name: 'Trial Co' } });
    expect(made.status).toBe(201);
    expect(Object.keys(made.body.twins)).toEqual(['slack', 'okta', 'jira']);
    for (const name of ['slack', 'okta', 'jira']) expect(made.body.twins[name].tenant).toBe('trial-1');
    expect(made.body.env.SLACK_API_URL).toBe(`${twins.slack.url}/t/trial-1/api/`);
    expect(made.body.env.OKTA_ORG_URL).toBe(`${twins.okta.url}/t/trial-1`);
    expect(made.body.env.JIRA_BASE_URL).toBe(`${twins.jira.url}/t/trial-1`);
    const slack = new WebClient(made.body.env.SLACK_BOT_TOKEN, { slackApiUrl: made.body.env.SLACK_API_URL });
    expect((await slack.team.info()).team?.name).toBe('Trial Co');
    // The default company's token does not open the new workspace.
    const other = new WebClient(twins.slack.env.SLACK_BOT_TOKEN, { slackApiUrl: made.body.env.SLACK_API_URL, retryConfig: { retries: 0 } });
    await expect(other.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });

    expect((await control(twins, 'POST', 'companies', { id: 'trial-1' })).body.error.code).toBe('company_exists');
    expect((await control(twins, 'POST', 'companies', { company: { name: 'X' } })).body.error).toMatchObject({
      code: 'invalid_company',
      message: expect.stringContaining('people is required'),
    });
    expect((await control(twins, 'POST', 'companies', { id: '../x' })).status).toBe(400);
    const plain = await control(twins, 'POST', 'companies', {});
    expect(plain.status).toBe(201);
    expect(plain.body.id).toMatch(/^company-\d+$/);

    expect((await control(twins, 'DELETE', 'companies/trial-1')).body).toEqual({ deleted: 'trial-1' });
    for (const t of [twins.slack, twins.okta, twins.jira]) expect(t.kernel.tenants.get('trial-1')).toBeUndefined();
    expect((await control(twins, 'GET', 'companies/trial-1')).status).toBe(404);
    expect((await control(twins, 'DELETE', 'companies/default')).body.error.code).toBe('cannot_delete_default');
    await control(twins, 'DELETE', `companies/${plain.body.id}`);
  }, 120_000);

  it('deactivating a person in Okta (okta-sdk-nodejs) deactivates their Slack user and their Jira account; reactivating brings both back', async () => {
    const made = await control(twins, 'POST', 'companies', { id: 'offboard', company: ACME });
    const env = made.body.env as Record<string, string>;
    const oktaClient = new okta.Client({ orgUrl: env.OKTA_ORG_URL, token: env.OKTA_API_TOKEN });
    const slack = new WebClient(env.SLACK_BOT_TOKEN, { slackApiUrl: env.SLACK_API_URL });
    const bob = (await control(twins, 'GET', 'companies/offboard/people/bob')).body;

    await oktaClient.userApi.deactivateUser({ userId: bob.okta.id });
    expect((await slack.users.info({ user: bob.slack.id })).user?.deleted).toBe(true);
    expect((await jiraUser(env, bob.jira.accountId)).active).toBe(false);

    await oktaClient.userApi.activateUser({ userId: bob.okta.id, sendEmail: false });
    expect((await slack.users.info({ user: bob.slack.id })).user?.deleted).toBe(false);
    expect((await jiraUser(env, bob.jira.accountId)).active).toBe(true);

    // Carol is not in Platform, so the Okta app "Jira" is not assigned to her: Jira is left alone, Slack is not.
    const carol = (await control(twins, 'GET', 'companies/offboard/people/carol')).body;
    await oktaClient.userApi.suspendUser({ userId: carol.okta.id });
    expect((await slack.users.info({ user: carol.slack.id })).user?.deleted).toBe(true);
    expect((await jiraUser(env, carol.jira.accountId)).active).toBe(true);

    // The other companies never move.
    const defaultBob = (await control(twins, 'GET', 'companies/default/people/bob')).body;
    expect(defaultBob.slack.deleted).toBe(false);
    expect(defaultBob.okta.status).toBe('ACTIVE');
    await control(twins, 'DELETE', 'companies/offboard');
  }, 120_000);

  it('each effect can be switched off per company (in the file, at creation, or later)', async () => {
    const made = await control(twins, 'POST', 'companies', { id: 'noprov', company: { ...ACME, provisioning: { slack: false } } });
    expect(made.body.provisioning).toEqual({ slack: false, jira: true });
    const env = made.body.env as Record<string, string>;
    const oktaClient = new okta.Client({ orgUrl: env.OKTA_ORG_URL, token: env.OKTA_API_TOKEN });
    const bob = (await control(twins, 'GET', 'companies/noprov/people/bob')).body;
    await oktaClient.userApi.deactivateUser({ userId: bob.okta.id });
    let after = (await control(twins, 'GET', 'companies/noprov/people/bob')).body;
    expect(after.slack.deleted).toBe(false);
    expect(after.jira.active).toBe(false);

    expect((await control(twins, 'POST', 'companies/noprov/provisioning', { jira: false })).body.provisioning).toEqual({
      slack: false,
      jira: false,
    });
    await oktaClient.userApi.activateUser({ userId: bob.okta.id, sendEmail: false });
    after = (await control(twins, 'GET', 'companies/noprov/people/bob')).body;
    expect(after.jira.active).toBe(false);
    expect((await control(twins, 'POST', 'companies/noprov/provisioning', { slack: 'maybe' })).status).toBe(400);
    await control(twins, 'DELETE', 'companies/noprov');
  }, 120_000);

  it('hostile input to the company routes gets a 4xx, never a 5xx, and leaves no half-made company', async () => {
    const before = twins.okta.kernel.tenants.list().length;
    const bodies: unknown[] = [
      { id: 5 },
      { id: '__proto__' },
      { id: 'x'.repeat(65) },
      { seed: 1.5 },
      { seed: '1e400' },
      { clock: 'sideways' },
      { company: 'acme' },
      { company: [] },
      { company: { name: 'X', people: 'everyone' } },
      { company: { name: 'X', people: [{ name: 'A B', manager: 'a' }] } },
      { company: { __proto__: { name: 'X' }, people: [{ name: 'A B' }] } },
      { company: { name: 'X', people: [{ name: 'A B' }], constructor: 1 } },
      { provisioning: 'off' },
      { provisioning: { slack: 'no' } },
      { provisioning: { toString: true } },
    ];
    for (const body of bodies) {
      const res = await control(twins, 'POST', 'companies', body);
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.status, JSON.stringify(body)).toBeLessThan(500);
    }
    const restores: unknown[] = [
      {},
      { version: 1 },
      { version: 1, twins: [] },
      { version: 1, twins: { nope: {} } },
      { version: 1, twins: { slack: null } },
      { version: 1, twins: { slack: { tenants: 'x' } } },
      { version: 1, twins: { slack: { twin: 'slack', version: 1, tenants: [{ id: 'x', state: { users: 5 } }] } } },
      { version: 1, twins: { okta: { twin: 'slack', version: 1, tenants: [{ id: 'x', state: {} }] } } },
    ];
    for (const body of restores) {
      const res = await control(twins, 'POST', 'companies/hostile/restore', body);
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.status, JSON.stringify(body)).toBeLessThan(500);
    }
    for (const path of [
      'companies/%00',
      'companies/__proto__',
      'companies/default/people/__proto__',
      'companies/nope/snapshot',
      'companies/constructor/people/x',
    ]) {
      const res = await control(twins, 'GET', path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
    }
    expect((await control(twins, 'POST', 'companies/__proto__/reset')).status).toBe(404);
    expect((await control(twins, 'GET', 'companies/hostile')).status).toBe(404);
    expect(twins.okta.kernel.tenants.list().length).toBe(before);
  }, 120_000);

  it('reset, snapshot and restore work per company, across its three tenants', async () => {
    await control(twins, 'POST', 'companies', { id: 'snap', company: ACME });
    const seeded = await control(twins, 'GET', 'companies/snap/snapshot');
    expect(Object.keys(seeded.body.twins)).toEqual(['slack', 'okta', 'jira']);
    expect(JSON.stringify(seeded.body)).not.toContain(twins.slack.env.SLACK_BOT_TOKEN);

    const bob = (await control(twins, 'GET', 'companies/snap/people/bob')).body;
    const okta1 = twins.okta.kernel;
    const res = await okta1.fetch(`http://okta.test/t/snap/api/v1/users/${bob.okta.id}/lifecycle/deactivate`, {
      method: 'POST',
      headers: {
        authorization: `SSWS ${(await control(twins, 'GET', 'companies/snap')).body.env.OKTA_API_TOKEN}`,
        accept: 'application/json',
      },
    });
    expect(res.status).toBe(200);
    const changed = await control(twins, 'GET', 'companies/snap/snapshot');
    expect(JSON.stringify(changed.body)).not.toBe(JSON.stringify(seeded.body));

    // Restore the seeded snapshot into a new company: its bytes are the snapshot's.
    expect((await control(twins, 'POST', 'companies/snap-copy/restore', seeded.body)).body).toEqual({
      restored: 'snap-copy',
      twins: ['slack', 'okta', 'jira'],
    });
    const copy = await control(twins, 'GET', 'companies/snap-copy/snapshot');
    // The copy holds the seeded company (Bob active), not the changed one; restoring the copy's own
    // snapshot again changes nothing (a twin may normalise a state on restore, e.g. Jira's key order).
    const copied = (await control(twins, 'GET', 'companies/snap-copy/people/bob')).body;
    expect(copied.okta).toMatchObject({ id: bob.okta.id, status: 'ACTIVE' });
    expect(copied.slack).toEqual({ ...bob.slack, deleted: false });
    expect((await control(twins, 'GET', 'companies/snap/people/bob')).body.okta.status).toBe('DEPROVISIONED');
    await control(twins, 'POST', 'companies/snap-copy/restore', copy.body);
    expect(JSON.stringify((await control(twins, 'GET', 'companies/snap-copy/snapshot')).body)).toBe(JSON.stringify(copy.body));

    // Reset brings the changed company back to its seed.
    expect((await control(twins, 'POST', 'companies/snap/reset')).body).toEqual({ reset: 'snap', twins: ['slack', 'okta', 'jira'] });
    const reset = await control(twins, 'GET', 'companies/snap/snapshot');
    for (const name of ['slack', 'okta', 'jira'])
      expect(JSON.stringify(reset.body.twins[name].tenants[0].state)).toBe(JSON.stringify(seeded.body.twins[name].tenants[0].state));

    // A restore naming another tenant's credential is refused by the twin it concerns.
    const forged = structuredClone(seeded.body);
    forged.twins.slack.tenants[0].state = JSON.parse(
      JSON.stringify(forged.twins.slack.tenants[0].state).replace('<<twin-secret:bot-token>>', twins.slack.env.SLACK_BOT_TOKEN),
    );
    const refused = await fetch(`${twins.jira.url}/_twin/companies/snap/restore`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(forged),
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    // A refused part puts back the parts before it: forged Okta after a good Slack part changes nothing.
    const beforeForged = JSON.stringify((await control(twins, 'GET', 'companies/snap/snapshot')).body);
    const lateForgery = structuredClone(seeded.body);
    lateForgery.twins.slack.tenants[0].state.team.name = 'Changed Then Put Back';
    lateForgery.twins.okta.tenants[0].state.apiTokens = { [twins.okta.env.OKTA_API_TOKEN]: { userId: 'x', name: 'stolen' } };
    const late = await control(twins, 'POST', 'companies/snap/restore', lateForgery);
    expect(late.status).toBe(400);
    expect(late.body.error.message).toMatch(/^the okta part was refused/);
    expect(JSON.stringify((await control(twins, 'GET', 'companies/snap/snapshot')).body)).toBe(beforeForged);
    expect((await control(twins, 'POST', 'companies/snap/restore', { version: 9 })).body.error.code).toBe('invalid_snapshot');
    await control(twins, 'DELETE', 'companies/snap');
    await control(twins, 'DELETE', 'companies/snap-copy');
  }, 120_000);
});

describe('a full reset', () => {
  it('keeps the default company seeded from the file and forgets the others: a tenant made later under a dropped id is no company', async () => {
    const twins = await startTwins({ twins: ['slack', 'okta', 'jira'], seed: 4, rateLimits: false, company: ACME });
    try {
      expect((await control(twins, 'POST', 'companies', { id: 'gone', company: { ...ACME, name: 'Gone Co' } })).status).toBe(201);
      await twins.reset();
      expect((await control(twins, 'GET', 'companies/gone')).status).toBe(404);
      const slack = new WebClient(twins.slack.env.SLACK_BOT_TOKEN, { slackApiUrl: twins.slack.env.SLACK_API_URL });
      expect((await slack.team.info()).team?.name).toBe('Acme Robotics');
      const plain = await fetch(`${twins.slack.control}/tenants`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'gone' }),
      });
      const env = ((await plain.json()) as { env: Record<string, string> }).env;
      const team = (await new WebClient(env.SLACK_BOT_TOKEN, { slackApiUrl: env.SLACK_API_URL }).team.info()).team?.name;
      expect(team).not.toBe('Gone Co');
      expect(team).not.toBe('Acme Robotics');
    } finally {
      await twins.close();
    }
  }, 120_000);
});

describe('same file + same seed', () => {
  it('gives byte-identical company snapshots in two separate starts (default company and one made later)', async () => {
    const snapshots: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const twins = await startTwins({ twins: ['slack', 'okta', 'jira'], seed: 11, rateLimits: false, company: ACME });
      try {
        await control(twins, 'POST', 'companies', { id: 'again', seed: 3, company: ACME });
        snapshots.push([
          JSON.stringify((await control(twins, 'GET', 'companies/default/snapshot')).body),
          JSON.stringify((await control(twins, 'GET', 'companies/again/snapshot')).body),
        ]);
      } finally {
        await twins.close();
      }
    }
    expect(snapshots[1][0]).toBe(snapshots[0][0]);
    expect(snapshots[1][1]).toBe(snapshots[0][1]);
    expect(snapshots[0][0]).not.toBe(snapshots[0][1]);
  }, 180_000);
});

describe('without a company file', () => {
  it('the default company is each twin as seeded before, and people are found by first name across the twins', async () => {
    const twins = await startTwins({ twins: ['slack', 'okta', 'jira'], seed: 1, rateLimits: false });
    try {
      const bob = (await control(twins, 'GET', 'companies/default/people/bob')).body;
      expect(bob.slack.name).toBe('bob');
      expect(bob.okta.login).toMatch(/^bob\./);
      expect(bob.jira.accountId).toMatch(/^[0-9a-f]{24}$/);
      expect((await control(twins, 'GET', 'companies/default/people/nobody')).body.error.code).toBe('person_not_found');
    } finally {
      await twins.close();
    }
  }, 120_000);
});

describe('credentials chosen in the company file', () => {
  it("are the default company's tokens in every twin, sealed in snapshots, kept by a reset, and serve one company at a time", async () => {
    const credentials = {
      slack: { botToken: 'xoxb-chosen-by-the-user-0001', signingSecret: 'a'.repeat(32) },
      okta: { apiToken: '00chosenByTheUserForOkta0001', password: 'Chosen-Password-1' },
      jira: { apiToken: 'chosen-by-the-user-for-jira-0001' },
    };
    const twins = await startTwins({ twins: ['slack', 'okta', 'jira'], seed: 3, rateLimits: false, company: { ...ACME, credentials } });
    try {
      expect(twins.env).toMatchObject({
        SLACK_BOT_TOKEN: credentials.slack.botToken,
        SLACK_SIGNING_SECRET: credentials.slack.signingSecret,
        OKTA_API_TOKEN: credentials.okta.apiToken,
        OKTA_TEST_PASSWORD: credentials.okta.password,
        JIRA_API_TOKEN: credentials.jira.apiToken,
      });
      const slack = new WebClient(credentials.slack.botToken, { slackApiUrl: twins.slack.env.SLACK_API_URL });
      expect((await slack.auth.test()).team).toBe('Acme Robotics');
      const oktaClient = new okta.Client({ orgUrl: twins.okta.env.OKTA_ORG_URL, token: credentials.okta.apiToken });
      expect((await oktaClient.userApi.getUser({ userId: 'alice@acme.test' })).profile?.firstName).toBe('Alice');
      const me = await fetch(`${twins.jira.env.JIRA_BASE_URL}/rest/api/3/myself`, {
        headers: { authorization: `Basic ${Buffer.from(`alice@acme.test:${credentials.jira.apiToken}`).toString('base64')}` },
      });
      expect(me.status).toBe(200);

      const snapshot = JSON.stringify((await control(twins, 'GET', 'companies/default/snapshot')).body);
      for (const value of [credentials.slack.botToken, credentials.okta.apiToken, credentials.jira.apiToken])
        expect(snapshot).not.toContain(value);
      await control(twins, 'POST', 'companies/default/reset');
      expect((await slack.auth.test()).ok).toBe(true);

      // Over HTTP the control plane's door refuses a body carrying a tenant's credential; in process the hub refuses it.
      const again = await control(twins, 'POST', 'companies', { id: 'copy', company: { ...ACME, credentials } });
      expect(again.status).toBe(403);
      expect(again.body.error.code).toBe('vendor_credential');
      expect(() => twins.companies.create({ id: 'copy', plan: companyPlan({ ...ACME, credentials }) })).toThrow(/another tenant's already/);
      expect(twins.okta.kernel.tenants.get('copy')).toBeUndefined();
    } finally {
      await twins.close();
    }
  }, 120_000);
});
