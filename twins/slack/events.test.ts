// Unit tests for what the Slack twin sends: v0 signatures (checked the way Bolt checks them), envelopes, filtering, retries.

import { verifySlackRequest } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { Clock } from '../../src/kernel/clock.ts';
import type { DeliverySpec, OutboundDelivery } from '../../src/kernel/outbox.ts';
import type { Tenant } from '../../src/kernel/types.ts';
import { classifyEventAnswer, echoesChallenge, emitEvent, type SlackEnv, signature, signedHeaders } from './events.ts';
import { postMessage } from './messaging.ts';
import { seedSlackState } from './seed.ts';
import { type Conversation, looseSecrets, type SlackState, type SlackUser } from './store.ts';

function harness() {
  const secrets = looseSecrets();
  const state = seedSlackState({ seed: 5, tenantId: 't', ordinal: 1, secrets });
  state.app.request_url = 'http://app.test/slack/events';
  state.app.url_verified = true;
  const tenant: Tenant<SlackState> = {
    id: 't',
    seed: 5,
    ordinal: 1,
    secrets,
    state,
    clock: new Clock('virtual', Date.UTC(2026, 0, 1)),
    createdAt: 0,
  };
  const specs: DeliverySpec[] = [];
  const env: SlackEnv = {
    tenant,
    deliver: (spec) => {
      specs.push(spec);
      return {
        id: `d${specs.length}`,
        tenantId: 't',
        kind: spec.kind,
        url: spec.url,
        status: 'pending',
        createdAt: '',
        meta: spec.meta ?? {},
        attempts: [],
      } as OutboundDelivery;
    },
  };
  const byName = (name: string) => [...state.conversations.values()].find((c) => c.name === name) as Conversation;
  const alice = [...state.users.values()].find((u) => u.name === 'alice') as SlackUser;
  return { state, env, specs, byName, alice };
}

