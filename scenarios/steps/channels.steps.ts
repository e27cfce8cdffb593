// Channel steps: channels the app makes whose names a scenario cannot know in advance (found by a pattern), archiving, and acting in them.

import type { SlackConversation, SlackMessage } from '../support/control-client.ts';
import { step } from '../support/define.ts';
import { patientStep, WAITING_STEP_TIMEOUT_MS, watchfulStep } from '../support/patience.ts';
import { type ChannelRef, type TwinsWorld, visibleText } from '../support/world.ts';

const topic = 'channels';

/** Channels (not DMs) whose name matches the pattern, newest first: the one a scenario means is the one just made. */
async function channelsMatching(world: TwinsWorld, pattern: RegExp): Promise<SlackConversation[]> {
  const state = await world.slack.state();
  return Object.values(state.conversations)
    .filter((c) => !c.is_im && !c.is_mpim && pattern.test(c.name))
    .sort((a, b) => Number(b.created ?? 0) - Number(a.created ?? 0) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** The newest channel matching, remembered for failure diagnostics. */
async function newestMatching(world: TwinsWorld, pattern: RegExp): Promise<(SlackConversation & { ref: ChannelRef }) | undefined> {
  const found = (await channelsMatching(world, pattern))[0];
  if (!found) return undefined;
  const ref = { id: found.id, name: `#${found.name}` };
  world.touched.channels.set(ref.id, ref);
  return { ...found, ref };
}

/** The workspace's channels by name, for a failure that found none matching. */
async function describeChannels(world: TwinsWorld): Promise<string> {
  const state = await world.slack.state();
  const channels = Object.values(state.conversations).filter((c) => !c.is_im && !c.is_mpim);
  const names = channels.map((c) => `#${c.name}${c.is_archived ? ' (archived)' : ''}${c.is_private ? ' (private)' : ''}`);
  return `The workspace's ${channels.length} channels: ${names.join(', ')}.`;
}

/** Member names of a channel, for failures about membership. */
async function describeMembers(world: TwinsWorld, channel: SlackConversation): Promise<string> {
  const [state, bot] = await Promise.all([world.slack.state(), world.bot()]);
  const names = channel.members.map((id) => (id === bot.userId ? 'the app' : (state.users[id]?.name ?? id)));
  return `#${channel.name} has ${names.length} member${names.length === 1 ? '' : 's'}: ${names.join(', ') || 'nobody'}.`;
}

/** The channel an act happens in: the newest matching, waited for (the default wait), since the app may still be making it. */
async function channelToActIn(world: TwinsWorld, pattern: RegExp): Promise<ChannelRef> {
  const found = await world.waitFor(() => newestMatching(world, pattern), {
    describe: `a channel whose name matches ${pattern} to act in`,
    extra: () => describeChannels(world),
  });
  return found.ref;
}

/** Archive a channel as a person (alice, the owner, unless named). */
async function archive(world: TwinsWorld, user: string, channel: string): Promise<void> {
  const ch = await world.resolveChannel(channel);
  await world.slack.call('POST', 'slack/act/archive', { body: { user, channel: ch.id } });
}

// ── arrange ──────────────────────────────────────────────────────────────────

step({
  kind: 'arrange',
  topic,
  expression: '{channel} is archived',
  example: 'Given "#incidents" is archived',
  doc: 'The existing channel has been archived (by alice, the owner) without the app hearing of it: it can be read, but nobody can post in it.',
  async run(this: TwinsWorld, channel: string) {
    await this.quietly(() => archive(this, 'alice', channel));
  },
});

// ── act ──────────────────────────────────────────────────────────────────────

step({
  kind: 'act',
  topic,
  expression: '{user} archives {channel}',
  example: 'When "alice" archives "#ops"',
  doc: 'The person archives the channel; the app gets `channel_archive` if its bot is in it, and nobody can post there afterwards.',
  async run(this: TwinsWorld, user: string, channel: string) {
    await archive(this, user, channel);
  },
});

step({
  kind: 'act',
  topic,
  expression: '{user} posts {string} in the channel matching {regex}',
  example: 'When "alice" posts "update: rolled back" in the channel matching /^inc-\\d+-/',
  timeoutMs: WAITING_STEP_TIMEOUT_MS,
  doc: 'The person posts in the newest channel whose name matches (waiting the default wait for it to exist); the app gets a `message` event if its bot is in the channel.',
  async run(this: TwinsWorld, user: string, text: string, pattern: RegExp) {
    const ch = await channelToActIn(this, pattern);
    const posted = await this.slack.message({ user, channel: ch.id, text });
    this.recordOwn(posted.channel, posted.ts);
  },
});

step({
  kind: 'act',
  topic,
  expression: '{user} runs {string} in the channel matching {regex}',
  example: 'When "alice" runs "/incident close fixed" in the channel matching /^inc-\\d+-/',
  timeoutMs: WAITING_STEP_TIMEOUT_MS,
  doc: "The person runs the slash command in the newest channel whose name matches (waiting the default wait for it to exist), registered to the app's events URL if it was not.",
  async run(this: TwinsWorld, user: string, line: string, pattern: RegExp) {
    const m = /^\s*(\/\S+)\s*([\s\S]*)$/.exec(line);
    if (!m) throw new Error(`"${line}" is not a slash command; write it as Slack does, e.g. "/incident close fixed"`);
    const [, command, text] = m;
    const ch = await channelToActIn(this, pattern);
    const app = await this.slack.app();
    if (!app.slash_commands[command]) {
      // Where the app takes its events (a scenario may have moved it): commands go there too.
      const url = app.request_url ?? (this.appUrl ? this.appUrlFor(this.eventsPath) : undefined);
      if (!url) throw new Error(`the app has no slash command ${command} and this run has no app under test to register it to`);
      await this.slack.configureApp({ slash_commands: { [command]: url } });
    }
    await this.slack.slashCommand({ user, channel: ch.id, command, text });
  },
});

// ── observe ──────────────────────────────────────────────────────────────────

patientStep({
  topic,
  expression: 'a channel matching {regex} exists',
  example: 'Then a channel matching /^inc-\\d+-checkout/ exists',
  doc: 'Waits {wait} for a channel (public or private, archived or not) whose name, without its #, matches the pattern.',
  async run(this: TwinsWorld, waitMs: number | undefined, pattern: RegExp) {
    await this.waitFor(() => newestMatching(this, pattern), {
      timeoutMs: waitMs,
      describe: `a channel whose name matches ${pattern}`,
      extra: () => describeChannels(this),
    });
  },
});

/** Wait for someone to be in the newest channel matching. */
async function expectMember(world: TwinsWorld, waitMs: number | undefined, who: string, userId: string, pattern: RegExp) {
  let last: SlackConversation | undefined;
  await world.waitFor(
    async () => {
      last = await newestMatching(world, pattern);
      return last?.members.includes(userId);
    },
    {
      timeoutMs: waitMs,
      describe: `${who} to be a member of the channel matching ${pattern}`,
      extra: async () => (last ? describeMembers(world, last) : `No channel matches ${pattern}. ${await describeChannels(world)}`),
    },
  );
}

patientStep({
  topic,
  expression: '{user} is a member of the channel matching {regex}',
  example: 'Then "alice" is a member of the channel matching /^inc-\\d+-/',
  doc: 'Waits {wait} for the person to be in the newest channel whose name matches the pattern.',
  async run(this: TwinsWorld, waitMs: number | undefined, user: string, pattern: RegExp) {
    const person = await this.resolveUser(user);
    await expectMember(this, waitMs, user, person.id, pattern);
  },
});

patientStep({
  topic,
  expression: 'the app is a member of the channel matching {regex}',
  example: 'Then the app is a member of the channel matching /^inc-\\d+-/',
  doc: "Waits {wait} for the app's bot to be in the newest channel whose name matches the pattern.",
  async run(this: TwinsWorld, waitMs: number | undefined, pattern: RegExp) {
    const bot = await this.bot();
    await expectMember(this, waitMs, 'the app', bot.userId, pattern);
  },
});

patientStep({
  topic,
  expression: 'the channel matching {regex} is archived',
  example: 'Then the channel matching /^inc-\\d+-/ is archived',
  doc: 'Waits {wait} for the newest channel whose name matches the pattern to be archived.',
  async run(this: TwinsWorld, waitMs: number | undefined, pattern: RegExp) {
    let last: SlackConversation | undefined;
    await this.waitFor(
      async () => {
        last = await newestMatching(this, pattern);
        return last?.is_archived;
      },
      {
        timeoutMs: waitMs,
        describe: `the channel matching ${pattern} to be archived`,
        extra: async () => (last ? `#${last.name} is not archived.` : `No channel matches ${pattern}. ${await describeChannels(this)}`),
      },
    );
  },
});

/** New top-level messages matching in the newest channel matching (none while there is no such channel). */
async function newMessagesIn(world: TwinsWorld, channelPattern: RegExp, pattern: RegExp): Promise<SlackMessage[]> {
  const ch = await newestMatching(world, channelPattern);
  if (!ch) return [];
  return (await world.history(ch.ref)).filter((m) => world.isOutcome(ch.id, m) && pattern.test(visibleText(m)));
}

patientStep({
  topic,
  expression: 'the channel matching {regex} has a message matching {regex}',
  example: 'Then the channel matching /^inc-\\d+-/ has a message matching /resolved/',
  doc: "Waits {wait} for a new top-level message matching the second pattern, by anyone but the scenario's own steps, in the newest channel whose name matches the first.",
  async run(this: TwinsWorld, waitMs: number | undefined, channelPattern: RegExp, pattern: RegExp) {
    await this.waitFor(async () => (await newMessagesIn(this, channelPattern, pattern))[0], {
      timeoutMs: waitMs,
      describe: `a message matching ${pattern} in the channel matching ${channelPattern}`,
      extra: async () => {
        const ch = await newestMatching(this, channelPattern);
        return ch ? this.describeChannel(ch.ref) : `No channel matches ${channelPattern}. ${await describeChannels(this)}`;
      },
    });
  },
});

patientStep({
  topic,
  expression: '{user} sees an ephemeral message matching {regex} in the channel matching {regex}',
  example: 'Then "alice" sees an ephemeral message matching /could not archive/ in the channel matching /^inc-\\d+-/',
  doc: 'Waits {wait} for a message only that person sees ("Only visible to you") matching the first pattern in the newest channel whose name matches the second.',
  async run(this: TwinsWorld, waitMs: number | undefined, user: string, pattern: RegExp, channelPattern: RegExp) {
    const person = await this.resolveUser(user);
    const seen = async () => {
      const ch = await newestMatching(this, channelPattern);
      return ch ? this.slack.ephemeral({ channel: ch.id, user: person.id }) : [];
    };
    await this.waitFor(async () => (await seen()).find((m) => this.isOutcome(m.channel, m) && pattern.test(visibleText(m))), {
      timeoutMs: waitMs,
      describe: `an ephemeral message to ${user} matching ${pattern} in the channel matching ${channelPattern}`,
      extra: async () => {
        const list = await seen();
        return list.length === 0
          ? `${user} saw no ephemeral message in the channel matching ${channelPattern}.`
          : `Ephemeral messages ${user} saw there: ${list.map((m) => `"${visibleText(m).slice(0, 80)}"`).join(', ')}`;
      },
    });
  },
});

watchfulStep({
  topic,
  expression: 'no channel matches {regex}',
  example: 'Then no channel matches /^inc-\\d+-/',
  doc: 'Watches for {wait} and passes only if no channel (archived ones included) has a name matching the pattern; it always waits the full time.',
  async run(this: TwinsWorld, waitMs: number | undefined, pattern: RegExp) {
    await this.mustNotSee(async () => (await channelsMatching(this, pattern))[0], {
      timeoutMs: waitMs,
      describe: `channel whose name matches ${pattern}`,
      render: (c) => `#${c.name}`,
    });
  },
});

watchfulStep({
  topic,
  expression: 'at most {int} channel(s) match(es) {regex}',
  example: 'Then at most 1 channel matches /^inc-\\d+-checkout/',
  doc: 'Watches for {wait} and passes only if no more than that many channels (archived ones included) ever have a name matching the pattern; it always waits the full time.',
  async run(this: TwinsWorld, waitMs: number | undefined, most: number, pattern: RegExp) {
    await this.mustNotSee(
      async () => {
        const found = await channelsMatching(this, pattern);
        return found.length > most ? found : undefined;
      },
      {
        timeoutMs: waitMs,
        describe: `more than ${most} channel${most === 1 ? '' : 's'} whose name matches ${pattern}`,
        render: (found) => found.map((c) => `#${c.name}`).join(', '),
      },
    );
  },
});
