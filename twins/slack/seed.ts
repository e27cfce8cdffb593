// A fresh Slack workspace for a tenant: people, channels and a few messages from the seed; the app's tokens and secrets from the tenant's random secrets.

import type { Faker } from '@faker-js/faker';
import { faker as englishFaker } from '@faker-js/faker/locale/en';
import type { CompanyPlan } from '../../src/company/types.ts';
import { JsonMap } from '../../src/kernel/records.ts';
import type { TenantSecrets } from '../../src/kernel/secrets.ts';
import {
  addMember,
  blankConversation,
  type Conversation,
  derive,
  derivedHex,
  looseSecrets,
  newId,
  nextTs,
  type SlackState,
  type SlackUser,
  storeMessage,
  userMessage,
} from './store.ts';

/** Every seeded date is relative to this instant, so one seed always gives the same bytes. */
export const SEED_EPOCH_MS = Date.UTC(2025, 0, 1, 0, 0, 0);

/** The bot scopes a seeded install grants. */
export const DEFAULT_BOT_SCOPES = [
  'chat:write',
  'chat:write.public',
  'channels:read',
  'channels:history',
  'channels:join',
  'channels:manage',
  'groups:read',
  'groups:history',
  'groups:write',
  'im:read',
  'im:write',
  'im:history',
  'mpim:read',
  'mpim:write',
  'mpim:history',
  'users:read',
  'users:read.email',
  'reactions:read',
  'reactions:write',
  'files:read',
  'files:write',
  'team:read',
  'pins:read',
  'pins:write',
  'commands',
];

/** The seeded user token's scopes (the first person's). */
export const DEFAULT_USER_SCOPES = [
  'chat:write',
  'channels:read',
  'channels:history',
  'channels:write',
  'groups:read',
  'groups:history',
  'groups:write',
  'im:read',
  'im:write',
  'im:history',
  'mpim:read',
  'mpim:write',
  'mpim:history',
  'users:read',
  'users:read.email',
  'users.profile:read',
  'reactions:read',
  'reactions:write',
  'files:read',
  'files:write',
  'team:read',
  'pins:read',
  'pins:write',
];

/** Event types an app receives by default: everything the twin emits. */
export const DEFAULT_EVENT_SUBSCRIPTIONS = [
  'message',
  'app_mention',
  'reaction_added',
  'reaction_removed',
  'member_joined_channel',
  'member_left_channel',
  'channel_created',
  'channel_archive',
  'channel_unarchive',
  'channel_rename',
  'team_join',
  'user_change',
  'app_home_opened',
];

/** Real Slack retries "nearly immediately", after about a minute and after about five. */
export const DEFAULT_RETRY_DELAYS_MS = [1000, 60_000, 300_000];

const TIME_ZONES: [string, string, number][] = [
  ['America/Los_Angeles', 'Pacific Standard Time', -28800],
  ['America/New_York', 'Eastern Standard Time', -18000],
  ['Europe/London', 'Greenwich Mean Time', 0],
  ['Europe/Berlin', 'Central European Time', 3600],
  ['Asia/Kolkata', 'India Standard Time', 19800],
  ['Asia/Tokyo', 'Japan Standard Time', 32400],
];

/**
 * The first people have well-known first names so scenarios can say "alice" or "bob"; their
 * surnames, titles and the rest come from faker.
 */
export const CAST = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace', 'Heidi'];

export interface SeedOptions {
  seed: number;
  tenantId: string;
  ordinal: number;
  /** Where tokens and secrets come from (the kernel's, random per tenant); throwaway ones when absent. */
  secrets?: TenantSecrets;
  /** How many people besides the bot; default 8. */
  people?: number;
  /** A company's people and channels instead of the generated ones (src/company; docs/company.md). */
  company?: CompanyPlan;
}

function avatar(hash: string, size: number): string {
  return `https://secure.gravatar.com/avatar/${hash}.jpg?s=${size}&d=mp`;
}

