// Group rules through okta-sdk-nodejs's GroupApi (unmodified) over HTTP: expressions keep membership in step on activation and as profiles change.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Json, type OktaFixture, rejection, startOkta } from './support.ts';

// Processes over HTTP on a loaded machine: the first OAuth request also loads the engine and makes a key.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

let s: OktaFixture;

beforeAll(async () => {
  s = await startOkta({ seed: 31 });
});
afterAll(async () => {
  await s?.close();
});

async function memberIds(groupId: string): Promise<string[]> {
  const out: string[] = [];
  for await (const u of await s.client.groupApi.listGroupUsers({ groupId })) if (u) out.push(u.id as string);
  return out.sort();
}

async function person(login: string, profile: Json): Promise<Json> {
  const res = await s.api('POST', '/api/v1/users?activate=false', {
    profile: { login, email: login, firstName: 'Lee', lastName: 'Park', ...profile },
  });
  expect(res.status).toBe(200);
  return res.body;
}

function rule(name: string, expression: string, groupIds: string[]): Json {
  return {
    type: 'group_rule',
    name,
    conditions: { expression: { value: expression, type: 'urn:okta:expression:1.0' } },
    actions: { assignUserToGroups: { groupIds } },
  };
}

describe('group rules', () => {
  it('an activated rule puts every matching person in its group; profile changes move people in and out', async () => {
    const target = await s.client.groupApi.createGroup({ group: { profile: { name: 'Eng (rule)' } } });
    const gid = target.id as string;
    const eng = await person('lee.eng@example.test', { department: 'Eng', title: 'Engineer' });
    const sales = await person('lee.sales@example.test', { department: 'Sales', title: 'Account Executive' });

    const created = (await s.client.groupApi.createGroupRule({
      groupRule: rule('Eng people', 'user.department == "Eng"', [gid]) as never,
    })) as Json;
    expect(created.status).toBe('INACTIVE');
    expect(created.conditions.expression.value).toBe('user.department == "Eng"');
    expect(await memberIds(gid)).toEqual([]);

    await s.client.groupApi.activateGroupRule({ ruleId: created.id });
    expect(await memberIds(gid)).toEqual([eng.id]);

    // Sales moves to Eng: in; Eng moves to Sales: out.
    await s.api('POST', `/api/v1/users/${sales.id}`, { profile: { department: 'Eng' } });
    await s.api('POST', `/api/v1/users/${eng.id}`, { profile: { department: 'Sales' } });
    expect(await memberIds(gid)).toEqual([sales.id]);

    // A new person who matches joins on creation.
    const newcomer = await person('lee.new@example.test', { department: 'Eng' });
    expect(await memberIds(gid)).toEqual([sales.id, newcomer.id].sort());

    // The membership changes are in the System Log.
    const since = encodeURIComponent(new Date(0).toISOString());
    const removed = await s.api(
      'GET',
      `/api/v1/logs?since=${since}&limit=1000&filter=${encodeURIComponent('eventType eq "group.user_membership.remove"')}`,
    );
    expect(
      (removed.body as unknown as Json[]).some(
        (e) => e.target.some((t: Json) => t.id === eng.id) && e.target.some((t: Json) => t.id === gid),
      ),
    ).toBe(true);

    // An ACTIVE rule cannot be replaced; an INACTIVE one can.
    const busy = await rejection(
      s.client.groupApi.replaceGroupRule({ ruleId: created.id, groupRule: rule('Eng people', 'user.department == "X"', [gid]) as never }),
    );
    expect(busy.status).toBe(400);
    await s.client.groupApi.deactivateGroupRule({ ruleId: created.id });
    const replaced = (await s.client.groupApi.replaceGroupRule({
      ruleId: created.id,
      groupRule: rule('Engineers by title', 'String.startsWith(user.title, "Eng") and user.department != "Sales"', [gid]) as never,
    })) as Json;
    expect(replaced.name).toBe('Engineers by title');
    expect((await s.client.groupApi.getGroupRule({ ruleId: created.id })).status).toBe('INACTIVE');

    const listed: string[] = [];
    for await (const r of await s.client.groupApi.listGroupRules({})) if (r) listed.push(r.id as string);
    expect(listed).toContain(created.id);

    await s.client.groupApi.deleteGroupRule({ ruleId: created.id });
    const gone = await rejection(s.client.groupApi.getGroupRule({ ruleId: created.id }));
    expect(gone.errorCode).toBe('E0000007');
  });

  it('isMemberOfAnyGroup and or: people in either source, or with a title', async () => {
    const src = await s.client.groupApi.createGroup({ group: { profile: { name: 'Source' } } });
    const dest = await s.client.groupApi.createGroup({ group: { profile: { name: 'Dest' } } });
    const a = await person('lee.a@example.test', { title: 'Chef' });
    const b = await person('lee.b@example.test', { title: 'Director' });
    await person('lee.c@example.test', { title: 'Chef' });
    await s.client.groupApi.assignUserToGroup({ groupId: src.id as string, userId: a.id });
    const r = (await s.client.groupApi.createGroupRule({
      groupRule: rule('Source or directors', `isMemberOfAnyGroup("${src.id}") or user.title == "Director"`, [dest.id as string]) as never,
    })) as Json;
    await s.client.groupApi.activateGroupRule({ ruleId: r.id });
    expect(await memberIds(dest.id as string)).toEqual([a.id, b.id].sort());
  });

  it('a bad expression or target is E0000001 with causes', async () => {
    const g = await s.client.groupApi.createGroup({ group: { profile: { name: 'Bad rule target' } } });
    for (const expr of ['user.department == ', 'String.nope(user.title)', 'user.department', 'user.profile.department == "x"']) {
      const err = await rejection(s.client.groupApi.createGroupRule({ groupRule: rule('Bad', expr, [g.id as string]) as never }));
      expect(err.status, expr).toBe(400);
      expect(err.errorCode, expr).toBe('E0000001');
      expect(err.errorCauses.length, expr).toBeGreaterThan(0);
    }
    const everyone = [...(s.kernel.tenants.default().state as Json).groups.values()].find((x: Json) => x.type === 'BUILT_IN') as Json;
    const builtIn = await s.api('POST', '/api/v1/groups/rules', rule('Into Everyone', 'user.title == "x"', [everyone.id]));
    expect(builtIn.status).toBe(400);
    expect(builtIn.body.errorCode).toBe('E0000001');
    const loop = await s.api('POST', '/api/v1/groups/rules', rule('Loop', `isMemberOfAnyGroup("${g.id}")`, [g.id as string]));
    expect(loop.body.errorCode).toBe('E0000001');
  });

  it('every answer matched the contract', () => {
    expect(s.kernel.responseViolations).toEqual([]);
  });
});
