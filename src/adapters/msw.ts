// The in-process transport: msw request handlers over a twin's door (src/host.ts), for tests that run no server.

import { HttpResponse, http, type RequestHandler } from 'msw';
import { handleTwinRequest } from '../host.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { toFetchResponse } from '../kernel/kernel.ts';

/**
 * msw handlers that answer every request to `baseUrl` from the twin, exactly as its HTTP server would.
 *
 * @example
 *   const kernel = createKernel(slackTwin, { seed: 1 });
 *   const server = setupServer(...twinHandlers(kernel, 'https://slack.test'));
 *   server.listen({ onUnhandledRequest: 'bypass' });
 *   new WebClient(token, { slackApiUrl: 'https://slack.test/api/' });
 */
export function twinHandlers(kernel: Kernel<unknown, unknown>, baseUrl: string): RequestHandler[] {
  const origin = new URL(baseUrl).origin;
  return [
    http.all(`${origin}/*`, async ({ request }) => {
      const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
      const res = await handleTwinRequest(kernel, {
        method: request.method,
        url: new URL(request.url),
        headers: Object.fromEntries(request.headers.entries()),
        body,
      });
      if (res.drop) return HttpResponse.error();
      return toFetchResponse(res);
    }),
  ];
}

export { createKernel } from '../host.ts';