/** A person in the shape users.info returns. */
export function buildUser(
  state: SlackState,
  fields: {
    id: string;
    first: string;
    last: string;
    /** Default: first.last, lower case. */
    username?: string;
    email?: string;
    title?: string;
    phone?: string;
    tz?: [string, string, number];
    color?: string;
    updated: number;
    admin?: boolean;
    owner?: boolean;
  },
): SlackUser {
  const realName = `${fields.first} ${fields.last}`.trim();
  const name =
    fields.username ??
    realName
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '.')
      .replace(/^\.|\.$/g, '');
  const hash = derivedHex([state.team.id, fields.id, 'avatar'], 12);
  const [tz, tzLabel, tzOffset] = fields.tz ?? TIME_ZONES[0];
  return {
    id: fields.id,
    team_id: state.team.id,
    name,
    deleted: false,
    color: fields.color ?? '9f69e7',
    real_name: realName,
    tz,
    tz_label: tzLabel,
    tz_offset: tzOffset,
    profile: {
      title: fields.title ?? '',
      phone: fields.phone ?? '',
      skype: '',
      real_name: realName,
      real_name_normalized: realName.normalize('NFKD').replace(/[\u0300-\u036f]/g, ''),
      display_name: fields.first,
      display_name_normalized: fields.first.normalize('NFKD').replace(/[\u0300-\u036f]/g, ''),
      fields: null,
      status_text: '',
      status_emoji: '',
      status_emoji_display_info: [],
      status_expiration: 0,
      avatar_hash: hash,
      email: fields.email ?? `${name}@${state.team.email_domain}`,
      first_name: fields.first,
      last_name: fields.last,
      image_24: avatar(hash, 24),
      image_32: avatar(hash, 32),
      image_48: avatar(hash, 48),
      image_72: avatar(hash, 72),
      image_192: avatar(hash, 192),
      image_512: avatar(hash, 512),
      status_text_canonical: '',
      team: state.team.id,
    },
    is_admin: fields.admin ?? false,
    is_owner: fields.owner ?? false,
    is_primary_owner: fields.owner ?? false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: false,
    is_app_user: false,
    updated: fields.updated,
    is_email_confirmed: true,
    who_can_share_contact_card: 'EVERYONE',
  };
}

/** The app's bot user, as users.info shows it. */
function buildBotUser(state: SlackState, updated: number): SlackUser {
  const app = state.app;
  const user = buildUser(state, { id: app.bot_user_id, first: app.name, last: '', updated });
  user.name = app.name.toLowerCase().replace(/[^a-z0-9]+/g, '');
  user.is_bot = true;
  user.is_email_confirmed = false;
  user.profile.display_name = '';
  user.profile.display_name_normalized = '';
  user.profile.first_name = app.name;
  user.profile.last_name = '';
  user.profile.bot_id = app.bot_id;
  user.profile.api_app_id = app.app_id;
  user.profile.always_active = true;
  delete user.profile.email;
  return user;
}

/** Slackbot, which every workspace lists. */
function buildSlackbot(state: SlackState, updated: number): SlackUser {
  const user = buildUser(state, { id: 'USLACKBOT', first: 'Slackbot', last: '', updated, color: '757575' });
  user.name = 'slackbot';
  user.profile.display_name = 'Slackbot';
  user.profile.display_name_normalized = 'Slackbot';
  user.profile.always_active = true;
  delete user.profile.email;
  user.is_email_confirmed = false;
  return user;
}

