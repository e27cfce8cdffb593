// The offboarding bot's reference solution: an Okta event hook for a deactivation removes the person from Slack channels, hands their open Jira issues to their manager and posts a summary in #it-ops. Node 20 built-ins only.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const env = process.env;
const PORT = Number(env.PORT ?? 3000);
const OKTA_URL = (env.OKTA_ORG_URL ?? '').replace(/\/$/, '');
const OKTA_TOKEN = env.OKTA_API_TOKEN ?? '';
const HOOK_SECRET = env.OKTA_EVENT_HOOK_SECRET ?? '';
const SLACK_URL = (env.SLACK_API_URL ?? 'https://slack.com/api/').replace(/\/?$/, '/');
const SLACK_TOKEN = env.SLACK_BOT_TOKEN ?? '';
const SIGNING_SECRET = env.SLACK_SIGNING_SECRET ?? '';
const JIRA_URL = (env.JIRA_BASE_URL ?? '').replace(/\/$/, '');
const JIRA_AUTH = `Basic ${Buffer.from(`${env.JIRA_EMAIL ?? ''}:${env.JIRA_API_TOKEN ?? ''}`).toString('base64')}`;

const SUMMARY_CHANNEL = 'it-ops';
/** Okta statuses of someone who is gone (for the manager chain: skip them). */
const GONE = new Set(['DEPROVISIONED', 'SUSPENDED']);
/** Events that bring a person back: an offboarding still under way for them stops. */
const COMING_BACK = new Set(['user.lifecycle.activate', 'user.lifecycle.reactivate', 'user.lifecycle.unsuspend']);
const ATTEMPTS = 6;
const MAX_WAIT_S = 60;
const MAX_MANAGER_HOPS = 5;

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
    return { status: res.status, body };
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

async function okta(method, path) {
  const r = await request('Okta', `${OKTA_URL}${path}`, {
    method,
    headers: { authorization: `SSWS ${OKTA_TOKEN}`, accept: 'application/json' },
  });
  if (r.status >= 400) throw new ApiError('Okta', `${method} ${path}`, r.status, r.body?.errorCode, r.body);
  return r.body;
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

// ── the people ───────────────────────────────────────────────────────────────

function nameOf(user) {
  const p = user?.profile ?? {};
  return p.displayName || [p.firstName, p.lastName].filter(Boolean).join(' ') || p.login || user?.id || 'someone';
}

function emailOf(user) {
  return user?.profile?.email || user?.profile?.login || '';
}

/** The person's manager in Okta: managerId, else `manager` when it names a login. */
async function managerOf(user) {
  const p = user.profile ?? {};
  const ref = p.managerId || (typeof p.manager === 'string' && p.manager.includes('@') ? p.manager : undefined);
  if (!ref) return undefined;
  try {
    return await okta('GET', `/api/v1/users/${encodeURIComponent(ref)}`);
  } catch (err) {
    if (err.status === 404) return undefined;
    throw err;
  }
}

/**
 * Who takes the issues: the nearest manager up the chain who is not gone (deactivated or suspended).
 * Answers `{ manager, skipped }`; no manager when the chain has nobody active.
 */
async function heir(user) {
  const skipped = [];
  const seen = new Set([user.id]);
  let current = user;
  for (let hop = 0; hop < MAX_MANAGER_HOPS; hop++) {
    const m = await managerOf(current);
    if (!m || seen.has(m.id)) break;
    seen.add(m.id);
    if (!GONE.has(m.status)) return { manager: m, skipped };
    skipped.push(nameOf(m));
    current = m;
  }
  return { manager: undefined, skipped };
}

/** The Jira account with exactly this email, if the site has one. */
async function jiraAccount(email) {
  if (!email) return undefined;
  const found = await jira('GET', `/rest/api/3/user/search?query=${encodeURIComponent(email)}&maxResults=50`);
  return (Array.isArray(found) ? found : []).find((u) => (u.emailAddress ?? '').toLowerCase() === email.toLowerCase());
}

// ── the work ─────────────────────────────────────────────────────────────────

/** Offboardings under way, by Okta user id: a reactivation sets `stopped`. */
const running = new Map();
/** Deliveries (Okta's eventId) and System Log events (uuid and time) already handled. */
const seen = new Set();
const SEEN_MAX = 20_000;

function remember(id) {
  if (!id) return false;
  if (seen.has(id)) return true;
  seen.add(id);
  if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value);
  return false;
}

class Stopped extends Error {}

