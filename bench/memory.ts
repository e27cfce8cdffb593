// Child script (run with --expose-gc): resident memory of one Slack twin after 100,000 chat.postMessage calls in-process; prints one JSON line.

import { performance } from 'node:perf_hooks';
import { createKernel } from '../src/host.ts';
import { slackTwin } from '../twins/slack/index.ts';
import type { SlackState } from '../twins/slack/store.ts';
import { postBody, slackFixture } from './slack-fixture.ts';

const MESSAGES = Number(process.argv[2] ?? 100_000);
const BASE = 'http://slack.bench';
const IDLE_MS = 10_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const settle = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed };
};

const kernel = createKernel(slackTwin, { rateLimits: false });
const { token, channel } = await slackFixture(kernel.fetch, BASE);
const before = settle();

const encoder = new TextEncoder();
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' };
const url = new URL(`${BASE}/api/chat.postMessage`);
const started = performance.now();
for (let i = 0; i < MESSAGES; i++) {
  // kernel.handle is what the fastify adapter calls, minus the socket; every answer must be ok:true.
  const res = await kernel.handle({
    method: 'POST',
    url,
    headers,
    body: encoder.encode(postBody(channel, `message ${i} from the memory bench`)),
  });
  if (typeof res.body !== 'string' || !res.body.includes('"ok":true')) throw new Error(`post ${i} failed: ${String(res.body)}`);
  if (i % 20_000 === 0 && i > 0) process.stderr.write(`[bench] memory: ${i} messages posted\n`);
}
const postMs = performance.now() - started;
const stored = (kernel.tenants.default().state as SlackState).messages.get(channel)?.order.length ?? 0;
if (stored < MESSAGES) throw new Error(`only ${stored} messages in ${channel} after ${MESSAGES} posts`);
const after = settle();
// V8 hands freed heap pages back to the OS only after a while; this is what a twin idling between trials holds.
await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
const idle = settle();

process.stdout.write(`${JSON.stringify({ messages: MESSAGES, stored, postMs, before, after, idle, idleMs: IDLE_MS })}\n`);
kernel.close();
