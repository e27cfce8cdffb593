// A small Jira app for the Jira steps' end-to-end test: it checks each webhook's X-Hub-Signature, triages new incidents (a comment and the label "triaged") and closes an issue whose new comment says "/done".

import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const { JIRA_BASE_URL, JIRA_EMAIL, JIRA_API_TOKEN, JIRA_WEBHOOK_SECRET } = process.env;
const auth = `Basic ${Buffer.from(`${JIRA_EMAIL}:${JIRA_API_TOKEN}`).toString('base64')}`;

async function jira(method, path, body) {
  const res = await fetch(`${JIRA_BASE_URL}${path}`, {
    method,
    headers: { authorization: auth, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : undefined;
}

function signed(body, header) {
  if (!JIRA_WEBHOOK_SECRET || typeof header !== 'string') return false;
  const want = Buffer.from(`sha256=${createHmac('sha256', JIRA_WEBHOOK_SECRET).update(body).digest('hex')}`);
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}

async function handle(event) {
  const key = event.issue?.key;
  if (!key) return;
  if (event.webhookEvent === 'jira:issue_created') {
    const f = event.issue.fields ?? {};
    if (!/incident/i.test(f.summary ?? '') && !(f.labels ?? []).includes('incident')) return;
    await jira('POST', `/rest/api/2/issue/${key}/comment`, { body: 'Triage bot: on it, paging the on-call.' });
    await jira('PUT', `/rest/api/2/issue/${key}`, { update: { labels: [{ add: 'triaged' }] } });
  }
  if (event.webhookEvent === 'comment_created' && /\/done\b/.test(event.comment?.body ?? '')) {
    const { transitions } = await jira('GET', `/rest/api/2/issue/${key}/transitions`);
    const done = transitions.find((t) => t.to?.name === 'Done');
    if (done) await jira('POST', `/rest/api/2/issue/${key}/transitions`, { transition: { id: done.id } });
  }
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    if (req.method === 'POST' && req.url === '/jira/webhook') {
      if (!signed(body, req.headers['x-hub-signature'])) {
        res.writeHead(401);
        res.end('bad signature');
        return;
      }
      res.writeHead(204);
      res.end();
      let event;
      try {
        event = JSON.parse(body);
      } catch {
        return;
      }
      handle(event).catch((err) => console.error(`jira-sample-app: ${err.message}`));
      return;
    }
    res.writeHead(req.method === 'GET' ? 200 : 404);
    res.end(req.method === 'GET' ? 'ok' : '');
  });
});

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`jira-sample-app listening on http://127.0.0.1:${server.address().port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
