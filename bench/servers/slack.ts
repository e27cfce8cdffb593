// The Slack twin as the benchmarks serve it: rate limits off, fastify adapter, loopback; prints {"url"} when listening.

import { serve } from '../../src/adapters/fastify.ts';
import { createKernel, type Kernel } from '../../src/kernel/kernel.ts';
import { slackTwin } from '../../twins/slack/index.ts';

const kernel = createKernel(slackTwin, { rateLimits: false }) as unknown as Kernel<unknown, unknown>;
const twin = await serve(kernel, { host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url: twin.url })}\n`);

process.on('SIGTERM', () => void twin.close().then(() => process.exit(0)));
