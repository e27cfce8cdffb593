// What follows a change to a person elsewhere in the org: sessions and tokens revoked, group rules re-applied, app assignments dropped.

import type { OktaContext } from './render.ts';
import type { UserRecord } from './store.ts';

type Effect = (ctx: OktaContext<unknown>, user: UserRecord) => void;

const afterChange: Effect[] = [];
const onRevoke: Effect[] = [];
const onDelete: Effect[] = [];

/**
 * Register what other parts of the twin do when a person changes (group rules), loses their
 * sessions (sign-in), or is deleted (app assignments). Modules register once, at load.
 */
export function onUserChange(fn: Effect): void {
  afterChange.push(fn);
}
export function onRevokeSessions(fn: Effect): void {
  onRevoke.push(fn);
}
export function onUserDelete(fn: Effect): void {
  onDelete.push(fn);
}

/** A person's profile or status changed. */
export function afterUserChange(ctx: OktaContext<unknown>, user: UserRecord): void {
  for (const fn of afterChange) fn(ctx, user);
}

/** A person was deactivated, suspended or reset: their sessions and tokens end. */
export function revokeSessions(ctx: OktaContext<unknown>, user: UserRecord): void {
  for (const fn of onRevoke) fn(ctx, user);
}

/** A person was deleted. */
export function afterUserDelete(ctx: OktaContext<unknown>, user: UserRecord): void {
  for (const fn of onDelete) fn(ctx, user);
}
