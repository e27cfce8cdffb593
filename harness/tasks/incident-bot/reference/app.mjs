// The incident bot's reference solution: opens incident channels from #ops, keeps a thread summary, closes them with /incident close. Node 20 built-ins only.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const API_URL = (process.env.SLACK_API_URL ?? 'https://slack.com/api/').replace(/\/?$/, '/');
const TOKEN = process.env.SLACK_BOT_TOKEN ?? '';
const SIGNING_SECRET = process.env.SLACK_SIGNING_SECRET ?? '';
const PORT = Number(process.env.PORT ?? 3000);
const EVENTS_PATH = process.env.SLACK_EVENTS_PATH ?? '/slack/events';
const OPS = 'ops';
const ANNOUNCE = 'incidents';
const TRIGGER_EMOJI = 'rotating_light';
const INCIDENT_CHANNEL = /^inc-(\d+)-/;
/** Message subtypes that are still a person writing. */
const PERSON_SUBTYPES = new Set(['file_share', 'thread_broadcast']);

/** Slack errors that mean "the service hiccuped, the request was fine": worth another try. */
const TRANSIENT = new Set(['fatal_error', 'internal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);
/** How many times one call is tried before giving up. */
const ATTEMPTS = 5;
/** Slack asks for at most this long in Retry-After in practice; a longer ask is capped so a call cannot hang forever. */
const MAX_RETRY_AFTER_S = 60;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...args) => console.error(new Date().toISOString(), ...args);

// ── the Web API ──────────────────────────────────────────────────────────────

class SlackError extends Error {
  constructor(method, data) {
    super(`${method}: ${data.error}`);
    this.code = data.error;
    this.data = data;
  }
}

/**
 * Call a Web API method with the bot token (form-encoded, which every method accepts). A 429 is
 * retried after its Retry-After, transient errors and network failures after a short backoff.
 */
async function slack(method, args = {}) {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(args)) {
    if (v === undefined || v === null) continue;
    form.set(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  for (let attempt = 1; ; attempt++) {
    let res;
    try {
      res = await fetch(`${API_URL}${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      if (attempt >= ATTEMPTS) throw err;
      await sleep(200 * 2 ** attempt);
      continue;
    }
    if (res.status === 429) {
      await res.body?.cancel();
      if (attempt >= ATTEMPTS) throw new SlackError(method, { ok: false, error: 'ratelimited' });
      const after = Number(res.headers.get('retry-after'));
      await sleep(1000 * Math.min(Number.isFinite(after) && after > 0 ? after : 1, MAX_RETRY_AFTER_S));
      continue;
    }
    let data;
    try {
      data = await res.json();
    } catch {
      data = { ok: false, error: `http_${res.status}` };
    }
    if (data.ok) return data;
    if ((TRANSIENT.has(data.error) || res.status >= 500) && attempt < ATTEMPTS) {
      await sleep(200 * 2 ** attempt);
      continue;
    }
    throw new SlackError(method, data);
  }
}

/** Run a call whose failure must not stop what comes after it; log and return undefined. */
async function tryTo(what, fn) {
  try {
    return await fn();
  } catch (err) {
    log(`could not ${what}: ${err.code ?? err.message}`);
    return undefined;
  }
}

let botUserId;
/** The bot's own user id, so its own messages and reactions echoing back are ignored. */
async function botUser() {
  botUserId ??= (await slack('auth.test')).user_id;
  return botUserId;
}

/** Every channel the bot can see, archived ones included (all pages). */
async function listChannels() {
  const channels = [];
  let cursor;
  do {
    const page = await slack('conversations.list', {
      types: 'public_channel,private_channel',
      exclude_archived: false,
      limit: 200,
      cursor,
    });
    channels.push(...page.channels);
    cursor = page.response_metadata?.next_cursor;
  } while (cursor);
  return channels;
}

async function channelInfo(id) {
  return (await slack('conversations.info', { channel: id })).channel;
}

// ── text ─────────────────────────────────────────────────────────────────────

/** Slack markup as a person reads it: mentions dropped, channel links and URLs as their labels. */
function plain(text = '') {
  return text
    .replace(/<@[UW][A-Z0-9]+(\|[^>]*)?>/g, '')
    .replace(/<#C[A-Z0-9]+\|([^>]*)>/g, '#$1')
    .replace(/<(?:https?|mailto):[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<((?:https?|mailto):[^>]*)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

/** An incident's title from a report: what follows `incident:`, else the whole text; first line, at most 100 characters. */
function titleOf(text) {
  const clean = plain(text);
  const m = /incident:\s*([\s\S]*)/i.exec(clean);
  const first = (m ? m[1] : clean).split('\n')[0].trim();
  return first.slice(0, 100) || 'untitled incident';
}

/** A channel-name slug: lower case, a-z 0-9 and single dashes. */
function slugOf(title, room) {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, room)
    .replace(/-+$/, '');
  return slug || 'incident';
}

function channelName(n, title) {
  const prefix = `inc-${n}-`;
  return `${prefix}${slugOf(title, 80 - prefix.length)}`;
}

// ── incidents ────────────────────────────────────────────────────────────────

/** One per reported #ops message, keyed `channel:ts`; a pending entry holds the promise of its opening. */
const byReport = new Map();
/** Open incidents by their channel id. */
const byChannel = new Map();

/** Openings run one at a time, so two reports at once never take the same number. */
let openingQueue = Promise.resolve();
function oneAtATime(fn) {
  const run = openingQueue.then(fn, fn);
  openingQueue = run.catch(() => undefined);
  return run;
}

function summaryText(inc) {
  const channel = `<#${inc.channelId}|${inc.name}>`;
  if (inc.status === 'resolved') {
    return [
      `:white_check_mark: INC-${inc.number}: ${inc.title}`,
      `Status: resolved · Resolution: ${inc.resolution ?? 'none given'} · Closed by <@${inc.closedBy}> · Channel: ${channel} (archived)`,
    ].join('\n');
  }
  const lines = [
    `:rotating_light: INC-${inc.number}: ${inc.title}`,
    `Status: ${inc.status} · Channel: ${channel} · Reported by <@${inc.reporter}>`,
  ];
  if (inc.lastUpdate) lines.push(`Latest update: ${inc.lastUpdate.text} (<@${inc.lastUpdate.user}>)`);
  return lines.join('\n');
}

/** Bring the thread summary on the report up to date; #ops may be archived meanwhile, which is no reason to stop. */
async function refreshSummary(inc) {
  if (!inc.summaryTs) return;
  await tryTo(`update the summary of INC-${inc.number}`, () =>
    slack('chat.update', { channel: inc.origin.channel, ts: inc.summaryTs, text: summaryText(inc) }),
  );
}

/** Tell a person something only they see, where it happened; by DM when that fails. */
async function tellPrivately(user, channel, text, threadTs) {
  try {
    await slack('chat.postEphemeral', { channel, user, text, thread_ts: threadTs });
  } catch (err) {
    log(`ephemeral to ${user} failed (${err.code ?? err.message}); sending a DM`);
    await tryTo('DM the person', async () => {
      const im = await slack('conversations.open', { users: user });
      await slack('chat.postMessage', { channel: im.channel.id, text });
    });
  }
}

async function invite(channel, users) {
  for (const user of users) {
    try {
      await slack('conversations.invite', { channel, users: user });
    } catch (err) {
      if (err.code !== 'already_in_channel' && err.code !== 'cant_invite_self') log(`could not invite ${user}: ${err.code ?? err.message}`);
    }
  }
}

/**
 * Open an incident for a report in #ops: a numbered channel, the reporter (and others) invited,
 * a summary there, a summary in the report's thread and a line in #incidents. At most one per
 * report, however often it is triggered.
 */
async function openIncident(report) {
  const key = `${report.channel}:${report.ts}`;
  const existing = byReport.get(key);
  if (existing) {
    // A second trigger for the same report: bring its people into the incident instead.
    const inc = await existing;
    if (inc && inc.status !== 'resolved')
      await invite(
        inc.channelId,
        report.people.filter((u) => u !== inc.reporter),
      );
    return;
  }
  const opening = oneAtATime(() => createIncident(report));
  byReport.set(key, opening);
  const inc = await opening;
  // Nothing was opened (a missing scope, Slack down): a later trigger may try again.
  if (!inc) byReport.delete(key);
}

async function createIncident(report) {
  const { title, reporter } = report;
  let channels = [];
  try {
    channels = await listChannels();
  } catch (err) {
    log(`could not list channels to number the incident: ${err.code ?? err.message}`);
  }
  let number = 1 + Math.max(0, ...channels.map((c) => Number(INCIDENT_CHANNEL.exec(c.name)?.[1] ?? 0)));
  let created;
  for (let tries = 0; !created && tries < 20; tries++, number++) {
    try {
      created = (await slack('conversations.create', { name: channelName(number, title), is_private: false })).channel;
    } catch (err) {
      if (err.code === 'name_taken') continue;
      const why =
        err.code === 'missing_scope'
          ? `the app is missing the ${scopeNeeded(err)} scope; ask a workspace admin to add it`
          : `Slack answered ${err.code ?? err.message}`;
      log(`could not open a channel for "${title}": ${err.code ?? err.message}`);
      await tellPrivately(reporter, report.channel, `I could not open an incident channel for "${title}": ${why}.`, report.threadTs);
      return undefined;
    }
  }
  if (!created) {
    await tellPrivately(reporter, report.channel, `I could not open an incident channel for "${title}": every name I tried was taken.`);
    return undefined;
  }
  const inc = {
    number: Number(INCIDENT_CHANNEL.exec(created.name)[1]),
    title,
    name: created.name,
    channelId: created.id,
    reporter,
    origin: { channel: report.channel, ts: report.ts, threadTs: report.threadTs ?? report.ts },
    status: 'investigating',
    summaryTs: undefined,
    lastUpdate: undefined,
  };
  byChannel.set(inc.channelId, inc);
  await invite(inc.channelId, [...new Set(report.people)]);
  const link = await tryTo('get a permalink', () => slack('chat.getPermalink', { channel: report.channel, message_ts: report.ts }));
  await tryTo('post the summary in the incident channel', () =>
    slack('chat.postMessage', {
      channel: inc.channelId,
      text: [
        `:rotating_light: INC-${inc.number}: ${title}`,
        `Reported by <@${reporter}> in <#${report.channel}>${link?.permalink ? ` (${link.permalink})` : ''}.`,
        'Post `update: <what changed>` here to keep everyone posted; `/incident close [resolution]` closes the incident.',
      ].join('\n'),
    }),
  );
  const posted = summaryText(inc);
  const summary = await tryTo('post the thread summary', () =>
    slack('chat.postMessage', { channel: inc.origin.channel, thread_ts: inc.origin.threadTs, text: posted }),
  );
  inc.summaryTs = summary?.ts;
  // An update or the close may have come in while it was being posted.
  if (inc.summaryTs && summaryText(inc) !== posted) await refreshSummary(inc);
  const announce = channels.find((c) => c.name === ANNOUNCE);
  if (announce && !announce.is_archived) {
    await tryTo(`announce INC-${inc.number} in #${ANNOUNCE}`, () =>
      slack('chat.postMessage', {
        channel: announce.id,
        text: `:rotating_light: INC-${inc.number} opened: ${title} · <#${inc.channelId}|${inc.name}>`,
      }),
    );
  }
  inc.opened = true;
  return inc;
}

/** The scope Slack says a refused call needed (the first of several it would accept). */
function scopeNeeded(err) {
  return String(err.data?.needed ?? 'channels:manage').split(',')[0];
}

/** The open incident a channel is, if the channel is still the one the incident was opened in. */
function incidentIn(channelId, name) {
  const inc = byChannel.get(channelId);
  return inc && (!name || inc.name === name) ? inc : undefined;
}

async function closeIncident({ channelId, channelName: name, user, resolution }) {
  const number = Number(INCIDENT_CHANNEL.exec(name)?.[1]);
  // A channel whose opening is still under way (people can reach it as soon as it exists): let it finish.
  if (!incidentIn(channelId, name)?.opened) await openingQueue;
  const inc = incidentIn(channelId, name);
  if (inc?.closing) return;
  if (inc) inc.closing = true;
  await tryTo(`post the resolution of INC-${number}`, () =>
    slack('chat.postMessage', {
      channel: channelId,
      text: `:white_check_mark: INC-${number} resolved by <@${user}>: ${resolution ?? 'no resolution given'}`,
    }),
  );
  if (inc) {
    Object.assign(inc, { status: 'resolved', resolution, closedBy: user });
    await refreshSummary(inc);
    byChannel.delete(channelId);
  }
  try {
    await slack('conversations.archive', { channel: channelId });
  } catch (err) {
    if (err.code === 'already_archived') return;
    const why =
      err.code === 'missing_scope' ? `the app is missing the ${scopeNeeded(err)} scope` : `Slack answered ${err.code ?? err.message}`;
    await tellPrivately(user, channelId, `INC-${number} is resolved, but I could not archive this channel: ${why}.`);
  }
}

// ── events ───────────────────────────────────────────────────────────────────

/** Event ids already handled (Slack retries an event with the same id), kept an hour. */
const seenEvents = new Map();
function firstDelivery(eventId) {
  if (!eventId) return true;
  if (seenEvents.has(eventId)) return false;
  seenEvents.set(eventId, Date.now());
  return true;
}
setInterval(() => {
  const old = Date.now() - 3_600_000;
  for (const [id, at] of seenEvents) if (at < old) seenEvents.delete(id);
}, 60_000).unref();

async function onMessage(ev) {
  // Edits, joins, bots (this one included) and hidden messages are not reports; a message with a file, or a thread reply
  // also sent to the channel, is a person writing like any other.
  if (ev.subtype && !PERSON_SUBTYPES.has(ev.subtype)) return;
  if (ev.bot_id || !ev.user || ev.user === (await botUser())) return;
  const text = ev.text ?? '';
  const update = /^\s*update:\s*([\s\S]+)/i.exec(plain(text));
  if (update && byChannel.has(ev.channel)) {
    // Channel ids may be reused where workspaces are reset; trust the mapping only if the name agrees.
    const info = await tryTo('look up the channel', () => channelInfo(ev.channel));
    const inc = incidentIn(ev.channel, info?.name);
    if (!inc) return;
    inc.lastUpdate = { text: update[1].split('\n')[0].trim().slice(0, 300), user: ev.user };
    await refreshSummary(inc);
    return;
  }
  if (!/incident:/i.test(text)) return;
  const info = await channelInfo(ev.channel);
  if (info.name !== OPS) return;
  await openIncident({
    channel: ev.channel,
    ts: ev.ts,
    threadTs: ev.thread_ts,
    title: titleOf(text),
    reporter: ev.user,
    people: [ev.user],
  });
}

/** The message a reaction was added to: top level first, else as a reply in some thread. */
async function reactedMessage(channel, ts) {
  const history = await slack('conversations.history', { channel, latest: ts, oldest: ts, inclusive: true, limit: 1 });
  const top = history.messages?.find((m) => m.ts === ts);
  if (top) return top;
  // Given a reply's ts, Slack answers with its whole thread, parent first.
  const replies = await tryTo('read the thread', () => slack('conversations.replies', { channel, ts, limit: 1000 }));
  return replies?.messages?.find((m) => m.ts === ts);
}

async function onReaction(ev) {
  if (ev.reaction !== TRIGGER_EMOJI || ev.item?.type !== 'message' || ev.user === (await botUser())) return;
  const { channel, ts } = ev.item;
  const info = await channelInfo(channel);
  if (info.name !== OPS) return;
  const message = await tryTo('read the reported message', () => reactedMessage(channel, ts));
  // The bot's own messages (its thread summaries) are not reports.
  if (message?.bot_id || message?.user === botUserId) return;
  const author = message?.user ?? ev.item_user;
  const people = [ev.user, author].filter((u) => u && u !== botUserId);
  await openIncident({
    channel,
    ts,
    threadTs: message?.thread_ts && message.thread_ts !== ts ? message.thread_ts : undefined,
    title: message ? titleOf(message.text) : 'untitled incident',
    reporter: ev.user,
    people,
  });
}

async function onChannelArchive(ev) {
  const inc = byChannel.get(ev.channel);
  if (!inc || inc.closing) return;
  // Someone archived the incident's channel by hand: the summary says so.
  const info = await tryTo('look up the channel', () => channelInfo(ev.channel));
  if (info?.name !== inc.name) return;
  inc.status = 'closed (channel archived)';
  byChannel.delete(ev.channel);
  await refreshSummary(inc);
}

async function onEvent(envelope) {
  const ev = envelope.event ?? {};
  if (ev.type === 'message') return onMessage(ev);
  if (ev.type === 'reaction_added') return onReaction(ev);
  if (ev.type === 'channel_archive') return onChannelArchive(ev);
}

// ── slash commands ───────────────────────────────────────────────────────────

const USAGE = 'Usage: `/incident close [resolution]` in an incident channel (#inc-<n>-…) resolves the incident and archives the channel.';

/** The immediate answer to /incident (Slack shows a body as an ephemeral message); the work happens after answering. */
function onCommand(form) {
  const text = (form.get('text') ?? '').trim();
  const close = /^close\b\s*([\s\S]*)$/i.exec(text);
  if (form.get('command') !== '/incident' || !close) return { response_type: 'ephemeral', text: USAGE };
  const name = form.get('channel_name') ?? '';
  const channelId = form.get('channel_id') ?? '';
  if (!INCIDENT_CHANNEL.test(name)) {
    return {
      response_type: 'ephemeral',
      text: 'This is not an incident channel. Run `/incident close [resolution]` in the incident channel itself (#inc-<n>-…).',
    };
  }
  if (incidentIn(channelId, name)?.closing) return { response_type: 'ephemeral', text: 'This incident is already being closed.' };
  const resolution = close[1].trim() || undefined;
  setImmediate(() =>
    closeIncident({ channelId, channelName: name, user: form.get('user_id'), resolution }).catch((err) =>
      log(`closing failed: ${err.stack ?? err}`),
    ),
  );
  return undefined;
}

// ── HTTP ─────────────────────────────────────────────────────────────────────

/** Slack's v0 signature over the raw body, within five minutes of now. */
function verified(req, raw) {
  const ts = Number(req.headers['x-slack-request-timestamp']);
  const given = String(req.headers['x-slack-signature'] ?? '');
  if (!Number.isFinite(ts) || Math.abs(Date.now() / 1000 - ts) > 300) return false;
  const expected = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${raw}`).digest('hex')}`;
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'content-type': type });
  res.end(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body));
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/health') return send(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || path !== EVENTS_PATH) return send(res, 404, { error: 'not_found' });
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > 1_000_000) req.destroy();
    else chunks.push(c);
  });
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    if (!verified(req, raw)) return send(res, 401, { error: 'invalid_signature' });
    const type = String(req.headers['content-type'] ?? '');
    if (type.includes('application/json')) {
      let body;
      try {
        body = JSON.parse(raw);
      } catch {
        return send(res, 400, { error: 'invalid_json' });
      }
      if (body.type === 'url_verification') return send(res, 200, { challenge: body.challenge });
      // Answer at once (Slack retries after 3 s), then act, once per event id.
      send(res, 200);
      if (body.type === 'event_callback' && firstDelivery(body.event_id)) {
        onEvent(body).catch((err) => log(`event ${body.event_id} failed: ${err.stack ?? err}`));
      }
      return;
    }
    const form = new URLSearchParams(raw);
    if (form.has('command')) {
      const answer = onCommand(form);
      return answer ? send(res, 200, answer) : send(res, 200);
    }
    return send(res, 200);
  });
});

server.listen(PORT, process.env.HOST ?? '127.0.0.1', () => log(`incident bot listening on http://127.0.0.1:${server.address().port}`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
