// views.*: modals opened from a trigger_id, stacked and updated, and each user's App Home tab.

import {
  exchangedTriggerId,
  expiredTriggerId,
  hashConflict,
  invalidArguments,
  invalidTriggerId,
  pushLimitReached,
  slackError,
  userNotFound,
  viewNotFound,
} from '../errors.ts';
import { renderView, type SlackCtx, str } from '../render.ts';
import { mint, newId, type SlackState, type SlackView, seconds } from '../store.ts';

/** Slack stacks at most three modals. */
const MAX_STACK = 3;
const MAX_VIEW_BLOCKS = 100;

/** Use up a trigger_id: invalid, already used and expired ones fail as Slack's do. */
export function consumeTrigger(state: SlackState, triggerId: unknown, nowMs: number) {
  const trigger = typeof triggerId === 'string' ? state.triggers.get(triggerId) : undefined;
  if (!trigger) throw invalidTriggerId();
  if (trigger.used) throw exchangedTriggerId();
  if (nowMs > trigger.expires_at) throw expiredTriggerId();
  trigger.used = true;
  return trigger;
}

/** The `view` argument, checked the way Slack checks a view payload. */
export function viewArg(value: unknown, allowed: string[]): Record<string, unknown> {
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      throw invalidArguments(['[ERROR] failed to parse view [json-pointer:/view]']);
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalidArguments(['[ERROR] missing required field: view']);
  const view = value as Record<string, unknown>;
  const messages: string[] = [];
  if (typeof view.type !== 'string') messages.push('[ERROR] missing required field: type [json-pointer:/view]');
  else if (!allowed.includes(view.type)) messages.push(`[ERROR] must be one of ${allowed.join(', ')} [json-pointer:/view/type]`);
  if (view.type === 'modal' && !view.title) messages.push('[ERROR] missing required field: title [json-pointer:/view]');
  if (!Array.isArray(view.blocks)) messages.push('[ERROR] missing required field: blocks [json-pointer:/view]');
  else if (view.blocks.length > MAX_VIEW_BLOCKS)
    messages.push(`[ERROR] no more than ${MAX_VIEW_BLOCKS} items allowed [json-pointer:/view/blocks]`);
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000) {
    messages.push('[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]');
  }
  if (messages.length > 0) throw invalidArguments(messages);
  return view;
}

function newHash(state: SlackState, nowMs: number): string {
  return `${seconds(nowMs)}.${mint(state, 'view-hash', 8, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`;
}

function checkExternalId(state: SlackState, externalId: string, except?: string): void {
  if (!externalId) return;
  if ([...state.views.values()].some((v) => v.id !== except && !v.closed && v.external_id === externalId))
    throw slackError('duplicate_external_id');
}

/** Apply a view payload to a stored view (new or replaced). */
export function applyView(state: SlackState, target: SlackView, view: Record<string, unknown>, nowMs: number): SlackView {
  target.type = String(view.type);
  // Absent parts are left out rather than null, as the contract's View schema wants objects.
  for (const key of ['title', 'close', 'submit'] as const) {
    if (view[key] && typeof view[key] === 'object') target[key] = structuredClone(view[key]);
    else delete target[key];
  }
  target.blocks = structuredClone(view.blocks as unknown[]);
  target.private_metadata = typeof view.private_metadata === 'string' ? view.private_metadata : '';
  target.callback_id = typeof view.callback_id === 'string' ? view.callback_id : '';
  target.external_id = typeof view.external_id === 'string' ? view.external_id : '';
  target.clear_on_close = view.clear_on_close === true;
  target.notify_on_close = view.notify_on_close === true;
  target.hash = newHash(state, nowMs);
  target.state = { values: {} };
  delete target.errors;
  return target;
}

