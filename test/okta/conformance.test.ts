// Checks the Okta twin's contract against Okta's management and OAuth documents (deliberate differences listed in docs/twins/okta-differences.json), and that a walk over the API answers only what the contract declares.

import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKernel, type Kernel } from '../../src/index.ts';
import { oktaOperations, oktaTwin } from '../../twins/okta/index.ts';
import {
  compareOperation,
  type DeliberateDifferences,
  type LocatedOperation,
  listedFor,
  mentionedNames,
  operationsOf,
  readDocument,
} from '../support/vendor-conformance.ts';
import type { Json } from './support.ts';

const DIFFERENCES = JSON.parse(
  readFileSync(new URL('../../docs/twins/okta-differences.json', import.meta.url), 'utf8'),
) as DeliberateDifferences;
const contract = readDocument(new URL('../../twins/okta/openapi.yaml', import.meta.url));
const implemented = new Set(Object.keys(oktaOperations));
/** The operations the twin serves (the rest of its contract answers 501 and is not compared). */
const ours = operationsOf(contract).filter((o) => o.op.operationId && implemented.has(o.op.operationId));
const byId = new Map(ours.map((o) => [o.op.operationId as string, o]));

const vendorUrls = ['okta-management.yaml', 'okta-oauth.yaml'].map((f) => new URL(`../../../shared/specs/${f}`, import.meta.url));
const missing = vendorUrls.filter((u) => !existsSync(u));
if (missing.length > 0)
  console.warn(`${missing.map((u) => u.pathname).join(', ')} not found: conformance against Okta's documents skipped`);

describe('Okta deliberate differences (docs/twins/okta-differences.json)', () => {
  it('name only operations the twin implements', () => {
    const named = mentionedNames(DIFFERENCES).filter((id) => !byId.has(id));
    expect(named, 'listed operations the twin does not serve (stale entries)').toEqual([]);
  });

  it('are each described in docs/twins/okta-differences.md', () => {
    const page = readFileSync(new URL('../../docs/twins/okta-differences.md', import.meta.url), 'utf8');
    for (const id of mentionedNames(DIFFERENCES)) expect(page, `${id} is described`).toContain(`\`${id}\``);
  });
});

(missing.length === 0 ? describe : describe.skip)("Okta contract against Okta's documents (okta-management.yaml, okta-oauth.yaml)", () => {
  let vendor: LocatedOperation[] = [];
  beforeAll(() => {
    // The management document is 3.5 MB of YAML: parsed once, generously timed for a loaded machine.
    vendor = vendorUrls.flatMap((u) => operationsOf(readDocument(u)));
  }, 120_000);

  it('serves more than a handful of operations (the comparison below is not empty)', () => {
    expect(ours.length).toBeGreaterThanOrEqual(60);
    expect(vendor.length).toBeGreaterThan(700);
  });

  // One case per operation: Okta documents it (path and method), required parameters agree, our
  // statuses are Okta's, and the property names of our success answers are in Okta's schemas (three
  // levels deep); anything else is listed, and every listed difference still occurs.
  it.each([...byId.keys()])('%s agrees with the vendor documents, or differs only as listed', (id) => {
    const found = compareOperation(byId.get(id) as LocatedOperation, vendor, { depth: 3 });
    expect({
      notInVendor: found.vendor === undefined,
      requiredParameters: found.requiredParameters,
      statuses: found.statuses,
      properties: found.properties,
    }).toEqual(listedFor(DIFFERENCES, id));
  });
});

// ---------- every answer of a walk validates against the twin's own contract ----------

type Step = [method: string, path: string, body?: unknown, expected?: number];

