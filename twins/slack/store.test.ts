// Unit tests for the Slack state store: ts generation and ordering, history paging, cursors, name rules, seeding.

import { describe, expect, it } from 'vitest';
import { JsonMap } from '../../src/kernel/records.ts';
import { seedSlackState } from './seed.ts';
import {
  canonicalTs,
  channelLog,
  channelNameError,
  decodeCursor,
  encodeCursor,
  insertSorted,
  isTs,
  looseSecrets,
  nextTs,
  pageAscending,
  pageDescending,
  paginate,
  removeMessage,
  restoreSlackState,
  type SlackMessage,
  type SlackState,
  storeMessage,
} from './store.ts';

const fresh = (): SlackState => seedSlackState({ seed: 1, tenantId: 't', ordinal: 1 });
const msg = (ts: string, text = ts, extra: Partial<SlackMessage> = {}): SlackMessage => ({
  type: 'message',
  ts,
  text,
  user: 'U1',
  ...extra,
});

describe('message ts', () => {
  it('comes from the clock, in the vendor format', () => {
    const state = fresh();
    const ts = nextTs(state, Date.UTC(2026, 0, 1, 12, 0, 0, 250));
    expect(ts).toBe('1767268800.250000');
    expect(isTs(ts)).toBe(true);
  });

  it('stays strictly increasing when the clock stands still or goes back', () => {
    const state = fresh();
    const at = Date.UTC(2026, 0, 1);
    const seen = Array.from({ length: 1000 }, () => nextTs(state, at));
    expect(new Set(seen).size).toBe(1000);
    expect([...seen].sort()).toEqual(seen);
    expect(seen[999]).toBe('1767225600.000999');
    expect(nextTs(state, at - 60_000) > seen[999]).toBe(true);
  });

  it('reads loose bounds as canonical ts strings', () => {
    expect(canonicalTs('0')).toBe('0000000000.000000');
    expect(canonicalTs('1712345678')).toBe('1712345678.000000');
    expect(canonicalTs('1712345678.5')).toBe('1712345678.500000');
    expect(canonicalTs(1712345678.25)).toBe('1712345678.250000');
    expect(canonicalTs('1712345678.1234567')).toBe('1712345678.123456');
    expect(canonicalTs('yesterday')).toBeUndefined();
    expect(canonicalTs('-1')).toBeUndefined();
  });
});

describe('history paging', () => {
  const order = ['1000000001.000000', '1000000002.000000', '1000000003.000000', '1000000004.000000', '1000000005.000000'];
  const byTs = new JsonMap(order.map((ts) => [ts, msg(ts)]));
  const texts = (r: { messages: SlackMessage[] }) => r.messages.map((m) => m.text);

  it('is newest first with has_more and a continuation point', () => {
    const first = pageDescending(order, byTs, { limit: 2 });
    expect(texts(first)).toEqual([order[4], order[3]]);
    expect(first.has_more).toBe(true);
    const second = pageDescending(order, byTs, { limit: 2, before: first.next });
    expect(texts(second)).toEqual([order[2], order[1]]);
    const last = pageDescending(order, byTs, { limit: 2, before: second.next });
    expect(texts(last)).toEqual([order[0]]);
    expect(last.has_more).toBe(false);
    expect(last.next).toBeUndefined();
  });

  it('excludes latest and oldest unless inclusive', () => {
    expect(texts(pageDescending(order, byTs, { limit: 10, latest: order[3], oldest: order[1] }))).toEqual([order[2]]);
    expect(texts(pageDescending(order, byTs, { limit: 10, latest: order[3], oldest: order[1], inclusive: true }))).toEqual([
      order[3],
      order[2],
      order[1],
    ]);
    expect(texts(pageDescending(order, byTs, { limit: 10, latest: '1000000003.500000' }))).toEqual([order[2], order[1], order[0]]);
  });

  it('thread replies page oldest first after a cursor', () => {
    const first = pageAscending(order, byTs, { limit: 3 });
    expect(texts(first)).toEqual(order.slice(0, 3));
    expect(texts(pageAscending(order, byTs, { limit: 3, after: first.next }))).toEqual(order.slice(3));
  });

  it('handles 100,000 messages in one channel: appends are cheap, pages are binary searches', () => {
    const state = fresh();
    const start = Date.UTC(2026, 0, 1);
    const t0 = performance.now();
    for (let i = 0; i < 100_000; i++) storeMessage(state, 'CBIG', msg(nextTs(state, start), `m${i}`));
    const appendMs = performance.now() - t0;
    const log = channelLog(state, 'CBIG');
    expect(log.order).toHaveLength(100_000);
    const t1 = performance.now();
    let before: string | undefined;
    for (let i = 0; i < 1000; i++) {
      const page = pageDescending(log.order, log.byTs, { limit: 100, before, oldest: log.order[50_000] });
      before = page.has_more ? page.next : undefined;
    }
    const pageMs = performance.now() - t1;
    expect(pageDescending(log.order, log.byTs, { limit: 1, latest: log.order[77_777] }).messages[0].text).toBe('m77776');
    // Generous bounds: a full scan per page would take far longer than this.
    expect(appendMs).toBeLessThan(2000);
    expect(pageMs).toBeLessThan(1000);
  });

  it('inserts out-of-order ts in place', () => {
    const list = ['1000000001.000000', '1000000003.000000'];
    insertSorted(list, '1000000002.000000');
    insertSorted(list, '1000000004.000000');
    insertSorted(list, '1000000002.000000');
    expect(list).toEqual(['1000000001.000000', '1000000002.000000', '1000000003.000000', '1000000004.000000']);
  });
});

