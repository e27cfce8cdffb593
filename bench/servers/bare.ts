// Baseline server: plain fastify with one small JSON GET and one schema-validated JSON POST; prints {"url"} when listening.

import Fastify from 'fastify';

const app = Fastify({ logger: false });

app.get('/json', async () => ({ ok: true, hello: 'world', n: 42 }));

// The size and shape of a 20-message conversations.history page, to tell payload cost from twin cost.
const bot = {
  id: 'B0BENCH0001',
  deleted: false,
  name: 'Twin App',
  updated: 1701216000,
  app_id: 'A0BENCH0001',
  icons: {
    image_36: 'https://a.slack-edge.com/80588/img/plugins/app/bot_36.png',
    image_48: 'https://a.slack-edge.com/80588/img/plugins/app/bot_48.png',
    image_72: 'https://a.slack-edge.com/80588/img/plugins/app/service_72.png',
  },
  team_id: 'T0BENCH0001',
};
const page = {
  ok: true,
  messages: Array.from({ length: 20 }, (_, i) => ({
    user: 'U0BENCH0001',
    bot_id: bot.id,
    app_id: bot.app_id,
    bot_profile: bot,
    team: bot.team_id,
    type: 'message',
    ts: `17952386${String(93 + i).padStart(2, '0')}.358007`,
    text: `bench message ${i} from the benchmark`,
  })),
  has_more: true,
  pin_count: 0,
  channel_actions_ts: null,
  channel_actions_count: 0,
  response_metadata: { next_cursor: 'bmV4dF90czoxNzk1MjM4NjkzLjM1ODAwNw==' },
};
app.get('/page', async () => page);

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
