// Schedule steps: what recurring, scheduled work shows people (how many DMs, how many thread replies), replies in a DM's thread, and an admin deactivating someone.

import type { SlackMessage } from '../support/control-client.ts';
import { step } from '../support/define.ts';
import { patientStep, WAITING_STEP_TIMEOUT_MS, watchfulStep } from '../support/patience.ts';
import { type ChannelRef, type TwinsWorld, visibleText } from '../support/world.ts';

// These extend the Slack topic: `twins steps` lists them with the other Slack steps.
const topic = 'slack';

/** After the expected count is reached, how long an "exactly" step keeps watching for one too many. */
const SETTLE_MS = 1000;

/** The DM between the app and a person, as a channel, if one is open. */
async function dmWith(world: TwinsWorld, userId: string): Promise<ChannelRef | undefined> {
  const im = await world.imWith(userId);
  if (!im) return undefined;
  const channel = { id: im.id, name: `the DM with ${userId}` };
  world.touched.channels.set(im.id, channel);
  return channel;
}

/** New top-level messages in the DM between the app and a person that match (none while no DM is open). */
async function directMessagesMatching(world: TwinsWorld, userId: string, pattern: RegExp): Promise<SlackMessage[]> {
  const dm = await dmWith(world, userId);
  if (!dm) return [];
  return (await world.history(dm)).filter((m) => world.isOutcome(dm.id, m) && pattern.test(visibleText(m)));
}

/** New replies matching in the thread of the newest top-level message matching `parentPattern`. */
async function repliesMatching(world: TwinsWorld, ch: ChannelRef, parentPattern: RegExp, pattern: RegExp): Promise<SlackMessage[]> {
  const parent = await world.messageMatching(ch, parentPattern);
  if (!parent?.reply_count) return [];
  return (await world.replies(ch, parent.ts)).filter((r) => world.isOutcome(ch.id, r) && pattern.test(visibleText(r)));
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Wait for exactly `n` matches: until at least `n` are there (failing at once past `n`), then
 * one settle window more in which no further one may appear.
 */
async function exactly(
  world: TwinsWorld,
  n: number,
  find: () => Promise<SlackMessage[]>,
  opts: { waitMs?: number; describe: string; channel?: ChannelRef; extra?: () => Promise<string> },
): Promise<void> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a count of 1 or more, not ${n}; to say none came, use the "no" wording`);
  const found = await world.waitFor(
    async () => {
      const all = await find();
      return all.length >= n ? all : undefined;
    },
    { timeoutMs: opts.waitMs, describe: opts.describe, channel: opts.channel, extra: opts.extra },
  );
  const tooMany = (all: SlackMessage[]) => (all.length > n ? all : undefined);
  const render = (all: SlackMessage[]) => `${all.length}: ${all.map((m) => `"${visibleText(m).slice(0, 80)}"`).join(', ')}`;
  if (found.length > n) throw new Error(`expected ${opts.describe}, but saw ${render(found)}`);
  await world.mustNotSee(async () => tooMany(await find()), {
    timeoutMs: SETTLE_MS,
    describe: `more than ${opts.describe}`,
    channel: opts.channel,
    render,
  });
}

// ── act ──────────────────────────────────────────────────────────────────────

step({
  kind: 'act',
  topic,
  expression: 'an admin deactivates {user}',
  example: 'When an admin deactivates "frank"',
  doc: 'A workspace admin deactivates the person (users.info then shows deleted: true); the app gets `user_change`.',
  async run(this: TwinsWorld, ref: string) {
    const user = await this.resolveUser(ref);
    await this.slack.updateUser(user.id, { deleted: true });
  },
});

step({
  kind: 'act',
  topic,
  expression: "{user} replies {string} to the app's last direct message",
  example: 'When "bob" replies "done, thanks" to the app\'s last direct message',
  timeoutMs: WAITING_STEP_TIMEOUT_MS,
  doc: "Once the app has written to the person, they reply in the thread of the app's newest message in their DM; the app gets a `message` event with channel_type im and thread_ts.",
  async run(this: TwinsWorld, user: string, text: string) {
    const person = await this.resolveUser(user);
    const parent = await this.waitFor(
      async () => {
        const dm = await dmWith(this, person.id);
        if (!dm) return undefined;
        const mine: SlackMessage[] = [];
        for (const m of await this.history(dm)) if (await this.byApp(m)) mine.push(m);
        const last = mine.at(-1);
        return last ? { dm, last } : undefined;
      },
      { describe: `a direct message from the app to ${user} to reply to` },
    );
    const posted = await this.slack.message({ user: person.id, channel: parent.dm.id, text, thread_ts: parent.last.ts });
    this.recordOwn(posted.channel, posted.ts);
  },
});

// ── observe ──────────────────────────────────────────────────────────────────

patientStep({
  topic,
  expression: '{user} gets exactly {int} direct message(s) matching {regex}',
  example: 'Then "alice" gets exactly 2 direct messages matching /time for standup/i',
  doc: 'Waits {wait} for that many new messages matching the pattern in the DM between the app and that person, then watches one second more and fails if there are more.',
  async run(this: TwinsWorld, waitMs: number | undefined, user: string, n: number, pattern: RegExp) {
    const person = await this.resolveUser(user);
    await exactly(this, n, () => directMessagesMatching(this, person.id, pattern), {
      waitMs,
      describe: `${plural(n, 'direct message', 'direct messages')} to ${user} matching ${pattern}`,
      extra: async () => {
        const dm = await dmWith(this, person.id);
        return dm ? this.describeChannel(dm) : `The app and ${user} have no DM open.`;
      },
    });
  },
});

watchfulStep({
  topic,
  expression: '{user} gets no direct message matching {regex}',
  example: 'Then "alice" gets no direct message matching /time for standup/i',
  doc: 'Watches the DM between the app and that person for {wait} and passes only if no new message matching the pattern appeared in the scenario; it always waits the full time.',
  async run(this: TwinsWorld, waitMs: number | undefined, user: string, pattern: RegExp) {
    const person = await this.resolveUser(user);
    await this.mustNotSee(async () => (await directMessagesMatching(this, person.id, pattern))[0], {
      timeoutMs: waitMs,
      describe: `direct message to ${user} matching ${pattern}`,
      render: (m) => `"${visibleText(m)}"`,
    });
  },
});

patientStep({
  topic,
  expression: 'the message matching {regex} in {channel} has exactly {int} reply/replies matching {regex}',
  example: 'Then the message matching "standup" in "#ops" has exactly 2 replies matching /yesterday/',
  doc: 'Waits {wait} for that many new replies matching the second pattern in the thread of the newest top-level message matching the first, then watches one second more and fails if there are more.',
  async run(this: TwinsWorld, waitMs: number | undefined, parentPattern: RegExp, channel: string, n: number, pattern: RegExp) {
    const ch = await this.resolveChannel(channel);
    await exactly(this, n, () => repliesMatching(this, ch, parentPattern, pattern), {
      waitMs,
      describe: `${plural(n, 'reply', 'replies')} matching ${pattern} to the message matching ${parentPattern} in ${channel}`,
      channel: ch,
      extra: async () =>
        (await this.messageMatching(ch, parentPattern)) ? '' : `No top-level message in ${channel} matches ${parentPattern}.`,
    });
  },
});
