// vitest with the Slack twin: one twin for the file, reset before each test, closed after. Run: npx vitest run

import { startTwins } from 'saas-twins';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { channelId, slackCall } from '../slack-api.mjs';

let twins;
beforeAll(async () => {
  twins = await startTwins({ twins: ['slack'], seed: 1 });
});
beforeEach(() => twins.reset());
afterAll(() => twins?.close());

test('a posted message is the latest in its channel', async () => {
  const env = twins.slack.env;
  const channel = await channelId(env, 'ops');
  await slackCall(env, 'chat.postMessage', { channel, text: 'deploy finished' });
  const { messages } = await slackCall(env, 'conversations.history', { channel, limit: '1' });
  expect(messages[0].text).toBe('deploy finished');
});

test('reset between tests: the last test left nothing behind', async () => {
  const env = twins.slack.env;
  const { messages } = await slackCall(env, 'conversations.history', { channel: await channelId(env, 'ops'), limit: '10' });
  expect(messages.map((m) => m.text)).not.toContain('deploy finished');
});

test('vendor errors come back as Slack sends them', async () => {
  const answer = await slackCall(twins.slack.env, 'chat.postMessage', { channel: 'C000NOPE', text: 'x' });
  expect(answer).toMatchObject({ ok: false, error: 'channel_not_found' });
});
