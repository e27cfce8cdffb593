// bots.*: the app's bot identity.

import { botNotFound } from '../errors.ts';
import { type SlackCtx, str } from '../render.ts';
import { botProfile } from '../store.ts';

/**
 * bots.info: the bot named by `bot` (the app's own bot when omitted).
 *
 * Limitations: the workspace has one app, so only its bot is known.
 */
export function info(ctx: SlackCtx<{ bot?: string }>) {
  const { state, args } = ctx;
  const id = str(args.bot) ?? state.app.bot_id;
  if (id !== state.app.bot_id) throw botNotFound();
  const profile = botProfile(state);
  return {
    bot: {
      id: profile.id,
      deleted: false,
      name: profile.name,
      updated: profile.updated,
      app_id: profile.app_id,
      user_id: state.app.bot_user_id,
      icons: profile.icons,
    },
  };
}
