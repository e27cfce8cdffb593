// Finds what the Slack benchmarks need on a running twin: the default workspace's bot token and a channel the bot can post in.

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface SlackFixture {
  token: string;
  channel: string;
}

/** Works over HTTP (global fetch) and in-process (kernel.fetch) alike, through the control plane and the Web API. */
export async function slackFixture(fetchFn: FetchLike, baseUrl: string): Promise<SlackFixture> {
  const tenants = (await (await fetchFn(`${baseUrl}/_twin/tenants`)).json()) as { tenants: { env: Record<string, string> }[] };
  const token = tenants.tenants[0]?.env.SLACK_BOT_TOKEN;
  if (!token) throw new Error('the default tenant has no SLACK_BOT_TOKEN');
  const call = async (method: string, args: Record<string, string>) => {
    const res = await fetchFn(`${baseUrl}/api/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(args).toString(),
    });
    const body = (await res.json()) as { ok: boolean; error?: string; [k: string]: unknown };
    if (!body.ok) throw new Error(`${method} failed: ${body.error}`);
    return body;
  };
  const list = await call('conversations.list', { types: 'public_channel', exclude_archived: 'true', limit: '200' });
  const channels = list.channels as { id: string; name: string; is_member?: boolean }[];
  const pick = channels.find((c) => c.is_member) ?? channels[0];
  if (!pick) throw new Error('the seeded workspace has no public channel');
  if (!pick.is_member) await call('conversations.join', { channel: pick.id });
  return { token, channel: pick.id };
}

/** The form body chat.postMessage gets, as @slack/web-api sends it. */
export function postBody(channel: string, text: string): string {
  return new URLSearchParams({ channel, text }).toString();
}