let summaryChannel;
async function postSummary(text) {
  if (!summaryChannel) {
    let cursor;
    do {
      const page = await slack('conversations.list', {
        types: 'public_channel,private_channel',
        exclude_archived: true,
        limit: 200,
        cursor,
      });
      summaryChannel = page.channels.find((c) => c.name === SUMMARY_CHANNEL);
      cursor = page.response_metadata?.next_cursor;
    } while (!summaryChannel && cursor);
  }
  if (!summaryChannel) {
    log(`no #${SUMMARY_CHANNEL} channel: the summary is only logged:\n${text}`);
    return;
  }
  try {
    await slack('chat.postMessage', { channel: summaryChannel.id, text, unfurl_links: false });
  } catch (err) {
    summaryChannel = undefined; // It may have been renamed or archived since; look again next time.
    throw err;
  }
}

/** Slack: the person out of every channel the bot can see (not #general, which Slack never allows). */
async function leaveSlack(job, email, report) {
  let slackUser;
  try {
    slackUser = (await slack('users.lookupByEmail', { email })).user;
  } catch (err) {
    if (err.code === 'users_not_found') {
      report.slack = 'not found in Slack';
      return;
    }
    throw err;
  }
  job.check();
  const channels = [];
  let cursor;
  do {
    const page = await slack('users.conversations', {
      user: slackUser.id,
      types: 'public_channel,private_channel',
      exclude_archived: true,
      limit: 200,
      cursor,
    });
    channels.push(...page.channels);
    cursor = page.response_metadata?.next_cursor;
  } while (cursor);
  const removed = [];
  const failed = [];
  for (const c of channels.sort((a, b) => a.name.localeCompare(b.name))) {
    if (c.is_general) continue;
    job.check();
    try {
      if (!c.is_member && !c.is_private) await slack('conversations.join', { channel: c.id });
      await slack('conversations.kick', { channel: c.id, user: slackUser.id });
      removed.push(`#${c.name}`);
    } catch (err) {
      if (err.code === 'not_in_channel') continue; // Gone already.
      failed.push(`#${c.name} (${err.code ?? err.message})`);
    }
  }
  report.slack = removed.length > 0 ? `removed from ${removed.join(', ')}` : 'in no channel to leave';
  if (failed.length > 0) report.slack += `; could not remove from ${failed.join(', ')}`;
}

