// The access-request bot's reference solution: /access in Slack opens a Jira request; an approver's "approved" or "rejected"
// label decides it; an approval assigns the Okta app or adds the person to the Okta group. Node 20 built-ins only.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const env = process.env;
const PORT = Number(env.PORT ?? 3000);
const OKTA_URL = (env.OKTA_ORG_URL ?? '').replace(/\/$/, '');
const OKTA_TOKEN = env.OKTA_API_TOKEN ?? '';
const SLACK_URL = (env.SLACK_API_URL ?? 'https://slack.com/api/').replace(/\/?$/, '/');
const SLACK_TOKEN = env.SLACK_BOT_TOKEN ?? '';
const SIGNING_SECRET = env.SLACK_SIGNING_SECRET ?? '';
const JIRA_URL = (env.JIRA_BASE_URL ?? '').replace(/\/$/, '');
const JIRA_AUTH = `Basic ${Buffer.from(`${env.JIRA_EMAIL ?? ''}:${env.JIRA_API_TOKEN ?? ''}`).toString('base64')}`;
const JIRA_SECRET = env.JIRA_WEBHOOK_SECRET ?? '';
const PROJECT = env.ACCESS_PROJECT_KEY || 'ACC';

const REQUEST_LABEL = 'access-request';
const APPROVED = 'approved';
const REJECTED = 'rejected';
const USAGE = 'Usage: /access <Okta app or group> [reason], e.g. /access Payroll to run the monthly payroll';
const ATTEMPTS = 6;
const MAX_WAIT_S = 60;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...args) => console.error(new Date().toISOString(), ...args);

// ── HTTP clients: each waits out a 429 as its vendor asks, retries 5xx and network failures a few times ──

class ApiError extends Error {
  constructor(service, what, status, code, body) {
    super(`${service} ${what}: ${code ?? status}`);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/** Seconds to wait after a 429: Retry-After (Slack, Jira), else Okta's X-Rate-Limit-Reset against its Date. */
function waitSeconds(res) {
  const after = Number(res.headers.get('retry-after'));
  if (Number.isFinite(after) && after > 0) return Math.min(after, MAX_WAIT_S);
  const reset = Number(res.headers.get('x-rate-limit-reset'));
  const now = Date.parse(res.headers.get('date') ?? '') || Date.now();
  if (Number.isFinite(reset) && reset > 0) return Math.min(Math.max(1, reset - Math.floor(now / 1000) + 1), MAX_WAIT_S);
  return 1;
}

/** One HTTP call with retries; resolves to {status, body} for any answer that is not a 429 or a 5xx. */
async function request(service, url, init) {
  for (let attempt = 1; ; attempt++) {
    let res;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
    } catch (err) {
      if (attempt >= ATTEMPTS) throw new ApiError(service, url, 0, 'unreachable', String(err));
      await sleep(250 * 2 ** attempt);
      continue;
    }
    if (res.status === 429 || res.status >= 500) {
      const wait = res.status === 429 ? waitSeconds(res) * 1000 : 250 * 2 ** attempt;
      await res.body?.cancel();
      if (attempt >= ATTEMPTS) throw new ApiError(service, url, res.status, res.status === 429 ? 'rate_limited' : 'server_error');
      log(`${service} answered ${res.status}; trying again in ${wait} ms`);
      await sleep(wait);
      continue;
    }
    const text = await res.text();
    let body;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, body, headers: res.headers };
  }
}

const TRANSIENT_SLACK = new Set(['fatal_error', 'internal_error', 'service_unavailable', 'request_timeout']);

async function slack(method, args = {}) {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(args)) if (v !== undefined && v !== null) form.set(k, String(v));
  for (let attempt = 1; ; attempt++) {
    const { body } = await request('Slack', `${SLACK_URL}${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SLACK_TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    if (body?.ok) return body;
    if (TRANSIENT_SLACK.has(body?.error) && attempt < 4) {
      await sleep(300 * attempt);
      continue;
    }
    throw new ApiError('Slack', method, 200, body?.error ?? 'invalid_answer', body);
  }
}

async function okta(method, path, body) {
  const r = await request('Okta', path.startsWith('http') ? path : `${OKTA_URL}${path}`, {
    method,
    headers: {
      authorization: `SSWS ${OKTA_TOKEN}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status >= 400) throw new ApiError('Okta', `${method} ${path}`, r.status, r.body?.errorCode, r.body);
  return r;
}

