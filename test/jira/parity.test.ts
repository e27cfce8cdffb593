// One Jira walk over three transports (HTTP server, msw, in-process fetch): the answers must be identical up to the base URL.

import { setupServer } from 'msw/node';
import { afterAll, describe, expect, it } from 'vitest';
import { serve } from '../../src/adapters/fastify.ts';
import { twinHandlers } from '../../src/adapters/msw.ts';
import { createKernel, type Kernel } from '../../src/index.ts';
import { jiraTwin } from '../../twins/jira/index.ts';
import { basic } from './support.ts';

const START = Date.parse('2026-03-02T09:00:00Z');
type Step = { method: string; path: string; body?: string; type?: string; auth?: 'admin' | 'none' | 'wrong' };

const adf = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

/** A walk through the Jira API: reads, writes on v2 and v3, JQL, agile, and every kind of error the twin answers. */
function script(env: Record<string, string>): Step[] {
  const json = 'application/json';
  const p = env.JIRA_PROJECT_KEY;
  const post = (path: string, body: unknown, method = 'POST'): Step => ({ method, path, body: JSON.stringify(body), type: json });
  return [
    { method: 'GET', path: '/rest/api/3/myself' },
    { method: 'GET', path: '/rest/api/3/serverInfo', auth: 'none' },
    { method: 'GET', path: `/rest/api/3/project/${p}` },
    { method: 'GET', path: '/rest/api/3/project/search?query=OPS' },
    { method: 'GET', path: '/rest/api/3/field' },
    post('/rest/api/3/issue', {
      fields: { project: { key: p }, summary: 'Parity v3', issuetype: { name: 'Bug' }, description: adf('ADF body'), labels: ['parity'] },
    }),
    post('/rest/api/2/issue', {
      fields: { project: { key: p }, summary: 'Parity v2', issuetype: { name: 'Task' }, description: 'one\ntwo' },
    }),
    { method: 'GET', path: `/rest/api/3/issue/${p}-1?expand=changelog,names,renderedFields,transitions` },
    { method: 'GET', path: `/rest/api/2/issue/${p}-1` },
    post(`/rest/api/3/issue/${p}-1`, { fields: { summary: 'Edited in parity' }, update: { labels: [{ add: 'edited' }] } }, 'PUT'),
    { method: 'GET', path: `/rest/api/3/issue/${p}-1/transitions` },
    post(`/rest/api/3/issue/${p}-1/transitions`, { transition: { id: '31' } }),
    post(`/rest/api/3/issue/${p}-1/transitions`, { transition: { id: '999' } }),
    post(`/rest/api/2/issue/${p}-1/comment`, { body: 'a v2 comment' }),
    post(`/rest/api/3/issue/${p}-1/comment`, { body: adf('a v3 comment') }),
    post(`/rest/api/3/issue/${p}-1/comment`, { body: 'a string on v3' }),
    { method: 'GET', path: `/rest/api/3/issue/${p}-1/comment` },
    { method: 'GET', path: `/rest/api/3/issue/${p}-1?expand=changelog` },
    post('/rest/api/3/search/jql', { jql: `project = ${p} ORDER BY key ASC`, maxResults: 2, fields: ['summary', 'status'] }),
    { method: 'GET', path: `/rest/api/3/search/jql?jql=${encodeURIComponent('labels = parity')}&fields=summary` },
    post('/rest/api/3/search/approximate-count', { jql: `project = ${p}` }),
    post('/rest/api/3/search/jql', { jql: 'project = = OPS' }),
    { method: 'GET', path: '/rest/api/3/search?jql=project%20%3D%20OPS' },
    post('/rest/api/2/search', { jql: `project = ${p}` }),
    post('/rest/api/3/jql/parse?validation=strict', { queries: ['project = OPS', 'summary ~'] }),
    { method: 'GET', path: '/rest/agile/1.0/board' },
    { method: 'GET', path: '/rest/agile/1.0/board/1/sprint?state=active' },
    { method: 'GET', path: `/rest/api/3/issue/${p}-99999` },
    { method: 'POST', path: '/rest/api/3/issue', body: '{"fields":', type: json },
    post('/rest/api/3/issue', { fields: { project: { key: 'NOPE' }, summary: 'x', issuetype: { name: 'Task' } } }),
    { method: 'GET', path: '/rest/api/3/myself', auth: 'none' },
    { method: 'GET', path: '/rest/api/3/myself', auth: 'wrong' },
    { method: 'DELETE', path: `/rest/api/3/issue/${p}-1` },
    { method: 'GET', path: `/rest/api/3/issue/${p}-1` },
    { method: 'GET', path: '/rest/api/3/not-a-resource' },
    { method: 'GET', path: '/nowhere' },
  ];
}

async function runScript(kernel: Kernel<unknown, unknown>, base: string, doFetch: typeof fetch): Promise<string[]> {
  const env = kernel.env(kernel.tenants.default(), base);
  const out: string[] = [];
  for (const step of script(env)) {
    const headers: Record<string, string> = {};
    if (step.type) headers['content-type'] = step.type;
    const auth = step.auth ?? 'admin';
    if (auth !== 'none') headers.authorization = basic(env.JIRA_EMAIL, auth === 'admin' ? env.JIRA_API_TOKEN : 'wrong-token');
    const res = await doFetch(`${base}${step.path}`, { method: step.method, headers, body: step.body });
    // Only the base URL differs by transport; the virtual clock makes every date identical already.
    const text = (await res.text()).split(base).join('<BASE>');
    out.push(`${step.method} ${step.path} → ${res.status} ${res.headers.get('content-type')} ${text}`);
  }
  return out;
}

const fresh = () =>
  createKernel(jiraTwin, { seed: 21, clock: 'virtual', clockStart: START, rateLimits: false }) as Kernel<unknown, unknown>;

describe('Jira over HTTP, msw and in-process fetch gives identical answers', () => {
  const closers: (() => unknown)[] = [];
  afterAll(async () => {
    for (const c of closers) await c();
  });

  it('runs the same walk over each transport', async () => {
    const httpKernel = fresh();
    const http = await serve(httpKernel);
    closers.push(() => http.close());
    const viaHttp = await runScript(httpKernel, http.url, fetch);

    const mswKernel = fresh();
    const server = setupServer(...twinHandlers(mswKernel, 'https://jira.test'));
    server.listen({ onUnhandledRequest: 'error' });
    closers.push(() => server.close());
    const viaMsw = await runScript(mswKernel, 'https://jira.test', fetch);
    server.close();

    const direct = fresh();
    const viaFetch = await runScript(direct, 'https://jira.test', direct.fetch);

    // The walk really exercised the twin: successes, the removed search, client errors and auth failures all happened.
    const statuses = viaHttp.map((line) => Number(/ → (\d{3}) /.exec(line)?.[1]));
    expect(statuses.length).toBe(script({ JIRA_PROJECT_KEY: 'OPS' }).length);
    for (const s of [200, 201, 204, 400, 401, 404, 410]) expect(statuses).toContain(s);
    expect(viaMsw).toEqual(viaHttp);
    expect(viaFetch).toEqual(viaHttp);
  });
});
