// The official @okta/okta-sdk-nodejs Client, unmodified (orgUrl and an API token only), against the Okta twin over HTTP.

import okta from '@okta/okta-sdk-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwinDefinition } from '../../src/kernel/types.ts';
import { OKTA_RATE_LIMITS } from '../../twins/okta/auth.ts';
import { createOktaTwin } from '../../twins/okta/index.ts';
import { type Json, type OktaFixture, rejection, startOkta } from './support.ts';

let s: OktaFixture;

beforeAll(async () => {
  s = await startOkta({ seed: 42 });
});
afterAll(async () => {
  await s?.close();
});

async function all<T>(collection: AsyncIterable<T | null>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of collection) if (item !== null) out.push(item);
  return out;
}

type NewPerson = { profile: { login: string; email: string; firstName: string; lastName: string } & Json; credentials?: Json };

function newPerson(login: string, extra: Json = {}): NewPerson {
  return { profile: { firstName: 'Pat', lastName: 'Lee', email: login, login, ...extra } };
}

describe('users', () => {
  it('creates a person with a password (ACTIVE) and without one (PROVISIONED), and reads them by id and login', async () => {
    const active = await s.client.userApi.createUser({
      body: { ...newPerson('pat.active@example.test'), credentials: { password: { value: 'Correct-Horse-9' } } },
    });
    expect(active.status).toBe('ACTIVE');
    expect(active.id).toMatch(/^00u[A-Za-z0-9]{17}$/);
    expect(active._links?.self?.href).toBe(`${s.env.OKTA_ORG_URL}/api/v1/users/${active.id}`);
    expect(JSON.stringify(active.credentials)).not.toContain('Correct-Horse-9');
    const provisioned = await s.client.userApi.createUser({ body: newPerson('pat.provisioned@example.test') });
    expect(provisioned.status).toBe('PROVISIONED');
    const staged = await s.client.userApi.createUser({ body: newPerson('pat.staged@example.test'), activate: false });
    expect(staged.status).toBe('STAGED');
    expect((await s.client.userApi.getUser({ userId: active.id as string })).profile?.login).toBe('pat.active@example.test');
    expect((await s.client.userApi.getUser({ userId: 'pat.active@example.test' })).id).toBe(active.id);
  });

  it('lists every person exactly once through Link-header pages of a small limit, and leaves out DEPROVISIONED ones', async () => {
    const collection = await s.client.userApi.listUsers({ limit: 3 });
    const listed = await all(collection);
    const ids = listed.map((u) => u.id);
    expect(new Set(ids).size).toBe(ids.length);
    const everyone = [...(s.kernel.tenants.default().state as Json).users.values()] as Json[];
    const visible = everyone.filter((u) => u.status !== 'DEPROVISIONED').map((u) => u.id);
    expect([...ids].sort()).toEqual([...visible].sort());
    expect(listed.every((u) => u.status !== 'DEPROVISIONED')).toBe(true);
  });

  it('filter and search find DEPROVISIONED people; a broken expression is E0000031', async () => {
    const deprovisioned = await all(await s.client.userApi.listUsers({ filter: 'status eq "DEPROVISIONED"' }));
    expect(deprovisioned.length).toBeGreaterThan(0);
    expect(deprovisioned.every((u) => u.status === 'DEPROVISIONED')).toBe(true);
    const eng = await all(await s.client.userApi.listUsers({ search: 'profile.department eq "engineering"' }));
    expect(eng.length).toBeGreaterThan(0);
    expect(eng.every((u) => u.profile?.department === 'Engineering')).toBe(true);
    // filter is case-sensitive: the same value in lower case finds no one.
    expect(await all(await s.client.userApi.listUsers({ filter: 'profile.firstName eq "alice"' }))).toEqual([]);
    expect((await all(await s.client.userApi.listUsers({ filter: 'profile.firstName eq "Alice"' }))).length).toBe(1);
    const err = await rejection(all(await s.client.userApi.listUsers({ filter: 'profile.department eq "Eng"' })));
    expect(err.status).toBe(400);
    expect(err.errorCode).toBe('E0000031');
    const broken = await rejection(all(await s.client.userApi.listUsers({ search: 'status eq "ACTIVE' })));
    expect(broken.errorCode).toBe('E0000031');
  });

  it('q finds people by the start of a name or email', async () => {
    const found = await all(await s.client.userApi.listUsers({ q: 'pat.act' }));
    expect(found.map((u) => u.profile?.login)).toEqual(['pat.active@example.test']);
  });

  it('updates partially (POST) and fully (PUT)', async () => {
    const u = await s.client.userApi.createUser({ body: newPerson('pat.update@example.test', { title: 'Engineer', department: 'Sales' }) });
    const partial = await s.client.userApi.updateUser({ userId: u.id as string, user: { profile: { title: 'Manager' } } });
    expect(partial.profile?.title).toBe('Manager');
    expect(partial.profile?.department).toBe('Sales');
    const full = await s.client.userApi.replaceUser({
      userId: u.id as string,
      user: { profile: { firstName: 'Pat', lastName: 'Lee', email: 'pat.update@example.test', login: 'pat.update@example.test' } },
    });
    expect(full.profile?.department ?? null).toBeNull();
  });

  it('follows the lifecycle: suspend, unsuspend, deactivate, reactivate refused, delete in two steps', async () => {
    const u = await s.client.userApi.createUser({
      body: { ...newPerson('pat.lifecycle@example.test'), credentials: { password: { value: 'Correct-Horse-9' } } },
    });
    const id = u.id as string;
    await s.client.userApi.suspendUser({ userId: id });
    expect((await s.client.userApi.getUser({ userId: id })).status).toBe('SUSPENDED');
    const twice = await rejection(s.client.userApi.suspendUser({ userId: id }));
    expect(twice.errorCode).toBe('E0000001');
    await s.client.userApi.unsuspendUser({ userId: id });
    expect((await s.client.userApi.getUser({ userId: id })).status).toBe('ACTIVE');
    const expired = await s.client.userApi.expirePassword({ userId: id });
    expect(expired.status).toBe('PASSWORD_EXPIRED');
    const reset = await s.client.userApi.generateResetPasswordToken({ userId: id, sendEmail: false });
    expect(reset.resetPasswordUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/reset_password\//);
    expect((await s.client.userApi.getUser({ userId: id })).status).toBe('RECOVERY');
    const notLocked = await rejection(s.client.userApi.unlockUser({ userId: id }));
    expect(notLocked.errorCode).toBe('E0000032');
    await s.client.userApi.deactivateUser({ userId: id });
    expect((await s.client.userApi.getUser({ userId: id })).status).toBe('DEPROVISIONED');
    const edit = await rejection(s.client.userApi.updateUser({ userId: id, user: { profile: { title: 'x' } } }));
    expect(edit.status).toBe(403);
    expect(edit.errorCode).toBe('E0000038');
    const token = await s.client.userApi.activateUser({ userId: id, sendEmail: false });
    expect(token.activationToken).toBeTruthy();
    expect(await s.client.userApi.getUser({ userId: id })).toMatchObject({ status: 'PROVISIONED' });
    const again = await rejection(s.client.userApi.activateUser({ userId: id, sendEmail: false }));
    expect(again.errorCode).toBe('E0000016');
    await s.client.userApi.deleteUser({ userId: id });
    expect((await s.client.userApi.getUser({ userId: id })).status).toBe('DEPROVISIONED');
    await s.client.userApi.deleteUser({ userId: id });
    const gone = await rejection(s.client.userApi.getUser({ userId: id }));
    expect(gone.status).toBe(404);
    expect(gone.errorCode).toBe('E0000007');
    expect(gone.errorSummary).toBe(`Not found: Resource not found: ${id} (User)`);
  });

  it('refuses a duplicate login with E0000001 and its cause', async () => {
    const err = await rejection(s.client.userApi.createUser({ body: newPerson('pat.active@example.test') }));
    expect(err.status).toBe(400);
    expect(err.errorCode).toBe('E0000001');
    expect(err.errorCauses).toEqual([{ errorSummary: 'login: An object with this field already exists in the current organization' }]);
    const blank = await rejection(s.client.userApi.createUser({ body: { profile: { login: 'x@example.test' } } as never }));
    expect(blank.errorCauses.map((c: Json) => c.errorSummary)).toContain('email: The field cannot be left blank');
  });
});

describe('groups', () => {
  it('creates a group, adds and removes members, lists members in pages and a person’s groups', async () => {
    const group = await s.client.groupApi.createGroup({ group: { profile: { name: 'SDK Testers', description: 'made by the SDK test' } } });
    expect(group.type).toBe('OKTA_GROUP');
    const ids: string[] = [];
    for (const n of [1, 2, 3, 4, 5]) {
      const u = await s.client.userApi.createUser({ body: newPerson(`member${n}@example.test`) });
      ids.push(u.id as string);
      await s.client.groupApi.assignUserToGroup({ groupId: group.id as string, userId: u.id as string });
    }
    const members = await all(await s.client.groupApi.listGroupUsers({ groupId: group.id as string, limit: 2 }));
    expect(members.map((m) => m.id).sort()).toEqual([...ids].sort());
    const theirs = await all(await s.client.userApi.listUserGroups({ userId: ids[0] }));
    expect(theirs.map((g) => g.profile?.name)).toEqual(expect.arrayContaining(['Everyone', 'SDK Testers']));
    await s.client.groupApi.unassignUserFromGroup({ groupId: group.id as string, userId: ids[0] });
    const after = await all(await s.client.groupApi.listGroupUsers({ groupId: group.id as string }));
    expect(after.map((m) => m.id)).not.toContain(ids[0]);
    const renamed = await s.client.groupApi.replaceGroup({ groupId: group.id as string, group: { profile: { name: 'SDK Testers 2' } } });
    expect(renamed.profile?.name).toBe('SDK Testers 2');
    const byQ = await all(await s.client.groupApi.listGroups({ q: 'SDK Test' }));
    expect(byQ.map((g) => g.id)).toEqual([group.id]);
    await s.client.groupApi.deleteGroup({ groupId: group.id as string });
    expect((await rejection(s.client.groupApi.getGroup({ groupId: group.id as string }))).errorCode).toBe('E0000007');
  });

  it('refuses changes to the BUILT_IN Everyone group with E0000006', async () => {
    const [everyone] = await all(await s.client.groupApi.listGroups({ q: 'Everyone' }));
    expect(everyone.type).toBe('BUILT_IN');
    const err = await rejection(s.client.groupApi.deleteGroup({ groupId: everyone.id as string }));
    expect(err.status).toBe(403);
    expect(err.errorCode).toBe('E0000006');
  });
});

describe('errors, headers and credentials', () => {
  it('an unknown token is 401 E0000011 through the SDK', async () => {
    const bad = new okta.Client({ orgUrl: s.env.OKTA_ORG_URL, token: '00notARealTokenAtAll000000000000000000000' });
    const err = await rejection(bad.userApi.getUser({ userId: 'me' }));
    expect(err.status).toBe(401);
    expect(err.errorCode).toBe('E0000011');
    expect(err.errorSummary).toBe('Invalid token provided');
  });

  it('every answer, errors too, carries the rate-limit headers, a request id and a Date', async () => {
    for (const res of [
      await s.api('GET', '/api/v1/users?limit=1'),
      await s.api('GET', '/api/v1/users/nobody'),
      await s.api('POST', '/api/v1/users', '{not json'),
    ]) {
      expect(Number(res.headers.get('x-rate-limit-limit'))).toBeGreaterThan(0);
      expect(res.headers.get('x-rate-limit-remaining')).toMatch(/^\d+$/);
      expect(Number(res.headers.get('x-rate-limit-reset'))).toBeGreaterThan(Date.now() / 1000 - 5);
      expect(res.headers.get('x-okta-request-id')).toBeTruthy();
      expect(Number.isNaN(Date.parse(res.headers.get('date') ?? ''))).toBe(false);
    }
    const malformed = await s.api('POST', '/api/v1/users', '{not json');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errorCode).toBe('E0000003');
    const method = await s.api('PATCH', '/api/v1/users');
    expect(method.status).toBe(405);
    expect(method.body.errorCode).toBe('E0000022');
  });

  it('Link headers keep every query parameter and have no next on the last page', async () => {
    const first = await s.api('GET', '/api/v1/users?filter=status%20eq%20%22ACTIVE%22&limit=2');
    const link = first.headers.get('link') ?? '';
    expect(link).toContain(`<${s.env.OKTA_ORG_URL}/api/v1/users?filter=status+eq+%22ACTIVE%22&limit=2>; rel="self"`);
    const next = /<([^>]+)>; rel="next"/.exec(link)?.[1] ?? '';
    expect(next).toMatch(/filter=status\+eq\+%22ACTIVE%22&limit=2&after=00u/);
    const big = await s.api('GET', '/api/v1/users?limit=200');
    expect(big.headers.get('link')).not.toContain('rel="next"');
  });

  it('the twin answered every call with bodies its own contract allows', () => {
    expect(s.kernel.responseViolations).toEqual([]);
  });
});