/** Every item of an Okta list, following its Link: <…>; rel="next" pages. */
async function oktaAll(path) {
  const items = [];
  let next = path;
  for (let page = 0; next && page < 50; page++) {
    const r = await okta('GET', next);
    if (Array.isArray(r.body)) items.push(...r.body);
    const link = r.headers.get('link') ?? '';
    next = /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
  }
  return items;
}

async function jira(method, path, body) {
  const r = await request('Jira', `${JIRA_URL}${path}`, {
    method,
    headers: {
      authorization: JIRA_AUTH,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status >= 400) {
    const why = [...(r.body?.errorMessages ?? []), ...Object.values(r.body?.errors ?? {})].join('; ');
    throw new ApiError('Jira', `${method} ${path}`, r.status, why || `HTTP ${r.status}`, r.body);
  }
  return r.body;
}

/** Atlassian Document Format for plain paragraphs. */
function adf(...paragraphs) {
  return {
    type: 'doc',
    version: 1,
    content: paragraphs.map((text) => ({ type: 'paragraph', content: [{ type: 'text', text }] })),
  };
}

/** The plain text of an ADF document (or a v2 string). */
function adfText(doc) {
  if (typeof doc === 'string') return doc;
  if (!doc || typeof doc !== 'object') return '';
  if (doc.type === 'text') return doc.text ?? '';
  const inner = (doc.content ?? []).map(adfText);
  return doc.type === 'doc' ? inner.join('\n') : inner.join('');
}

// ── the people and the catalogue ─────────────────────────────────────────────

function nameOf(user) {
  const p = user?.profile ?? {};
  return p.displayName || [p.firstName, p.lastName].filter(Boolean).join(' ') || p.login || user?.id || 'someone';
}

/** The Okta person with this email (login first, then a search), or undefined. */
async function oktaUserByEmail(email) {
  try {
    return (await okta('GET', `/api/v1/users/${encodeURIComponent(email)}`)).body;
  } catch (err) {
    if (err.status !== 404) throw err;
  }
  const found = await okta('GET', `/api/v1/users?search=${encodeURIComponent(`profile.email eq "${email}"`)}&limit=2`);
  return Array.isArray(found.body) ? found.body[0] : undefined;
}

/** The Jira account with exactly this email, if the site has one. */
async function jiraAccount(email) {
  if (!email) return undefined;
  const found = await jira('GET', `/rest/api/3/user/search?query=${encodeURIComponent(email)}&maxResults=50`);
  return (Array.isArray(found) ? found : []).find((u) => (u.emailAddress ?? '').toLowerCase() === email.toLowerCase());
}

/**
 * What the command's text asks for: the longest run of leading words that is an active Okta app's label or an Okta
 * group's name (case-insensitive; an app wins over a group of the same name), and the rest as the reason.
 */
async function findTarget(text) {
  const words = text.split(/\s+/).filter(Boolean);
  const apps = (await oktaAll('/api/v1/apps?limit=200')).filter((a) => a.status === 'ACTIVE');
  const groups = await oktaAll('/api/v1/groups?limit=200');
  for (let n = words.length; n > 0; n--) {
    const name = words.slice(0, n).join(' ').toLowerCase();
    const app = apps.find((a) => (a.label ?? '').toLowerCase() === name);
    const reason = words.slice(n).join(' ');
    if (app) return { kind: 'app', id: app.id, name: app.label, reason };
    const group = groups.find((g) => (g.profile?.name ?? '').toLowerCase() === name);
    if (group) return { kind: 'group', id: group.id, name: group.profile.name, reason };
  }
  return undefined;
}

const what = (t) => (t.kind === 'app' ? `the Okta app ${t.name}` : `the Okta group ${t.name}`);

// ── /access: open the request ────────────────────────────────────────────────

/**
 * The requests this process opened, by Jira issue id: what was asked for when it was opened (later edits of the
 * issue change nothing), who asked, and whether it was decided.
 */
const requests = new Map();

async function openRequest(form) {
  const text = (form.get('text') ?? '').trim();
  const slackUserId = form.get('user_id') ?? '';
  const info = await slack('users.info', { user: slackUserId });
  const email = info.user?.profile?.email;
  if (!email) return `Sorry, I can't see your email address in Slack, so I can't find you in Okta.`;
  const person = await oktaUserByEmail(email);
  if (person?.status !== 'ACTIVE') return `Sorry, I can't find an active Okta account for ${email}.`;
  const target = await findTarget(text);
  if (!target) return `Sorry, no Okta app or group matches "${text}". ${USAGE}`;
  const requester = nameOf(person);
  const reason = target.reason || 'none given';
  const fields = {
    project: { key: PROJECT },
    issuetype: { name: 'Task' },
    summary: `Access to ${target.name} for ${requester}`,
    description: adf(
      `${requester} (${email}) asked in Slack for access to ${what(target)}.`,
      `Reason: ${reason}`,
      `Okta ${target.kind}: ${target.name} (${target.id})`,
      `Requester in Okta: ${person.id}`,
      `Add the label "${APPROVED}" to grant it, or "${REJECTED}" to turn it down.`,
    ),
    labels: [REQUEST_LABEL],
  };
  const account = await jiraAccount(email).catch(() => undefined);
  let created;
  try {
    created = await jira('POST', '/rest/api/3/issue', {
      fields: account ? { ...fields, reporter: { accountId: account.accountId } } : fields,
    });
  } catch (err) {
    if (!(account && err.status === 400)) throw err;
    created = await jira('POST', '/rest/api/3/issue', { fields }); // The reporter field may not be on the screen.
  }
  requests.set(String(created.id), {
    key: created.key,
    target,
    oktaUserId: person.id,
    email,
    slackUserId,
    requester,
    decided: false,
  });
  log(`opened ${created.key}: ${what(target)} for ${email}`);
  return `Your request ${created.key} is open: access to ${target.name}. I'll message you here when it is decided.`;
}

async function answerCommand(form) {
  let text;
  try {
    text = await openRequest(form);
  } catch (err) {
    log('the command failed:', err);
    text = `Sorry, I could not open your request: ${err.message}`;
  }
  const responseUrl = form.get('response_url');
  try {
    if (responseUrl) {
      await request('Slack', responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ response_type: 'ephemeral', text }),
      });
    } else {
      await slack('chat.postEphemeral', { channel: form.get('channel_id'), user: form.get('user_id'), text });
    }
  } catch (err) {
    log('could not answer the command:', err);
  }
}

