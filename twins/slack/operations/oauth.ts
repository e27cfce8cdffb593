// oauth.*: the install flow: a consent page a browser can complete, the redirect with a code, and the code exchange for tokens.

import { clientCredentials } from '../auth.ts';
import { badClientSecret, badRedirectUri, invalidClientId, invalidCode, slackError } from '../errors.ts';
import { list, passThrough, type SlackCtx, str } from '../render.ts';
import { mint, type SlackApp, type SlackState, seconds } from '../store.ts';

/** Codes are single use and live 10 minutes. */
export const CODE_TTL_MS = 10 * 60_000;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function html(status: number, body: string) {
  return passThrough({ status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body });
}

function errorPage(title: string, detail: string) {
  return html(
    400,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p></body></html>`,
  );
}

/**
 * The redirect URL to use, or undefined when the app does not allow it. With no redirect URLs
 * configured any http(s) URL is accepted, so apps can be tested before their URLs are known.
 */
export function resolveRedirect(app: SlackApp, requested: string | undefined): string | undefined {
  if (!requested) return app.redirect_urls[0];
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (app.redirect_urls.length === 0) return requested;
  // Slack accepts a redirect_uri that starts with one of the configured URLs.
  return app.redirect_urls.some((allowed) => requested.startsWith(allowed)) ? requested : undefined;
}

function text(v: unknown): string {
  return Array.isArray(v) ? String(v[v.length - 1] ?? '') : typeof v === 'string' ? v : '';
}

function fieldsOf(ctx: SlackCtx): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.query ?? {})) out[k] = text(v);
  const body = ctx.req.body;
  if (body && typeof body === 'object' && !Array.isArray(body))
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) out[k] = text(v);
  return out;
}

/** The people who could be signed in to approve an install: active humans, admins first. */
function installers(state: SlackState) {
  return [...state.users.values()]
    .filter((u) => !u.is_bot && !u.deleted && u.id !== 'USLACKBOT')
    .sort((a, b) => Number(b.is_admin) - Number(a.is_admin));
}

/** The client and redirect URI an authorize request names, or the error page Slack shows instead. */
function checkAuthorizeRequest(ctx: SlackCtx) {
  const f = fieldsOf(ctx);
  const app = ctx.state.app;
  if (f.client_id !== app.client_id) {
    return { page: errorPage('Invalid client_id parameter', 'No app with this client_id is installed on the twin.') };
  }
  const redirect = resolveRedirect(app, f.redirect_uri);
  if (!redirect) {
    return { page: errorPage('Invalid redirect_uri', "The redirect_uri is missing or does not match the app's configured redirect URLs.") };
  }
  return { f, app, redirect };
}

/**
 * GET /oauth/v2/authorize: the consent page. It names the app, the workspace and the scopes,
 * and posts Allow or Cancel back to /oauth/v2/authorize.
 *
 * Limitations: there is no sign-in; the page lets the browser pick which person approves
 * (an admin by default).
 */
export function oauthAuthorizePage(ctx: SlackCtx) {
  const { state } = ctx;
  const checked = checkAuthorizeRequest(ctx);
  if ('page' in checked) return checked.page;
  const { f, app, redirect } = checked;
  const scopes = list(f.scope);
  const userScopes = list(f.user_scope);
  const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const li = (s: string) => `<li><code>${escapeHtml(s)}</code></li>`;
  const people = installers(state)
    .map((u) => `<option value="${escapeHtml(u.id)}">${escapeHtml(u.real_name)} (${escapeHtml(u.profile.email ?? u.name)})</option>`)
    .join('');
  const body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(app.name)} is requesting permission to access the ${escapeHtml(state.team.name)} Slack workspace</title></head>
<body>
<main>
<h1><span id="app-name">${escapeHtml(app.name)}</span> is requesting permission to access the <span id="team-name">${escapeHtml(state.team.name)}</span> Slack workspace</h1>
<p>Workspace: <strong>${escapeHtml(state.team.domain)}.slack.com</strong></p>
${scopes.length ? `<h2>What will ${escapeHtml(app.name)} be able to do?</h2><ul id="bot-scopes">${scopes.map(li).join('')}</ul>` : ''}
${userScopes.length ? `<h2>On your behalf</h2><ul id="user-scopes">${userScopes.map(li).join('')}</ul>` : ''}
<form method="post" action="/oauth/v2/authorize">
${hidden('client_id', f.client_id)}${hidden('scope', scopes.join(','))}${hidden('user_scope', userScopes.join(','))}${hidden('redirect_uri', redirect)}${hidden('state', f.state ?? '')}
<label>Signed in as <select name="user" id="user">${people}</select></label>
<button type="submit" name="decision" value="allow" id="allow">Allow</button>
<button type="submit" name="decision" value="deny" id="deny">Cancel</button>
</form>
</main>
</body>
</html>`;
  return html(200, body);
}

/** POST /oauth/v2/authorize: Allow mints a 10-minute single-use code; Cancel redirects with `error=access_denied`. */
export function oauthAuthorizeApprove(ctx: SlackCtx) {
  const { state } = ctx;
  const checked = checkAuthorizeRequest(ctx);
  if ('page' in checked) return checked.page;
  const { f, app, redirect } = checked;
  const location = new URL(redirect);
  const allow = ['allow', 'approve', 'true', '1'].includes((f.decision ?? '').toLowerCase());
  if (!allow) {
    location.searchParams.set('error', 'access_denied');
  } else {
    const user = state.users.get(f.user ?? '') ?? installers(state)[0];
    const code = `${Math.floor(seconds(ctx.now()))}.${mint(state, 'oauth-code', 40, '0123456789abcdef')}`;
    state.oauthCodes.set(code, {
      code,
      client_id: app.client_id,
      scopes: list(f.scope),
      user_scopes: list(f.user_scope),
      redirect_uri: f.redirect_uri ?? '',
      user_id: user.id,
      expires_at: ctx.now() + CODE_TTL_MS,
      used: false,
    });
    for (const [k, c] of [...state.oauthCodes]) if (c.expires_at < ctx.now() - CODE_TTL_MS) state.oauthCodes.delete(k);
    location.searchParams.set('code', code);
  }
  if (f.state !== undefined && f.state !== '') location.searchParams.set('state', f.state);
  return passThrough({ status: 302, headers: { location: location.toString(), 'cache-control': 'no-store' }, body: '' });
}

/**
 * oauth.v2.access: trade a code from the consent page for a new bot token with the scopes asked
 * for, and a user token (in `authed_user`) when user scopes were asked for.
 *
 * Limitations: token rotation is not modelled (`grant_type=refresh_token` answers
 * `invalid_refresh_token`); each install mints new tokens and leaves the old ones valid.
 */
export function v2Access(ctx: SlackCtx<{ code?: string; redirect_uri?: string; grant_type?: string; refresh_token?: string }>) {
  const { state, args } = ctx;
  const app = state.app;
  const { clientId, clientSecret } = clientCredentials(ctx.req, args as Record<string, unknown>);
  if (clientId !== app.client_id) throw invalidClientId();
  if (clientSecret !== app.client_secret) throw badClientSecret();
  const grant = str(args.grant_type) ?? 'authorization_code';
  if (grant === 'refresh_token') throw slackError('invalid_refresh_token');
  if (grant !== 'authorization_code') throw slackError('invalid_grant_type');
  const code = state.oauthCodes.get(args.code ?? '');
  if (!code || code.used || code.expires_at < ctx.now() || code.client_id !== app.client_id) throw invalidCode();
  if (code.redirect_uri && (args.redirect_uri ?? '') !== code.redirect_uri) throw badRedirectUri();
  code.used = true;
  const now = seconds(ctx.now());
  const result: Record<string, unknown> = { app_id: app.app_id };
  const authedUser: Record<string, unknown> = { id: code.user_id };
  if (code.user_scopes.length > 0) {
    // Random, from the tenant's secrets: a token minted here is as unguessable as a seeded one.
    const token = ctx.tenant.secrets.mint('user-token');
    state.tokens.set(token, { token, type: 'user', user_id: code.user_id, scopes: [...code.user_scopes], revoked: false, created: now });
    Object.assign(authedUser, { scope: code.user_scopes.join(','), access_token: token, token_type: 'user' });
  }
  result.authed_user = authedUser;
  if (code.scopes.length > 0) {
    const token = ctx.tenant.secrets.mint('bot-token');
    state.tokens.set(token, { token, type: 'bot', user_id: app.bot_user_id, scopes: [...code.scopes], revoked: false, created: now });
    Object.assign(result, { scope: code.scopes.join(','), token_type: 'bot', access_token: token, bot_user_id: app.bot_user_id });
  }
  Object.assign(result, { team: { id: state.team.id, name: state.team.name }, enterprise: null, is_enterprise_install: false });
  ctx.reindexCredentials();
  return result;
}
