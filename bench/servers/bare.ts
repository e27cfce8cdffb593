// Baseline server: plain fastify with small JSON routes and, given the twin's captured answers, equal-work ones; prints {"url"} when listening.

import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const app = Fastify({ logger: false });

// What a chat.postMessage call carries, checked by fastify's own schema validation on both POST routes.
const postBody = {
  type: 'object',
  required: ['channel', 'text'],
  properties: { channel: { type: 'string', minLength: 1 }, text: { type: 'string', maxLength: 40_000 } },
};

app.get('/json', async () => ({ ok: true, hello: 'world', n: 42 }));

// Equal-work baselines: the exact answers (bodies and headers) the Slack twin gave for a
// 20-message conversations.history page and a chat.postMessage, captured by bench/run.ts and
// passed as a JSON file, so twin ÷ bare measures the twin's own cost, not the size of its answers.
interface Captured {
  headers: Record<string, string>;
  body: unknown;
}
const captured = process.argv[2] ? (JSON.parse(readFileSync(process.argv[2], 'utf8')) as { history: Captured; post: Captured }) : undefined;
if (captured) {
  const { history, post } = captured;
  app.get('/history', async (_req, reply) => {
    reply.headers(history.headers);
    return history.body;
  });
  app.post(
    '/post',
    {
      schema: { body: postBody },
    },
    async (_req, reply) => {
      reply.headers(post.headers);
      return post.body;
    },
  );
}

app.post(
  '/json',
  {
    schema: { body: postBody },
  },
  async (req) => ({ ok: true, channel: (req.body as { channel: string }).channel, ts: String(Date.now() / 1000) }),
);

await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
const port = typeof addr === 'object' && addr ? addr.port : 0;
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);

process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
