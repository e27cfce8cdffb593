// The Jira twin as the benchmarks serve it: rate limits off, fastify adapter, loopback; `--issues N` first fills the default site
// through its own API (bulk create over OPS and a second project WEB, five assignees, one in 47 moved to In Progress, 5% mentioning
// "error"). Prints {"url", ...} when listening, with the resident memory of the filled site after two forced GCs (--expose-gc).

import { serve } from '../../src/adapters/fastify.ts';
import { createKernel, type Kernel } from '../../src/kernel/kernel.ts';
import { jiraTwin } from '../../twins/jira/index.ts';
import type { JiraState } from '../../twins/jira/store.ts';

const at = process.argv.indexOf('--issues');
const ISSUES = at >= 0 ? Number(process.argv[at + 1]) : 0;
const BASE = 'http://jira.bench';

const kernel = createKernel(jiraTwin, { rateLimits: false }) as unknown as Kernel<unknown, unknown>;
const tenant = kernel.tenants.default();
const state = tenant.state as JiraState;
const env = kernel.env(tenant, BASE);
const headers = {
  authorization: `Basic ${Buffer.from(`${env.JIRA_EMAIL}:${env.JIRA_API_TOKEN}`).toString('base64')}`,
  'content-type': 'application/json',
};
const encoder = new TextEncoder();

async function call(method: string, path: string, body?: unknown): Promise<string> {
  const res = await kernel.handle({
    method,
    url: new URL(`${BASE}${path}`),
    headers,
    body: body === undefined ? undefined : encoder.encode(JSON.stringify(body)),
  });
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${String(res.body).slice(0, 300)}`);
  return typeof res.body === 'string' ? res.body : '';
}

const WORDS = ['deploy', 'login', 'billing', 'search', 'cache', 'queue', 'latency', 'report', 'export', 'signup', 'mobile', 'api'];
const started = performance.now();
if (ISSUES > 0) await call('POST', '/rest/api/3/project', { key: 'WEB', name: 'Web', projectTypeKey: 'software' });
const people = [...state.users.values()].filter((u) => u.accountType === 'atlassian').slice(0, 5);
const progressKeys: string[] = [];
for (let made = 0; made < ISSUES; ) {
  const batch = Math.min(50, ISSUES - made);
  const issueUpdates = Array.from({ length: batch }, (_, j) => {
    const n = made + j;
    const word = WORDS[n % WORDS.length];
    const mentionsError = n % 20 === 7;
    return {
      fields: {
        project: { key: n % 2 ? 'WEB' : 'OPS' },
        issuetype: { name: n % 4 ? 'Task' : 'Bug' },
        summary: `${mentionsError ? 'Intermittent error in' : 'Improve'} ${word} #${n}`,
        description: {
          type: 'doc',
          version: 1,
          content: [
            { type: 'paragraph', content: [{ type: 'text', text: `Issue ${n} about ${word} and ${WORDS[(n * 7) % WORDS.length]}.` }] },
          ],
        },
        labels: [word],
        assignee: { accountId: people[n % people.length].accountId },
      },
    };
  });
  const answer = JSON.parse(await call('POST', '/rest/api/3/issue/bulk', { issueUpdates })) as { issues: { key: string }[] };
  answer.issues.forEach((issue, j) => {
    if ((made + j) % 47 === 0) progressKeys.push(issue.key);
  });
  made += batch;
  if (made % 20_000 === 0) process.stderr.write(`[bench] jira: ${made} issues\n`);
}
// To Do → In Progress, one issue in 47 (so across both projects and all five assignees).
for (const key of progressKeys) {
  const transitions = JSON.parse(await call('GET', `/rest/api/3/issue/${key}/transitions`)) as {
    transitions: { id: string; to: { name: string } }[];
  };
  const start = transitions.transitions.find((t) => t.to.name === 'In Progress');
  if (!start) throw new Error(`${key} has no transition to In Progress`);
  await call('POST', `/rest/api/3/issue/${key}/transitions`, { transition: { id: start.id } });
}
const fillMs = performance.now() - started;
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
gc?.();
const m = process.memoryUsage();
const twin = await serve(kernel, { host: '127.0.0.1', port: 0 });
process.stdout.write(
  `${JSON.stringify({ url: twin.url, issues: state.issues.size, inProgress: progressKeys.length, fillMs, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, gc: Boolean(gc) })}\n`,
);
process.on('SIGTERM', () => void twin.close().then(() => process.exit(0)));
