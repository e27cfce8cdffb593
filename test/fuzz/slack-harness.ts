// A Slack twin in process for the regression tests: the vendor API as a tenant's bot, the control plane as its admin.

import type { TwinDefinition } from '../../src/kernel/types.ts';
import { slackTwin } from '../../twins/slack/index.ts';
import { makeKernel } from './support.ts';

// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field; each test asserts the shape it needs.
export type Json = Record<string, any>;

export const CONTROL_TOKEN = 'regression-control-token-0123456789';
export const BASE = 'http://slack.test';
export const slack = slackTwin as unknown as TwinDefinition<unknown, unknown>;

/** A Slack twin in process, with helpers for the vendor API (as a tenant's bot) and the control plane (as admin). */
export async function slackKernel(controlToken?: string) {
  const kernel = await makeKernel(slack, { seed: 3, clock: 'virtual', clockStart: Date.UTC(2026, 0, 5), controlToken });
  const envOf = (tenantId = 'default') => kernel.env(kernel.tenants.get(tenantId) as never, BASE);
  const api = async (method: string, args: Record<string, unknown> = {}, token: string | null = envOf().SLACK_BOT_TOKEN) => {
    const res = await kernel.fetch(`${BASE}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(args),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const control = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await kernel.fetch(`${BASE}/_twin/${path}`, {
      method,
      headers: {
        ...(controlToken ? { 'x-twin-control-token': controlToken } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: Json = {};
    try {
      parsed = JSON.parse(text) as Json;
    } catch {
      parsed = { text };
    }
    return { status: res.status, body: parsed };
  };
  const channel = async () => {
    const list = await api('conversations.list', { limit: 200 });
    return (list.body.channels as Json[]).find((c) => c.is_member && !c.is_archived && !c.is_general)?.id as string;
  };
  return { kernel, api, control, envOf, channel };
}