// ── the decision: a Jira webhook ─────────────────────────────────────────────

/** Deliveries already handled (Jira's X-Atlassian-Webhook-Identifier stays the same on retries). */
const seen = new Set();
function remember(id) {
  if (!id) return false;
  if (seen.has(id)) return true;
  seen.add(id);
  if (seen.size > 20_000) seen.delete(seen.values().next().value);
  return false;
}

/** One decision at a time per issue. */
const queues = new Map();
function serially(key, job) {
  const next = (queues.get(key) ?? Promise.resolve()).then(job).catch((err) => log(`handling ${key} failed:`, err));
  queues.set(key, next);
  next.then(() => {
    if (queues.get(key) === next) queues.delete(key);
  });
}

/** The label the change added: "approved" or "rejected" (labels are space-separated in the changelog). */
function addedDecision(payload) {
  const added = new Set();
  for (const item of payload.changelog?.items ?? []) {
    if (String(item.field).toLowerCase() !== 'labels') continue;
    const before = new Set(
      String(item.fromString ?? '')
        .split(/\s+/)
        .filter(Boolean),
    );
    for (const l of String(item.toString ?? '')
      .split(/\s+/)
      .filter(Boolean))
      if (!before.has(l)) added.add(l);
  }
  if (added.has(APPROVED) && added.has(REJECTED)) return undefined;
  return added.has(APPROVED) ? APPROVED : added.has(REJECTED) ? REJECTED : undefined;
}

