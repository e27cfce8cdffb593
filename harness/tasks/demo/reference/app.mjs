// The demo task's reference solution: a help-desk bot for #help (eyes reaction, a reply in the thread, a check mark when solved, /helpdesk). Node 20 built-ins only.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const API_URL = (process.env.SLACK_API_URL ?? 'https://slack.com/api/').replace(/\/?$/, '/');
const TOKEN = process.env.SLACK_BOT_TOKEN ?? '';
const SIGNING_SECRET = process.env.SLACK_SIGNING_SECRET ?? '';
const PORT = Number(process.env.PORT ?? 3000);
const EVENTS_PATH = '/slack/events';
const HELP_CHANNEL = 'help';
const REQUEST = /help:/i;
const SOLVED = /\bsolved\b/i;
const USAGE = 'Post "help: <what you need>" in #help and a helper will pick it up; reply "solved" in its thread once it is.';
/** Slack errors worth another try: the request was fine, the service hiccuped. */
const TRANSIENT = new Set(['fatal_error', 'internal_error', 'service_unavailable', 'request_timeout']);
const ATTEMPTS = 5;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...args) => console.error(new Date().toISOString(), ...args);

/** Call a Web API method; a 429 waits its Retry-After, transient errors back off, then the same call again. */
async function slack(method, args = {}) {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${API_URL}${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(args),
    });
    if (res.status === 429 && attempt < ATTEMPTS) {
      await res.body?.cancel();
      const after = Number(res.headers.get('retry-after'));
      await sleep(1000 * Math.min(Number.isFinite(after) && after > 0 ? after : 1, 60));
      continue;
    }
    const data = await res.json().catch(() => ({ ok: false, error: `http_${res.status}` }));
    if (data.ok) return data;
    if ((TRANSIENT.has(data.error) || res.status >= 500) && attempt < ATTEMPTS) {
      await sleep(200 * 2 ** attempt);
      continue;
    }
    throw Object.assign(new Error(`${method}: ${data.error}`), { code: data.error });
  }
}

let botUserId;
async function botUser() {
  botUserId ??= (await slack('auth.test')).user_id;
  return botUserId;
}

/** Channel names by id, looked up once each: the workspace is reset between scenarios, so ids are never assumed. */
async function channelName(id) {
  try {
    return (await slack('conversations.info', { channel: id })).channel.name;
  } catch {
    return undefined;
  }
}

/** Requests already acknowledged, by channel and ts, so a second event for one never answers twice. */
const answered = new Set();
/** Event ids already handled: Slack redelivers with the same id. */
const seen = new Set();

async function onMessage(ev) {
  if (ev.subtype || ev.bot_id || ev.user === (await botUser())) return;
  if ((await channelName(ev.channel)) !== HELP_CHANNEL) return;
  const text = ev.text ?? '';
  if (ev.thread_ts && ev.thread_ts !== ev.ts) {
    // A reply: "solved" under a request marks the request done.
    if (SOLVED.test(text) && answered.has(`${ev.channel}:${ev.thread_ts}`))
      await slack('reactions.add', { channel: ev.channel, timestamp: ev.thread_ts, name: 'white_check_mark' }).catch((err) => {
        if (err.code !== 'already_reacted') throw err;
      });
    return;
  }
  if (!REQUEST.test(text)) return;
  const key = `${ev.channel}:${ev.ts}`;
  if (answered.has(key)) return;
  answered.add(key);
  const title =
    text
      .slice(text.search(REQUEST) + 'help:'.length)
      .split('\n')[0]
      .trim() || 'no details given';
  await slack('reactions.add', { channel: ev.channel, timestamp: ev.ts, name: 'eyes' }).catch((err) => {
    if (err.code !== 'already_reacted') throw err;
  });
  await slack('chat.postMessage', { channel: ev.channel, thread_ts: ev.ts, text: `On it, <@${ev.user}>: ${title}` });
}

function verified(req, raw) {
  const ts = Number(req.headers['x-slack-request-timestamp']);
  const given = String(req.headers['x-slack-signature'] ?? '');
  if (!Number.isFinite(ts) || Math.abs(Date.now() / 1000 - ts) > 300) return false;
  const expected = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${raw}`).digest('hex')}`;
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/health') return send(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || path !== EVENTS_PATH) return send(res, 404, { error: 'not_found' });
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    if (!verified(req, raw)) return send(res, 401, { error: 'invalid_signature' });
    if (String(req.headers['content-type'] ?? '').includes('application/json')) {
      let body;
      try {
        body = JSON.parse(raw);
      } catch {
        return send(res, 400, { error: 'invalid_json' });
      }
      if (body.type === 'url_verification') return send(res, 200, { challenge: body.challenge });
      // Answer at once (Slack retries after 3 s), then act once per event id.
      send(res, 200);
      if (body.type !== 'event_callback' || seen.has(body.event_id)) return;
      seen.add(body.event_id);
      if (body.event?.type === 'message') onMessage(body.event).catch((err) => log(`event ${body.event_id}: ${err.stack ?? err}`));
      return;
    }
    const form = new URLSearchParams(raw);
    if (form.get('command') === '/helpdesk') return send(res, 200, { response_type: 'ephemeral', text: USAGE });
    send(res, 200);
  });
});

server.listen(PORT, '127.0.0.1', () => log(`help-desk bot listening on http://127.0.0.1:${PORT}`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
