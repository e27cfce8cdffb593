// Issue 9's reproductions about built-in names (`__proto__`, `constructor`, …) as ids, ts and keys, in a file of their own: a pollution breaks the process it happens in.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectOperations } from '../../src/kernel/openapi.ts';
import { slackTwin } from '../../twins/slack/index.ts';
import { type Json, slackKernel } from './slack-harness.ts';
import { argumentNames, BUILTIN_NAMES, prototypeFingerprint } from './support.ts';

/** An ordinary unknown value of the same shape as `name` (letters → q/Q, the rest kept), to compare answers with. */
function ordinaryTwin(name: string): string {
  return name.replace(/[a-z]/g, 'q').replace(/[A-Z]/g, 'Q');
}

describe('built-in names are ordinary unknown ids', () => {
  let s: Awaited<ReturnType<typeof slackKernel>>;
  let proto: string;
  beforeAll(async () => {
    s = await slackKernel();
    proto = prototypeFingerprint();
  });
  afterAll(() => s.kernel.close());

  it('pins.add with timestamp "__proto__" pins nothing and pollutes nothing; users.info "__proto__" is user_not_found, in a later tenant too', async () => {
    const channel = await s.channel();
    const pin = await s.api('pins.add', { channel, timestamp: '__proto__' });
    const ordinary = await s.api('pins.add', { channel, timestamp: ordinaryTwin('__proto__') });
    expect(pin.body.ok).toBe(false);
    expect(pin.body).toEqual(ordinary.body);
    expect(prototypeFingerprint()).toBe(proto);
    expect(({} as Json).pinned_to).toBeUndefined();
    expect((await s.api('users.info', { user: '__proto__' })).body).toEqual({ ok: false, error: 'user_not_found' });
    s.kernel.createTenant({ id: 'later' });
    const later = await s.api('users.info', { user: '__proto__' }, s.envOf('later').SLACK_BOT_TOKEN);
    expect(later.body).toEqual({ ok: false, error: 'user_not_found' });
    expect(JSON.stringify(later.body)).not.toContain(channel);
  });

  it('the control plane takes them as unknown people and channels: /_twin/slack/users/__proto__, act/archive of "__proto__"', async () => {
    for (const name of BUILTIN_NAMES) {
      const user = await s.control('POST', `slack/users/${encodeURIComponent(name)}`, { real_name: 'Mallory' });
      expect(user.status, `POST /_twin/slack/users/${name}`).toBeGreaterThanOrEqual(400);
      expect(user.status, `POST /_twin/slack/users/${name}`).toBeLessThan(500);
      const archive = await s.control('POST', 'slack/act/archive', { user: 'alice', channel: name });
      expect(archive.status, `act/archive of ${name}`).toBeGreaterThanOrEqual(400);
      expect(archive.status, `act/archive of ${name}`).toBeLessThan(500);
      expect(typeof archive.body.error?.code).toBe('string');
    }
    expect(prototypeFingerprint()).toBe(proto);
  });

  it('POST /_twin/slack/app is checked whole: one bad part is a 400 and changes nothing; "__proto__" is an ordinary command name', async () => {
    const before = (await s.control('GET', 'slack/app')).body.app;
    const bad = await s.control('POST', 'slack/app', {
      name: 'Renamed',
      event_subscriptions: ['app_mention'],
      slash_commands: { '/ok': 'http://127.0.0.1:9/ok', '/bad': 'javascript:alert(1)' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_argument');
    expect((await s.control('GET', 'slack/app')).body.app).toEqual(before);
    const odd = await s.control(
      'POST',
      'slack/app',
      '{"slash_commands":{"__proto__":"http://127.0.0.1:9/p","constructor":"http://127.0.0.1:9/c"}}',
    );
    expect(odd.status).toBe(200);
    expect(odd.body.app.slash_commands).toMatchObject({ '/__proto__': 'http://127.0.0.1:9/p', '/constructor': 'http://127.0.0.1:9/c' });
    expect(prototypeFingerprint()).toBe(proto);
    expect(({} as Json)['/__proto__']).toBeUndefined();
  });

  it('every operation answers a built-in name in every argument exactly as it answers an ordinary unknown value', async () => {
    const ops = collectOperations(slackTwin.openapi).filter((op) => op.path.startsWith('/api/'));
    const mismatches: string[] = [];
    for (const op of ops) {
      const names = argumentNames(slackTwin.openapi, op).filter((n) => n !== 'token');
      if (names.length === 0) continue;
      for (const builtin of BUILTIN_NAMES) {
        const answer = async (value: string) => {
          const args = Object.fromEntries(names.map((n) => [n, value]));
          const res = await s.api(op.operationId, args);
          return `${res.status} ${res.body.ok} ${res.body.error ?? ''}`;
        };
        const got = await answer(builtin);
        const ordinary = await answer(ordinaryTwin(builtin));
        if (got !== ordinary) mismatches.push(`${op.operationId} with "${builtin}": ${got}; with "${ordinaryTwin(builtin)}": ${ordinary}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(prototypeFingerprint()).toBe(proto);
  });
});
