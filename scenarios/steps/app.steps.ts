// App steps: how the app is installed (events URL, scopes, channels its bot is in), the Slack API calls it makes, and its own HTTP endpoints.

import type { JournalEntry } from '../support/control-client.ts';
import { step } from '../support/define.ts';
import { patientStep, watchfulStep } from '../support/patience.ts';
import type { TwinsWorld } from '../support/world.ts';

const topic = 'app';

/** Scopes as a person writes them: "chat:write, channels:history" or space-separated. */
function scopeList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

// ── arrange ──────────────────────────────────────────────────────────────────

step({
  kind: 'arrange',
  topic,
  expression: "the app's events URL is {string}",
  example: 'Given the app\'s events URL is "/api/slack/events"',
  doc: "Slack sends events, interactivity and slash commands registered from now on to this path on the app (or full URL) instead of the run's default; the app must pass the url_verification challenge there.",
  async run(this: TwinsWorld, pathOrUrl: string) {
    await this.pointAppAt(pathOrUrl);
  },
});

step({
  kind: 'arrange',
  topic,
  expression: "the app's bot has only the scopes {string}",
  example: 'Given the app\'s bot has only the scopes "chat:write, channels:history"',
  doc: 'The installed bot token carries exactly these OAuth scopes; methods needing others answer missing_scope.',
  async run(this: TwinsWorld, scopes: string) {
    await this.slack.configureApp({ bot_scopes: scopeList(scopes) });
  },
});

