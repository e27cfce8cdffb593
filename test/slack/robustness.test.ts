// Bad input, isolation, determinism and concurrency on the Slack twin over HTTP.

import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKernel } from '../../src/index.ts';
import { slackTwin } from '../../twins/slack/index.ts';
import { type Json, type SlackFixture, startSlack } from '../support/slack.ts';

let s: SlackFixture;
beforeAll(async () => {
  s = await startSlack({ seed: 21 });
});
afterAll(() => s.close());

async function raw(path: string, init: RequestInit & { token?: string | null } = {}) {
  const headers: Record<string, string> = { ...((init.headers as Record<string, string>) ?? {}) };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? s.env.SLACK_BOT_TOKEN}`;
  const res = await fetch(`${s.url}${path}`, { ...init, headers });
  const text = await res.text();
  let body: Json | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, text, body, headers: res.headers };
}

describe('bad input gets Slack-shaped errors, never a 500 or a stack trace', () => {
  const cases: [string, string, RequestInit, number, string | RegExp][] = [
    [
      'malformed JSON',
      '/api/chat.postMessage',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"channel": "C1", ' },
      200,
      'invalid_json',
    ],
    [
      'JSON that is not an object',
      '/api/chat.postMessage',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2]' },
      200,
      /json_not_object|invalid_arguments/,
    ],
    [
      'an unknown content type',
      '/api/chat.postMessage',
      { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<x/>' },
      200,
      /invalid_form_data|invalid_post_type/,
    ],
    [
      'a wrong argument type',
      '/api/conversations.history',
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'channel=C1&limit=lots' },
      200,
      'invalid_arguments',
    ],
    [
      'a missing required argument',
      '/api/conversations.create',
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' },
      200,
      'invalid_arguments',
    ],
    [
      'blocks that are not JSON',
      '/api/chat.postMessage',
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'channel=%23general&blocks=%5Bnope' },
      200,
      /invalid_blocks|invalid_arguments/,
    ],
    ['an unknown method', '/api/chat.postMassage', { method: 'POST' }, 404, 'unknown_method'],
  ];
  it.each(cases)('%s', async (_name, path, init, status, error) => {
    const r = await raw(path, init);
    expect(r.status).toBe(status);
    expect(r.body?.ok).toBe(false);
    expect(r.body?.error).toMatch(error);
    expect(r.text).not.toMatch(/at .+\.ts:\d+|Error:/);
  });

  it('a body over the size limit', async () => {
    const r = await raw('/api/chat.postMessage', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `channel=C1&text=${'x'.repeat(2 * 1024 * 1024)}`,
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.body?.ok).toBe(false);
  });

  it('a message longer than Slack allows', async () => {
    const r = await raw('/api/chat.postMessage', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `channel=%23general&text=${'y'.repeat(40_001)}`,
    });
    expect(r.body?.error).toBe('msg_too_long');
  });

  it('the token works from a form field and from GET query arguments', async () => {
    const viaForm = await raw('/api/auth.test', {
      method: 'POST',
      token: null,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${s.env.SLACK_BOT_TOKEN}`,
    });
    expect(viaForm.body?.ok).toBe(true);
    const viaGet = await raw(`/api/conversations.list?limit=1&types=public_channel`, { method: 'GET' });
    expect(viaGet.body?.ok).toBe(true);
    expect(viaGet.body?.channels).toHaveLength(1);
  });

  it('body arguments win over the query string, and a __proto__ key changes nothing', async () => {
    const list = await raw('/api/conversations.list?limit=100', { method: 'GET' });
    const general = ((list.body?.channels ?? []) as Json[]).find((c) => c.name === 'general')?.id;
    const posted = await raw(`/api/chat.postMessage?channel=NOPE&text=from+the+query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: `{"channel":"${general}","text":"from the body","__proto__":{"thread_ts":"1234.567890","username":"polluted"}}`,
    });
    expect(posted.body?.ok).toBe(true);
    expect(posted.body?.channel).toBe(general);
    expect(posted.body?.message?.text).toBe('from the body');
    expect(posted.body?.message?.thread_ts).toBeUndefined();
    expect(posted.body?.message?.username).toBeUndefined();
  });

  it('a token without the scope gets missing_scope with needed and provided', async () => {
    const t = (await s.control('POST', 'tenants', { seed: 4 })).body;
    // The user token of a seeded workspace lacks bot-only scopes; find a method it may not call.
    const r = await fetch(`${t.env.SLACK_API_URL}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.env.SLACK_BOT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: '#general', text: 'x' }),
    });
    expect((await r.json()).ok).toBe(true);
    const narrowed = await s.control('POST', 'slack/app', { tenant: t.id, bot_scopes: ['channels:read'] });
    expect(narrowed.status).toBe(200);
    const denied = await (
      await fetch(`${t.env.SLACK_API_URL}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.env.SLACK_BOT_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: '#general', text: 'x' }),
      })
    ).json();
    expect(denied).toMatchObject({ ok: false, error: 'missing_scope', provided: 'channels:read' });
    expect(denied.needed).toContain('chat:write');
    // The refusal is the workspace's: its journal shows it (graders look for exactly such calls).
    const journal = (await s.control('GET', `journal?tenant=${t.id}&operation=chat.postMessage`)).body;
    expect(journal.entries.map((e: Json) => e.error)).toEqual([undefined, 'missing_scope']);
  });
});

describe('tenants, determinism and concurrency', () => {
  it('the same seed gives a byte-identical snapshot', async () => {
    const a = createKernel(slackTwin, { seed: 99 });
    const b = createKernel(slackTwin, { seed: 99 });
    const snap = async (k: typeof a) => (await k.fetch('http://x/_twin/snapshot')).text();
    const [sa, sb] = [await snap(a), await snap(b)];
    expect(sa).toBe(sb);
    const c = createKernel(slackTwin, { seed: 100 });
    expect(await snap(c)).not.toBe(sa);
    for (const k of [a, b, c]) k.close();
  });

  it("two tenants used at once never see each other's data", async () => {
    const [t1, t2] = [(await s.control('POST', 'tenants', { seed: 1 })).body, (await s.control('POST', 'tenants', { seed: 1 })).body];
    const c1 = new WebClient(t1.env.SLACK_BOT_TOKEN, { slackApiUrl: t1.env.SLACK_API_URL });
    const c2 = new WebClient(t2.env.SLACK_BOT_TOKEN, { slackApiUrl: t2.env.SLACK_API_URL });
    const [ch1, ch2] = await Promise.all([c1.conversations.create({ name: 'mine' }), c2.conversations.create({ name: 'mine' })]);
    await Promise.all([
      c1.chat.postMessage({ channel: ch1.channel?.id as string, text: 'tenant one' }),
      c2.chat.postMessage({ channel: ch2.channel?.id as string, text: 'tenant two' }),
    ]);
    const h1 = await c1.conversations.history({ channel: ch1.channel?.id as string });
    expect(h1.messages?.map((m) => m.text)).toEqual(['tenant one']);
    const cross = await c1.conversations.history({ channel: ch2.channel?.id as string }).catch((e) => e.data?.error);
    if (ch1.channel?.id !== ch2.channel?.id) expect(cross).toBe('channel_not_found');
    expect(t1.env.SLACK_BOT_TOKEN).not.toBe(t2.env.SLACK_BOT_TOKEN);
    expect(t1.env.SLACK_TEAM_ID).not.toBe(t2.env.SLACK_TEAM_ID);
  });

  it('concurrent writers lose no message and every ts is unique', async () => {
    const ch = (await s.bot.conversations.create({ name: 'busy' })).channel?.id as string;
    const writers = Array.from(
      { length: 8 },
      () => new WebClient(s.env.SLACK_BOT_TOKEN, { slackApiUrl: s.env.SLACK_API_URL, maxRequestConcurrency: 10 }).chat,
    );
    await Promise.all(
      writers.flatMap((chat, w) => Array.from({ length: 25 }, (_, i) => chat.postMessage({ channel: ch, text: `w${w}-${i}` }))),
    );
    const seen: Json[] = [];
    for await (const page of s.bot.paginate('conversations.history', { channel: ch, limit: 100 }))
      seen.push(...((page as Json).messages as Json[]));
    expect(seen).toHaveLength(200);
    expect(new Set(seen.map((m) => m.text)).size).toBe(200);
    expect(new Set(seen.map((m) => m.ts)).size).toBe(200);
    const ts = seen.map((m) => m.ts as string);
    expect([...ts].sort().reverse()).toEqual(ts);
  });
});
