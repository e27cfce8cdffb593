// Test support: a Slack twin on a real loopback port, its control plane, and an official WebClient pointed at it.

import { WebClient } from '@slack/web-api';
import { type RunningTwin, serve } from '../../src/adapters/fastify.ts';
import { recordSdkCalls } from '../../src/fidelity/sdk-coverage.ts';
import { createKernel, type Kernel, type KernelOptions } from '../../src/index.ts';
import { slackTwin } from '../../twins/slack/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the control plane is read field by field; tests assert its shape.
export type Json = Record<string, any>;

export interface SlackFixture {
  twin: RunningTwin;
  kernel: Kernel<unknown, unknown>;
  url: string;
  env: Record<string, string>;
  /** A WebClient with the bot token, configured only by slackApiUrl. */
  bot: WebClient;
  /** A WebClient with the user token. */
  user: WebClient;
  control(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  close(): Promise<void>;
}

export async function startSlack(opts: KernelOptions = {}): Promise<SlackFixture> {
  const kernel = createKernel(slackTwin, { rateLimits: false, recordResponseViolations: true, ...opts }) as Kernel<unknown, unknown>;
  const twin = await serve(kernel);
  recordSdkCalls(twin); // only under TWINS_SDK_COVERAGE (scripts/sdk-coverage.ts)
  const env = kernel.env(kernel.tenants.default(), twin.url);
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${twin.url}/_twin/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const clientOptions = { slackApiUrl: env.SLACK_API_URL, retryConfig: { retries: 0 } };
  return {
    twin,
    kernel,
    url: twin.url,
    env,
    bot: new WebClient(env.SLACK_BOT_TOKEN, clientOptions),
    user: new WebClient(env.SLACK_USER_TOKEN, clientOptions),
    control,
    close: () => twin.close(),
  };
}

/** Poll until `check` returns a value (not undefined/false), or fail saying what was last seen. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last saw: ${String(last)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