describe('threads', () => {
  it('keeps the parent summary in step with replies, and history free of them', () => {
    const state = fresh();
    const parent = msg('1000000001.000000', 'parent', { user: 'UA' });
    storeMessage(state, 'C1', parent);
    storeMessage(state, 'C1', msg('1000000002.000000', 'r1', { user: 'UB', thread_ts: parent.ts }));
    storeMessage(state, 'C1', msg('1000000003.000000', 'r2', { user: 'UA', thread_ts: parent.ts }), { broadcast: true });
    expect(parent).toMatchObject({
      thread_ts: parent.ts,
      reply_count: 2,
      reply_users: ['UB', 'UA'],
      reply_users_count: 2,
      latest_reply: '1000000003.000000',
    });
    expect(channelLog(state, 'C1').order).toEqual([parent.ts, '1000000003.000000']);
    removeMessage(state, 'C1', '1000000003.000000');
    expect(parent).toMatchObject({ reply_count: 1, latest_reply: '1000000002.000000', reply_users: ['UB'] });
    expect(channelLog(state, 'C1').order).toEqual([parent.ts]);
    removeMessage(state, 'C1', '1000000002.000000');
    expect(parent.reply_count).toBeUndefined();
    expect(parent.thread_ts).toBeUndefined();
  });
});

describe('cursors', () => {
  const items = ['C1', 'C2', 'C3', 'C4', 'C5'];
  const id = (x: string) => x;

  it('are opaque base64 and end with an empty string', () => {
    const first = paginate(items, id, 'team', 2, undefined);
    expect(first?.items).toEqual(['C1', 'C2']);
    expect(first?.next_cursor).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const second = paginate(items, id, 'team', 2, first?.next_cursor);
    expect(second?.items).toEqual(['C3', 'C4']);
    const last = paginate(items, id, 'team', 2, second?.next_cursor);
    expect(last).toEqual({ items: ['C5'], next_cursor: '' });
  });

  it('survive an item removed before the page', () => {
    const first = paginate(items, id, 'team', 2, undefined);
    const shrunk = items.filter((x) => x !== 'C1');
    expect(paginate(shrunk, id, 'team', 2, first?.next_cursor)?.items).toEqual(['C3', 'C4']);
  });

  it('reject cursors that are not ours', () => {
    expect(paginate(items, id, 'team', 2, 'garbage!!')).toBeUndefined();
    expect(paginate(items, id, 'team', 2, encodeCursor('user', '0:C1'))).toBeUndefined();
    expect(paginate(items, id, 'team', 2, encodeCursor('team', 'x:C1'))).toBeUndefined();
    expect(decodeCursor('next_ts', encodeCursor('next_ts', '1000000001.000000'))).toBe('1000000001.000000');
  });
});

