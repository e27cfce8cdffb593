// Applications API of the Okta twin through okta-sdk-nodejs's ApplicationApi (unmodified) over HTTP, and app assignment deciding who may sign in.

import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Json, type OktaFixture, rejection, startOkta } from './support.ts';

// Processes over HTTP on a loaded machine: the first OAuth request also loads the engine and makes a key.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

let s: OktaFixture;

beforeAll(async () => {
  s = await startOkta({ seed: 11 });
});
afterAll(async () => {
  await s?.close();
});

async function all<T>(collection: AsyncIterable<T | null>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of collection) if (item !== null) out.push(item);
  return out;
}

function webApp(label: string, extra: Json = {}): Json {
  return {
    name: 'oidc_client',
    label,
    signOnMode: 'OPENID_CONNECT',
    credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_basic' } },
    settings: {
      oauthClient: {
        redirect_uris: ['http://localhost:3000/callback'],
        response_types: ['code'],
        grant_types: ['authorization_code', 'refresh_token'],
        application_type: 'web',
      },
    },
    ...extra,
  };
}

async function eventsOf(type: string): Promise<Json[]> {
  const since = encodeURIComponent(new Date(0).toISOString());
  const res = await s.api('GET', `/api/v1/logs?since=${since}&limit=1000&filter=${encodeURIComponent(`eventType eq "${type}"`)}`);
  expect(res.status).toBe(200);
  return res.body as unknown as Json[];
}

