// Baseline server: plain fastify answering, route by route, the exact answers (status, headers, body) captured from a twin; prints {"url"} when listening.
// A route with a `bodySchema` checks the request body with fastify's own schema validation first, as a twin validates its arguments.

import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

export interface CapturedRoute {
  method: 'GET' | 'POST';
  status: number;
  headers: Record<string, string>;
  body: unknown;
  bodySchema?: Record<string, unknown>;
}

const routes = JSON.parse(readFileSync(process.argv[2], 'utf8')) as Record<string, CapturedRoute>;
const app = Fastify({ logger: false });
for (const [name, r] of Object.entries(routes)) {
  app.route({
    method: r.method,
    url: `/${name}`,
    schema: r.bodySchema ? { body: r.bodySchema } : undefined,
    handler: async (_req, reply) => {
      reply.code(r.status).headers(r.headers);
      return r.body;
    },
  });
}

await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
const port = typeof addr === 'object' && addr ? addr.port : 0;
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