function channel(
  state: SlackState,
  name: string,
  creator: string,
  created: number,
  opts: { private?: boolean; general?: boolean; archived?: boolean; topic?: string; purpose?: string },
): Conversation {
  const conv = blankConversation(newId(state, 'C'), name, creator, created);
  conv.is_channel = true;
  conv.is_private = opts.private ?? false;
  conv.is_general = opts.general ?? false;
  conv.is_archived = opts.archived ?? false;
  if (opts.topic) conv.topic = { value: opts.topic, creator, last_set: created };
  if (opts.purpose) conv.purpose = { value: opts.purpose, creator, last_set: created };
  state.conversations.set(conv.id, conv);
  state.messages.set(conv.id, { order: [], byTs: new JsonMap(), threads: new JsonMap() });
  return conv;
}

/**
 * Fresh workspace state. Names and texts come from faker seeded with `seed`, ids are hashes of
 * (seed, ordinal), so the same (seed, ordinal) always gives the same workspace; tokens and
 * secrets come from `secrets` (random, per tenant), so no one can work out another tenant's.
 *
 * @example
 *   const secrets = looseSecrets();
 *   const a = seedSlackState({ seed: 42, tenantId: 't1', ordinal: 1, secrets });
 *   JSON.stringify(a) === JSON.stringify(seedSlackState({ seed: 42, tenantId: 't1', ordinal: 1, secrets })); // true
 */