describe('channel names', () => {
  it.each([
    ['', 'invalid_name_required'],
    ['x'.repeat(81), 'invalid_name_maxlength'],
    ['---', 'invalid_name_punctuation'],
    ['Ops', 'invalid_name_specials'],
    ['has space', 'invalid_name_specials'],
    ['dot.ted', 'invalid_name_specials'],
    ['ops-2_b', undefined],
    ['x'.repeat(80), undefined],
  ])('%j → %s', (name, error) => {
    expect(channelNameError(name)).toBe(error);
  });
});

describe('seed', () => {
  it('is byte-identical for the same (seed, ordinal) apart from its secrets, and distinct across ordinals', () => {
    const secrets = looseSecrets();
    const a = JSON.stringify(seedSlackState({ seed: 7, tenantId: 'x', ordinal: 1, secrets }));
    // The same secrets (a reset of the same tenant): the same bytes.
    expect(JSON.stringify(seedSlackState({ seed: 7, tenantId: 'x', ordinal: 1, secrets }))).toBe(a);
    // Other secrets (another tenant, another process): other tokens, the same bytes once sealed.
    const otherSecrets = looseSecrets();
    const again = JSON.stringify(seedSlackState({ seed: 7, tenantId: 'x', ordinal: 1, secrets: otherSecrets }));
    expect(again).not.toBe(a);
    expect(otherSecrets.seal(again)).toBe(secrets.seal(a));
    expect(secrets.seal(a)).toContain('<<twin-secret:bot-token>>');
    const other = seedSlackState({ seed: 7, tenantId: 'y', ordinal: 2 });
    const first = JSON.parse(a) as SlackState;
    expect(other.team.id).not.toBe(first.team.id);
    expect([...other.tokens.keys()].some((t) => t in first.tokens)).toBe(false);
  });

  it('has the workspace the brief promises', () => {
    const state = fresh();
    const people = [...state.users.values()].filter((u) => !u.is_bot && u.id !== 'USLACKBOT');
    expect(people).toHaveLength(8);
    expect(people[0]).toMatchObject({ name: 'alice', is_admin: true, is_primary_owner: true });
    expect(people[1].name).toBe('bob');
    expect(state.users.get(state.app.bot_user_id)).toMatchObject({ is_bot: true, profile: { bot_id: state.app.bot_id } });
    const convs = [...state.conversations.values()];
    expect(convs.map((c) => c.name)).toEqual(['general', 'random', 'ops', 'incidents', 'leadership', 'old-announcements']);
    expect(convs.find((c) => c.is_general)?.name).toBe('general');
    expect(convs.filter((c) => c.is_private)).toHaveLength(1);
    expect(convs.filter((c) => c.is_archived)).toHaveLength(1);
    const tokens = [...state.tokens.values()];
    expect(tokens.find((t) => t.type === 'bot')?.token).toMatch(/^xoxb-\d+-\d+-[A-Za-z0-9]+$/);
    expect(tokens.find((t) => t.type === 'user')?.token).toMatch(/^xoxp-/);
    const ops = convs.find((c) => c.name === 'ops') as { id: string };
    expect(state.messages.get(ops.id)?.threads.size).toBe(1);
    for (const log of [...state.messages.values()]) expect([...log.order].sort()).toEqual(log.order);
    // A snapshot is JSON.stringify (the JsonMaps write objects), a restore rebuilds the maps: same state, same bytes.
    const restored = restoreSlackState(JSON.parse(JSON.stringify(state)));
    expect(restored).toEqual(state);
    expect(restored.users).toBeInstanceOf(JsonMap);
    expect(JSON.stringify(restored)).toBe(JSON.stringify(state));
  });
});
