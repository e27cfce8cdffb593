// auth.*: who a token is, and revoking it.

import { flag, type SlackCtx } from '../render.ts';

/**
 * auth.test: the token's identity. Bolt calls it at start-up to learn its bot user id.
 *
 * @example
 *   await client.auth.test(); // { ok, url, team, user, team_id, user_id, bot_id, is_enterprise_install }
 */
export function test(ctx: SlackCtx) {
  const { state, principal } = ctx;
  const user = state.users.get(principal.userId);
  const result: Record<string, unknown> = {
    url: `https://${state.team.domain}.slack.com/`,
    team: state.team.name,
    user: user?.name ?? '',
    team_id: state.team.id,
    user_id: principal.userId,
  };
  if (principal.tokenType === 'bot') result.bot_id = principal.botId;
  result.is_enterprise_install = false;
  return result;
}

/** auth.revoke: revoke the calling token (`test` only says whether it would). */
export function revoke(ctx: SlackCtx<{ test?: unknown }>) {
  const record = ctx.state.tokens.get(ctx.principal.token);
  if (flag(ctx.args.test)) return { revoked: false };
  if (record) record.revoked = true;
  return { revoked: true };
}
