// A few lines of Slack Web API over fetch, shared by the examples (an app would use @slack/web-api the same way: a base URL and a token).

/** Call a Slack Web API method the way Slack's SDK does: form-encoded arguments, the token as a Bearer header. */
export async function slackCall(env, method, args = {}) {
  const res = await fetch(`${env.SLACK_API_URL}${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.SLACK_BOT_TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(args),
  });
  return res.json();
}

/** The id of the public channel called `name` (the seeded workspace has #general, #random and #ops). */
export async function channelId(env, name) {
  const { channels } = await slackCall(env, 'conversations.list', { types: 'public_channel' });
  return channels.find((c) => c.name === name).id;
}