export function seedSlackState(opts: SeedOptions): SlackState {
  const { seed, ordinal } = opts;
  const secrets = opts.secrets ?? looseSecrets();
  // A private instance with the English locale only: the package root loads every locale (~220 ms at start-up).
  const faker: Faker = new (englishFaker.constructor as typeof Faker)({ locale: englishFaker.rawDefinitions });
  faker.seed(seed);
  faker.setDefaultRefDate(new Date(SEED_EPOCH_MS));
  const key = ['slack', seed, ordinal];
  const epochSec = Math.floor(SEED_EPOCH_MS / 1000);
  const teamCreated = epochSec - 400 * 86400;

  const company = faker.company.name();
  const slug = faker.helpers
    .slugify(company.toLowerCase())
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 21);
  const teamId = `T${derive([...key, 'team'], 10)}`;
  const appName = 'Twin App';

  const state: SlackState = {
    version: 1,
    tenantId: opts.tenantId,
    idTag: derive([...key, 'tag'], 3),
    team: { id: teamId, name: company, domain: slug || 'twin-workspace', email_domain: `${slug || 'twin'}.test`, created: teamCreated },
    app: {
      app_id: `A${derive([...key, 'app'], 10)}`,
      name: appName,
      client_id: secrets.get('client-id'),
      client_secret: secrets.get('client-secret'),
      signing_secret: secrets.get('signing-secret'),
      verification_token: secrets.get('verification-token'),
      bot_user_id: '',
      bot_id: `B${derive([...key, 'bot'], 10)}`,
      url_verified: false,
      slash_commands: new JsonMap(),
      event_subscriptions: [...DEFAULT_EVENT_SUBSCRIPTIONS],
      retry_delays_ms: [...DEFAULT_RETRY_DELAYS_MS],
      bot_scopes: [...DEFAULT_BOT_SCOPES],
      redirect_urls: [],
      updated: teamCreated + 86400,
    },
    users: new JsonMap(),
    tokens: new JsonMap(),
    conversations: new JsonMap(),
    messages: new JsonMap(),
    ephemeral: [],
    scheduled: new JsonMap(),
    files: new JsonMap(),
    views: new JsonMap(),
    home: new JsonMap(),
    modals: new JsonMap(),
    oauthCodes: new JsonMap(),
    triggers: new JsonMap(),
    responseUrls: new JsonMap(),
    pins: new JsonMap(),
    counters: { id: 0, tsMicros: 0, event: 0, mint: 0 },
  };

  if (opts.company) return seedCompanyWorkspace(state, opts.company, secrets, teamCreated);

  // People: the first is the workspace's primary owner and admin.
  const people: SlackUser[] = [];
  const count = opts.people ?? 8;
  for (let i = 0; i < count; i++) {
    const first = CAST[i] ?? faker.person.firstName();
    const last = faker.person.lastName();
    const id = newId(state, 'U');
    const user = buildUser(state, {
      id,
      first,
      last,
      username: i < CAST.length ? first.toLowerCase() : undefined,
      title: faker.person.jobTitle(),
      phone: faker.phone.number({ style: 'national' }),
      tz: faker.helpers.arrayElement(TIME_ZONES),
      color: faker.color.rgb({ format: 'hex', casing: 'lower' }).replace('#', ''),
      updated: teamCreated + 3600 * (i + 1),
      admin: i === 0,
      owner: i === 0,
    });
    // Two people with the same name would share a username and an email; Slack keeps both unique.
    if (people.some((p) => p.name === user.name)) {
      user.name = `${user.name}${i}`;
      user.profile.email = `${user.name}@${state.team.email_domain}`;
    }
    state.users.set(id, user);
    people.push(user);
  }
  state.app.bot_user_id = newId(state, 'U');
  state.users.set(state.app.bot_user_id, buildBotUser(state, teamCreated + 86400));
  state.users.set('USLACKBOT', buildSlackbot(state, teamCreated));

  const bot = state.app.bot_user_id;
  const owner = people[0].id;
  const everyone = people.map((p) => p.id);

  const botToken = secrets.get('bot-token');
  state.tokens.set(botToken, {
    token: botToken,
    type: 'bot',
    user_id: bot,
    scopes: [...DEFAULT_BOT_SCOPES],
    revoked: false,
    created: teamCreated + 86400,
  });
  const userToken = secrets.get('user-token');
  state.tokens.set(userToken, {
    token: userToken,
    type: 'user',
    user_id: owner,
    scopes: [...DEFAULT_USER_SCOPES],
    revoked: false,
    created: teamCreated + 86400,
  });

  const general = channel(state, 'general', owner, teamCreated, {
    general: true,
    purpose: 'The one channel that always includes everyone: announcements and work-wide conversations.',
  });
  const random = channel(state, 'random', owner, teamCreated, { purpose: 'Non-work banter and water-cooler conversation.' });
  const ops = channel(state, 'ops', owner, teamCreated + 600, { topic: 'Deploys and on-call', purpose: 'Operations chatter.' });
  const incidents = channel(state, 'incidents', owner, teamCreated + 1200, {
    topic: 'No open incidents',
    purpose: 'Declare and track incidents.',
  });
  const leadership = channel(state, 'leadership', owner, teamCreated + 1800, { private: true, purpose: 'Private planning.' });
  const archived = channel(state, 'old-announcements', owner, teamCreated + 2400, { archived: true, purpose: 'Retired.' });

  for (const id of everyone) {
    addMember(general, id);
    addMember(random, id);
  }
  for (const id of everyone.slice(0, 5)) addMember(ops, id);
  for (const id of [everyone[0], ...everyone.slice(3, 7)]) addMember(incidents, id);
  for (const id of everyone.slice(0, 3)) addMember(leadership, id);
  for (const id of everyone.slice(0, 4)) addMember(archived, id);
  // The app is in the channels a chat-ops bot usually lives in, and deliberately not in #random.
  addMember(general, bot);
  addMember(ops, bot);
  addMember(incidents, bot);

  // A little history, two days before the epoch, in order.
  let at = SEED_EPOCH_MS - 2 * 86400_000;
  const post = (conv: Conversation, user: SlackUser, text: string, threadTs?: string): string => {
    at += faker.number.int({ min: 60_000, max: 3_600_000 });
    const ts = nextTs(state, at);
    const message = userMessage(state, user.id, text, ts);
    if (threadTs) {
      message.thread_ts = threadTs;
      message.parent_user_id = state.messages.get(conv.id)?.byTs.get(threadTs)?.user;
    }
    storeMessage(state, conv.id, message);
    return ts;
  };
  const say = (): string => faker.hacker.phrase();
  post(general, people[0], `Welcome to ${company}! ${say()}`);
  post(general, people[1], say());
  post(random, people[2], say());
  const parent = post(ops, people[1], `Deploying ${faker.hacker.noun()} to production. ${say()}`);
  post(ops, people[2], say(), parent);
  post(ops, people[0], say(), parent);
  post(general, people[3], say());
  post(incidents, people[4], `Resolved: ${faker.hacker.phrase()}`);
  post(archived, people[0], 'This channel is retired.');

  return state;
}

