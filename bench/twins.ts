// The Okta and Jira benchmarks: listUsers/createUser and createIssue against bare fastify answering the same bytes, the token
// endpoint, JQL search on a 100,000-issue site, and the resident memory of a full org and site; and their section of RESULTS.md.

import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ChildServer, type LoadResult, load, median, progress, ROOT, startServer } from './lib.ts';
import type { CapturedRoute } from './servers/captured.ts';

export const TWIN_TARGETS = { ratio: 0.5, oktaRssMb: 300, jiraRssMb: 500 };
const ROUNDS = 3;
const OKTA_MEMORY = { users: 10_000, events: 100_000 };
const JIRA_ISSUES = 100_000;
/** The two queries issue 12 names; `currentUser()` is the admin whose credentials the bench uses. */
export const JQL = {
  selective: 'project = OPS AND status = "In Progress" AND assignee = currentUser()',
  broad: 'text ~ "error" ORDER BY updated DESC',
};

export interface PairRound {
  twin: LoadResult;
  bare: LoadResult;
}

export interface MemoryFigure {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  fillMs: number;
  /** What the filled tenant holds (users/events or issues). */
  holds: Record<string, number>;
}

export interface OktaBench {
  listUsers: PairRound[];
  createUser: PairRound[];
  token: LoadResult;
  pageBytes: number;
  pageUsers: number;
  memory: MemoryFigure;
}

export interface JiraBench {
  selective: LoadResult;
  broad: LoadResult;
  matches: { selective: number; broad: number };
  createIssue: PairRound[];
  memory: MemoryFigure;
}

/** An answer's status, body and the headers that matter for its size (not the ones fastify sets itself). */
async function capture(res: Response, method: 'GET' | 'POST', bodySchema?: Record<string, unknown>): Promise<CapturedRoute> {
  const skip = new Set(['content-length', 'date', 'connection', 'keep-alive', 'content-type', 'transfer-encoding']);
  const headers = Object.fromEntries([...res.headers.entries()].filter(([k]) => !skip.has(k)));
  if (res.status >= 300) throw new Error(`capture: the twin answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return { method, status: res.status, headers, body: await res.json(), bodySchema };
}

async function startBare(name: string, routes: Record<string, CapturedRoute>): Promise<ChildServer> {
  const file = join(fileURLToPath(ROOT), 'bench', '.tmp', `${name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(routes));
  return startServer('bench/servers/captured.ts', [file]);
}

const mb = (bytes: number) => bytes / 1024 / 1024;

function memoryOf(server: ChildServer, holds: string[]): MemoryFigure {
  const i = server.info as Record<string, number | boolean>;
  if (i.gc !== true) throw new Error('the memory figure needs the server started with --expose-gc');
  return {
    rss: i.rss as number,
    heapUsed: i.heapUsed as number,
    heapTotal: i.heapTotal as number,
    fillMs: i.fillMs as number,
    holds: Object.fromEntries(holds.map((k) => [k, i[k] as number])),
  };
}

/** A `setupRequest` giving each request its own body (autocannon's `[<id>]` replacement leaves JSON bodies unsent). */
function fresh(bodyFor: (n: number) => string): (req: { body?: string }) => unknown {
  let n = 0;
  return (req) => {
    req.body = bodyFor(++n);
    return req;
  };
}

/** A private_key_jwt client assertion (RFC 7523), signed synchronously so that every load request carries a fresh one. */
function assertionSigner(clientId: string, pem: string, kid: string, audience: string): () => string {
  const key = createPrivateKey(pem);
  const b64 = (x: unknown) => Buffer.from(JSON.stringify(x)).toString('base64url');
  const header = b64({ alg: 'RS256', kid, typ: 'JWT' });
  return () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = b64({ iss: clientId, sub: clientId, aud: audience, jti: randomUUID(), iat: now, exp: now + 300 });
    const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), key).toString('base64url');
    return `${header}.${payload}.${signature}`;
  };
}

