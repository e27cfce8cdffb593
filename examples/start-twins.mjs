// The programmatic API: start the Slack twin on a free port, talk to it over HTTP, reset it, close it.
// Run it with plain node after `npm install saas-twins`: node start-twins.mjs

import { startTwins } from 'saas-twins';
import { channelId, slackCall } from './slack-api.mjs';

const twins = await startTwins({ twins: ['slack'], seed: 1 });
try {
  const env = twins.slack.env; // what an app under test gets: SLACK_API_URL, SLACK_BOT_TOKEN, …
  const channel = await channelId(env, 'ops');
  await slackCall(env, 'chat.postMessage', { channel, text: 'before reset' });
  const before = await slackCall(env, 'conversations.history', { channel, limit: '1' });
  await twins.reset(); // the seeded workspace again; the same tokens still work
  const after = await slackCall(env, 'conversations.history', { channel, limit: '1' });
  console.log(
    JSON.stringify({ url: twins.slack.url, before: before.messages[0].text, afterReset: after.messages[0]?.text ?? null, ok: after.ok }),
  );
} finally {
  await twins.close();
}
