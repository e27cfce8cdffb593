// The Okta org's state: the same seed gives the same snapshot, a snapshot restores into Maps, and built-in names are ordinary unknown ids.

import { describe, expect, it } from 'vitest';
import { createKernel } from '../../src/index.ts';
import { oktaTwin } from '../../twins/okta/index.ts';
import { IdMap, type OktaState } from '../../twins/okta/store.ts';

describe('Okta state', () => {
  it('the same seed gives the same snapshot bytes in two kernels, secrets sealed', () => {
    const a = createKernel(oktaTwin, { seed: 42 });
    const b = createKernel(oktaTwin, { seed: 42 });
    const snapA = JSON.stringify(a.snapshotState(a.tenants.default()));
    expect(snapA).toBe(JSON.stringify(b.snapshotState(b.tenants.default())));
    expect(snapA).not.toContain(a.env(a.tenants.default(), '').OKTA_API_TOKEN);
    expect(snapA).not.toContain('PRIVATE KEY');
    a.close();
    b.close();
  });

  it('a snapshot restores into Maps, and the org still answers with its own token', async () => {
    const k = createKernel(oktaTwin, { seed: 7 });
    const t = k.tenants.default();
    const state = k.prepareRestore(t, k.snapshotState(t));
    expect(state.users).toBeInstanceOf(IdMap);
    expect(state.groups).toBeInstanceOf(Map);
    k.restoreTenant(t, state);
    const env = k.env(t, 'http://okta.test');
    const res = await k.fetch('http://okta.test/api/v1/users/me', { headers: { authorization: `SSWS ${env.OKTA_API_TOKEN}` } });
    expect(res.status).toBe(200);
    k.close();
  });

  it('__proto__ and constructor are unknown ids, never Object built-ins', async () => {
    const k = createKernel(oktaTwin, { seed: 7 });
    const env = k.env(k.tenants.default(), 'http://okta.test');
    for (const id of ['__proto__', 'constructor', 'toString']) {
      for (const path of [`/api/v1/users/${id}`, `/api/v1/groups/${id}`, `/api/v1/eventHooks/${id}`]) {
        const res = await k.fetch(`http://okta.test${path}`, { headers: { authorization: `SSWS ${env.OKTA_API_TOKEN}` } });
        expect(res.status, path).toBe(404);
        expect(((await res.json()) as { errorCode: string }).errorCode).toBe('E0000007');
      }
    }
    const search = await k.fetch('http://okta.test/api/v1/users?search=profile.constructor%20pr', {
      headers: { authorization: `SSWS ${env.OKTA_API_TOKEN}` },
    });
    expect(await search.json()).toEqual([]);
    expect((k.tenants.default().state as OktaState).users.get('__proto__')).toBeUndefined();
    k.close();
  });
});