describe('tenants', () => {
  it("a second org lives under its own prefix, with its own links, and refuses the first org's token", async () => {
    const created = await s.control('POST', 'tenants', { id: 'second-org', seed: 42 });
    expect(created.status).toBe(201);
    const env = created.body.env as Record<string, string>;
    expect(env.OKTA_ORG_URL).toBe(`${s.url}/t/second-org`);
    const client = new okta.Client({ orgUrl: env.OKTA_ORG_URL, token: env.OKTA_API_TOKEN });
    const people = await all(await client.userApi.listUsers({ limit: 5 }));
    expect(people.length).toBeGreaterThan(5);
    expect(people[0]._links?.self?.href).toMatch(new RegExp(`^${env.OKTA_ORG_URL}/api/v1/users/00u`));
    // Same seed, same people; yet nothing made in the first org is here.
    expect(people.map((p) => p.profile?.login)).not.toContain('pat.active@example.test');
    const foreign = new okta.Client({ orgUrl: env.OKTA_ORG_URL, token: s.env.OKTA_API_TOKEN });
    const err = await rejection(foreign.userApi.getUser({ userId: 'me' }));
    expect(err.status).toBe(401);
    expect(err.errorCode).toBe('E0000011');
  });
});

describe('rate limits', () => {
  it("the SDK's default executor waits out a 429 (X-Rate-Limit-Reset − Date) and succeeds", async () => {
    const tight = createOktaTwin({ rateLimits: { ...OKTA_RATE_LIMITS, users: { perMinute: 60, burst: 2 } } });
    const r = await startOkta({ seed: 3, rateLimits: true, twin: tight as TwinDefinition<unknown, unknown> });
    try {
      const me = r.env.OKTA_TEST_USERNAME;
      const client = new okta.Client({ orgUrl: r.env.OKTA_ORG_URL, token: r.env.OKTA_API_TOKEN, cacheMiddleware: null });
      const backoffs: number[] = [];
      (client.requestExecutor as unknown as { on(e: string, f: (...a: unknown[]) => void): void }).on(
        'backoff',
        (_req, _res, _id, delayMs) => backoffs.push(delayMs as number),
      );
      for (let i = 0; i < 3; i++) expect((await client.userApi.getUser({ userId: me })).profile?.login).toBe(me);
      expect(backoffs.length).toBe(1);
      expect(backoffs[0]).toBeGreaterThanOrEqual(1000);
      expect(backoffs[0]).toBeLessThanOrEqual(3000);
      // The bucket holds two: of three calls at once, at least one is refused.
      const raws = await Promise.all(
        [1, 2, 3].map(() => fetch(`${r.env.OKTA_ORG_URL}/api/v1/users/me`, { headers: { authorization: `SSWS ${r.env.OKTA_API_TOKEN}` } })),
      );
      const raw = raws.find((x) => x.status === 429) as Response;
      expect(raw?.status).toBe(429);
      expect(((await raw.json()) as Json).errorCode).toBe('E0000047');
      expect(raw.headers.get('x-rate-limit-remaining')).toBe('0');
    } finally {
      await r.close();
    }
  });
});
