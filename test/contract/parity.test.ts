// One contract suite over three transports (HTTP server, msw, in-process fetch): the answers must be identical.

import { setupServer } from 'msw/node';
import { afterAll, describe, expect, it } from 'vitest';
import { serve } from '../../src/adapters/fastify.ts';
import { twinHandlers } from '../../src/adapters/msw.ts';
import { createKernel, type Kernel } from '../../src/index.ts';
import { slackTwin } from '../../twins/slack/index.ts';

const START = Date.parse('2026-03-02T09:00:00Z');
type Step = { method: string; path: string; body?: string; type?: string; auth?: 'bot' | 'user' | 'none' };

/** A walk through the Slack API touching every kind of input and error the kernel handles. */
function script(env: Record<string, string>): Step[] {
  const form = 'application/x-www-form-urlencoded';
  const json = 'application/json';
  return [
    { method: 'POST', path: '/api/auth.test' },
    { method: 'GET', path: '/api/conversations.list?limit=2&types=public_channel' },
    { method: 'POST', path: '/api/conversations.create', body: 'name=parity', type: form },
    { method: 'POST', path: '/api/conversations.list', body: 'limit=100', type: form },
    { method: 'POST', path: '/api/chat.postMessage', body: 'channel=%23parity&text=hello', type: form },
    {
      method: 'POST',
      path: '/api/chat.postMessage',
      body: JSON.stringify({ channel: '#parity', text: 'json', blocks: [{ type: 'divider' }] }),
      type: json,
    },
    { method: 'POST', path: '/api/chat.postMessage', body: 'channel=C0NOPE&text=x', type: form },
    { method: 'POST', path: '/api/chat.postMessage', body: '{"channel":', type: json },
    { method: 'POST', path: '/api/chat.postMessage', body: 'text=no-channel', type: form },
    { method: 'POST', path: '/api/conversations.history', body: 'channel=%23parity&limit=1', type: form },
    { method: 'POST', path: '/api/users.list', body: 'limit=3', type: form },
    { method: 'POST', path: '/api/users.lookupByEmail', body: 'email=nobody%40example.test', type: form },
    { method: 'POST', path: '/api/auth.test', auth: 'none' },
    { method: 'POST', path: '/api/not.aMethod' },
    { method: 'GET', path: '/nowhere' },
    { method: 'POST', path: '/api/team.info', auth: 'user' },
    { method: 'GET', path: `/api/team.info?team=${env.SLACK_TEAM_ID}` },
  ];
}

async function runScript(kernel: Kernel<unknown, unknown>, base: string, doFetch: typeof fetch): Promise<string[]> {
  const env = kernel.env(kernel.tenants.default(), base);
  const out: string[] = [];
  for (const step of script(env)) {
    const headers: Record<string, string> = {};
    if (step.type) headers['content-type'] = step.type;
    const auth = step.auth ?? 'bot';
    if (auth !== 'none') headers.authorization = `Bearer ${auth === 'bot' ? env.SLACK_BOT_TOKEN : env.SLACK_USER_TOKEN}`;
    const res = await doFetch(`${base}${step.path}`, { method: step.method, headers, body: step.body });
    const text = (await res.text()).split(base).join('<BASE>');
    out.push(`${step.method} ${step.path} → ${res.status} ${res.headers.get('content-type')} ${text}`);
  }
  return out;
}

const fresh = () =>
  createKernel(slackTwin, { seed: 12, clock: 'virtual', clockStart: START, rateLimits: false }) as Kernel<unknown, unknown>;

describe('HTTP, msw and in-process fetch give identical answers', () => {
  const closers: (() => unknown)[] = [];
  afterAll(async () => {
    for (const c of closers) await c();
  });

  it('runs the same script over each transport', async () => {
    const httpKernel = fresh();
    const http = await serve(httpKernel);
    closers.push(() => http.close());
    const viaHttp = await runScript(httpKernel, http.url, fetch);

    const mswKernel = fresh();
    const server = setupServer(...twinHandlers(mswKernel, 'https://slack.test'));
    server.listen({ onUnhandledRequest: 'error' });
    closers.push(() => server.close());
    const viaMsw = await runScript(mswKernel, 'https://slack.test', fetch);
    server.close();

    const direct = fresh();
    const viaFetch = await runScript(direct, 'https://slack.test', direct.fetch);

    expect(viaHttp.length).toBeGreaterThan(10);
    expect(viaMsw).toEqual(viaHttp);
    expect(viaFetch).toEqual(viaHttp);
  });
});