/** A new stored view for `userId`. */
export function createView(
  state: SlackState,
  userId: string,
  view: Record<string, unknown>,
  nowMs: number,
  stack: { root?: string; previous?: string } = {},
): SlackView {
  const id = newId(state, 'V');
  checkExternalId(state, typeof view.external_id === 'string' ? view.external_id : '');
  const stored: SlackView = {
    id,
    team_id: state.team.id,
    type: String(view.type),
    user_id: userId,
    blocks: [],
    private_metadata: '',
    callback_id: '',
    external_id: '',
    state: { values: {} },
    hash: '',
    clear_on_close: false,
    notify_on_close: false,
    root_view_id: stack.root ?? id,
    previous_view_id: stack.previous ?? null,
    app_id: state.app.app_id,
    app_installed_team_id: state.team.id,
    bot_id: state.app.bot_id,
    closed: false,
  };
  applyView(state, stored, view, nowMs);
  state.views.set(id, stored);
  return stored;
}

/** Close a user's whole modal stack. */
export function closeModals(state: SlackState, userId: string): void {
  for (const id of state.modals.get(userId) ?? []) {
    const view = state.views.get(id);
    if (view) view.closed = true;
  }
  state.modals.delete(userId);
}

/**
 * views.open: open a modal for the user who triggered the interaction. The trigger_id is single
 * use and lives 3 seconds on the tenant clock.
 */
export function open(ctx: SlackCtx<{ trigger_id?: string; view?: unknown }>) {
  const { state } = ctx;
  const view = viewArg(ctx.args.view, ['modal']);
  const trigger = consumeTrigger(state, ctx.args.trigger_id, ctx.now());
  closeModals(state, trigger.user_id);
  const stored = createView(state, trigger.user_id, view, ctx.now());
  state.modals.set(trigger.user_id, [stored.id]);
  return { view: renderView(stored) };
}

/** views.push: stack a modal on the user's open one (at most three deep). */
export function push(ctx: SlackCtx<{ trigger_id?: string; view?: unknown }>) {
  const { state } = ctx;
  const view = viewArg(ctx.args.view, ['modal']);
  const trigger = consumeTrigger(state, ctx.args.trigger_id, ctx.now());
  const stack = state.modals.get(trigger.user_id) ?? [];
  if (stack.length >= MAX_STACK) throw pushLimitReached();
  const stored = createView(state, trigger.user_id, view, ctx.now(), { root: stack[0], previous: stack[stack.length - 1] });
  state.modals.set(trigger.user_id, [...stack, stored.id]);
  return { view: renderView(stored) };
}

/** The view `view_id` or `external_id` names. */
function findView(state: SlackState, viewId: unknown, externalId: unknown): SlackView {
  const byId = str(viewId) ? state.views.get(String(viewId)) : undefined;
  const byExternal =
    !byId && str(externalId) ? [...state.views.values()].find((v) => v.external_id === externalId && !v.closed) : undefined;
  const view = byId ?? byExternal;
  if (!view) throw viewNotFound();
  return view;
}

/** views.update: replace a view by view_id or external_id; a stale `hash` is hash_conflict. */
export function update(ctx: SlackCtx<{ view_id?: string; external_id?: string; hash?: string; view?: unknown }>) {
  const { state, args } = ctx;
  if (!str(args.view_id) && !str(args.external_id)) throw invalidArguments(['[ERROR] either view_id or external_id is required']);
  const target = findView(state, args.view_id, args.external_id);
  const view = viewArg(args.view, [target.type]);
  if (str(args.hash) && args.hash !== target.hash) throw hashConflict();
  checkExternalId(state, typeof view.external_id === 'string' ? view.external_id : '', target.id);
  applyView(state, target, view, ctx.now());
  return { view: renderView(target) };
}

/** views.publish: set a user's App Home tab; a stale `hash` is hash_conflict. */
export function publish(ctx: SlackCtx<{ user_id?: string; view?: unknown; hash?: string }>) {
  const { state, args } = ctx;
  const user = state.users.get(args.user_id ?? '');
  if (!user || user.deleted) throw userNotFound();
  const view = viewArg(args.view, ['home']);
  const existing = state.views.get(state.home.get(user.id) ?? '');
  if (existing) {
    if (str(args.hash) && args.hash !== existing.hash) throw hashConflict();
    checkExternalId(state, typeof view.external_id === 'string' ? view.external_id : '', existing.id);
    applyView(state, existing, view, ctx.now());
    return { view: renderView(existing) };
  }
  const stored = createView(state, user.id, view, ctx.now());
  state.home.set(user.id, stored.id);
  return { view: renderView(stored) };
}