/** A request this process did not open (it restarted): read back from the description the bot wrote. */
async function requestFromIssue(issue) {
  const text = adfText(issue.fields?.description);
  const target = /Okta (app|group): (.+) \(([^)\s]+)\)/.exec(text);
  const oktaUserId = /Requester in Okta: (\S+)/.exec(text)?.[1];
  if (!target || !oktaUserId) return undefined;
  const person = (await okta('GET', `/api/v1/users/${encodeURIComponent(oktaUserId)}`)).body;
  const email = person.profile?.email;
  let slackUserId;
  try {
    slackUserId = (await slack('users.lookupByEmail', { email })).user?.id;
  } catch {
    slackUserId = undefined;
  }
  return {
    key: issue.key,
    target: { kind: target[1], name: target[2], id: target[3] },
    oktaUserId,
    email,
    slackUserId,
    requester: nameOf(person),
    decided: false,
  };
}

async function comment(key, text) {
  await jira('POST', `/rest/api/3/issue/${encodeURIComponent(key)}/comment`, { body: adf(text) });
}

/** The issue to Done when its workflow has a way there; a refusal is logged, not fatal. */
async function close(key) {
  try {
    const { transitions = [] } = await jira('GET', `/rest/api/3/issue/${encodeURIComponent(key)}/transitions`);
    const done = transitions.find((t) => (t.to?.name ?? t.name ?? '').toLowerCase() === 'done');
    if (!done) return log(`${key}: no transition to Done`);
    await jira('POST', `/rest/api/3/issue/${encodeURIComponent(key)}/transitions`, { transition: { id: done.id } });
  } catch (err) {
    log(`${key}: could not move it to Done:`, err.message);
  }
}

async function tell(slackUserId, text) {
  if (!slackUserId) return;
  try {
    const { channel } = await slack('conversations.open', { users: slackUserId });
    await slack('chat.postMessage', { channel: channel.id, text });
  } catch (err) {
    log(`could not tell ${slackUserId}:`, err.message);
  }
}

/** Is the person assigned to the app (directly or by a group), or a member of the group, already? */
async function alreadyHas(t, userId) {
  if (t.kind === 'app') {
    try {
      await okta('GET', `/api/v1/apps/${t.id}/users/${userId}`);
      return true;
    } catch (err) {
      if (err.status === 404) return false;
      throw err;
    }
  }
  const groups = await oktaAll(`/api/v1/users/${userId}/groups`);
  return groups.some((g) => g.id === t.id);
}

async function grant(t, userId) {
  if (t.kind === 'app') await okta('POST', `/api/v1/apps/${t.id}/users`, { id: userId, scope: 'USER' });
  else await okta('PUT', `/api/v1/groups/${t.id}/users/${userId}`);
}

async function decide(payload, decision) {
  const issue = payload.issue;
  const key = issue.key;
  const req = requests.get(String(issue.id)) ?? (await requestFromIssue(issue));
  if (!req || req.key !== key) return log(`${key}: not a request I know`);
  if (req.decided) return log(`${key}: already decided`);
  const current = await jira('GET', `/rest/api/3/issue/${encodeURIComponent(key)}?fields=status,labels,reporter`);
  if (current.fields?.status?.statusCategory?.key === 'done' || (current.fields?.status?.name ?? '').toLowerCase() === 'done')
    return log(`${key}: already done`);
  const approverId = payload.user?.accountId;
  const approver = payload.user?.displayName ?? 'someone';
  const requesterAccount = current.fields?.reporter?.accountId;
  if (decision === APPROVED && approverId && requesterAccount && approverId === requesterAccount) {
    await comment(key, `Not granted: ${req.requester} asked for this, so someone else must approve it.`);
    try {
      await jira('PUT', `/rest/api/3/issue/${encodeURIComponent(key)}`, { update: { labels: [{ remove: APPROVED }] } });
    } catch (err) {
      log(`${key}: could not take the label off:`, err.message);
    }
    return;
  }
  req.decided = true;
  const t = req.target;
  if (decision === REJECTED) {
    await comment(key, `Rejected by ${approver}; nothing was granted.`);
    await close(key);
    await tell(req.slackUserId, `Your request ${key} for ${t.name} was rejected by ${approver}.`);
    return;
  }
  const person = (await okta('GET', `/api/v1/users/${encodeURIComponent(req.oktaUserId)}`)).body;
  if (person.status !== 'ACTIVE') {
    await comment(key, `Not granted: ${req.requester} is no longer active in Okta (${person.status}).`);
    await close(key);
    return;
  }
  try {
    if (await alreadyHas(t, person.id)) {
      await comment(key, `${req.requester} already had ${what(t)}; nothing to change (approved by ${approver}).`);
      await close(key);
      await tell(req.slackUserId, `Your request ${key} was approved by ${approver}: you already had access to ${t.name}.`);
      return;
    }
    await grant(t, person.id);
  } catch (err) {
    req.decided = false; // A later approval (or a redelivery) may try again.
    await comment(key, `Could not grant ${what(t)} to ${req.requester}: ${err.message}`).catch(() => {});
    throw err;
  }
  const granted = t.kind === 'app' ? `now has ${what(t)}` : `is now in ${what(t)}`;
  await comment(key, `Access granted: ${req.requester} ${granted} (approved by ${approver}).`);
  await close(key);
  await tell(req.slackUserId, `Your request ${key} was approved by ${approver}: you now have access to ${t.name}.`);
}

