// Diagnostic server: the twins' fastify adapter in front of a stub kernel that answers the twin's captured postMessage answer at once.
// Beside bare fastify it shows what the adapter costs; beside the twin, what the kernel and the Slack twin cost.

import { readFileSync } from 'node:fs';
import { buildServer } from '../../src/adapters/fastify.ts';
import type { Kernel } from '../../src/kernel/kernel.ts';
import type { TwinResponse } from '../../src/kernel/types.ts';

const captured = JSON.parse(readFileSync(process.argv[2], 'utf8')) as { post: { headers: Record<string, string>; body: unknown } };
const body = JSON.stringify(captured.post.body);
const headers = { 'content-type': 'application/json; charset=utf-8', ...captured.post.headers };

// Only what buildServer touches: the body limit, error rendering and handle().
const stub = {
  options: { bodyLimit: 1024 * 1024 },
  renderError: (): TwinResponse => ({ status: 400, headers: {}, body: '' }),
  handle: async (): Promise<TwinResponse> => ({ status: 200, headers: { ...headers }, body }),
} as unknown as Kernel<unknown, unknown>;

const app = buildServer(stub);
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
const port = typeof addr === 'object' && addr ? addr.port : 0;
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