export async function benchOkta(): Promise<OktaBench> {
  // Memory first, alone: an org of 10,000 people and 100,000 System Log events, filled through the API.
  progress(`okta memory: ${OKTA_MEMORY.users.toLocaleString('en')} people and ${OKTA_MEMORY.events.toLocaleString('en')} log events`);
  const full = await startServer(
    'bench/servers/okta.ts',
    ['--users', String(OKTA_MEMORY.users), '--events', String(OKTA_MEMORY.events)],
    600_000,
    ['--expose-gc'],
  );
  const memory = memoryOf(full, ['users', 'events']);
  await full.stop();
  progress(`okta memory: ${Math.round(mb(memory.rss))} MB resident after ${Math.round(memory.fillMs / 1000)} s of filling`);

  progress('okta twin: starting with 250 extra people');
  const twin = await startServer('bench/servers/okta.ts', ['--users', '250'], 120_000);
  let bare: ChildServer | undefined;
  try {
    const tenants = (await (await fetch(`${twin.url}/_twin/tenants`)).json()) as { tenants: { env: Record<string, string> }[] };
    const env = tenants.tenants[0].env;
    const auth = { authorization: `SSWS ${env.OKTA_API_TOKEN}`, accept: 'application/json' };
    const listUrl = `${twin.url}/api/v1/users?limit=200`;
    const list = await capture(await fetch(listUrl, { headers: auth }), 'GET');
    const page = list.body as unknown[];
    if (page.length !== 200 || !String(list.headers.link).includes('rel="next"'))
      throw new Error('listUsers did not answer a full page of 200 with a next link');
    const createUrl = `${twin.url}/api/v1/users?activate=false`;
    const createHeaders = { ...auth, 'content-type': 'application/json' };
    const createBody = (id: string) =>
      JSON.stringify({ profile: { firstName: 'Bench', lastName: 'Person', email: `p${id}@bench.test`, login: `p${id}@bench.test` } });
    const created = await capture(await fetch(createUrl, { method: 'POST', headers: createHeaders, body: createBody('first') }), 'POST', {
      type: 'object',
      required: ['profile'],
      properties: {
        profile: {
          type: 'object',
          required: ['login', 'email'],
          properties: { login: { type: 'string', maxLength: 100 }, email: { type: 'string', format: 'email' } },
        },
      },
    });
    bare = await startBare('okta-answers', { users: list, create: created });
    const listUsers: PairRound[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      listUsers.push({
        twin: await load(`okta round ${i}/${ROUNDS}: twin listUsers limit=200`, { url: listUrl, headers: auth }, twin.child.pid),
        bare: await load(`okta round ${i}/${ROUNDS}: bare, the twin's page`, { url: `${bare.url}/users` }, bare.child.pid),
      });
    }
    const createUser: PairRound[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      createUser.push({
        twin: await load(
          `okta round ${i}/${ROUNDS}: twin createUser`,
          {
            url: createUrl,
            method: 'POST',
            headers: createHeaders,
            body: createBody(`${i}x0`),
            setupRequest: fresh((n) => createBody(`${i}x${n}`)),
          },
          twin.child.pid,
        ),
        bare: await load(
          `okta round ${i}/${ROUNDS}: bare, the twin's createUser answer`,
          { url: `${bare.url}/create`, method: 'POST', headers: { 'content-type': 'application/json' }, body: createBody('bare') },
          bare.child.pid,
        ),
      });
    }
    const tokenUrl = `${twin.url}/oauth2/v1/token`;
    const assertion = assertionSigner(env.OKTA_SERVICE_CLIENT_ID, env.OKTA_SERVICE_PRIVATE_KEY, env.OKTA_SERVICE_KEY_ID, tokenUrl);
    const form = (a: string) =>
      new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'okta.users.read',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: a,
      }).toString();
    const first = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form(assertion()),
    });
    if (first.status !== 200) throw new Error(`token endpoint answered ${first.status}: ${await first.text()}`);
    const token = await load(
      'okta token endpoint: client_credentials, private_key_jwt',
      {
        url: tokenUrl,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form(assertion()),
        setupRequest: (req) => {
          req.body = form(assertion());
          return req;
        },
      },
      twin.child.pid,
    );
    return { listUsers, createUser, token, pageBytes: JSON.stringify(page).length, pageUsers: page.length, memory };
  } finally {
    await Promise.all([twin.stop(), bare?.stop()]);
  }
}

