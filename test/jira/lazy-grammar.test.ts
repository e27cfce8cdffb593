// Start-up: the JQL grammar (@atlaskit/jql-ast, ~300 ms of CPU to load) is loaded by the first JQL a twin
// is sent, not when the Jira twin starts; a site that is only written to never loads it.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// Run in a fresh process: vitest's own module graph would not show what a real start loads.
const SCRIPT = `
import { createRequire } from 'node:module';
const { createKernel } = await import('./src/index.ts');
const { jiraTwin } = await import('./twins/jira/index.ts');
const require = createRequire(import.meta.url);
const loaded = () => Object.keys(require.cache).some((p) => p.includes('@atlaskit'));
const kernel = createKernel(jiraTwin, { rateLimits: false });
const env = kernel.env(kernel.tenants.default(), 'http://jira.lazy.test');
const headers = { authorization: 'Basic ' + Buffer.from(env.JIRA_EMAIL + ':' + env.JIRA_API_TOKEN).toString('base64'), 'content-type': 'application/json' };
const call = async (method, path, body) => {
  const res = await kernel.fetch('http://jira.lazy.test' + path, { method, headers, body: body && JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};
const out = { atStart: loaded() };
const made = await call('POST', '/rest/api/3/issue', { fields: { project: { key: env.JIRA_PROJECT_KEY }, summary: 'Lazy', issuetype: { name: 'Task' } } });
out.created = made.status;
out.afterWrite = loaded();
const found = await call('POST', '/rest/api/3/search/jql', { jql: 'summary ~ Lazy', fields: ['key'] });
out.found = found.body.issues.map((i) => i.key).includes(made.body.key);
out.afterSearch = loaded();
kernel.close();
console.log(JSON.stringify(out));
`;

describe('Jira twin start-up', () => {
  it('loads the JQL grammar on the first query, not at start or on a write', () => {
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 100_000,
    });
    const out = JSON.parse(stdout.trim().split('\n').pop() as string);
    expect(out).toEqual({ atStart: false, created: 201, afterWrite: false, found: true, afterSearch: true });
  }, 120_000);
});
