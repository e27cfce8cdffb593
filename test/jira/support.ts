// Test support: a Jira twin on a real loopback port, its control plane, and jira.js clients configured only by host and credentials.

import { AgileClient, Version2Client, Version3Client } from 'jira.js';
import { type RunningTwin, serve } from '../../src/adapters/fastify.ts';
import { recordSdkCalls } from '../../src/fidelity/sdk-coverage.ts';
import { createKernel, type Kernel, type KernelOptions } from '../../src/index.ts';
import { jiraTwin } from '../../twins/jira/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the twin is read field by field; tests assert its shape.
export type Json = Record<string, any>;

export interface JiraFixture {
  twin: RunningTwin;
  kernel: Kernel<unknown, unknown>;
  url: string;
  env: Record<string, string>;
  v3: Version3Client;
  v2: Version2Client;
  agile: AgileClient;
  /** A raw request to the vendor API with the admin's basic auth (or `auth: null` for none). */
  api(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: Json }>;
  control(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  close(): Promise<void>;
}

export function basic(email: string, token: string): string {
  return `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}`;
}

export async function startJira(opts: KernelOptions = {}): Promise<JiraFixture> {
  const kernel = createKernel(jiraTwin, { rateLimits: false, recordResponseViolations: true, ...opts }) as Kernel<unknown, unknown>;
  const twin = await serve(kernel);
  recordSdkCalls(twin); // only under TWINS_SDK_COVERAGE (scripts/sdk-coverage.ts)
  const env = kernel.env(kernel.tenants.default(), twin.url);
  const config = { host: env.JIRA_BASE_URL, authentication: { basic: { email: env.JIRA_EMAIL, apiToken: env.JIRA_API_TOKEN } } };
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${env.JIRA_BASE_URL}${path}`, {
      method,
      headers: {
        authorization: basic(env.JIRA_EMAIL, env.JIRA_API_TOKEN),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: Json = {};
    try {
      parsed = text ? (JSON.parse(text) as Json) : {};
    } catch {
      parsed = { text };
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${twin.url}/_twin/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  return {
    twin,
    kernel,
    url: twin.url,
    env,
    v3: new Version3Client(config),
    v2: new Version2Client(config),
    agile: new AgileClient(config),
    api,
    control,
    close: () => twin.close(),
  };
}

/** The status and Jira error body of a jira.js call that must fail. */
export async function jiraFailure(p: Promise<unknown>): Promise<{ status: number; data: Json }> {
  try {
    await p;
  } catch (err) {
    const e = err as {
      status?: number;
      response?: { status?: number; data?: Json };
      cause?: { response?: { status: number; data: Json } };
    };
    const status = e.status ?? e.cause?.response?.status ?? 0;
    const data = (e.cause?.response?.data ?? (e.response as { data?: Json } | undefined)?.data ?? {}) as Json;
    return { status, data };
  }
  throw new Error('expected the call to fail');
}