export async function benchJira(): Promise<JiraBench> {
  progress(`jira twin: filling a site with ${JIRA_ISSUES.toLocaleString('en')} issues`);
  const twin = await startServer('bench/servers/jira.ts', ['--issues', String(JIRA_ISSUES)], 900_000, ['--expose-gc']);
  const memory = memoryOf(twin, ['issues', 'inProgress']);
  progress(`jira: ${Math.round(mb(memory.rss))} MB resident after ${Math.round(memory.fillMs / 1000)} s of filling`);
  let bare: ChildServer | undefined;
  try {
    const tenants = (await (await fetch(`${twin.url}/_twin/tenants`)).json()) as { tenants: { env: Record<string, string> }[] };
    const env = tenants.tenants[0].env;
    const auth = { authorization: `Basic ${Buffer.from(`${env.JIRA_EMAIL}:${env.JIRA_API_TOKEN}`).toString('base64')}` };
    const searchUrl = (jql: string, fields: string) => `${twin.url}/rest/api/3/search/jql?jql=${encodeURIComponent(jql)}&fields=${fields}`;
    const count = async (jql: string) => {
      const res = await fetch(`${twin.url}/rest/api/3/search/approximate-count`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ jql }),
      });
      if (res.status !== 200) throw new Error(`approximate-count of ${jql} answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { count: number }).count;
    };
    const matches = { selective: await count(JQL.selective), broad: await count(JQL.broad) };
    if (matches.selective === 0 || matches.broad === 0) throw new Error(`the bench queries match nothing: ${JSON.stringify(matches)}`);
    const selective = await load(
      `jira search/jql selective (${matches.selective} matches)`,
      { url: searchUrl(JQL.selective, 'summary,status,assignee'), headers: auth },
      twin.child.pid,
    );
    await fetch(searchUrl(JQL.selective, 'summary'), { headers: auth });
    const broad = await load(
      `jira search/jql broad (${matches.broad} matches, first page of 50)`,
      { url: searchUrl(JQL.broad, 'summary,updated'), headers: auth },
      twin.child.pid,
    );
    // A slow search leaves requests in flight when autocannon stops; one more call waits them out before the next measure.
    await fetch(searchUrl(JQL.selective, 'summary'), { headers: auth });
    const createUrl = `${twin.url}/rest/api/3/issue`;
    const createHeaders = { ...auth, 'content-type': 'application/json' };
    const body = (summary: string) => JSON.stringify({ fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary } });
    const created = await capture(await fetch(createUrl, { method: 'POST', headers: createHeaders, body: body('first') }), 'POST', {
      type: 'object',
      required: ['fields'],
      properties: { fields: { type: 'object', required: ['summary'], properties: { summary: { type: 'string', maxLength: 255 } } } },
    });
    bare = await startBare('jira-answers', { create: created });
    const createIssue: PairRound[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      createIssue.push({
        twin: await load(
          `jira round ${i}/${ROUNDS}: twin createIssue`,
          {
            url: createUrl,
            method: 'POST',
            headers: createHeaders,
            body: body(`bench ${i}`),
            setupRequest: fresh((n) => body(`bench ${i}.${n}`)),
          },
          twin.child.pid,
        ),
        bare: await load(
          `jira round ${i}/${ROUNDS}: bare, the twin's createIssue answer`,
          { url: `${bare.url}/create`, method: 'POST', headers: { 'content-type': 'application/json' }, body: body('bare') },
          bare.child.pid,
        ),
      });
    }
    return { selective, broad, matches, createIssue, memory };
  } finally {
    await Promise.all([twin.stop(), bare?.stop()]);
  }
}