describe('v0 request signing', () => {
  it('verifies with Bolt, and fails with another secret or a changed body', () => {
    const body = JSON.stringify({ type: 'event_callback', event: { type: 'message', text: 'hi' } });
    const headers = signedHeaders('s3cret', body, 'application/json');
    const asBolt = {
      'x-slack-signature': headers['x-slack-signature'],
      'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
    };
    expect(() => verifySlackRequest({ signingSecret: 's3cret', body, headers: asBolt })).not.toThrow();
    expect(() => verifySlackRequest({ signingSecret: 'other', body, headers: asBolt })).toThrow();
    expect(() => verifySlackRequest({ signingSecret: 's3cret', body: `${body} `, headers: asBolt })).toThrow();
  });

  it('matches the documented basestring v0:<ts>:<body>', () => {
    // Slack's documented example secret and request.
    const secret = '8f742231b10e8888abcd99yyyzzz85a5';
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signature(secret, 1531420618, body)).toBe('v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
  });

  it('stamps real wall-clock time even when the tenant clock is virtual', () => {
    const h = signedHeaders('x', '{}', 'application/json');
    expect(Math.abs(Number(h['x-slack-request-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
  });
});

describe('Events API envelope and filtering', () => {
  it('wraps the event the way Slack does and re-signs each attempt, adding retry headers', () => {
    const { env, specs, state, byName } = harness();
    const general = byName('general');
    emitEvent(env, { type: 'channel_archive', channel: general.id, user: 'U1', event_ts: '1.000001' });
    expect(specs).toHaveLength(1);
    const spec = specs[0];
    expect(spec).toMatchObject({
      kind: 'event_callback',
      url: state.app.request_url,
      timeoutMs: 3000,
      retryDelaysMs: [1000, 60000, 300000],
    });
    const first = spec.build({ number: 1 });
    const body = JSON.parse(first.body as string);
    expect(body).toMatchObject({
      token: state.app.verification_token,
      team_id: state.team.id,
      api_app_id: state.app.app_id,
      type: 'event_callback',
      event_id: expect.stringMatching(/^Ev[A-Z0-9]+$/),
      event_time: Math.floor(Date.UTC(2026, 0, 1) / 1000),
      authorizations: [
        { enterprise_id: null, team_id: state.team.id, user_id: state.app.bot_user_id, is_bot: true, is_enterprise_install: false },
      ],
      is_ext_shared_channel: false,
      event_context: expect.any(String),
      event: { type: 'channel_archive', channel: general.id },
    });
    expect(first.headers['x-slack-retry-num']).toBeUndefined();
    const third = spec.build({ number: 3, lastReason: 'http_timeout' });
    expect(third.body).toBe(first.body);
    expect(third.headers).toMatchObject({
      'x-slack-retry-num': '2',
      'x-slack-retry-reason': 'http_timeout',
      'content-type': 'application/json',
    });
    expect(third.headers['x-slack-signature']).toBe(
      signature(state.app.signing_secret, Number(third.headers['x-slack-request-timestamp']), third.body as string),
    );
  });

  it('sends nothing before the Request URL is verified, or for unsubscribed types', () => {
    const { env, specs, state, byName } = harness();
    state.app.url_verified = false;
    emitEvent(env, { type: 'channel_archive', channel: byName('general').id });
    state.app.url_verified = true;
    state.app.event_subscriptions = ['app_mention'];
    emitEvent(env, { type: 'channel_archive', channel: byName('general').id });
    expect(specs).toHaveLength(0);
  });

  it('sends message events only from conversations the bot is in, with app_mention for mentions', () => {
    const { env, specs, state, byName, alice } = harness();
    postMessage(env, byName('random'), { userId: alice.id, asBot: false }, { text: 'not for the bot' });
    expect(specs).toHaveLength(0);
    postMessage(env, byName('ops'), { userId: alice.id, asBot: false }, { text: `hey <@${state.app.bot_user_id}>` });
    const events = specs.map((s) => JSON.parse(s.build({ number: 1 }).body as string).event);
    expect(events.map((e) => e.type)).toEqual(['message', 'app_mention']);
    expect(events[0]).toMatchObject({
      channel: byName('ops').id,
      channel_type: 'channel',
      user: alice.id,
      client_msg_id: expect.any(String),
    });
    expect(events[1]).toMatchObject({ user: alice.id, text: `hey <@${state.app.bot_user_id}>`, channel: byName('ops').id });
  });

  it('honours message.* subscriptions by channel type', () => {
    const { env, specs, state, byName, alice } = harness();
    state.app.event_subscriptions = ['message.im'];
    postMessage(env, byName('ops'), { userId: alice.id, asBot: false }, { text: 'channel message' });
    expect(specs).toHaveLength(0);
  });
});

describe('answers', () => {
  it('retries non-2xx unless X-Slack-No-Retry: 1', () => {
    expect(classifyEventAnswer({ status: 200, headers: {}, body: '' })).toEqual({ outcome: 'delivered' });
    expect(classifyEventAnswer({ status: 500, headers: {}, body: '' })).toEqual({ outcome: 'retry', reason: 'http_error' });
    expect(classifyEventAnswer({ status: 500, headers: { 'x-slack-no-retry': '1' }, body: '' }).outcome).toBe('failed');
    expect(classifyEventAnswer({ status: 302, headers: {}, body: '' })).toEqual({ outcome: 'retry', reason: 'too_many_redirects' });
  });

  it('accepts the challenge echoed as text, form or JSON', () => {
    expect(echoesChallenge('abc', 'abc')).toBe(true);
    expect(echoesChallenge('challenge=abc', 'abc')).toBe(true);
    expect(echoesChallenge('{"challenge":"abc"}', 'abc')).toBe(true);
    expect(echoesChallenge('{"challenge":"abd"}', 'abc')).toBe(false);
    expect(echoesChallenge('', 'abc')).toBe(false);
  });
});
