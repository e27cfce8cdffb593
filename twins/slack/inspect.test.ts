// The Slack twin's inspector view: a message with its thread and reactions in its channel's section, a broadcast reply shown once, bounds, and no secrets.

import { afterAll, describe, expect, it } from 'vitest';
import { createKernel, type Kernel } from '../../src/index.ts';
import type { InspectorItem, InspectorSection } from '../../src/kernel/types.ts';
import { slackTwin } from './index.ts';
import { INSPECT_LIMITS, inspectSlack } from './inspect.ts';
import type { SlackState } from './store.ts';

describe('inspectSlack', () => {
  const kernel = createKernel(slackTwin, { seed: 9, rateLimits: false }) as Kernel<unknown, unknown>;
  afterAll(() => kernel.close());
  const act = async (path: string, body: unknown) => {
    const res = await kernel.fetch(`http://slack.test/_twin/slack/act/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, path).toBe(200);
    return (await res.json()) as { ts: string; channel: string };
  };
  const view = () => inspectSlack(kernel.tenants.default().state as SlackState);
  const messagesIn = (name: string) =>
    view().sections.find((s): s is Extract<InspectorSection, { kind: 'list' }> => s.kind === 'list' && s.title === `Messages in #${name}`);

  it('puts a thread under its parent with its reactions, and a broadcast reply once', async () => {
    const parent = await act('message', { user: 'alice', channel: '#ops', text: 'deploy <b>now</b>' });
    await act('message', { user: 'bob', channel: '#ops', text: 'on it', thread_ts: parent.ts });
    await act('message', { user: 'carol', channel: '#ops', text: 'done, telling everyone', thread_ts: parent.ts, reply_broadcast: true });
    await act('reaction', { user: 'bob', channel: '#ops', ts: parent.ts, name: 'rocket' });
    const ops = messagesIn('ops');
    const item = ops?.items.find((i) => i.key === parent.ts) as InspectorItem;
    expect(item).toMatchObject({
      title: expect.stringMatching(/^alice \(U/),
      text: 'deploy <b>now</b>',
      tags: [expect.stringMatching(/^:rocket: 1 \(bob\)$/)],
    });
    expect(item.items?.map((r) => r.text)).toEqual(['on it', 'done, telling everyone']);
    // The broadcast is in history too, but shown under its parent only.
    expect(ops?.items.filter((i) => i.text === 'done, telling everyone')).toEqual([]);
  });

  it('never shows a token or secret', () => {
    const text = JSON.stringify(view());
    const env = kernel.env(kernel.tenants.default(), 'http://slack.test');
    for (const key of ['SLACK_BOT_TOKEN', 'SLACK_USER_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_CLIENT_SECRET', 'SLACK_CLIENT_ID']) {
      expect(env[key].length, key).toBeGreaterThan(0);
      expect(text, key).not.toContain(env[key]);
    }
  });

  it('shows a channel newest messages only, and says so', async () => {
    const extra = INSPECT_LIMITS.messagesPerChannel + 5;
    for (let i = 0; i < extra; i++) await act('message', { user: 'dave', channel: '#random', text: `line ${i}` });
    const random = messagesIn('random');
    expect(random?.items).toHaveLength(INSPECT_LIMITS.messagesPerChannel);
    expect(random?.items.at(-1)?.text).toBe(`line ${extra - 1}`);
    expect(random?.note).toMatch(new RegExp(`^the newest ${INSPECT_LIMITS.messagesPerChannel} of \\d+ messages$`));
  });
});