// ---------------------------------------------------------------------------------------------
// The section of RESULTS.md

const fmt = (n: number, digits = 0) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const verdict = (ok: boolean) => (ok ? '**PASS**' : '**MISS**');
const ratioOf = (rounds: PairRound[]) => median(rounds.map((r) => r.twin.rps / r.bare.rps));
const med = (xs: LoadResult[]): LoadResult => ({
  rps: median(xs.map((x) => x.rps)),
  p50: median(xs.map((x) => x.p50)),
  p99: median(xs.map((x) => x.p99)),
  total: xs.reduce((a, x) => a + x.total, 0),
  cpuUs: xs.every((x) => x.cpuUs !== undefined) ? median(xs.map((x) => x.cpuUs as number)) : undefined,
});
const row = (name: string, x: LoadResult) =>
  `| ${name} | ${fmt(x.rps)} | ${x.p50} | ${x.p99} | ${x.cpuUs === undefined ? 'n/a' : fmt(x.cpuUs)} | ${fmt(x.total)} |`;

/** Rows for the Targets table of a full run. */
export function twinTargetRows(okta?: OktaBench, jira?: JiraBench): string[] {
  const rows: string[] = [];
  if (okta) {
    const list = ratioOf(okta.listUsers);
    const create = ratioOf(okta.createUser);
    const rss = mb(okta.memory.rss);
    rows.push(
      `| Okta listUsers (200 per page, Link headers) req/s ÷ bare fastify (same answer) | ${fmt(list, 2)} | ≥ ${TWIN_TARGETS.ratio} | ${verdict(list >= TWIN_TARGETS.ratio)} |`,
      `| Okta createUser req/s ÷ bare fastify schema-validated POST (same answer) | ${fmt(create, 2)} | ≥ ${TWIN_TARGETS.ratio} | ${verdict(create >= TWIN_TARGETS.ratio)} |`,
      `| Resident memory, Okta org of ${fmt(okta.memory.holds.users)} people and ${fmt(okta.memory.holds.events)} log events | ${fmt(rss)} MB | ≤ ${TWIN_TARGETS.oktaRssMb} MB | ${verdict(rss <= TWIN_TARGETS.oktaRssMb)} |`,
    );
  }
  if (jira) {
    const create = ratioOf(jira.createIssue);
    const rss = mb(jira.memory.rss);
    rows.push(
      `| Jira createIssue req/s ÷ bare fastify schema-validated POST (same answer), site of ${fmt(jira.memory.holds.issues)} issues | ${fmt(create, 2)} | ≥ ${TWIN_TARGETS.ratio} | ${verdict(create >= TWIN_TARGETS.ratio)} |`,
      `| Resident memory, Jira site of ${fmt(jira.memory.holds.issues)} issues | ${fmt(rss)} MB | ≤ ${TWIN_TARGETS.jiraRssMb} MB | ${verdict(rss <= TWIN_TARGETS.jiraRssMb)} |`,
    );
  }
  return rows;
}

