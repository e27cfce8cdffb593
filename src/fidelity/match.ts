// The contract operation a vendor request reached, routed as the twin routes it: shared by the fidelity catalogue and the SDK coverage recorder.

import { normalisedPath, tenantPrefix } from '../host.ts';
import type { OperationSpec, Router } from '../kernel/openapi.ts';

/**
 * The contract operation a request names, as the twin's door and kernel would route it: the path
 * normalised (escaped unreserved characters, dot-segments), a `/t/<tenant>` prefix taken off, then
 * the twin's router with its method fallback (Slack answers GET and POST alike). Undefined when no
 * operation of the contract matches (the twin answers such a request as an unknown route).
 *
 * @example matchOperation(new Router(ops), 'POST', '/t/tenant-3/api/chat.postMessage', 'POST')?.operationId // 'chat.postMessage'
 */
export function matchOperation(router: Router, method: string, path: string, fallback?: string): OperationSpec | undefined {
  let normal: string;
  try {
    normal = normalisedPath(new URL(`http://fidelity.invalid${path.startsWith('/') ? '' : '/'}${path}`));
  } catch {
    return undefined;
  }
  const rest = tenantPrefix(normal)?.rest ?? normal;
  const m = router.match(method.toUpperCase(), rest, fallback);
  return m && 'op' in m ? m.op : undefined;
}
