// The response_url Slack hands to slash commands and interactions: the app posts its later answers there.

import { json } from '../../../src/kernel/types.ts';
import { type AppMessage, applyAppMessage } from '../interactivity.ts';
import { passThrough, type SlackCtx } from '../render.ts';
import { RESPONSE_URL_USES } from '../store.ts';

function appMessage(body: unknown): AppMessage | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  // Some clients send the JSON form-encoded as `payload`.
  if (typeof b.payload === 'string') {
    try {
      return appMessage(JSON.parse(b.payload) as unknown);
    } catch {
      return undefined;
    }
  }
  for (const key of ['blocks', 'attachments']) {
    if (typeof b[key] === 'string') {
      try {
        b[key] = JSON.parse(b[key] as string) as unknown;
      } catch {
        // validation of the message below reports it
      }
    }
  }
  return b as AppMessage;
}

/**
 * POST to a response_url: answer the person ephemerally (default), `in_channel`, or replace /
 * delete the original message. Valid 30 minutes, at most 5 posts.
 *
 * Limitations: the exact error bodies for used and expired URLs are the twin's own
 * (`used_url`, `expired_url`, HTTP 404).
 */
export function responseUrlPost(ctx: SlackCtx) {
  const { state, params } = ctx;
  const record = state.responseUrls.get(params.command_id ?? '');
  const fail = (status: number, error: string) => passThrough(json(status, { ok: false, error }));
  if (!record || record.secret !== params.secret) return fail(404, 'expired_url');
  if (record.expires_at < ctx.now()) return fail(404, 'expired_url');
  if (record.uses >= RESPONSE_URL_USES) return fail(404, 'used_url');
  const message = appMessage(ctx.req.body);
  if (!message) return fail(400, 'invalid_payload');
  const hasContent = ['text', 'blocks', 'attachments'].some((k) => message[k as keyof AppMessage] !== undefined);
  if (!hasContent && message.delete_original !== true && message.delete_original !== 'true') return fail(400, 'no_text');
  record.uses++;
  applyAppMessage(ctx, record, message);
  return passThrough(json(200, { ok: true }));
}
