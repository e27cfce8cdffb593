// Slack steps: the workspace as it is (people, channels, history), what people do in it, and what shows up in it afterwards.

import type { SlackMessage, SlackStateView } from '../support/control-client.ts';
import { step } from '../support/define.ts';
import { patientStep, WAITING_STEP_TIMEOUT_MS, watchfulStep } from '../support/patience.ts';
import { type ChannelRef, type TwinsWorld, visibleText } from '../support/world.ts';

const topic = 'slack';

/** The conversation a `#name` or id names in a state, if any. */
function conversationIn(state: SlackStateView, ref: string) {
  const name = ref.replace(/^#/, '').toLowerCase();
  return state.conversations[ref] ?? Object.values(state.conversations).find((c) => !c.is_im && !c.is_mpim && c.name === name);
}

/** Create a channel unless it is there already with the same kind; arrange steps are quiet. */
async function ensureChannel(world: TwinsWorld, ref: string, kind: 'public' | 'private' | 'archived'): Promise<void> {
  const existing = conversationIn(await world.slack.state(), ref);
  if (existing) {
    const is = existing.is_archived ? 'archived' : existing.is_private ? 'private' : 'public';
    if (kind !== 'public' && is !== kind) throw new Error(`${ref} already exists as a ${is} channel, not a ${kind} one; pick another name`);
    await world.resolveChannel(ref);
    return;
  }
  await world.quietly(() => world.slack.createChannel({ name: ref, private: kind === 'private', archived: kind === 'archived' }));
  await world.resolveChannel(ref);
}

/** Post as a person and remember the message as the scenario's own. */
async function post(world: TwinsWorld, user: string, channel: string, text: string, threadTs?: string): Promise<void> {
  const posted = await world.slack.message({ user, channel, text, thread_ts: threadTs });
  world.recordOwn(posted.channel, posted.ts);
}

// ── arrange ──────────────────────────────────────────────────────────────────

step({
  kind: 'arrange',
  topic,
  expression: 'a Slack user {user}',
  example: 'Given a Slack user "zoe"',
  doc: 'A person with that user name (or email) is in the workspace, and in #general; seeded people such as "alice" … "heidi" already are.',
  async run(this: TwinsWorld, ref: string) {
    const state = await this.slack.state();
    const wanted = ref.toLowerCase();
    const exists = Object.values(state.users).some(
      (u) => u.id === ref || u.name.toLowerCase() === wanted || u.profile.email?.toLowerCase() === wanted,
    );
    if (exists) return;
    const username = ref.split('@')[0];
    await this.quietly(() =>
      this.slack.createUser({
        username,
        real_name: username.charAt(0).toUpperCase() + username.slice(1),
        display_name: username,
        email: ref.includes('@') ? ref : undefined,
      }),
    );
    this.touched.users.add(username);
  },
});

step({
  kind: 'arrange',
  topic,
  expression: '{user} is deactivated',
  example: 'Given "frank" is deactivated',
  doc: 'The person has been deactivated (users.info shows deleted: true; Slack refuses to DM them).',
  async run(this: TwinsWorld, ref: string) {
    const user = await this.resolveUser(ref);
    await this.quietly(() => this.slack.updateUser(user.id, { deleted: true }));
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'a Slack channel {channel}',
  example: 'Given a Slack channel "#deploys"',
  doc: 'A public channel with that name exists (created by alice, the owner, if it was not there); the app is not in it unless a step says so.',
  async run(this: TwinsWorld, channel: string) {
    await ensureChannel(this, channel, 'public');
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'a private Slack channel {channel}',
  example: 'Given a private Slack channel "#secret-plans"',
  doc: 'A private channel with that name exists; only its creator (alice) is in it until steps add members.',
  async run(this: TwinsWorld, channel: string) {
    await ensureChannel(this, channel, 'private');
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'an archived Slack channel {channel}',
  example: 'Given an archived Slack channel "#tickets"',
  doc: 'An archived channel with that name exists: it can be read but nobody, the app included, can post in it (is_archived).',
  async run(this: TwinsWorld, channel: string) {
    await ensureChannel(this, channel, 'archived');
  },
});

step({
  kind: 'arrange',
  topic,
  expression: '{user} is a member of {channel}',
  example: 'Given "bob" is a member of "#deploys"',
  doc: 'The person is in the channel (joined without the app hearing of it).',
  async run(this: TwinsWorld, user: string, channel: string) {
    const ch = await this.resolveChannel(channel);
    await this.quietly(() => this.slack.join({ user, channel: ch.id }));
  },
});

step({
  kind: 'arrange',
  topic,
  expression: '{user} has already posted {string} in {channel}',
  example: 'Given "bob" has already posted "disk full on db-1" in "#ops"',
  doc: "The message is in the channel's history from before the scenario: the app got no event for it.",
  async run(this: TwinsWorld, user: string, text: string, channel: string) {
    const ch = await this.resolveChannel(channel);
    await this.quietly(() => post(this, user, ch.id, text));
  },
});

step({
  kind: 'arrange',
  topic,
  expression: '{user} has already replied {string} to the message matching {regex} in {channel}',
  example: 'Given "carol" has already replied "looking" to the message matching "disk full" in "#ops"',
  doc: 'A reply is in the thread of the newest message matching the pattern, from before the scenario: the app got no event for it.',
  async run(this: TwinsWorld, user: string, text: string, pattern: RegExp, channel: string) {
    const ch = await this.resolveChannel(channel);
    const parent = await this.requireMessage(ch, pattern);
    await this.quietly(() => post(this, user, ch.id, text, parent.thread_ts ?? parent.ts));
  },
});

// ── act: people do things, and the twin sends the app what Slack would ───────

step({
  kind: 'act',
  topic,
  expression: '{user} posts {string} in {channel}',
  example: 'When "alice" posts "deploy api to staging" in "#ops"',
  doc: 'The person posts the message; the app gets a `message` event if its bot is in the channel.',
  async run(this: TwinsWorld, user: string, text: string, channel: string) {
    const ch = await this.resolveChannel(channel);
    await post(this, user, ch.id, text);
  },
});

step({
  kind: 'act',
  topic,
  expression: '{user} mentions the app in {channel} saying {string}',
  example: 'When "alice" mentions the app in "#ops" saying "status?"',
  doc: "The person posts `@app <text>` (the bot's <@U…> mention first); the app gets `app_mention` and `message` events.",
  async run(this: TwinsWorld, user: string, channel: string, text: string) {
    const ch = await this.resolveChannel(channel);
    const bot = await this.bot();
    await post(this, user, ch.id, `<@${bot.userId}> ${text}`);
  },
});

step({
  kind: 'act',
  topic,
  expression: '{user} sends the app a direct message saying {string}',
  example: 'When "alice" sends the app a direct message saying "help"',
  doc: 'The person writes to the app in their DM with it (opened if needed); the app gets a `message` event with channel_type im.',
  async run(this: TwinsWorld, user: string, text: string) {
    const bot = await this.bot();
    await post(this, user, bot.userId, text);
  },
});

step({
  kind: 'act',
  topic,
  expression: '{user} replies {string} to the last message in {channel}',
  example: 'When "bob" replies "fixed now" to the last message in "#ops"',
  doc: "The person replies in the thread of the channel's newest top-level message (join notices skipped); the app gets a `message` event with thread_ts.",
  async run(this: TwinsWorld, user: string, text: string, channel: string) {
    const ch = await this.resolveChannel(channel);
    const parent = await this.lastMessage(ch);
    await post(this, user, ch.id, text, parent.thread_ts ?? parent.ts);
  },
});

step({
  kind: 'act',
  topic,
  expression: '{user} replies {string} to the message matching {regex} in {channel}',
  example: 'When "bob" replies "fixed now" to the message matching /disk full/ in "#ops"',
  doc: 'The person replies in the thread of the newest top-level message matching the pattern; the app gets a `message` event with thread_ts.',
  async run(this: TwinsWorld, user: string, text: string, pattern: RegExp, channel: string) {
    const ch = await this.resolveChannel(channel);
    const parent = await this.requireMessage(ch, pattern);
    await post(this, user, ch.id, text, parent.thread_ts ?? parent.ts);
  },
});

step({
  kind: 'act',
  topic,
  expression: '{user} reacts with {string} to the last message in {channel}',
  example: 'When "alice" reacts with ":eyes:" to the last message in "#ops"',
  doc: "The person adds the emoji reaction to the channel's newest top-level message (join notices skipped); the app gets `reaction_added`.",
  async run(this: TwinsWorld, user: string, emoji: string, channel: string) {
    const ch = await this.resolveChannel(channel);
    const target = await this.lastMessage(ch);
    await this.slack.reaction({ user, channel: ch.id, ts: target.ts, name: emoji });
  },
});

step({
  kind: 'act',
  topic,
  expression: '{user} reacts with {string} to the message matching {regex} in {channel}',
  example: 'When "alice" reacts with ":eyes:" to the message matching /disk full/ in "#ops"',
  doc: 'The person adds the emoji reaction to the newest top-level message matching the pattern; the app gets `reaction_added`.',
  async run(this: TwinsWorld, user: string, emoji: string, pattern: RegExp, channel: string) {
    const ch = await this.resolveChannel(channel);
    const target = await this.requireMessage(ch, pattern);
    await this.slack.reaction({ user, channel: ch.id, ts: target.ts, name: emoji });
  },
});

step({
  kind: 'act',
  topic,
  expression: '{user} joins {channel}',
  example: 'When "erin" joins "#ops"',
  doc: 'The person joins the channel; the app gets `member_joined_channel` if its bot is in it.',
  async run(this: TwinsWorld, user: string, channel: string) {
    const ch = await this.resolveChannel(channel);
    await this.slack.join({ user, channel: ch.id });
  },
});

step({
  kind: 'act',
  topic,
  expression: '{user} leaves {channel}',
  example: 'When "bob" leaves "#ops"',
  doc: 'The person leaves the channel; the app gets `member_left_channel` if its bot is in it.',
  async run(this: TwinsWorld, user: string, channel: string) {
    const ch = await this.resolveChannel(channel);
    await this.slack.leave({ user, channel: ch.id });
  },
});

step({
  kind: 'act',
  topic,
  expression: '{user} joins the workspace',
  example: 'When "zoe" joins the workspace',
  doc: 'A new person with that user name joins; the app gets `team_join` (and the #general join).',
  async run(this: TwinsWorld, ref: string) {
    const username = ref.split('@')[0];
    await this.slack.createUser({
      username,
      real_name: username.charAt(0).toUpperCase() + username.slice(1),
      display_name: username,
      email: ref.includes('@') ? ref : undefined,
    });
    this.touched.users.add(username);
  },
});

step({
  kind: 'act',
  topic,
  expression: '{user} runs {string} in {channel}',
  example: 'When "alice" runs "/ticket printer on fire" in "#ops"',
  doc: "The person runs the slash command with its text (the command is registered to the app's events URL if it was not); the app's immediate answer shows as Slack shows it.",
  async run(this: TwinsWorld, user: string, line: string, channel: string) {
    const m = /^\s*(\/\S+)\s*([\s\S]*)$/.exec(line);
    if (!m) throw new Error(`"${line}" is not a slash command; write it as Slack does, e.g. "/ticket printer on fire"`);
    const [, command, text] = m;
    const ch = await this.resolveChannel(channel);
    const app = await this.slack.app();
    if (!app.slash_commands[command]) {
      // Where the app takes its events (a scenario may have moved it): Bolt takes commands there too.
      const url = app.request_url ?? (this.appUrl ? this.appUrlFor(this.eventsPath) : undefined);
      if (!url) throw new Error(`the app has no slash command ${command} and this run has no app under test to register it to`);
      await this.slack.configureApp({ slash_commands: { [command]: url } });
    }
    await this.slack.slashCommand({ user, channel: ch.id, command, text });
  },
});

interface Button {
  action_id: string;
  label?: string;
  value?: string;
  block_id?: string;
}

/** Every button-like element (buttons, overflow and select menus) in a message's blocks. */
function buttonsOf(message: SlackMessage): Button[] {
  const out: Button[] = [];
  for (const block of (message.blocks ?? []) as Record<string, unknown>[]) {
    const elements = [
      ...((block.elements as Record<string, unknown>[] | undefined) ?? []),
      block.accessory as Record<string, unknown> | undefined,
    ];
    for (const el of elements) {
      if (!el || typeof el.action_id !== 'string') continue;
      out.push({
        action_id: el.action_id,
        label: (el.text as { text?: string } | undefined)?.text,
        value: typeof el.value === 'string' ? el.value : undefined,
        block_id: typeof block.block_id === 'string' ? block.block_id : undefined,
      });
    }
  }
  return out;
}

/** The app's newest message in a channel that the person can see: top-level, or an ephemeral shown to them. */
async function appsLastMessage(world: TwinsWorld, ch: ChannelRef, userId: string): Promise<SlackMessage | undefined> {
  const [history, ephemeral] = await Promise.all([world.history(ch), world.slack.ephemeral({ channel: ch.id, user: userId })]);
  const mine: SlackMessage[] = [];
  for (const m of [...history, ...ephemeral]) if (await world.byApp(m)) mine.push(m);
  mine.sort((a, b) => Number(a.ts) - Number(b.ts));
  return mine.at(-1);
}

/** Click a button on the app's last message, waiting (the default wait) for it to be there: the app may still be posting. */
async function click(world: TwinsWorld, user: string, name: string, channel: string, value?: string): Promise<void> {
  const ch = await world.resolveChannel(channel);
  const person = await world.resolveUser(user);
  const wanted = name.toLowerCase();
  let last: SlackMessage | undefined;
  const { message, button } = await world.waitFor(
    async () => {
      last = await appsLastMessage(world, ch, person.id);
      const buttons = last ? buttonsOf(last) : [];
      const found = buttons.find((b) => b.label?.toLowerCase() === wanted) ?? buttons.find((b) => b.action_id.toLowerCase() === wanted);
      return last && found ? { message: last, button: found } : undefined;
    },
    {
      describe: `a button "${name}" on the app's last message in ${ch.name}`,
      channel: ch,
      extra: async () => {
        if (!last) return `The app has posted nothing in ${ch.name} that ${user} can see.`;
        const list = buttonsOf(last)
          .map((b) => `"${b.label ?? b.action_id}" (action_id ${b.action_id})`)
          .join(', ');
        return `The app's last message there, "${visibleText(last).slice(0, 80)}", has the buttons: ${list || 'none'}.`;
      },
    },
  );
  await world.slack.blockAction({
    user: person.id,
    channel: ch.id,
    message_ts: message.ts,
    action_id: button.action_id,
    block_id: button.block_id,
    value: value ?? button.value,
  });
}

step({
  kind: 'act',
  topic,
  expression: "{user} clicks {string} on the app's last message in {channel}",
  example: 'When "bob" clicks "Take it" on the app\'s last message in "#ops"',
  timeoutMs: WAITING_STEP_TIMEOUT_MS,
  doc: "The person clicks the button with that label (or action_id) on the app's newest message there (ephemeral ones they see included), once it is there; the app gets `block_actions`.",
  async run(this: TwinsWorld, user: string, name: string, channel: string) {
    await click(this, user, name, channel);
  },
});

step({
  kind: 'act',
  topic,
  expression: "{user} clicks {string} with the value {string} on the app's last message in {channel}",
  example: 'When "bob" clicks "approve" with the value "release-42" on the app\'s last message in "#ops"',
  timeoutMs: WAITING_STEP_TIMEOUT_MS,
  doc: "Like clicking the button, but the `block_actions` payload carries the given value instead of the button's own.",
  async run(this: TwinsWorld, user: string, name: string, value: string, channel: string) {
    await click(this, user, name, channel, value);
  },
});

// ── observe ──────────────────────────────────────────────────────────────────

/** Matches of `pattern` among the outcomes (not the scenario's own posts, not history) of a channel's top level. */
async function newMessages(world: TwinsWorld, ch: ChannelRef, pattern: RegExp): Promise<SlackMessage[]> {
  return (await world.history(ch)).filter((m) => world.isOutcome(ch.id, m) && pattern.test(visibleText(m)));
}

/** Says so when the pattern matched a thread reply rather than a top-level message: the commonest surprise. */
async function threadHint(world: TwinsWorld, ch: ChannelRef, pattern: RegExp): Promise<string> {
  for (const parent of (await world.history(ch)).filter((m) => m.reply_count).slice(-10)) {
    const reply = (await world.replies(ch, parent.ts)).find((r) => world.isOutcome(ch.id, r) && pattern.test(visibleText(r)));
    if (reply)
      return `Note: a reply in the thread of "${visibleText(parent).slice(0, 60)}" matches; replies are not messages in the channel. Observe them with: Then the message matching … in ${ch.name} has a reply matching ${pattern}`;
  }
  return '';
}

patientStep({
  topic,
  expression: '{channel} has a message matching {regex}',
  example: 'Then "#ops" has a message matching /deployed to staging/',
  doc: "Waits {wait} for a new top-level message in the channel whose text (or blocks) matches, posted by anyone but the scenario's own steps (thread replies do not count).",
  async run(this: TwinsWorld, waitMs: number | undefined, channel: string, pattern: RegExp) {
    const ch = await this.resolveChannel(channel);
    await this.waitFor(async () => (await newMessages(this, ch, pattern))[0], {
      timeoutMs: waitMs,
      describe: `a message matching ${pattern} in ${channel}`,
      channel: ch,
      extra: () => threadHint(this, ch, pattern),
    });
  },
});

watchfulStep({
  topic,
  expression: '{channel} has no message matching {regex}',
  example: 'Then "#ops" has no message matching /deployed/',
  doc: 'Watches the channel for {wait} and passes only if no new top-level message matching the pattern appeared in the scenario; it always waits the full time.',
  async run(this: TwinsWorld, waitMs: number | undefined, channel: string, pattern: RegExp) {
    const ch = await this.resolveChannel(channel);
    await this.mustNotSee(async () => (await newMessages(this, ch, pattern))[0], {
      timeoutMs: waitMs,
      describe: `message matching ${pattern} in ${channel}`,
      channel: ch,
      render: (m) => `"${visibleText(m)}"`,
    });
  },
});

patientStep({
  topic,
  expression: '{channel} has exactly {int} message(s) matching {regex}',
  example: 'Then "#it-ops" has exactly 1 message matching /Offboarded/',
  doc: 'Waits {wait} for that many new top-level messages matching the pattern in the channel (by anyone but the scenario), then watches one second more and fails if there are more.',
  async run(this: TwinsWorld, waitMs: number | undefined, channel: string, count: number, pattern: RegExp) {
    const ref = await this.resolveChannel(channel);
    const matching = async (): Promise<SlackMessage[]> =>
      (await this.history(ref)).filter((m) => this.isOutcome(ref.id, m) && pattern.test(visibleText(m)));
    await this.waitFor(async () => (await matching()).length >= count, {
      timeoutMs: waitMs,
      describe: `${count} message(s) matching ${pattern} in ${ref.name}`,
      channel: ref,
    });
    await this.mustNotSee(async () => ((await matching()).length > count ? await matching() : undefined), {
      timeoutMs: 1000,
      describe: `more than ${count} message(s) matching ${pattern} in ${ref.name}`,
      channel: ref,
      render: (found) => `${found.length} messages match`,
    });
  },
});

watchfulStep({
  topic,
  expression: '{channel} has at most {int} message(s) matching {regex}',
  example: 'Then "#it-ops" has at most 1 message matching /Offboarded/',
  doc: 'Watches the channel for {wait} and passes only if no more than that many top-level messages matching the pattern (by anyone but the scenario) were ever posted in the scenario; it always waits the full time.',
  async run(this: TwinsWorld, waitMs: number | undefined, channel: string, count: number, pattern: RegExp) {
    const ref = await this.resolveChannel(channel);
    await this.mustNotSee(
      async () => {
        const found = (await this.history(ref)).filter((m) => this.isOutcome(ref.id, m) && pattern.test(visibleText(m)));
        return found.length > count ? found : undefined;
      },
      {
        timeoutMs: waitMs,
        describe: `more than ${count} message(s) matching ${pattern} in ${ref.name}`,
        channel: ref,
        render: (found) => `${found.length} messages match`,
      },
    );
  },
});

/** The members of a channel now (ids). */
async function membersOf(world: TwinsWorld, channelRef: string): Promise<{ name: string; members: string[] }> {
  const channel = await world.resolveChannel(channelRef);
  const state = await world.slack.state();
  return { name: channel.name, members: state.conversations[channel.id]?.members ?? [] };
}

patientStep({
  topic,
  expression: '{user} is out of {channel}',
  example: 'Then "bob" is out of "#platform"',
  doc: 'Waits {wait} for the person not to be a member of the channel (they left or were removed).',
  async run(this: TwinsWorld, waitMs: number | undefined, user: string, channel: string) {
    const person = await this.resolveUser(user);
    const ref = await this.resolveChannel(channel);
    await this.waitFor(async () => !(await membersOf(this, channel)).members.includes(person.id), {
      timeoutMs: waitMs,
      describe: `${user} to be out of ${ref.name}`,
      channel: ref,
    });
  },
});

watchfulStep({
  topic,
  expression: '{user} stays a member of {channel}',
  example: 'Then "bob" stays a member of "#platform"',
  doc: 'Watches the channel for {wait} and passes only if the person is in it the whole time; it always waits the full time.',
  async run(this: TwinsWorld, waitMs: number | undefined, user: string, channel: string) {
    const person = await this.resolveUser(user);
    const ref = await this.resolveChannel(channel);
    await this.mustNotSee(async () => !(await membersOf(this, channel)).members.includes(person.id), {
      timeoutMs: waitMs,
      describe: `${user} leaving ${ref.name}`,
      channel: ref,
      render: () => `${user} left ${ref.name}`,
    });
  },
});

/** The newest top-level message matching, and the new replies in its thread. */
async function threadOf(
  world: TwinsWorld,
  ch: ChannelRef,
  parentPattern: RegExp,
): Promise<{ parent?: SlackMessage; replies: SlackMessage[] }> {
  const parent = await world.messageMatching(ch, parentPattern);
  if (!parent) return { replies: [] };
  const replies = parent.reply_count ? await world.replies(ch, parent.ts) : [];
  return { parent, replies: replies.filter((r) => world.isOutcome(ch.id, r)) };
}

patientStep({
  topic,
  expression: 'the message matching {regex} in {channel} has a reply matching {regex}',
  example: 'Then the message matching "disk full" in "#ops" has a reply matching /INC-\\d+/',
  doc: 'Waits {wait} for a new reply matching the second pattern in the thread of the newest top-level message matching the first (the message itself may appear meanwhile).',
  async run(this: TwinsWorld, waitMs: number | undefined, parentPattern: RegExp, channel: string, pattern: RegExp) {
    const ch = await this.resolveChannel(channel);
    await this.waitFor(async () => (await threadOf(this, ch, parentPattern)).replies.find((r) => pattern.test(visibleText(r))), {
      timeoutMs: waitMs,
      describe: `a reply matching ${pattern} to the message matching ${parentPattern} in ${channel}`,
      channel: ch,
      extra: async () =>
        (await this.messageMatching(ch, parentPattern)) ? '' : `No top-level message in ${channel} matches ${parentPattern}.`,
    });
  },
});

watchfulStep({
  topic,
  expression: 'the message matching {regex} in {channel} has no reply',
  example: 'Then the message matching "disk full" in "#ops" has no reply',
  doc: "Watches the thread of the newest top-level message matching the pattern for {wait} and passes only if nobody but the scenario's own steps replied; it always waits the full time.",
  async run(this: TwinsWorld, waitMs: number | undefined, parentPattern: RegExp, channel: string) {
    const ch = await this.resolveChannel(channel);
    await this.requireMessage(ch, parentPattern);
    await this.mustNotSee(async () => (await threadOf(this, ch, parentPattern)).replies[0], {
      timeoutMs: waitMs,
      describe: `reply to the message matching ${parentPattern} in ${channel}`,
      channel: ch,
      render: (m) => `"${visibleText(m)}"`,
    });
  },
});

patientStep({
  topic,
  expression: 'the app reacts with {string} to the message matching {regex} in {channel}',
  example: 'Then the app reacts with ":white_check_mark:" to the message matching /deploy/ in "#ops"',
  doc: "Waits {wait} for the app's bot to add that emoji reaction to the newest top-level message matching the pattern.",
  async run(this: TwinsWorld, waitMs: number | undefined, emoji: string, pattern: RegExp, channel: string) {
    const ch = await this.resolveChannel(channel);
    const name = emoji.replace(/^:|:$/g, '');
    const bot = await this.bot();
    await this.waitFor(
      async () => {
        const m = await this.messageMatching(ch, pattern);
        return m?.reactions?.some((r) => r.name === name && r.users.includes(bot.userId));
      },
      { timeoutMs: waitMs, describe: `the app's :${name}: reaction on the message matching ${pattern} in ${channel}`, channel: ch },
    );
  },
});

patientStep({
  topic,
  expression: '{user} sees an ephemeral message matching {regex} in {channel}',
  example: 'Then "alice" sees an ephemeral message matching /ticket TCK-\\d+/ in "#ops"',
  doc: 'Waits {wait} for a message only that person sees in the channel ("Only visible to you", e.g. a slash command\'s answer) matching the pattern.',
  async run(this: TwinsWorld, waitMs: number | undefined, user: string, pattern: RegExp, channel: string) {
    const ch = await this.resolveChannel(channel);
    const person = await this.resolveUser(user);
    const ephemeral = () => this.slack.ephemeral({ channel: ch.id, user: person.id });
    await this.waitFor(async () => (await ephemeral()).find((m) => this.isOutcome(ch.id, m) && pattern.test(visibleText(m))), {
      timeoutMs: waitMs,
      describe: `an ephemeral message to ${user} matching ${pattern} in ${channel}`,
      channel: ch,
      extra: async () => {
        const seen = await ephemeral();
        return seen.length === 0
          ? `${user} saw no ephemeral message in ${channel}.`
          : `Ephemeral messages ${user} saw in ${channel}: ${seen.map((m) => `"${visibleText(m).slice(0, 80)}"`).join(', ')}`;
      },
    });
  },
});

/** New messages in the DM between the app and a person (none while no DM is open). */
async function directMessages(world: TwinsWorld, userId: string): Promise<{ channel?: ChannelRef; messages: SlackMessage[] }> {
  const im = await world.imWith(userId);
  if (!im) return { messages: [] };
  const channel = { id: im.id, name: `the DM with ${userId}` };
  world.touched.channels.set(im.id, channel);
  return { channel, messages: (await world.history(channel)).filter((m) => world.isOutcome(im.id, m)) };
}

patientStep({
  topic,
  expression: '{user} gets a direct message matching {regex}',
  example: 'Then "alice" gets a direct message matching /reminder: stretch/i',
  doc: 'Waits {wait} for a new message matching the pattern in the DM between the app and that person.',
  async run(this: TwinsWorld, waitMs: number | undefined, user: string, pattern: RegExp) {
    const person = await this.resolveUser(user);
    await this.waitFor(async () => (await directMessages(this, person.id)).messages.find((m) => pattern.test(visibleText(m))), {
      timeoutMs: waitMs,
      describe: `a direct message to ${user} matching ${pattern}`,
      extra: async () => {
        const { channel } = await directMessages(this, person.id);
        return channel ? this.describeChannel(channel) : `The app and ${user} have no DM open.`;
      },
    });
  },
});

watchfulStep({
  topic,
  expression: '{user} gets no direct message',
  example: 'Then "alice" gets no direct message',
  doc: "Watches the DM between the app and that person for {wait} and passes only if no new message from anyone but the scenario's own steps appeared; it always waits the full time.",
  async run(this: TwinsWorld, waitMs: number | undefined, user: string) {
    const person = await this.resolveUser(user);
    await this.mustNotSee(async () => (await directMessages(this, person.id)).messages[0], {
      timeoutMs: waitMs,
      describe: `direct message to ${user}`,
      render: (m) => `"${visibleText(m)}"`,
    });
  },
});
