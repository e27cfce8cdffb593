// What the Okta twin's hot-path indexes must never change: group membership through every path (API, group rules, a
// snapshot restore, a deleted person), and System Log events that keep the names and addresses of their time although
// events share their repeated parts.

import { describe, expect, it } from 'vitest';
import { createKernel } from '../../src/index.ts';
import { oktaTwin } from '../../twins/okta/index.ts';
import type { LogEvent, OktaState } from '../../twins/okta/store.ts';

type Json = Record<string, unknown>;

function org(seed: number) {
  const k = createKernel(oktaTwin, { seed });
  const env = k.env(k.tenants.default(), 'http://okta.test');
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await k.fetch(`http://okta.test${path}`, {
      method,
      headers: { authorization: `SSWS ${env.OKTA_API_TOKEN}`, 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as unknown };
  };
  const person = async (name: string, extra: Json = {}) =>
    (
      await call('POST', '/api/v1/users?activate=false', {
        profile: { firstName: name, lastName: 'Perf', email: `${name}@perf.test`, login: `${name}@perf.test`, ...extra },
      })
    ).body as Json;
  const memberIds = async (groupId: string) => ((await call('GET', `/api/v1/groups/${groupId}/users`)).body as Json[]).map((u) => u.id);
  const groupNames = async (userId: string) =>
    ((await call('GET', `/api/v1/users/${userId}/groups`)).body as { profile: { name: string } }[]).map((g) => g.profile.name);
  return { k, call, person, memberIds, groupNames };
}

describe('Okta membership and System Log under the hot-path indexes', () => {
  it('membership holds through add, repeat, remove, a snapshot restore, a group rule and a deleted person', async () => {
    const o = org(11);
    const team = (await o.call('POST', '/api/v1/groups', { profile: { name: 'Perf team' } })).body as Json;
    const gid = team.id as string;
    const ann = await o.person('ann');
    const bob = await o.person('bob', { department: 'Perf' });
    expect(await o.groupNames(ann.id as string)).toEqual(['Everyone']);

    expect((await o.call('PUT', `/api/v1/groups/${gid}/users/${ann.id}`)).status).toBe(204);
    expect((await o.call('PUT', `/api/v1/groups/${gid}/users/${ann.id}`)).status).toBe(204);
    expect(await o.memberIds(gid)).toEqual([ann.id]);

    // A restored org answers from its own arrays, not from the index of the org it replaced.
    const t = o.k.tenants.default();
    const snap = o.k.snapshotState(t);
    expect((await o.call('DELETE', `/api/v1/groups/${gid}/users/${ann.id}`)).status).toBe(204);
    expect(await o.memberIds(gid)).toEqual([]);
    o.k.restoreTenant(t, o.k.prepareRestore(t, snap));
    expect(await o.memberIds(gid)).toEqual([ann.id]);
    expect((await o.call('DELETE', `/api/v1/groups/${gid}/users/${ann.id}`)).status).toBe(204);
    expect((await o.call('DELETE', `/api/v1/groups/${gid}/users/${ann.id}`)).status).toBe(204);
    expect(await o.memberIds(gid)).toEqual([]);
    const removals = (t.state as OktaState).logs.filter(
      (e) => e.eventType === 'group.user_membership.remove' && e.target.some((x) => x.id === ann.id),
    );
    // The removal before the restore went with the state it was made in; the repeated removal is a no-op.
    expect(removals).toHaveLength(1);
    expect((t.state as OktaState).groups.get(gid)?.members).toEqual([]);

    // A rule puts Bob in, and takes him out when he stops matching.
    const rule = (
      await o.call('POST', '/api/v1/groups/rules', {
        type: 'group_rule',
        name: 'perf people',
        conditions: { expression: { value: 'user.department == "Perf"', type: 'urn:okta:expression:1.0' } },
        actions: { assignUserToGroups: { groupIds: [gid] } },
      })
    ).body as Json;
    expect((await o.call('POST', `/api/v1/groups/rules/${rule.id}/lifecycle/activate`)).status).toBe(204);
    expect(await o.memberIds(gid)).toEqual([bob.id]);
    const carl = await o.person('carl', { department: 'Perf' });
    expect((await o.memberIds(gid)).sort()).toEqual([bob.id, carl.id].sort());
    await o.call('POST', `/api/v1/users/${bob.id}`, { profile: { department: 'Other' } });
    expect(await o.memberIds(gid)).toEqual([carl.id]);
    await o.call('POST', `/api/v1/users/${bob.id}`, { profile: { department: 'Perf' } });
    expect((await o.memberIds(gid)).sort()).toEqual([bob.id, carl.id].sort());

    // A deleted person leaves every group, Everyone included.
    await o.call('DELETE', `/api/v1/users/${carl.id}`);
    await o.call('DELETE', `/api/v1/users/${carl.id}`);
    expect(await o.memberIds(gid)).toEqual([bob.id]);
    const everyone = [...(t.state as OktaState).groups.values()].find((g) => g.profile.name === 'Everyone');
    expect(everyone?.members).not.toContain(carl.id);
    expect(everyone?.members.filter((m) => m === bob.id)).toHaveLength(1);
    o.k.close();
  });

  it('System Log events keep the name, client and outcome of their time; later events show the new ones', async () => {
    const o = org(12);
    const dee = await o.person('dee');
    await o.call(
      'POST',
      `/api/v1/users/${dee.id}`,
      { profile: { firstName: 'Deirdre' } },
      { 'user-agent': 'perf-a/1', 'x-forwarded-for': '10.1.1.1' },
    );
    await o.call(
      'POST',
      `/api/v1/users/${dee.id}`,
      { profile: { firstName: 'Dora' } },
      { 'user-agent': 'perf-b/2', 'x-forwarded-for': '10.2.2.2' },
    );
    await o.call(
      'POST',
      `/api/v1/users/${dee.id}`,
      { profile: { lastName: 'Later' } },
      { 'user-agent': 'perf-a/1', 'x-forwarded-for': '10.1.1.1' },
    );
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const filter = encodeURIComponent(`target.id eq "${dee.id}"`);
    const events = (await o.call('GET', `/api/v1/logs?since=${since}&filter=${filter}&limit=100`)).body as LogEvent[];
    const view = events.map((e) => [e.eventType, e.target[0].displayName, e.client.userAgent?.rawUserAgent ?? null, e.client.ipAddress]);
    expect(view).toEqual([
      ['user.lifecycle.create', 'dee Perf', null, '127.0.0.1'],
      ['group.user_membership.add', 'dee Perf', null, '127.0.0.1'],
      ['user.account.update_profile', 'Deirdre Perf', 'perf-a/1', '10.1.1.1'],
      ['user.account.update_profile', 'Dora Perf', 'perf-b/2', '10.2.2.2'],
      ['user.account.update_profile', 'Dora Later', 'perf-a/1', '10.1.1.1'],
    ]);
    expect(events[4].request).toEqual({ ipChain: [{ ip: '10.1.1.1' }] });
    // Each event has its own uuid and transaction, and every one answers with Okta's full shape.
    expect(new Set(events.map((e) => e.uuid)).size).toBe(5);
    expect(new Set(events.map((e) => e.transaction.id)).size).toBe(5);
    for (const e of events) {
      expect(Object.keys(e)).toEqual([
        'uuid',
        'published',
        'eventType',
        'version',
        'severity',
        'legacyEventType',
        'displayMessage',
        'actor',
        'client',
        'outcome',
        'target',
        'transaction',
        'debugContext',
        'authenticationContext',
        'securityContext',
        'request',
      ]);
      expect(e.outcome).toEqual({ result: 'SUCCESS', reason: null });
      expect(e.debugContext).toEqual({ debugData: {} });
    }
    o.k.close();
  });
});