step({
  kind: 'arrange',
  topic,
  expression: "the app's bot lacks the scope(s) {string}",
  example: 'Given the app\'s bot lacks the scope "reactions:write"',
  doc: 'The installed bot token carries every scope it had except these; methods needing them answer missing_scope.',
  async run(this: TwinsWorld, scopes: string) {
    const drop = new Set(scopeList(scopes));
    const current = (await this.slack.app()).bot_scopes;
    await this.slack.configureApp({ bot_scopes: current.filter((s) => !drop.has(s)) });
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'the app is a member of {channel}',
  example: 'Given the app is a member of "#deploys"',
  doc: "The app's bot is in the channel (so it gets the channel's events); it joined without the app hearing of it.",
  async run(this: TwinsWorld, channel: string) {
    const ch = await this.resolveChannel(channel);
    const bot = await this.bot();
    await this.quietly(() => this.slack.join({ user: bot.userId, channel: ch.id }));
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'the app is not a member of {channel}',
  example: 'Given the app is not a member of "#ops"',
  doc: "The app's bot is not in the channel (it gets none of its events, and may post there only with chat:write.public).",
  async run(this: TwinsWorld, channel: string) {
    const ch = await this.resolveChannel(channel);
    const bot = await this.bot();
    await this.quietly(() => this.slack.leave({ user: bot.userId, channel: ch.id }));
  },
});

// ── observe: the Slack API calls the app made (the twin's journal) ───────────

/** The argument as a pattern sees it: strings as they are, anything else as JSON. */
function argText(entry: JournalEntry, name: string): string | undefined {
  const value = (entry.args as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function callsMatching(entries: JournalEntry[], arg?: string, pattern?: RegExp): JournalEntry[] {
  if (!arg || !pattern) return entries;
  return entries.filter((e) => {
    const text = argText(e, arg);
    return text !== undefined && pattern.test(text);
  });
}

function renderCall(e: JournalEntry): string {
  return `${e.operation} → ${e.error ? `${e.status} ${e.error}` : e.status} ${JSON.stringify(e.args ?? {}).slice(0, 200)}`;
}

patientStep({
  topic,
  expression: 'the app calls {string}',
  example: 'Then the app calls "chat.postMessage"',
  doc: 'Waits {wait} for the app to have called that Slack API method in this scenario, whatever Slack answered.',
  async run(this: TwinsWorld, waitMs: number | undefined, operation: string) {
    await this.waitFor(async () => (await this.appCalls(operation))[0], {
      timeoutMs: waitMs,
      describe: `a call of ${operation} by the app`,
    });
  },
});

patientStep({
  topic,
  expression: 'the app calls {string} with {word} matching {regex}',
  example: 'Then the app calls "chat.postMessage" with thread_ts matching /^\\d+\\.\\d+$/',
  doc: 'Waits {wait} for a call of that method whose named argument (JSON for objects) matches the pattern.',
  async run(this: TwinsWorld, waitMs: number | undefined, operation: string, arg: string, pattern: RegExp) {
    await this.waitFor(async () => callsMatching(await this.appCalls(operation), arg, pattern)[0], {
      timeoutMs: waitMs,
      describe: `a call of ${operation} by the app with ${arg} matching ${pattern}`,
    });
  },
});

watchfulStep({
  topic,
  expression: 'the app never calls {string}',
  example: 'Then the app never calls "chat.delete"',
  doc: 'Watches for {wait} and passes only if the app did not call that method at any time in the scenario; it always waits the full time.',
  async run(this: TwinsWorld, waitMs: number | undefined, operation: string) {
    await this.mustNotSee(async () => (await this.appCalls(operation))[0], {
      timeoutMs: waitMs,
      describe: `call of ${operation}`,
      render: renderCall,
    });
  },
});

watchfulStep({
  topic,
  expression: 'the app never calls {string} with {word} matching {regex}',
  example: 'Then the app never calls "chat.postMessage" with channel matching "C0ARCHIVED"',
  doc: 'Watches for {wait} and passes only if the app made no call of that method whose named argument matches; it always waits the full time.',
  async run(this: TwinsWorld, waitMs: number | undefined, operation: string, arg: string, pattern: RegExp) {
    await this.mustNotSee(async () => callsMatching(await this.appCalls(operation), arg, pattern)[0], {
      timeoutMs: waitMs,
      describe: `call of ${operation} with ${arg} matching ${pattern}`,
      render: renderCall,
    });
  },
});

// ── observe: the app's own HTTP endpoints ────────────────────────────────────

async function get(url: string): Promise<{ status: number; body: string } | { error: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: await res.text() };
  } catch (err) {
    return { error: (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message };
  }
}

async function expectAnswer(world: TwinsWorld, waitMs: number | undefined, path: string, status: number, pattern?: RegExp) {
  const url = world.appUrlFor(path);
  let last: Awaited<ReturnType<typeof get>> | undefined;
  await world.waitFor(
    async () => {
      last = await get(url);
      return 'status' in last && last.status === status && (!pattern || pattern.test(last.body));
    },
    {
      timeoutMs: waitMs,
      describe: `GET ${url} to answer ${status}${pattern ? ` with a body matching ${pattern}` : ''}`,
      extra: async () =>
        !last ? '' : 'error' in last ? `It did not answer: ${last.error}.` : `It last answered ${last.status}: ${last.body.slice(0, 300)}`,
    },
  );
}

patientStep({
  topic,
  expression: 'the app answers GET {string} with status {int}',
  example: 'Then the app answers GET "/health" with status 200',
  doc: 'Waits {wait} for a GET of that path on the app to answer with that HTTP status.',
  async run(this: TwinsWorld, waitMs: number | undefined, path: string, status: number) {
    await expectAnswer(this, waitMs, path, status);
  },
});

patientStep({
  topic,
  expression: 'the app answers GET {string} with status {int} and a body matching {regex}',
  example: 'Then the app answers GET "/health" with status 200 and a body matching /ok/',
  doc: 'Waits {wait} for a GET of that path on the app to answer with that HTTP status and a body matching the pattern.',
  async run(this: TwinsWorld, waitMs: number | undefined, path: string, status: number, pattern: RegExp) {
    await expectAnswer(this, waitMs, path, status, pattern);
  },
});
