// The Slack twin in-process through msw: no server, no port; every fetch to https://slack.test is answered by the twin.
// Run it with plain node after `npm install saas-twins`: node msw.mjs

import { setupServer } from 'msw/node';
import { createKernel, twinHandlers } from 'saas-twins/msw';
import { slackTwin } from 'saas-twins/slack';
import { channelId, slackCall } from './slack-api.mjs';

const kernel = createKernel(slackTwin, { seed: 1 });
const server = setupServer(...twinHandlers(kernel, 'https://slack.test'));
server.listen({ onUnhandledRequest: 'bypass' });
const env = kernel.env(kernel.tenants.default(), 'https://slack.test'); // SLACK_API_URL, SLACK_BOT_TOKEN, …

const channel = await channelId(env, 'ops');
const posted = await slackCall(env, 'chat.postMessage', { channel, text: 'deploy finished' });
const { messages } = await slackCall(env, 'conversations.history', { channel, limit: '1' });
const missing = await slackCall(env, 'chat.postMessage', { channel: 'C000NOPE', text: 'x' });
console.log(JSON.stringify({ posted: posted.ok, latest: messages[0].text, missing: missing.error }));

server.close();
kernel.close();