function handleJira(payload, identifier) {
  if (remember(identifier)) return log(`delivery ${identifier} seen already`);
  if (payload?.webhookEvent !== 'jira:issue_updated' || !payload.issue?.key) return;
  const labels = payload.issue.fields?.labels ?? [];
  if (!labels.includes(REQUEST_LABEL)) return;
  const decision = addedDecision(payload);
  if (!decision) return;
  serially(String(payload.issue.id), () => decide(payload, decision));
}

// ── the server ───────────────────────────────────────────────────────────────

function same(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
}

function slackSigned(req, raw) {
  const ts = req.headers['x-slack-request-timestamp'];
  const sig = req.headers['x-slack-signature'];
  if (!ts || !sig || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const mine = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${raw}`).digest('hex')}`;
  return same(mine, sig);
}

function jiraSigned(req, raw) {
  if (!JIRA_SECRET) return true;
  const sig = req.headers['x-hub-signature'] ?? '';
  return same(`sha256=${createHmac('sha256', JIRA_SECRET).update(raw).digest('hex')}`, sig);
}

function send(res, status, body) {
  res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://app');
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size <= 1_000_000) chunks.push(c);
  });
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    if (url.pathname === '/health') return send(res, 200, { ok: true });
    if (url.pathname === '/slack/events') {
      if (!slackSigned(req, raw)) return send(res, 401, { error: 'bad signature' });
      if ((req.headers['content-type'] ?? '').includes('application/json')) {
        try {
          const body = JSON.parse(raw);
          if (body.type === 'url_verification') return send(res, 200, { challenge: body.challenge });
        } catch {
          return send(res, 400, { error: 'not JSON' });
        }
        return send(res, 200);
      }
      const form = new URLSearchParams(raw);
      if (form.get('command') !== '/access') return send(res, 200);
      if (!(form.get('text') ?? '').trim()) return send(res, 200, { response_type: 'ephemeral', text: USAGE });
      // Slack waits 3 seconds for the answer: acknowledge now, answer through response_url when the request is open.
      send(res, 200);
      setImmediate(() => answerCommand(form));
      return;
    }
    if (url.pathname === '/jira/webhook') {
      if (req.method !== 'POST') return send(res, 405);
      if (!jiraSigned(req, raw)) {
        log('a Jira webhook with a bad signature: ignored');
        return send(res, 401, { error: 'bad signature' });
      }
      let payload;
      try {
        payload = JSON.parse(raw);
      } catch {
        return send(res, 400, { error: 'not JSON' });
      }
      send(res, 204);
      setImmediate(() => handleJira(payload, req.headers['x-atlassian-webhook-identifier']));
      return;
    }
    send(res, 404, { error: 'not found' });
  });
});

server.listen(PORT, () => log(`access-request bot listening on ${PORT}`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