describe('applications', () => {
  it('lists the seeded web and service apps with the env client ids', async () => {
    const apps = await all(await s.client.applicationApi.listApplications({}));
    const ids = apps.map((a) => (a as Json).credentials?.oauthClient?.client_id);
    expect(ids).toContain(s.env.OKTA_CLIENT_ID);
    expect(ids).toContain(s.env.OKTA_SERVICE_CLIENT_ID);
    const web = apps.find((a) => (a as Json).credentials?.oauthClient?.client_id === s.env.OKTA_CLIENT_ID) as Json;
    expect(web.signOnMode).toBe('OPENID_CONNECT');
    expect(web.settings.oauthClient.redirect_uris).toContain(s.env.OKTA_REDIRECT_URI);
    expect(web.settings.oauthClient.grant_types).toEqual(['authorization_code', 'refresh_token']);
    const service = apps.find((a) => (a as Json).credentials?.oauthClient?.client_id === s.env.OKTA_SERVICE_CLIENT_ID) as Json;
    expect(service.credentials.oauthClient.token_endpoint_auth_method).toBe('private_key_jwt');
    expect(service.settings.oauthClient.application_type).toBe('service');
  });

  it('creates a web app with a generated secret that works at the token endpoint, and logs its creation', async () => {
    const created = (await s.client.applicationApi.createApplication({ application: webApp('Made by test') as never })) as Json;
    expect(created.id).toMatch(/^0oa/);
    expect(created.status).toBe('ACTIVE');
    expect(created._links.self.href).toBe(`${s.env.OKTA_ORG_URL}/api/v1/apps/${created.id}`);
    const { client_id, client_secret } = created.credentials.oauthClient;
    expect(typeof client_id).toBe('string');
    expect(client_secret.length).toBeGreaterThanOrEqual(32);
    const read = (await s.client.applicationApi.getApplication({ appId: created.id })) as Json;
    expect(read.label).toBe('Made by test');
    expect(read.credentials.oauthClient.client_secret).toBe(client_secret);
    expect((await eventsOf('application.lifecycle.create')).some((e) => e.target[0]?.id === created.id)).toBe(true);
  });

  it('creates a service app with private_key_jwt from a JWKS and it gets a client_credentials token', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = 'test-key-1';
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
    const created = (await s.client.applicationApi.createApplication({
      application: {
        name: 'oidc_client',
        label: 'Service by test',
        signOnMode: 'OPENID_CONNECT',
        credentials: { oauthClient: { token_endpoint_auth_method: 'private_key_jwt' } },
        settings: {
          oauthClient: {
            grant_types: ['client_credentials'],
            response_types: ['token'],
            application_type: 'service',
            jwks: { keys: [jwk] },
          },
        },
      } as never,
    })) as Json;
    expect(created.credentials.oauthClient.client_secret).toBeUndefined();
    expect(created.settings.oauthClient.jwks.keys[0].kid).toBe(kid);
    const clientId = created.credentials.oauthClient.client_id as string;
    const tokenUrl = `${s.env.OKTA_ISSUER}/v1/token`;
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const head = b64({ alg: 'RS256', kid, typ: 'JWT' });
    const body = b64({ iss: clientId, sub: clientId, aud: tokenUrl, iat: now, exp: now + 300, jti: randomBytes(8).toString('hex') });
    const { sign } = await import('node:crypto');
    const sig = sign('sha256', Buffer.from(`${head}.${body}`), privateKey).toString('base64url');
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'openid',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: `${head}.${body}.${sig}`,
      }),
    });
    // `openid` is not allowed for client_credentials: Okta's invalid_scope proves the client authenticated far enough.
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error).toBe('invalid_scope');
  });

  it('refuses bad settings with E0000001 and causes', async () => {
    const noRedirect = await rejection(
      s.client.applicationApi.createApplication({
        application: webApp('No redirect', {
          settings: { oauthClient: { grant_types: ['authorization_code'], application_type: 'web' } },
        }) as never,
      }),
    );
    expect(noRedirect.status).toBe(400);
    expect(noRedirect.errorCode).toBe('E0000001');
    expect(JSON.stringify(noRedirect.errorCauses)).toContain('redirect_uris');
    const badService = await s.api('POST', '/api/v1/apps', {
      name: 'oidc_client',
      label: 'Bad service',
      signOnMode: 'OPENID_CONNECT',
      credentials: { oauthClient: { token_endpoint_auth_method: 'private_key_jwt' } },
      settings: { oauthClient: { grant_types: ['client_credentials'], application_type: 'service' } },
    });
    expect(badService.status).toBe(400);
    expect(badService.body.errorCode).toBe('E0000001');
    expect(JSON.stringify(badService.body.errorCauses)).toContain('jwks');
  });

  it('pages apps with limit and after through Link headers, q and filter', async () => {
    for (const n of [1, 2, 3]) await s.client.applicationApi.createApplication({ application: webApp(`Paged ${n}`) as never });
    const first = await s.api('GET', '/api/v1/apps?limit=2');
    expect(first.body.length).toBe(2);
    const link = first.headers.get('link') as string;
    expect(link).toContain(`<${s.env.OKTA_ORG_URL}/api/v1/apps?limit=2>; rel="self"`);
    expect(link).toMatch(/rel="next"/);
    const everything = await all(await s.client.applicationApi.listApplications({ limit: 2 }));
    const ids = everything.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(s.kernel.tenants.default().state ? (s.kernel.tenants.default().state as Json).apps.size : 0);
    const paged = await all(await s.client.applicationApi.listApplications({ q: 'paged' }));
    expect(paged.map((a) => a.label).sort()).toEqual(['Paged 1', 'Paged 2', 'Paged 3']);
    const active = await all(await s.client.applicationApi.listApplications({ filter: 'status eq "ACTIVE"' }));
    expect(active.length).toBe(ids.length);
    const bad = await s.api('GET', `/api/v1/apps?filter=${encodeURIComponent('status eq "ACTIVE')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.errorCode).toBe('E0000031');
  });

  it('replaces settings with PUT, keeping the client id', async () => {
    const created = (await s.client.applicationApi.createApplication({ application: webApp('To replace') as never })) as Json;
    const replaced = (await s.client.applicationApi.replaceApplication({
      appId: created.id,
      application: webApp('Replaced', {
        settings: {
          oauthClient: {
            redirect_uris: ['http://localhost:4000/cb', 'http://localhost:4001/cb'],
            grant_types: ['authorization_code'],
            application_type: 'web',
          },
        },
      }) as never,
    })) as Json;
    expect(replaced.label).toBe('Replaced');
    expect(replaced.credentials.oauthClient.client_id).toBe(created.credentials.oauthClient.client_id);
    expect(replaced.settings.oauthClient.redirect_uris).toEqual(['http://localhost:4000/cb', 'http://localhost:4001/cb']);
  });

  it('deletes only an INACTIVE app (E0000056 while ACTIVE), and a deactivated client gets no token', async () => {
    const created = (await s.client.applicationApi.createApplication({
      application: {
        name: 'oidc_client',
        label: 'Short-lived',
        signOnMode: 'OPENID_CONNECT',
        credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_post' } },
        settings: { oauthClient: { grant_types: ['client_credentials'], application_type: 'service' } },
      } as never,
    })) as Json;
    const { client_id, client_secret } = created.credentials.oauthClient;
    const err = await rejection(s.client.applicationApi.deleteApplication({ appId: created.id }));
    expect(err.status).toBe(403);
    expect(err.errorCode).toBe('E0000056');
    await s.client.applicationApi.deactivateApplication({ appId: created.id });
    expect(((await s.client.applicationApi.getApplication({ appId: created.id })) as Json).status).toBe('INACTIVE');
    const token = await fetch(`${s.env.OKTA_ORG_URL}/oauth2/default/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'openid', client_id, client_secret }),
    });
    expect(token.status).toBe(401);
    expect(((await token.json()) as Json).error).toBe('invalid_client');
    await s.client.applicationApi.deleteApplication({ appId: created.id });
    const gone = await rejection(s.client.applicationApi.getApplication({ appId: created.id }));
    expect(gone.status).toBe(404);
    expect(gone.errorCode).toBe('E0000007');
    const types = (await eventsOf('application.lifecycle.deactivate')).concat(await eventsOf('application.lifecycle.delete'));
    expect(types.filter((e) => e.target[0]?.id === created.id).map((e) => e.eventType)).toEqual([
      'application.lifecycle.deactivate',
      'application.lifecycle.delete',
    ]);
  });
});

