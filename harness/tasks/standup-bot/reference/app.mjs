// The standup bot's reference solution: /standup commands, a daily reminder by DM on Slack's clock, and the updates collected into a thread in #standup. Node 20 built-ins only.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const API_URL = (process.env.SLACK_API_URL ?? 'https://slack.com/api/').replace(/\/?$/, '/');
const TOKEN = process.env.SLACK_BOT_TOKEN ?? '';
const SIGNING_SECRET = process.env.SLACK_SIGNING_SECRET ?? '';
const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const EVENTS_PATH = process.env.SLACK_EVENTS_PATH ?? '/slack/events';
const TEAM_CHANNEL = (process.env.STANDUP_CHANNEL ?? 'standup').replace(/^#/, '');
const DEFAULT_TIME = { hour: 9, minute: 0 };

const DAY_S = 86_400;
/** Slack refuses requests signed more than five minutes away from now (replays). */
const MAX_SIGNATURE_AGE_S = 300;
const MAX_BODY_BYTES = 1 << 20;
/** Slack retries an event for about five minutes; an event id seen within the hour is a repeat. */
const EVENT_MEMORY_MS = 60 * 60 * 1000;
/** Every header this bot schedules starts so, which is how it knows its own header when the message event comes back. */
const HEADER_PREFIX = 'Daily standup —';
/** Slack errors worth another try: the service hiccuped, the request was fine. */
const TRANSIENT = new Set(['fatal_error', 'internal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);
/** Errors that say the team channel cannot take the bot's messages any more. */
const CHANNEL_GONE = new Set(['is_archived', 'channel_not_found', 'not_in_channel']);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...parts) => console.error(new Date().toISOString(), 'standup-bot:', ...parts);

// ── Slack Web API ─────────────────────────────────────────────────────────────────────────────

class SlackError extends Error {
  constructor(method, data) {
    super(`${method}: ${data.error ?? 'unknown_error'}`);
    this.code = data.error;
    this.data = data;
  }
}

/** Seconds Slack asks us to wait (Retry-After), within reason. */
function retryAfterMs(header) {
  const s = Number(header);
  return Number.isFinite(s) && s >= 0 ? Math.min(s, 120) * 1000 : 1000;
}

/**
 * Call a Web API method the way the official SDK does (form-encoded, objects as JSON), waiting
 * out 429s for their Retry-After and trying transient failures again with backoff.
 */
async function slack(method, args = {}, { attempts = 8 } = {}) {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(args)) {
    if (value !== undefined && value !== null) body.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= attempts;
    let res;
    try {
      res = await fetch(API_URL + method, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      if (last) throw err;
      await sleep(250 * 2 ** Math.min(attempt, 5));
      continue;
    }
    if (res.status === 429) {
      await res.arrayBuffer().catch(() => undefined);
      if (last) throw new SlackError(method, { ok: false, error: 'ratelimited' });
      await sleep(retryAfterMs(res.headers.get('retry-after')));
      continue;
    }
    const data = await res.json().catch(() => ({ ok: false, error: `http_${res.status}` }));
    if (data.ok) return data;
    const transient = TRANSIENT.has(data.error) || res.status >= 500;
    if (!transient || last) throw new SlackError(method, data);
    await sleep(250 * 2 ** Math.min(attempt, 5));
  }
}

// ── The standup's state (in memory; Slack holds the schedule) ────────────────────────────────

const standup = {
  /** user id → { name } of everyone taking part. */
  participants: new Map(),
  time: { ...DEFAULT_TIME },
  /** Whoever last set the time: the summary goes to them when #standup cannot take it. */
  organiser: undefined,
  /** The team channel's id as Slack last answered it: only to recognise its archive events (the bot addresses it by name). */
  channelId: undefined,
  /** The pending header we scheduled: { id, channel, postAt }. */
  tick: undefined,
};

/** Each reminded participant's round, until they answer or the next standup begins. */
const openRound = new Map();
const seenEvents = new Map();

let bot = { userId: '', botId: '' };

const pad = (n) => String(n).padStart(2, '0');
const hhmm = (t) => `${pad(t.hour)}:${pad(t.minute)}`;
/** The team channel by name: a workspace can recreate it under another id, and the name is what people know. */
const TEAM_CHANNEL_REF = `#${TEAM_CHANNEL}`;

/** The first time at `time` (UTC) strictly after `afterSec`. */
function nextOccurrence(afterSec, time) {
  const d = new Date(afterSec * 1000);
  let at = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), time.hour, time.minute) / 1000;
  while (at <= afterSec) at += DAY_S;
  return at;
}

