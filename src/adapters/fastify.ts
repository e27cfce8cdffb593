// The HTTP transport: a fastify server that hands every request, unchanged, to the twin's door (src/host.ts).

import { createServer } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { handleTwinRequest } from '../host.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { TwinRequest } from '../kernel/types.ts';

export interface ServeOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface RunningTwin {
  kernel: Kernel<unknown, unknown>;
  server: FastifyInstance;
  /** `http://host:port`, the twin's external base URL. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/**
 * How long a client may take to send its headers, and its whole request. Node's defaults (60 s,
 * 5 min, checked every 30 s) let a client that never finishes its headers hold a connection for
 * a minute and a half.
 */
export const SERVER_TIMEOUTS = { headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, checkEveryMs: 1_000 } as const;

/** A Host header that is a name or an address with an optional port, nothing else. */
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])(?::(\d{1,5}))?$/;

/**
 * The origin the client addressed: its Host header when that is a well-formed host (self links and
 * URLs are built on it, so the twin is right behind port mappings), else the address the
 * connection arrived on. A malformed Host is never copied into an answer.
 */
function originOf(req: FastifyRequest): string {
  const host = req.headers.host;
  const m = host ? HOST.exec(host) : null;
  if (host && m && (m[1] === undefined || Number(m[1]) <= 65535)) return `${req.protocol}://${host}`;
  const address = req.socket.localAddress ?? '127.0.0.1';
  const bare = address.startsWith('::ffff:') ? address.slice(7) : address;
  return `${req.protocol}://${bare.includes(':') ? `[${bare}]` : bare}:${req.socket.localPort ?? 80}`;
}

/** Build (without listening) a fastify app that serves one twin. */
export function buildServer(kernel: Kernel<unknown, unknown>): FastifyInstance {
  const limit = kernel.options.bodyLimit;
  const app = Fastify({
    logger: false,
    // Leave room above the twin's limit so the kernel, not fastify, answers "too large" in the vendor's shape.
    bodyLimit: limit + 1,
    // Slack's method names contain dots and Jira keys may be long; let the kernel judge paths.
    routerOptions: { maxParamLength: 2048, ignoreTrailingSlash: false },
    forceCloseConnections: true,
    // Fastify writes its own requestTimeout onto the server (0, off, by default), and Node checks
    // header timeouts only while a request timeout is set.
    requestTimeout: SERVER_TIMEOUTS.requestTimeoutMs,
    serverFactory: (handler) =>
      createServer(
        {
          headersTimeout: SERVER_TIMEOUTS.headersTimeoutMs,
          requestTimeout: SERVER_TIMEOUTS.requestTimeoutMs,
          connectionsCheckingInterval: SERVER_TIMEOUTS.checkEveryMs,
        },
        handler,
      ),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit + 1 }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, _req, reply) => {
    const kind = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'body_too_large' : 'malformed_body';
    const res = kernel.renderError(kind, { message: err.message });
    void reply.code(res.status).headers(res.headers).send(res.body);
  });

  app.route({
    method: [...METHODS],
    url: '/*',
    handler: async (req, reply) => {
      // Node gives header names in lower case already; only repeated headers need joining.
      // Names are the caller's: no prototype, so a header called `__proto__` is a header like any other.
      const headers = Object.create(null) as Record<string, string>;
      const raw = req.headers;
      for (const k in raw) {
        const v = raw[k];
        headers[k] = typeof v === 'string' ? v : Array.isArray(v) ? v.join(', ') : String(v ?? '');
      }
      const twinReq: TwinRequest = {
        method: req.method,
        url: new URL(req.url, originOf(req)),
        headers,
        body: Buffer.isBuffer(req.body) ? new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.byteLength) : undefined,
      };
      // The door sends /_twin/ to the control plane and the rest to the vendor pipeline.
      const res = await handleTwinRequest(kernel, twinReq);
      if (res.drop) {
        reply.hijack();
        req.raw.socket.destroy();
        return;
      }
      reply.code(res.status).headers(res.headers);
      return reply.send(res.body === undefined ? undefined : typeof res.body === 'string' ? res.body : Buffer.from(res.body));
    },
  });
  return app;
}

/**
 * Serve a twin over HTTP on loopback (or `host`).
 *
 * @example
 *   const twin = await serve(createKernel(slackTwin), { port: 0 });
 *   new WebClient(token, { slackApiUrl: `${twin.url}/api/` });
 */
export async function serve(kernel: Kernel<unknown, unknown>, opts: ServeOptions = {}): Promise<RunningTwin> {
  const server = buildServer(kernel);
  const host = opts.host ?? '127.0.0.1';
  await server.listen({ host, port: opts.port ?? 0 });
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    kernel,
    server,
    url: `http://${urlHost}:${port}`,
    port,
    close: async () => {
      kernel.close();
      await server.close();
    },
  };
}
