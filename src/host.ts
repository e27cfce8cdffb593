// The door every transport hands requests to: `/_twin/` goes to the control plane, everything else to the kernel's vendor pipeline.

import { handleControl } from './control/control-plane.ts';
import { Kernel, type KernelOptions } from './kernel/kernel.ts';
import type { TwinDefinition, TwinRequest, TwinResponse } from './kernel/types.ts';

/** Which of the two kinds of caller a request is for. */
export type Surface = 'control' | 'vendor';

const UNRESERVED_ESCAPE = /%(2[dDeE]|3[0-9]|4[1-9a-fA-F]|5[0-9aA]|5[fF]|6[1-9a-fA-F]|7[0-9aA]|7[eE])/g;

/**
 * The path as the door judges it: percent-escaped unreserved characters (letters, digits, `-._~`)
 * decoded and dot-segments resolved, again until nothing changes, so `/api/%2e%2e/_twin/tenants`,
 * `/api/../_twin/x` and `/%5Ftwin/x` are all `/_twin/...`. Reserved escapes (`%2F`) stay as sent.
 *
 * @example normalisedPath(new URL('http://t/api/%2E%2E/%5Ftwin/health')) // '/_twin/health'
 */
export function normalisedPath(url: URL): string {
  let path = url.pathname;
  for (let i = 0; i < 8; i++) {
    const decoded = path.replace(UNRESERVED_ESCAPE, (m) => String.fromCharCode(Number.parseInt(m.slice(1), 16)));
    // The URL parser resolves `.`/`..` segments (and their escaped forms) the way every server does.
    // (Appended to an origin, never parsed as a reference: `//host/x` must stay a path.)
    const resolved = new URL(`http://door.invalid${decoded.startsWith('/') ? '' : '/'}${decoded}`).pathname;
    if (resolved === path) break;
    path = resolved;
  }
  return path;
}

/** `control` for `/_twin` and everything below it (on the normalised path), else `vendor`. */
export function surfaceOf(path: string): Surface {
  return path === '/_twin' || path.startsWith('/_twin/') ? 'control' : 'vendor';
}

/** `/t/<tenantId>` and what follows it; tenant ids are those the control plane accepts. */
const TENANT_PREFIX = /^\/t\/([A-Za-z0-9._-]{1,64})(\/.*)?$/;

/**
 * The tenant a vendor path names, `/t/<tenantId>/rest…`, split off: `{ tenantId, rest }`, or
 * undefined when the path names none (the default tenant, at the root).
 *
 * @example tenantPrefix('/t/acme/api/v1/users') // { tenantId: 'acme', rest: '/api/v1/users' }
 */
export function tenantPrefix(path: string): { tenantId: string; rest: string } | undefined {
  const m = TENANT_PREFIX.exec(path);
  // `.` and `..` are dot-segments, never ids (the path is already resolved, but say it here too).
  if (!m || m[1] === '.' || m[1] === '..') return undefined;
  return { tenantId: m[1], rest: m[2] ?? '/' };
}

/**
 * Hand one request to the surface its normalised path names; each side gets the normalised URL,
 * so neither can be reached through the other's spelling of a path. A vendor path under
 * `/t/<tenantId>` goes to the vendor pipeline without the prefix, pinned to that tenant, its
 * base URL keeping the prefix; `/t/<id>/_twin/…` is a vendor path (the control plane lives at the
 * root only). Never throws.
 */
export function handleTwinRequest(kernel: Kernel<unknown, unknown>, req: TwinRequest): Promise<TwinResponse> {
  const path = normalisedPath(req.url);
  if (surfaceOf(path) === 'control') return handleControl(kernel, withPath(req, path));
  const prefixed = tenantPrefix(path);
  if (!prefixed) return kernel.handle(withPath(req, path));
  return kernel.handle({
    ...withPath(req, prefixed.rest),
    basePath: `/t/${prefixed.tenantId}`,
    tenantId: prefixed.tenantId,
  });
}

function withPath(req: TwinRequest, path: string): TwinRequest {
  if (path === req.url.pathname) return req;
  const url = new URL(req.url.href);
  url.pathname = path;
  return { ...req, url };
}

/**
 * A twin: its kernel with the control plane behind the same door, so `kernel.fetch` serves
 * `/_twin/` as the HTTP server and msw do.
 *
 * @example
 *   const kernel = createKernel(slackTwin, { seed: 42 });
 *   await kernel.fetch('http://slack.test/_twin/health');
 */
export function createKernel<S, P>(def: TwinDefinition<S, P>, options?: KernelOptions): Kernel<S, P> {
  const kernel = new Kernel(def, options);
  withControlPlane(kernel);
  return kernel;
}

/** Put the control plane before an existing kernel's `fetch` (what `createKernel` does). Returns the kernel. */
export function withControlPlane<S, P>(kernel: Kernel<S, P>): Kernel<S, P> {
  const k = kernel as unknown as Kernel<unknown, unknown>;
  kernel.setFrontDoor((req) => handleTwinRequest(k, req));
  return kernel;
}