describe('assignments', () => {
  const PASSWORD = 'Correct-Horse-9';

  async function person(login: string): Promise<Json> {
    const res = await s.api('POST', '/api/v1/users', {
      profile: { login, email: login, firstName: 'Ari', lastName: 'Kim' },
      credentials: { password: { value: PASSWORD } },
    });
    expect(res.status).toBe(200);
    return res.body;
  }

  /** Sign in through authorize?sessionToken= for this client; the redirect's code, or the status the chain stopped at. */
  async function signIn(login: string, clientId: string, redirectUri: string): Promise<{ code?: string; status: number }> {
    const authn = await s.api('POST', '/api/v1/authn', { username: login, password: PASSWORD }, { 'content-type': 'application/json' });
    expect(authn.body.status).toBe('SUCCESS');
    const verifier = randomBytes(32).toString('base64url');
    const q = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid',
      state: 's',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      sessionToken: authn.body.sessionToken,
    });
    const jar = new Map<string, string>();
    let url = `${s.env.OKTA_ISSUER}/v1/authorize?${q}`;
    for (let hop = 0; hop < 10; hop++) {
      const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
      }
      await res.arrayBuffer();
      const location = res.headers.get('location');
      if (!location) return { status: res.status };
      const next = new URL(location, url);
      if (!next.toString().startsWith(s.env.OKTA_ORG_URL)) return { code: next.searchParams.get('code') ?? undefined, status: res.status };
      url = next.toString();
    }
    throw new Error('too many redirects');
  }

  it('only assigned people (directly or by group) sign in; assignments are listed, logged and show as app links', async () => {
    const app = (await s.client.applicationApi.createApplication({ application: webApp('Assigned only') as never })) as Json;
    const clientId = app.credentials.oauthClient.client_id as string;
    const redirect = 'http://localhost:3000/callback';
    const direct = await person('ari.direct@example.test');
    const viaGroup = await person('ari.group@example.test');
    const outsider = await person('ari.outsider@example.test');

    expect((await signIn(direct.profile.login, clientId, redirect)).status).toBe(401);

    const assignment = (await s.client.applicationApi.assignUserToApplication({
      appId: app.id,
      appUser: { id: direct.id } as never,
    })) as Json;
    expect(assignment.id).toBe(direct.id);
    expect(assignment.scope).toBe('USER');
    const group = await s.client.groupApi.createGroup({ group: { profile: { name: 'App testers' } } });
    await s.client.groupApi.assignUserToGroup({ groupId: group.id as string, userId: viaGroup.id });
    const ga = (await s.client.applicationApi.assignGroupToApplication({ appId: app.id, groupId: group.id as string })) as Json;
    expect(ga.id).toBe(group.id);

    expect((await signIn(direct.profile.login, clientId, redirect)).code).toBeTruthy();
    expect((await signIn(viaGroup.profile.login, clientId, redirect)).code).toBeTruthy();
    expect((await signIn(outsider.profile.login, clientId, redirect)).status).toBe(401);

    const users = (await all(await s.client.applicationApi.listApplicationUsers({ appId: app.id }))) as Json[];
    expect(users.map((u) => [u.id, u.scope]).sort()).toEqual(
      [
        [direct.id, 'USER'],
        [viaGroup.id, 'GROUP'],
      ].sort(),
    );
    const groups = (await all(await s.client.applicationApi.listApplicationGroupAssignments({ appId: app.id }))) as Json[];
    expect(groups.map((g) => g.id)).toEqual([group.id]);
    const links = await s.api('GET', `/api/v1/users/${direct.id}/appLinks`);
    expect(links.body.map((l: Json) => l.appInstanceId)).toContain(app.id);
    const outsiderLinks = await s.api('GET', `/api/v1/users/${outsider.id}/appLinks`);
    expect(outsiderLinks.body.map((l: Json) => l.appInstanceId)).not.toContain(app.id);

    const filtered = await all(await s.client.applicationApi.listApplications({ filter: `user.id eq "${viaGroup.id}"` }));
    expect(filtered.map((a) => a.id)).toContain(app.id);

    await s.client.applicationApi.unassignUserFromApplication({ appId: app.id, userId: direct.id });
    expect((await signIn(direct.profile.login, clientId, redirect)).status).toBe(401);
    const missing = await rejection(s.client.applicationApi.getApplicationUser({ appId: app.id, userId: direct.id }));
    expect(missing.errorCode).toBe('E0000007');
    await s.client.applicationApi.unassignApplicationFromGroup({ appId: app.id, groupId: group.id as string });
    expect((await signIn(viaGroup.profile.login, clientId, redirect)).status).toBe(401);

    const adds = (await eventsOf('application.user_membership.add')).filter((e) => e.target.some((t: Json) => t.id === app.id));
    const removes = (await eventsOf('application.user_membership.remove')).filter((e) => e.target.some((t: Json) => t.id === app.id));
    expect(adds.map((e) => e.target[0].id)).toEqual([direct.id]);
    expect(removes.map((e) => e.target[0].id)).toEqual([direct.id]);
  });

  it('a sign-in session made for one app does not open another the person is not assigned to (access_denied)', async () => {
    const app = (await s.client.applicationApi.createApplication({ application: webApp('Closed app') as never })) as Json;
    const who = await person('ari.session@example.test');
    const authn = await s.api(
      'POST',
      '/api/v1/authn',
      { username: who.profile.login, password: PASSWORD },
      { 'content-type': 'application/json' },
    );
    const jar = new Map<string, string>();
    const follow = async (start: string): Promise<URL | undefined> => {
      let url = start;
      for (let hop = 0; hop < 10; hop++) {
        const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
        for (const c of res.headers.getSetCookie()) {
          const [pair] = c.split(';');
          const eq = pair.indexOf('=');
          jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
        }
        await res.arrayBuffer();
        const location = res.headers.get('location');
        if (!location) return undefined;
        const next = new URL(location, url);
        if (!next.toString().startsWith(s.env.OKTA_ORG_URL)) return next;
        url = next.toString();
      }
      throw new Error('too many redirects');
    };
    const authorize = (clientId: string, redirectUri: string, extra: Record<string, string> = {}) =>
      `${s.env.OKTA_ISSUER}/v1/authorize?${new URLSearchParams({
        client_id: clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid',
        state: 'x',
        code_challenge: createHash('sha256').update('v'.repeat(43)).digest('base64url'),
        code_challenge_method: 'S256',
        ...extra,
      })}`;
    // Signed in to the seeded web app (assigned to Everyone)…
    const first = await follow(authorize(s.env.OKTA_CLIENT_ID, s.env.OKTA_REDIRECT_URI, { sessionToken: authn.body.sessionToken }));
    expect(first?.searchParams.get('code')).toBeTruthy();
    // …the same browser session is refused by an app the person is not assigned to.
    const second = await follow(authorize(app.credentials.oauthClient.client_id, 'http://localhost:3000/callback'));
    expect(second?.searchParams.get('error')).toBe('access_denied');
    expect(second?.searchParams.get('code')).toBeNull();
    // Once assigned, the session opens it silently.
    await s.client.applicationApi.assignUserToApplication({ appId: app.id, appUser: { id: who.id } as never });
    const third = await follow(authorize(app.credentials.oauthClient.client_id, 'http://localhost:3000/callback'));
    expect(third?.searchParams.get('code')).toBeTruthy();
  });

  it('every answer matched the contract', () => {
    expect(s.kernel.responseViolations).toEqual([]);
  });
});