/** `[zone, label, offset in seconds]` as users.info gives them, at the seed epoch. */
function zoneOf(timeZone: string): [string, string, number] {
  const part = (style: 'long' | 'longOffset') =>
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: style }).formatToParts(SEED_EPOCH_MS).find((p) => p.type === 'timeZoneName')
      ?.value ?? '';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(part('longOffset'));
  const offset = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60) : 0;
  return [timeZone, part('long') || timeZone, offset];
}

/**
 * The bot, Slackbot, the company's people with a Slack account (handle as username, the file's
 * email, title and zone), #general and #random with everyone, and the company's channels; no history.
 */
function seedCompanyWorkspace(state: SlackState, company: CompanyPlan, secrets: TenantSecrets, teamCreated: number): SlackState {
  state.team.name = company.name;
  state.team.email_domain = company.domain;
  state.team.domain = company.domain.split('.')[0].slice(0, 21) || state.team.domain;
  const ids = new Map<string, string>();
  company.people
    .filter((p) => p.slack)
    .forEach((p, i) => {
      const id = newId(state, 'U');
      const user = buildUser(state, {
        id,
        first: p.firstName,
        last: p.lastName,
        username: p.handle,
        email: p.email,
        title: p.title,
        tz: zoneOf(p.timezone),
        updated: teamCreated + 3600 * (i + 1),
        admin: p.admin,
        owner: p.admin,
      });
      user.deleted = p.status === 'DEPROVISIONED' || p.status === 'SUSPENDED';
      state.users.set(id, user);
      ids.set(p.handle, id);
    });
  state.app.bot_user_id = newId(state, 'U');
  state.users.set(state.app.bot_user_id, buildBotUser(state, teamCreated + 86400));
  state.users.set('USLACKBOT', buildSlackbot(state, teamCreated));
  const bot = state.app.bot_user_id;
  const owner = company.people.find((p) => p.admin && ids.has(p.handle))?.handle;
  const ownerId = (owner && ids.get(owner)) || bot;
  const botToken = secrets.get('bot-token');
  state.tokens.set(botToken, {
    token: botToken,
    type: 'bot',
    user_id: bot,
    scopes: [...DEFAULT_BOT_SCOPES],
    revoked: false,
    created: teamCreated + 86400,
  });
  const userToken = secrets.get('user-token');
  state.tokens.set(userToken, {
    token: userToken,
    type: 'user',
    user_id: ownerId,
    scopes: [...DEFAULT_USER_SCOPES],
    revoked: false,
    created: teamCreated + 86400,
  });
  const everyone = [...ids.values()];
  const general = channel(state, 'general', ownerId, teamCreated, {
    general: true,
    purpose: 'The one channel that always includes everyone: announcements and work-wide conversations.',
  });
  const random = channel(state, 'random', ownerId, teamCreated, { purpose: 'Non-work banter and water-cooler conversation.' });
  for (const id of everyone) {
    addMember(general, id);
    addMember(random, id);
  }
  addMember(general, bot);
  company.channels.forEach((c, i) => {
    const conv = channel(state, c.name, ownerId, teamCreated + 600 * (i + 1), { private: c.private, topic: c.topic, purpose: c.purpose });
    for (const h of c.members) {
      const id = ids.get(h);
      if (id) addMember(conv, id);
    }
    // The app sits in the public channels, as a chat-ops bot installed company-wide usually does.
    if (!c.private) addMember(conv, bot);
  });
  return state;
}
