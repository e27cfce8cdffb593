// Baseline server: plain fastify with one small JSON GET and one schema-validated JSON POST; prints {"url"} when listening.

import Fastify from 'fastify';

const app = Fastify({ logger: false });

app.get('/json', async () => ({ ok: true, hello: 'world', n: 42 }));

app.post(
  '/json',
  {
    schema: {
      body: {
        type: 'object',
        required: ['channel', 'text'],
        properties: { channel: { type: 'string', minLength: 1 }, text: { type: 'string', maxLength: 40_000 } },
      },
    },
  },
  async (req) => ({ ok: true, channel: (req.body as { channel: string }).channel, ts: String(Date.now() / 1000) }),
);

await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
const port = typeof addr === 'object' && addr ? addr.port : 0;
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);

process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
