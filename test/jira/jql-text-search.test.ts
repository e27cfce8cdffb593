// Text search (`~`) after edits: the JQL evaluator keeps each ADF document's plain text, so an edited description, environment or comment must be found by its new words and no longer by its old ones.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKernel, type Kernel } from '../../src/index.ts';
import { jiraTwin } from '../../twins/jira/index.ts';
import { basic, type Json } from './support.ts';

const BASE = 'http://jira.text.test';
const adf = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

describe('JQL text search follows edits', () => {
  let kernel: Kernel<unknown, unknown>;
  let env: Record<string, string>;
  const api = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await kernel.fetch(`${BASE}${path}`, {
      method,
      headers: { authorization: basic(env.JIRA_EMAIL, env.JIRA_API_TOKEN), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    const text = await res.text();
    return text ? (JSON.parse(text) as Json) : {};
  };
  const keys = async (jql: string): Promise<string[]> =>
    ((await api('POST', '/rest/api/3/search/jql', { jql, fields: ['key'] })).issues as Json[]).map((i) => i.key as string);

  beforeAll(() => {
    kernel = createKernel(jiraTwin, { rateLimits: false, seed: 19 }) as Kernel<unknown, unknown>;
    env = kernel.env(kernel.tenants.default(), BASE);
  });
  afterAll(() => kernel?.close());

  it('finds a description, environment and comment by their new text after each edit, and not by the old', async () => {
    const p = env.JIRA_PROJECT_KEY;
    const made = await api('POST', '/rest/api/3/issue', {
      fields: { project: { key: p }, summary: 'Edited later', issuetype: { name: 'Task' }, description: adf('zebracorn stampede') },
    });
    expect(await keys('text ~ zebracorn')).toEqual([made.key]);
    expect(await keys('description ~ "zebracorn stampede"')).toEqual([made.key]);

    await api('PUT', `/rest/api/3/issue/${made.key}`, { fields: { description: adf('quokkafish parade'), environment: adf('lemurtron') } });
    expect(await keys('text ~ zebracorn')).toEqual([]);
    expect(await keys('text ~ quokkafish')).toEqual([made.key]);
    expect(await keys('environment ~ lemurtron')).toEqual([made.key]);
    // v2 sets rich text as a plain string; the same search sees it.
    await api('PUT', `/rest/api/2/issue/${made.key}`, { fields: { description: 'narwhalite' } });
    expect(await keys('description ~ quokkafish')).toEqual([]);
    expect(await keys('description ~ narwhalite')).toEqual([made.key]);

    const comment = await api('POST', `/rest/api/3/issue/${made.key}/comment`, { body: adf('axolotlium') });
    expect(await keys('comment ~ axolotlium')).toEqual([made.key]);
    await api('PUT', `/rest/api/3/issue/${made.key}/comment/${comment.id}`, { body: adf('capybarix') });
    expect(await keys('comment ~ axolotlium')).toEqual([]);
    expect(await keys('text ~ capybarix')).toEqual([made.key]);
  });
});
