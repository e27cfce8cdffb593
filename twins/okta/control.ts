// The Okta twin's control routes under /_twin/okta/: the org's signing keys, and their rotation (a new kid signs; the previous one still verifies until the next rotation).

import type { ControlContext, ControlRoute } from '../../src/kernel/types.ts';
import { ensureSigningKeys, rotateSigningKeys, runtimeOf } from './keys.ts';
import type { OktaState } from './store.ts';

type Ctx = ControlContext<OktaState>;

function keysView(ctx: Ctx) {
  return runtimeOf(ctx.tenant.state).signing.map((k, i) => ({
    kid: k.kid,
    status: i === 0 ? 'ACTIVE' : 'VERIFY_ONLY',
    jwk: k.publicJwk,
  }));
}

export const oktaControlRoutes: ControlRoute<OktaState>[] = [
  {
    method: 'GET',
    path: 'okta/keys',
    handler: async (ctx: Ctx) => {
      await ensureSigningKeys(ctx.tenant.state);
      return { keys: keysView(ctx) };
    },
  },
  {
    method: 'POST',
    path: 'okta/keys/rotate',
    handler: async (ctx: Ctx) => {
      const before = runtimeOf(ctx.tenant.state).signing[0]?.kid ?? null;
      const keys = await rotateSigningKeys(ctx.tenant.state);
      return { kid: keys[0].kid, previousKid: before, keys: keysView(ctx) };
    },
  },
];