/** The `## Okta and Jira` section of RESULTS.md. */
export function twinsSection(okta: OktaBench | undefined, jira: JiraBench | undefined, how: string): string {
  const parts = [`## Okta and Jira\n\n${how}\n`];
  const targets = twinTargetRows(okta, jira);
  parts.push(`| Measure | Result | Target | Verdict |\n| --- | --- | --- | --- |\n${targets.join('\n')}\n`);
  const table = [
    '| Server and call | req/s (mean) | p50 ms | p99 ms | server CPU µs/request | requests |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  const perRound: string[] = [];
  if (okta) {
    table.push(
      row('Okta twin: GET /api/v1/users?limit=200', med(okta.listUsers.map((r) => r.twin))),
      row("bare fastify: GET answering the twin's page and headers", med(okta.listUsers.map((r) => r.bare))),
      row('Okta twin: POST /api/v1/users?activate=false', med(okta.createUser.map((r) => r.twin))),
      row("bare fastify: POST, schema-validated JSON, answering the twin's createUser answer", med(okta.createUser.map((r) => r.bare))),
      row('Okta twin: POST /oauth2/v1/token, client_credentials, private_key_jwt (a fresh RS256 assertion each)', okta.token),
    );
    perRound.push(
      ...okta.listUsers.map(
        (r, i) =>
          `| ${i + 1} | Okta listUsers | ${fmt(r.twin.rps / r.bare.rps, 2)} | Okta createUser | ${fmt(okta.createUser[i].twin.rps / okta.createUser[i].bare.rps, 2)} |`,
      ),
    );
  }
  if (jira) {
    table.push(
      row(`Jira twin: GET search/jql \`${JQL.selective}\` (${jira.matches.selective} matches)`, jira.selective),
      row(`Jira twin: GET search/jql \`${JQL.broad}\` (${fmt(jira.matches.broad)} matches, first page of 50)`, jira.broad),
      row('Jira twin: POST /rest/api/3/issue', med(jira.createIssue.map((r) => r.twin))),
      row("bare fastify: POST, schema-validated JSON, answering the twin's createIssue answer", med(jira.createIssue.map((r) => r.bare))),
    );
    perRound.push(...jira.createIssue.map((r, i) => `| ${i + 1} | Jira createIssue | ${fmt(r.twin.rps / r.bare.rps, 2)} | | |`));
  }
  parts.push(table.join('\n'));
  parts.push(
    `\nTwin ÷ bare per round (ratios above are medians of these):\n\n| Round | | ratio | | ratio |\n| --- | --- | ---: | --- | ---: |\n${perRound.join('\n')}\n`,
  );
  const notes: string[] = [];
  if (okta) {
    const m = okta.memory;
    notes.push(
      `- Okta: the listUsers page is ${fmt(okta.pageBytes)} bytes (${okta.pageUsers} people) with its \`Link\` (self, next) and rate-limit headers; createUser makes a STAGED person per request (a distinct login each), so the org grows during the run and each call writes a System Log event. Token requests each carry a new RS256 client assertion signed by the load generator (jti replay is refused), so the figure includes the twin verifying one JWT and signing another.`,
      `- Okta memory: one twin process (\`node --expose-gc\`, fastify adapter loaded), the default org filled through \`kernel.handle\` with ${fmt(m.holds.users)} people (createUser with a password) and suspend/unsuspend until the System Log held ${fmt(m.holds.events)} events, in ${fmt(m.fillMs / 1000, 1)} s; then two forced GCs: RSS ${fmt(mb(m.rss))} MB, V8 heap used ${fmt(mb(m.heapUsed))} MB of ${fmt(mb(m.heapTotal))} MB committed.`,
    );
  }
  if (jira) {
    const m = jira.memory;
    notes.push(
      `- Jira site: ${fmt(m.holds.issues)} issues made through the twin's own API (bulk create, 50 a call, over projects OPS and WEB, five assignees, ADF descriptions, one in 20 summaries saying "error"), then ${fmt(m.holds.inProgress)} (one in 47) moved to In Progress, in ${fmt(m.fillMs / 1000, 1)} s. Resident memory after two forced GCs: ${fmt(mb(m.rss))} MB (V8 heap used ${fmt(mb(m.heapUsed))} MB of ${fmt(mb(m.heapTotal))} MB). Searches ask for \`summary,status,assignee\` (selective) and \`summary,updated\` (broad, the first page of 50); every search scans the site's issues (no index), so its cost grows with the site.`,
    );
  }
  parts.push(notes.join('\n'));
  return `${parts.join('\n')}\n`;
}