function longDate(sec) {
  return new Date(sec * 1000).toLocaleDateString('en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

function headerText(postAt, inDm) {
  const when = `${longDate(postAt)}, ${hhmm(standup.time)} UTC`;
  return inDm
    ? `${HEADER_PREFIX} ${when}. #${TEAM_CHANNEL} is archived, so I'll send you the team's updates here.`
    : `${HEADER_PREFIX} ${when}. Updates from the team go in this thread.`;
}

/** One piece of work at a time per key: a second `/standup time` waits for the first to finish scheduling. */
const locks = new Map();
function serially(key, fn) {
  const run = (locks.get(key) ?? Promise.resolve()).then(fn, fn);
  const tail = run.catch(() => undefined);
  locks.set(key, tail);
  tail.then(() => {
    if (locks.get(key) === tail) locks.delete(key);
  });
  return run;
}

/** The DM with a person (conversations.open needs im:write; errors go to the caller). */
async function openDm(user) {
  const { channel } = await slack('conversations.open', { users: user });
  return channel.id;
}

/** Whether a scheduled message of ours is still pending in Slack (a workspace may lose it). */
async function stillPending(tick) {
  try {
    const { scheduled_messages: pending } = await slack('chat.scheduledMessages.list', { channel: tick.channel, limit: 100 });
    return pending.some((m) => m.id === tick.id);
  } catch {
    return false;
  }
}

/** Schedule the header in #standup or, when it cannot take messages, in the organiser's DM. */
async function scheduleHeader(postAt) {
  try {
    const res = await slack('chat.scheduleMessage', { channel: TEAM_CHANNEL_REF, post_at: postAt, text: headerText(postAt, false) });
    standup.channelId = res.channel;
    // The bot must be in the channel to hear its header posted; joining twice is harmless.
    await slack('conversations.join', { channel: res.channel }).catch(() => undefined);
    return { id: res.scheduled_message_id, channel: res.channel, postAt };
  } catch (err) {
    if (!CHANNEL_GONE.has(err.code)) throw err;
  }
  if (!standup.organiser) throw new Error(`#${TEAM_CHANNEL} cannot take messages and nobody has set the standup up`);
  const dm = await openDm(standup.organiser);
  const res = await slack('chat.scheduleMessage', { channel: dm, post_at: postAt, text: headerText(postAt, true) });
  return { id: res.scheduled_message_id, channel: res.channel, postAt };
}

/**
 * Schedule the header of the next standup after `nowSec` (Slack's clock), replacing a pending one
 * when `replace`, else only when none is pending. The header is the standup's clock: when Slack
 * posts it, its message event starts the round, so reminders go out on Slack's time, not ours.
 */
function scheduleNext(nowSec, { replace = false } = {}) {
  return serially('schedule', async () => {
    const old = standup.tick;
    if (!replace && old && (await stillPending(old))) return;
    if (old) {
      standup.tick = undefined;
      await slack('chat.deleteScheduledMessage', { channel: old.channel, scheduled_message_id: old.id }).catch(() => undefined);
    }
    try {
      standup.tick = await scheduleHeader(nextOccurrence(nowSec + 5, standup.time));
    } catch (err) {
      log(`could not schedule the standup: ${err.message}`);
    }
  });
}

// ── Slash commands ────────────────────────────────────────────────────────────────────────────

const USAGE = [
  'Daily standup commands:',
  `• \`/standup join\`: take part; I DM you at the standup time and post your update in #${TEAM_CHANNEL}`,
  '• `/standup leave`: stop taking part',
  '• `/standup time HH:MM`: set the daily standup time (24-hour clock, UTC), e.g. `/standup time 09:30`',
  '• `/standup list`: who takes part, and when',
].join('\n');

function parseTime(text) {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  return hour <= 23 && minute <= 59 ? { hour, minute } : undefined;
}

function names(users) {
  const list = users.map((id) => standup.participants.get(id)?.name ?? `<@${id}>`);
  return list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
}

/** How long a command may work before answering: Slack gives up on an answer after three seconds. */
const COMMAND_BUDGET_MS = 2500;

/**
 * Answer a slash command once its change is in effect (a confirmed time is already scheduled),
 * within Slack's three seconds; work that takes longer goes on after the answer.
 */
async function onCommand(params) {
  const user = params.user_id;
  const [sub = '', ...rest] = (params.text ?? '').trim().split(/\s+/);
  const arg = rest.join(' ');
  const at = () => `${hhmm(standup.time)} UTC`;
  const within = async (work) => {
    const budget = sleep(COMMAND_BUDGET_MS).then(() => 'late');
    const done = work.catch((err) => log(`/standup ${sub}: ${err.message}`));
    await Promise.race([done, budget]);
  };
  switch (sub.toLowerCase()) {
    case 'join': {
      if (standup.participants.has(user)) return `You're already in the daily standup (every day at ${at()}).`;
      standup.participants.set(user, { name: params.user_name || `<@${user}>` });
      standup.organiser ??= user;
      await within(scheduleNext(Date.now() / 1000));
      return `You joined the daily standup. I'll DM you every day at ${at()} for your update.`;
    }
    case 'leave': {
      if (!standup.participants.delete(user)) return "You're not in the daily standup.";
      openRound.delete(user);
      return 'You left the daily standup: no more reminders.';
    }
    case 'time': {
      const time = parseTime(arg);
      if (!time) return `"${arg}" is not a valid time. Use \`/standup time HH:MM\` (24-hour clock, UTC), e.g. \`/standup time 09:30\`.`;
      standup.time = time;
      standup.organiser = user;
      let archived = false;
      await within(
        announceTime(user).then((a) => {
          archived = a;
        }),
      );
      const note = archived ? ` #${TEAM_CHANNEL} is archived, so I'll send the team's updates to you by DM.` : '';
      return `Standup time set to ${hhmm(time)} UTC, every day.${note}`;
    }
    case 'list': {
      const users = [...standup.participants.keys()];
      if (users.length === 0) return `Nobody has joined the daily standup yet. It is at ${at()}; \`/standup join\` to take part.`;
      return `Daily standup at ${at()} in #${TEAM_CHANNEL} with ${names(users)}.`;
    }
    case '':
    case 'help':
      return USAGE;
    default:
      return `I don't know \`/standup ${sub}\`.\n${USAGE}`;
  }
}

/**
 * Tell the team the time changed, then schedule from the announcement's ts: Slack's clock, which
 * may run ahead of ours (a workspace under test jumps days ahead). True when #standup is archived.
 */
async function announceTime(user) {
  let nowSec;
  let archived = false;
  try {
    const res = await slack('chat.postMessage', {
      channel: TEAM_CHANNEL_REF,
      text: `<@${user}> set the daily standup to ${hhmm(standup.time)} UTC.`,
    });
    standup.channelId = res.channel;
    nowSec = Number(res.ts);
  } catch (err) {
    if (!CHANNEL_GONE.has(err.code)) throw err;
    archived = true;
  }
  await scheduleNext(nowSec ?? Date.now() / 1000, { replace: true });
  return archived;
}

// ── Events ────────────────────────────────────────────────────────────────────────────────────

const fromBot = (e) => e.user === bot.userId || (bot.botId && e.bot_id === bot.botId);

async function onEvent(envelope) {
  const e = envelope.event ?? {};
  switch (e.type) {
    case 'message':
      if (fromBot(e)) {
        if (!e.subtype && !e.thread_ts && typeof e.text === 'string' && e.text.startsWith(HEADER_PREFIX)) await onHeader(e);
        return;
      }
      // People's own words only: edits, deletions, joins and other bots are not updates.
      if (e.channel_type === 'im' && (!e.subtype || e.subtype === 'thread_broadcast') && e.user && !e.bot_id) await onDirectMessage(e);
      return;
    case 'user_change':
      if (e.user?.deleted) {
        standup.participants.delete(e.user.id);
        openRound.delete(e.user.id);
      }
      return;
    case 'channel_archive':
    case 'channel_unarchive':
      if (await isTeamChannel(e.channel)) await onTeamChannelArchived(e.type === 'channel_archive', Number(envelope.event_time));
      return;
    default:
  }
}

/** Whether a channel id is the team channel, by its name now (ids are not remembered across a reset workspace). */
async function isTeamChannel(channel) {
  if (!channel) return false;
  if (channel === standup.channelId) return true;
  try {
    const { channel: info } = await slack('conversations.info', { channel });
    return info.name === TEAM_CHANNEL;
  } catch {
    return false;
  }
}

/** #standup was archived (or is back): move the pending header to the organiser (or back), then tell them. */
async function onTeamChannelArchived(archived, eventTime) {
  await scheduleNext(eventTime || Date.now() / 1000, { replace: true });
  if (!archived || !standup.organiser) return;
  const dm = await openDm(standup.organiser);
  await slack('chat.postMessage', {
    channel: dm,
    text: `#${TEAM_CHANNEL} was archived. Until it is back, I'll send you the team's standup updates here.`,
  });
}

/** The header we scheduled was posted: it is standup time on Slack's clock. Remind everyone, and schedule tomorrow's. */
async function onHeader(e) {
  // Retries of this event were dropped by its event_id; the header's ts is no key (a reset workspace may repeat it).
  const nowSec = Number(e.ts);
  const tick = standup.tick;
  // A header we since replaced (its delete failed) is stale: the current one comes at its own time.
  if (tick && tick.channel === e.channel && Math.abs(tick.postAt - nowSec) > 120) return;
  if (tick && tick.channel !== e.channel && tick.postAt > nowSec + 120) return;
  const round = { channel: e.channel, ts: e.ts, inDm: e.channel_type === 'im', answered: new Set(), scopeReported: false };
  // A new standup closes the last one: from now on answers belong to this round.
  openRound.clear();
  standup.tick = undefined;
  await scheduleNext(nowSec + 60);
  for (const user of [...standup.participants.keys()]) {
    if (!(await remind(user, round))) break;
  }
}

/** DM one participant; false when no DM can be sent to anyone (a missing scope). */
async function remind(user, round) {
  try {
    const { user: info } = await slack('users.info', { user });
    if (info.deleted) {
      standup.participants.delete(user);
      return true;
    }
  } catch (err) {
    if (err.code === 'user_not_found') {
      standup.participants.delete(user);
      return true;
    }
    // Without users:read we still try the DM.
  }
  let dm;
  try {
    dm = await openDm(user);
  } catch (err) {
    if (err.code === 'missing_scope') {
      await reportMissingScope(round, err);
      return false;
    }
    if (err.code === 'user_disabled' || err.code === 'user_not_found') standup.participants.delete(user);
    else log(`cannot open a DM with ${user}: ${err.message}`);
    return true;
  }
  try {
    await slack('chat.postMessage', {
      channel: dm,
      text: `Time for standup! Reply here with what you did yesterday, what you will do today, and anything blocking you. Your update goes to #${TEAM_CHANNEL}.`,
    });
    openRound.set(user, round);
  } catch (err) {
    log(`cannot remind ${user}: ${err.message}`);
  }
  return true;
}

async function reportMissingScope(round, err) {
  if (round.scopeReported) return;
  round.scopeReported = true;
  const needed = err.data?.needed ? ` (Slack wants one of: ${err.data.needed})` : '';
  const text = `I couldn't send today's standup reminders: the app is missing the \`im:write\` scope${needed}, so it cannot open direct messages. Ask a workspace admin to add \`im:write\` and reinstall the app.`;
  try {
    await slack('chat.postMessage', { channel: round.inDm ? TEAM_CHANNEL_REF : round.channel, text });
  } catch {
    await slack('chat.postMessage', { channel: round.channel, text }).catch((e2) => log(`cannot report the missing scope: ${e2.message}`));
  }
}

/** A person wrote to the bot: their update if a round waits for it (until the next standup), else a pointer. */
async function onDirectMessage(e) {
  const user = e.user;
  const text = (e.text ?? '').trim();
  if (!text) return;
  const at = Number(e.ts);
  const reply = (message) => slack('chat.postMessage', { channel: e.channel, thread_ts: e.thread_ts, text: message });
  const round = openRound.get(user);
  // Slack's clock decides: an answer counts from the reminder until a day later.
  const open = round && at >= Number(round.ts) && at < Number(round.ts) + DAY_S;
  if (open && !round.answered.has(user)) {
    round.answered.add(user);
    let thanks;
    try {
      thanks = await postUpdate(round, user, text);
    } catch (err) {
      // Not posted after every retry: let them send it again rather than lose it silently.
      round.answered.delete(user);
      log(`cannot post the update of ${user}: ${err.message}`);
      thanks = `Sorry, I could not post your update (${err.code ?? 'Slack did not answer'}). Please send it again in a minute.`;
    }
    await reply(thanks);
    return;
  }
  const next = `${hhmm(standup.time)} UTC`;
  if (open) await reply(`I already have your update for today, thanks! The next standup is at ${next}.`);
  else if (standup.participants.has(user))
    await reply(`No standup is waiting for your update right now. The next standup is at ${next}; I'll DM you then.`);
  else await reply(`You're not in the daily standup. Run \`/standup join\` to take part (the next standup is at ${next}).`);
}

/** Post an update in the round's thread, or to the organiser when #standup cannot take it; returns the thanks to send. */
async function postUpdate(round, user, text) {
  if (!round.inDm) {
    try {
      await slack('chat.postMessage', { channel: round.channel, thread_ts: round.ts, text: `<@${user}>: ${text}` });
      return `Thanks! Your update is in the #${TEAM_CHANNEL} thread.`;
    } catch (err) {
      if (!CHANNEL_GONE.has(err.code)) throw err;
    }
  }
  const organiser = standup.organiser;
  if (!organiser) return `Thanks! #${TEAM_CHANNEL} is archived and nobody has set the standup up, so I kept your update to myself.`;
  const dm = await openDm(organiser);
  await slack('chat.postMessage', {
    channel: dm,
    text: `Standup update from <@${user}> (#${TEAM_CHANNEL} is archived): ${text}`,
  });
  return user === organiser
    ? `Thanks! #${TEAM_CHANNEL} is archived, so your update is in this DM.`
    : `Thanks! #${TEAM_CHANNEL} is archived, so I sent your update to <@${organiser}>.`;
}

/** Whether an event id is new; Slack sends the same one again when it retries. */
function firstDelivery(eventId) {
  const now = Date.now();
  for (const [id, until] of seenEvents) {
    if (until > now) break;
    seenEvents.delete(id);
  }
  if (!eventId) return true;
  if (seenEvents.has(eventId)) return false;
  seenEvents.set(eventId, now + EVENT_MEMORY_MS);
  return true;
}

// ── HTTP ──────────────────────────────────────────────────────────────────────────────────────

function verified(headers, raw) {
  const ts = headers['x-slack-request-timestamp'];
  const signature = headers['x-slack-signature'];
  if (!SIGNING_SECRET || typeof ts !== 'string' || typeof signature !== 'string') return false;
  if (!/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > MAX_SIGNATURE_AGE_S) return false;
  const expected = Buffer.from(`v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:`).update(raw).digest('hex')}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'content-type': type });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function onSlackRequest(req, res) {
  const raw = await readBody(req);
  if (!verified(req.headers, raw)) return send(res, 401, { error: 'invalid signature' });
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    let body;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return send(res, 400, { error: 'invalid JSON' });
    }
    if (body.type === 'url_verification') return send(res, 200, { challenge: body.challenge });
    // Answer first (Slack retries after three seconds), then work; a retry of a handled event is dropped.
    send(res, 200, '', 'text/plain');
    if (body.type === 'event_callback' && firstDelivery(body.event_id)) {
      onEvent(body).catch((err) => log(`event ${body.event_id} (${body.event?.type}) failed: ${err.message}`));
    }
    return;
  }
  const params = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  if (params.command === '/standup') return send(res, 200, { response_type: 'ephemeral', text: await onCommand(params) });
  if (params.command) return send(res, 200, { response_type: 'ephemeral', text: `I only know /standup, not ${params.command}.` });
  // Interactivity payloads: this bot has no buttons.
  return send(res, 200, '', 'text/plain');
}

let ready = false;

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/health') return send(res, ready ? 200 : 503, { status: ready ? 'ok' : 'starting' });
  if (req.method === 'POST' && path === EVENTS_PATH) {
    onSlackRequest(req, res).catch((err) => {
      log(`request failed: ${err.message}`);
      if (!res.headersSent) send(res, err.status ?? 500, { error: 'failed' });
    });
    return;
  }
  send(res, 404, { error: 'not found' });
});

// Who the bot is, so it can tell its own messages (the header among them) from people's.
for (let attempt = 1; ; attempt++) {
  try {
    const me = await slack('auth.test');
    bot = { userId: me.user_id, botId: me.bot_id ?? '' };
    break;
  } catch (err) {
    if (attempt >= 10 || err instanceof SlackError) {
      log(`cannot reach Slack at ${API_URL}: ${err.message}`);
      process.exit(1);
    }
    await sleep(500);
  }
}

server.listen(PORT, HOST, () => {
  ready = true;
  console.log(`standup-bot listening on http://${HOST}:${server.address().port} (events at ${EVENTS_PATH})`);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