describe('Okta answers validate against twins/okta/openapi.yaml', () => {
  let kernel: Kernel<unknown, unknown>;
  let receiver: Server;
  let receiverUrl: string;
  const base = 'http://okta.conformance.test';
  let env: Record<string, string>;

  beforeAll(async () => {
    kernel = createKernel(oktaTwin, { rateLimits: false, recordResponseViolations: true, seed: 11 }) as Kernel<unknown, unknown>;
    env = kernel.env(kernel.tenants.default(), base);
    // An event hook endpoint: answers the one-time verification and takes deliveries.
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const challenge = req.headers['x-okta-verification-challenge'];
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(req.method === 'GET' ? JSON.stringify({ verification: challenge }) : '{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/okta/hooks`;
  });
  afterAll(async () => {
    kernel?.close();
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  });

  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = { authorization: `SSWS ${env.OKTA_API_TOKEN}` },
  ): Promise<{ status: number; body: Json }> {
    const h: Record<string, string> = { accept: 'application/json', ...headers };
    let payload: string | undefined;
    if (body instanceof URLSearchParams) {
      h['content-type'] = 'application/x-www-form-urlencoded';
      payload = body.toString();
    } else if (body !== undefined) {
      h['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await kernel.fetch(`${base}${path}`, { method, headers: h, body: payload, redirect: 'manual' });
    const text = await res.text();
    let parsed: Json = {};
    try {
      parsed = text ? (JSON.parse(text) as Json) : {};
    } catch {
      parsed = { text };
    }
    return { status: res.status, body: parsed };
  }

  it('over a walk through people, groups, the System Log, event hooks, authn and tokens records no response violation', async () => {
    const made = await call('POST', '/api/v1/users?activate=true', {
      profile: { firstName: 'Walk', lastName: 'Er', email: 'walker@example.test', login: 'walker@example.test', department: 'Eng' },
      credentials: { password: { value: 'Walk-the-line-42!' } },
    });
    expect(made.status).toBe(200);
    const user = made.body.id as string;
    const group = await call('POST', '/api/v1/groups', { profile: { name: 'Walkers', description: 'people who walk' } });
    expect(group.status).toBe(200);
    const groupId = group.body.id as string;
    const hook = await call('POST', '/api/v1/eventHooks', {
      name: 'walk hook',
      events: { type: 'EVENT_TYPE', items: ['user.lifecycle.deactivate', 'group.user_membership.add'] },
      channel: { type: 'HTTP', version: '1.0.0', config: { uri: receiverUrl, headers: [], authScheme: null } },
    });
    expect(hook.status).toBe(200);
    const hookId = hook.body.id as string;

    const steps: Step[] = [
      ['GET', '/api/v1/users?limit=2'],
      ['GET', `/api/v1/users?search=${encodeURIComponent('profile.department eq "Eng"')}`],
      ['GET', `/api/v1/users?filter=${encodeURIComponent('status eq "ACTIVE"')}&limit=5`],
      ['GET', '/api/v1/users?q=walk'],
      ['GET', `/api/v1/users/${user}`],
      ['GET', `/api/v1/users/${encodeURIComponent('walker@example.test')}`],
      ['POST', `/api/v1/users/${user}`, { profile: { title: 'Walker' } }],
      [
        'PUT',
        `/api/v1/users/${user}`,
        { profile: { firstName: 'Walk', lastName: 'Er', email: 'walker@example.test', login: 'walker@example.test', department: 'Eng' } },
      ],
      ['PUT', `/api/v1/groups/${groupId}/users/${user}`, undefined, 204],
      ['GET', `/api/v1/groups/${groupId}/users`],
      ['GET', `/api/v1/users/${user}/groups`],
      ['GET', `/api/v1/users/${user}/appLinks`],
      ['GET', '/api/v1/groups?q=Walk'],
      ['GET', `/api/v1/groups/${groupId}`],
      ['PUT', `/api/v1/groups/${groupId}`, { profile: { name: 'Walkers', description: 'renamed' } }],
      ['POST', `/api/v1/users/${user}/lifecycle/suspend`],
      ['POST', `/api/v1/users/${user}/lifecycle/unsuspend`],
      ['POST', `/api/v1/users/${user}/lifecycle/expire_password`],
      ['POST', `/api/v1/users/${user}/lifecycle/reset_password?sendEmail=false`],
      ['POST', `/api/v1/users/${user}/lifecycle/unlock`, undefined, 403],
      ['POST', `/api/v1/eventHooks/${hookId}/lifecycle/verify`],
      ['GET', `/api/v1/eventHooks/${hookId}`],
      ['GET', '/api/v1/eventHooks'],
      ['POST', `/api/v1/eventHooks/${hookId}/lifecycle/deactivate`],
      ['POST', `/api/v1/eventHooks/${hookId}/lifecycle/activate`],
      ['POST', `/api/v1/users/${user}/lifecycle/deactivate`],
      ['POST', `/api/v1/users/${user}/lifecycle/activate?sendEmail=false`],
      ['DELETE', `/api/v1/groups/${groupId}/users/${user}`, undefined, 204],
      ['GET', '/api/v1/logs?limit=20'],
      ['GET', `/api/v1/logs?filter=${encodeURIComponent('eventType eq "user.lifecycle.deactivate"')}&since=2000-01-01T00:00:00.000Z`],
      ['GET', '/api/v1/users/00unope00000000000000', undefined, 404],
      ['GET', `/api/v1/users?filter=${encodeURIComponent('status eq')}`, undefined, 400],
      ['POST', '/api/v1/users', { profile: { login: 'not an email' } }, 400],
      // No credentials: Okta's E0000005 "Invalid session", a 403.
      ['GET', '/api/v1/users', undefined, 403],
      ['DELETE', `/api/v1/eventHooks/${hookId}`, undefined, 403],
      ['POST', `/api/v1/eventHooks/${hookId}/lifecycle/deactivate`],
      ['DELETE', `/api/v1/eventHooks/${hookId}`, undefined, 204],
      ['DELETE', `/api/v1/groups/${groupId}`, undefined, 204],
    ];
    for (const [method, path, body, expected] of steps) {
      const res = await call(method, path, body, path === '/api/v1/users' && expected === 403 ? {} : undefined);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(expected ?? 200);
    }

    // Primary authentication and a session, as older apps do it.
    const authn = await call('POST', '/api/v1/authn', { username: env.OKTA_TEST_USERNAME, password: env.OKTA_TEST_PASSWORD }, {});
    expect(authn.status).toBe(200);
    expect(authn.body.status).toBe('SUCCESS');
    expect((await call('POST', '/api/v1/authn', { username: env.OKTA_TEST_USERNAME, password: 'wrong' }, {})).status).toBe(401);
    const session = await call('POST', '/api/v1/sessions', { sessionToken: authn.body.sessionToken });
    expect(session.status).toBe(200);

    const reached = new Set(kernel.journal.query({}).map((e) => e.operation));
    expect(reached.size, 'the walk reached most of the management API').toBeGreaterThanOrEqual(30);
    expect(kernel.responseViolations, JSON.stringify(kernel.responseViolations, null, 1)).toEqual([]);
  }, 120_000);

  it('over the authorization servers (discovery, keys, client_credentials with private_key_jwt, introspection) records no response violation', async () => {
    const before = kernel.responseViolations.length;
    for (const path of [
      '/.well-known/openid-configuration',
      '/oauth2/default/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server',
      '/oauth2/v1/keys',
      '/oauth2/default/v1/keys',
    ]) {
      const res = await call('GET', path, undefined, {});
      expect(res.status, path).toBe(200);
    }

    // client_credentials with private_key_jwt on the org authorization server, then the token on the management API.
    const tokenUrl = `${base}/oauth2/v1/token`;
    const key = await importPKCS8(env.OKTA_SERVICE_PRIVATE_KEY, 'RS256');
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: env.OKTA_SERVICE_KEY_ID })
      .setIssuer(env.OKTA_SERVICE_CLIENT_ID)
      .setSubject(env.OKTA_SERVICE_CLIENT_ID)
      .setAudience(tokenUrl)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);
    const token = await call(
      'POST',
      '/oauth2/v1/token',
      new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'okta.users.read',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
      {},
    );
    expect(token.status, JSON.stringify(token.body)).toBe(200);
    const bearer = { authorization: `Bearer ${token.body.access_token}` };
    expect((await call('GET', '/api/v1/users?limit=1', undefined, bearer)).status).toBe(200);
    expect((await call('GET', '/api/v1/groups', undefined, bearer)).status).toBe(403);
    const introspect = await call(
      'POST',
      '/oauth2/v1/introspect',
      new URLSearchParams({ token: token.body.access_token, client_id: env.OKTA_CLIENT_ID, client_secret: env.OKTA_CLIENT_SECRET }),
      {},
    );
    expect(introspect.status).toBe(200);
    expect(
      (await call('POST', '/oauth2/v1/token', new URLSearchParams({ grant_type: 'client_credentials', client_id: 'nobody' }), {})).status,
    ).toBe(401);

    expect(kernel.responseViolations.slice(before), JSON.stringify(kernel.responseViolations.slice(before), null, 1)).toEqual([]);
  }, 120_000);
});