/** Jira: every open issue of the person to the heir (or unassigned), back to To Do if in progress, with a comment. */
async function handOverJira(job, person, email, successor, report) {
  const account = await jiraAccount(email);
  if (!account) {
    report.jira = ['not found in Jira'];
    return;
  }
  job.check();
  const heirAccount = successor ? await jiraAccount(emailOf(successor)) : undefined;
  const heirName = successor ? nameOf(successor) : undefined;
  const issues = [];
  let nextPageToken;
  do {
    const page = await jira('POST', '/rest/api/3/search/jql', {
      jql: `assignee = "${account.accountId}" AND statusCategory != Done ORDER BY key ASC`,
      fields: ['summary', 'status'],
      maxResults: 100,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    issues.push(...(page.issues ?? []));
    nextPageToken = page.isLast ? undefined : page.nextPageToken;
  } while (nextPageToken);
  if (issues.length === 0) {
    report.jira = ['no open issues'];
    return;
  }
  report.jira = [];
  for (const issue of issues) {
    job.check();
    const key = issue.key;
    await jira('PUT', `/rest/api/3/issue/${key}/assignee`, { accountId: heirAccount?.accountId ?? null });
    let note = '';
    const status = issue.fields?.status;
    if (status?.statusCategory?.key === 'indeterminate') {
      try {
        const { transitions = [] } = await jira('GET', `/rest/api/3/issue/${key}/transitions`);
        const back = transitions.find((t) => t.to?.statusCategory?.key === 'new');
        if (!back) throw new Error(`no transition from ${status.name} to To Do`);
        await jira('POST', `/rest/api/3/issue/${key}/transitions`, { transition: { id: back.id } });
      } catch (err) {
        note = `left in ${status.name}: ${err.code ?? err.message}`;
        report.notMoved.push(`${key} (${note})`);
      }
    }
    const to = heirAccount ? `reassigned to ${heirName}` : 'unassigned';
    const why = heirAccount
      ? ''
      : successor
        ? ` (${heirName} has no Jira account)`
        : report.skipped.length > 0
          ? ` (no active manager: ${report.skipped.join(', ')} ${report.skipped.length > 1 ? 'are' : 'is'} gone too)`
          : ' (no manager in Okta)';
    await jira('POST', `/rest/api/2/issue/${key}/comment`, {
      body: `${person} was offboarded (deactivated in Okta): this issue is now ${to}${why}.${note ? ` Its status was ${note}.` : ''}`,
    });
    report.jira.push(`${key} → ${heirAccount ? heirName : 'unassigned'}`);
  }
}

async function offboard(userId) {
  const job = {
    stopped: false,
    check() {
      if (this.stopped) throw new Stopped();
    },
  };
  running.set(userId, job);
  let person = userId;
  const report = { slack: undefined, jira: undefined, notMoved: [], skipped: [] };
  try {
    const user = await okta('GET', `/api/v1/users/${encodeURIComponent(userId)}`);
    person = nameOf(user);
    if (user.status !== 'DEPROVISIONED') throw new Stopped();
    const email = emailOf(user);
    const { manager, skipped } = await heir(user);
    report.skipped = skipped;
    job.check();
    await leaveSlack(job, email, report);
    job.check();
    await handOverJira(job, person, email, manager, report);
    job.check();
    const lines = [`Offboarded ${person} (${email}), deactivated in Okta.`];
    lines.push(`Slack: ${report.slack}`);
    lines.push(`Jira: ${report.jira.join(', ')}`);
    if (report.notMoved.length > 0) lines.push(`Not moved back to To Do: ${report.notMoved.join(', ')}`);
    if (manager) lines.push(`Issues went to ${nameOf(manager)}${skipped.length > 0 ? ` (${skipped.join(', ')}: gone too)` : ''}.`);
    else if (skipped.length > 0) lines.push(`No active manager (${skipped.join(', ')}: gone too): issues left unassigned.`);
    await postSummary(lines.join('\n'));
  } catch (err) {
    if (err instanceof Stopped) {
      const done = [report.slack ? `Slack: ${report.slack}` : '', report.jira ? `Jira: ${report.jira.join(', ')}` : '']
        .filter(Boolean)
        .join('; ');
      await postSummary(
        `Offboarding of ${person} stopped: ${person} was reactivated in Okta before it finished. ${done ? `Already done: ${done}.` : 'Nothing was changed.'}`,
      ).catch((e) => log(`could not post the summary: ${e.message}`));
    } else {
      log(`offboarding ${userId} failed: ${err.stack ?? err.message}`);
      await postSummary(`Offboarding of ${person} failed: ${err.message}. Someone should finish it by hand.`).catch(() => undefined);
    }
  } finally {
    if (running.get(userId) === job) running.delete(userId);
  }
}

/** One delivery's events, in order. Deactivations start (once per event) an offboarding; reactivations stop one under way. */
function handleDelivery(payload) {
  if (remember(payload?.eventId)) return;
  for (const event of payload?.data?.events ?? []) {
    // The same System Log event in another delivery: its uuid with its time (an org reset starts uuids again).
    if (remember(`${event.uuid}@${event.published}`)) continue;
    const target = (event.target ?? []).find((t) => t.type === 'User');
    if (!target?.id) continue;
    if (event.eventType === 'user.lifecycle.deactivate') {
      const previous = running.get(target.id);
      // A second deactivation while one runs (deactivated, reactivated, deactivated again) waits for it.
      void (previous ? previous.done : Promise.resolve()).then(() => {
        const p = offboard(target.id);
        const job = running.get(target.id);
        if (job) job.done = p;
      });
    } else if (COMING_BACK.has(event.eventType)) {
      const job = running.get(target.id);
      if (job) job.stopped = true;
    }
  }
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
    if (url.pathname === '/okta/events') {
      if (HOOK_SECRET && !same(req.headers.authorization ?? '', HOOK_SECRET)) return send(res, 401, { error: 'unauthorized' });
      if (req.method === 'GET') {
        const challenge = req.headers['x-okta-verification-challenge'];
        return challenge ? send(res, 200, { verification: challenge }) : send(res, 400, { error: 'no challenge' });
      }
      if (req.method !== 'POST') return send(res, 405);
      let payload;
      try {
        payload = JSON.parse(raw);
      } catch {
        return send(res, 400, { error: 'not JSON' });
      }
      // Okta waits 3 seconds at most: answer first, work afterwards.
      send(res, 200);
      setImmediate(() => handleDelivery(payload));
      return;
    }
    if (url.pathname === '/slack/events') {
      if (!slackSigned(req, raw)) return send(res, 401, { error: 'bad signature' });
      try {
        const body = JSON.parse(raw);
        if (body.type === 'url_verification') return send(res, 200, { challenge: body.challenge });
      } catch {
        // A form post (a command): nothing to do.
      }
      return send(res, 200);
    }
    // Jira's webhook (the bot's own changes echo back): acknowledged, nothing to do.
    if (url.pathname === '/jira/webhook') return send(res, 204);
    send(res, 404, { error: 'not found' });
  });
});

server.listen(PORT, env.HOST ?? '127.0.0.1', () => log(`offboarding bot listening on ${PORT}`));
