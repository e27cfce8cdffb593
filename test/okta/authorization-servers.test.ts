// Authorization servers' admin API through okta-sdk-nodejs's AuthorizationServerApi (unmodified) over HTTP, and what it changes at the token and authorize endpoints.

import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Json, type OktaFixture, rejection, startOkta } from './support.ts';

// Processes over HTTP on a loaded machine: the first OAuth request also loads the engine and makes a key.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

let s: OktaFixture;

beforeAll(async () => {
  s = await startOkta({ seed: 23 });
});
afterAll(async () => {
  await s?.close();
});

function claimsOf(jwt: string): Json {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Json;
}

/** A confidential service app (client_credentials, client_secret_basic) made through the apps API. */
async function serviceApp(label: string): Promise<{ id: string; clientId: string; secret: string }> {
  const app = (await s.client.applicationApi.createApplication({
    application: {
      name: 'oidc_client',
      label,
      signOnMode: 'OPENID_CONNECT',
      credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_basic' } },
      settings: { oauthClient: { grant_types: ['client_credentials'], response_types: ['token'], application_type: 'service' } },
    } as never,
  })) as Json;
  return { id: app.id, clientId: app.credentials.oauthClient.client_id, secret: app.credentials.oauthClient.client_secret };
}

async function clientCredentials(issuer: string, app: { clientId: string; secret: string }, scope: string) {
  const res = await fetch(`${issuer}/v1/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${app.clientId}:${app.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

describe('authorization servers', () => {
  let server: Json;
  let app: { id: string; clientId: string; secret: string };

  beforeAll(async () => {
    server = (await s.client.authorizationServerApi.createAuthorizationServer({
      authorizationServer: { name: 'Orders', description: 'Orders API', audiences: ['api://orders'] },
    })) as Json;
    app = await serviceApp('Orders worker');
  });

  it('creates a server with its own issuer, discovery and keys', async () => {
    expect(server.id).toMatch(/^aus/);
    expect(server.issuer).toBe(`${s.env.OKTA_ORG_URL}/oauth2/${server.id}`);
    expect(server.status).toBe('ACTIVE');
    const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Json;
    expect(discovery.issuer).toBe(server.issuer);
    expect(discovery.token_endpoint).toBe(`${server.issuer}/v1/token`);
    const keys = (await (await fetch(discovery.jwks_uri)).json()) as Json;
    expect(keys.keys.length).toBeGreaterThan(0);
    expect(keys.keys[0].kid).toBeTruthy();
    const listed = [];
    for await (const x of await s.client.authorizationServerApi.listAuthorizationServers({})) if (x) listed.push(x.id);
    expect(listed).toContain('default');
    expect(listed).toContain(server.id);
    const bad = await rejection(
      s.client.authorizationServerApi.createAuthorizationServer({ authorizationServer: { name: 'No audience', audiences: [] } }),
    );
    expect(bad.status).toBe(400);
    expect(bad.errorCode).toBe('E0000001');
  });

  it('grants a scope only through a policy rule: none yet → access_denied; unknown scope → invalid_scope', async () => {
    await s.client.authorizationServerApi.createOAuth2Scope({ authServerId: server.id, oAuth2Scope: { name: 'orders.read' } });
    await s.client.authorizationServerApi.createOAuth2Scope({ authServerId: server.id, oAuth2Scope: { name: 'orders.write' } });
    const scopes = (await s.client.authorizationServerApi.listOAuth2Scopes({ authServerId: server.id })) as unknown as AsyncIterable<Json>;
    const names: string[] = [];
    for await (const x of scopes) if (x) names.push(x.name);
    expect(names).toEqual(expect.arrayContaining(['openid', 'orders.read', 'orders.write']));

    const before = await clientCredentials(server.issuer, app, 'orders.read');
    expect(before.status).toBe(400);
    expect(before.body.error).toBe('access_denied');

    const policy = (await s.client.authorizationServerApi.createAuthorizationServerPolicy({
      authServerId: server.id,
      policy: {
        type: 'OAUTH_AUTHORIZATION_POLICY',
        name: 'Workers',
        description: 'Orders workers',
        status: 'ACTIVE',
        priority: 1,
        conditions: { clients: { include: [app.clientId] } },
      } as never,
    })) as Json;
    expect(policy.id).toBeTruthy();
    const rule = (await s.client.authorizationServerApi.createAuthorizationServerPolicyRule({
      authServerId: server.id,
      policyId: policy.id,
      policyRule: {
        type: 'RESOURCE_ACCESS',
        name: 'Read only',
        priority: 1,
        conditions: {
          people: { groups: { include: ['EVERYONE'] } },
          grantTypes: { include: ['client_credentials'] },
          scopes: { include: ['orders.read'] },
        },
        actions: { token: { accessTokenLifetimeMinutes: 60 } },
      } as never,
    })) as Json;
    expect(rule.conditions.scopes.include).toEqual(['orders.read']);

    const granted = await clientCredentials(server.issuer, app, 'orders.read');
    expect(granted.status).toBe(200);
    const at = claimsOf(granted.body.access_token);
    expect(at.iss).toBe(server.issuer);
    expect(at.aud).toBe('api://orders');
    expect(at.scp).toEqual(['orders.read']);
    expect(at.cid).toBe(app.clientId);

    const write = await clientCredentials(server.issuer, app, 'orders.write');
    expect(write.status).toBe(400);
    expect(write.body.error).toBe('access_denied');
    const unknown = await clientCredentials(server.issuer, app, 'orders.delete');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('invalid_scope');
    // Another client is not named by the policy.
    const other = await clientCredentials(server.issuer, await serviceApp('Other worker'), 'orders.read');
    expect(other.body.error).toBe('access_denied');

    // A token of this server does not open the management API.
    const mgmt = await s.api('GET', '/api/v1/users', undefined, { authorization: `Bearer ${granted.body.access_token}` });
    expect(mgmt.status).toBe(401);
  });

  it('puts a RESOURCE claim into the access token', async () => {
    const claim = (await s.client.authorizationServerApi.createOAuth2Claim({
      authServerId: server.id,
      oAuth2Claim: {
        name: 'tier',
        status: 'ACTIVE',
        claimType: 'RESOURCE',
        valueType: 'EXPRESSION',
        value: '"gold"',
        conditions: { scopes: [] },
      } as never,
    })) as Json;
    expect(claim.name).toBe('tier');
    const granted = await clientCredentials(server.issuer, app, 'orders.read');
    expect(claimsOf(granted.body.access_token).tier).toBe('gold');
    const bad = await rejection(
      s.client.authorizationServerApi.createOAuth2Claim({
        authServerId: server.id,
        oAuth2Claim: { name: 'broken', claimType: 'RESOURCE', valueType: 'EXPRESSION', value: 'String.nope(user.login' } as never,
      }),
    );
    expect(bad.errorCode).toBe('E0000001');
  });

  it('a deactivated server answers 404 at its endpoints; deleted only when INACTIVE', async () => {
    const temp = (await s.client.authorizationServerApi.createAuthorizationServer({
      authorizationServer: { name: 'Temp', audiences: ['api://temp'] },
    })) as Json;
    const active = await s.api('DELETE', `/api/v1/authorizationServers/${temp.id}`);
    expect(active.status).toBe(400);
    await s.client.authorizationServerApi.deactivateAuthorizationServer({ authServerId: temp.id });
    expect((await fetch(`${temp.issuer}/.well-known/openid-configuration`)).status).toBe(404);
    await s.client.authorizationServerApi.deleteAuthorizationServer({ authServerId: temp.id });
    const gone = await rejection(s.client.authorizationServerApi.getAuthorizationServer({ authServerId: temp.id }));
    expect(gone.errorCode).toBe('E0000007');
  });
});

describe('claims in sign-in tokens (default server)', () => {
  async function codeFor(issuer: string, scope: string): Promise<{ code?: string; error?: string; verifier: string }> {
    const authn = await s.api(
      'POST',
      '/api/v1/authn',
      { username: s.env.OKTA_TEST_USERNAME, password: s.env.OKTA_TEST_PASSWORD },
      { 'content-type': 'application/json' },
    );
    const verifier = randomBytes(32).toString('base64url');
    const q = new URLSearchParams({
      client_id: s.env.OKTA_CLIENT_ID,
      redirect_uri: s.env.OKTA_REDIRECT_URI,
      response_type: 'code',
      scope,
      state: 'st',
      nonce: 'n-1',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      sessionToken: authn.body.sessionToken,
    });
    const jar = new Map<string, string>();
    let url = `${issuer}/v1/authorize?${q}`;
    for (let hop = 0; hop < 10; hop++) {
      const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
      }
      await res.arrayBuffer();
      const location = res.headers.get('location');
      if (!location) throw new Error(`the authorize chain stopped at ${res.status}`);
      const next = new URL(location, url);
      if (!next.toString().startsWith(s.env.OKTA_ORG_URL))
        return { code: next.searchParams.get('code') ?? undefined, error: next.searchParams.get('error') ?? undefined, verifier };
      url = next.toString();
    }
    throw new Error('too many redirects');
  }

  it('a groups claim by filter (STARTS_WITH in the id token, REGEX in the access token)', async () => {
    await s.client.authorizationServerApi.createOAuth2Claim({
      authServerId: 'default',
      oAuth2Claim: {
        name: 'eng_groups',
        status: 'ACTIVE',
        claimType: 'IDENTITY',
        valueType: 'GROUPS',
        group_filter_type: 'STARTS_WITH',
        value: 'Eng',
        conditions: { scopes: [] },
      } as never,
    });
    await s.client.authorizationServerApi.createOAuth2Claim({
      authServerId: 'default',
      oAuth2Claim: {
        name: 'all_groups',
        status: 'ACTIVE',
        claimType: 'RESOURCE',
        valueType: 'GROUPS',
        group_filter_type: 'REGEX',
        value: '.*',
        conditions: { scopes: [] },
      } as never,
    });
    const { code, verifier } = await codeFor(s.env.OKTA_ISSUER, 'openid profile');
    expect(code).toBeTruthy();
    const res = await fetch(`${s.env.OKTA_ISSUER}/v1/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${s.env.OKTA_CLIENT_ID}:${s.env.OKTA_CLIENT_SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code as string,
        redirect_uri: s.env.OKTA_REDIRECT_URI,
        code_verifier: verifier,
      }),
    });
    const body = (await res.json()) as Json;
    expect(res.status).toBe(200);
    const groups = (await s.client.userApi.listUserGroups({ userId: s.env.OKTA_TEST_USERNAME })) as unknown as AsyncIterable<Json>;
    const names: string[] = [];
    for await (const g of groups) if (g) names.push(g.profile.name);
    expect(names.length).toBeGreaterThan(1);
    expect(claimsOf(body.id_token).eng_groups).toEqual(names.filter((n) => n.startsWith('Eng')));
    expect(claimsOf(body.id_token).eng_groups.length).toBeGreaterThan(0);
    expect([...claimsOf(body.access_token).all_groups].sort()).toEqual([...names].sort());
  });

  it('authorize on a server whose policy does not cover the client redirects with access_denied', async () => {
    const other = (await s.client.authorizationServerApi.createAuthorizationServer({
      authorizationServer: { name: 'Closed', audiences: ['api://closed'] },
    })) as Json;
    const { code, error } = await codeFor(other.issuer, 'openid');
    expect(code).toBeUndefined();
    expect(error).toBe('access_denied');
  });

  it('every answer matched the contract', () => {
    expect(s.kernel.responseViolations).toEqual([]);
  });
});
