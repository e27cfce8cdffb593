// Hostile input never gets a 5xx from the Jira twin: every operation of its contract with built-in names, odd types and bad JQL, authenticated.

import { describe, expect, it } from 'vitest';
import { createKernel, type Kernel } from '../../src/index.ts';
import { collectOperations } from '../../src/kernel/openapi.ts';
import { jiraTwin } from '../../twins/jira/index.ts';
import type { JiraState } from '../../twins/jira/store.ts';
import { basic } from './support.ts';

const VALUES = ['__proto__', 'constructor', 'toString', 'OPS-1', '1', '-1', '', 'x'.repeat(2000)];
const BODIES: unknown[] = [
  {},
  { fields: { __proto__: 1, constructor: 'x', summary: 7, project: { key: '__proto__' }, issuetype: { name: 'constructor' } } },
  {
    fields: {
      project: { key: 'OPS' },
      issuetype: { name: 'Task' },
      summary: 's',
      labels: ['__proto__'],
      customfield_10020: 'constructor',
      parent: { key: 'toString' },
    },
    update: { labels: [{ add: 7 }], constructor: [{ set: 1 }] },
  },
  {
    jql: 'project = __proto__ ORDER BY constructor',
    issues: ['__proto__'],
    queries: ['(((', 'status was'],
    transition: { id: '__proto__' },
    name: '__proto__',
    url: 'http://x/',
    events: ['constructor'],
  },
  [1, 2, 3],
  'a string',
];

describe('hostile input', () => {
  it('no operation answers 5xx', async () => {
    const k = createKernel(jiraTwin, { seed: 9, rateLimits: false }) as Kernel<JiraState, unknown>;
    const env = k.env(k.tenants.default(), 'http://jira.test');
    const auth = basic(env.JIRA_EMAIL, env.JIRA_API_TOKEN);
    const failures: string[] = [];
    for (const op of collectOperations(jiraTwin.openapi)) {
      for (const value of VALUES) {
        const path = op.path.replace('{apiVersion}', '3').replace(/\{[^}]+\}/g, encodeURIComponent(value) || 'x');
        // Well-formed queries reach the handlers; the malformed one tests validation.
        for (const query of [
          '',
          `?jql=${encodeURIComponent('project = constructor')}&fields=__proto__&expand=constructor&accountId=${encodeURIComponent(value)}&nextPageToken=${encodeURIComponent(value)}&groupname=${encodeURIComponent(value)}`,
          '?startAt=-5&maxResults=__proto__',
        ])
          for (const body of op.method === 'GET' || op.method === 'DELETE' ? [undefined] : BODIES) {
            const res = await k.fetch(`http://jira.test${path}${query}`, {
              method: op.method,
              headers: {
                authorization: auth,
                ...(body === undefined ? {} : { 'content-type': 'application/json' }),
                'x-atlassian-token': 'no-check',
              },
              body: body === undefined ? undefined : JSON.stringify(body),
            });
            if (res.status >= 500 && res.status !== 501)
              failures.push(
                `${op.method} ${path} ${JSON.stringify(body)?.slice(0, 80)} → ${res.status} ${(await res.text()).slice(0, 200)}`,
              );
          }
      }
    }
    k.close();
    expect(failures).toEqual([]);
  }, 120_000);
});
