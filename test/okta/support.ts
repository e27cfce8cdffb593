// Test support: an Okta twin on a real loopback port, its control plane, and an official okta-sdk-nodejs Client pointed at it.

import okta from '@okta/okta-sdk-nodejs';
import { type RunningTwin, serve } from '../../src/adapters/fastify.ts';
import { recordSdkCalls } from '../../src/fidelity/sdk-coverage.ts';
import { createKernel, type Kernel, type KernelOptions } from '../../src/index.ts';
import type { TwinDefinition } from '../../src/kernel/types.ts';
import { oktaTwin } from '../../twins/okta/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the twin is read field by field; tests assert its shape.
export type Json = Record<string, any>;

export interface OktaFixture {
  twin: RunningTwin;
  kernel: Kernel<unknown, unknown>;
  url: string;
  env: Record<string, string>;
  /** okta-sdk-nodejs configured only by orgUrl and the API token. */
  client: okta.Client;
  control(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  /** A vendor call with the API token (or the headers given). */
  api(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: Json }>;
  close(): Promise<void>;
}

export async function startOkta(opts: KernelOptions & { twin?: TwinDefinition<unknown, unknown> } = {}): Promise<OktaFixture> {
  const { twin: def, ...kernelOptions } = opts;
  const kernel = createKernel(def ?? (oktaTwin as TwinDefinition<unknown, unknown>), {
    rateLimits: false,
    recordResponseViolations: true,
    ...kernelOptions,
  }) as Kernel<unknown, unknown>;
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
  const api = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const res = await fetch(`${env.OKTA_ORG_URL}${path}`, {
      method,
      headers: headers ?? {
        authorization: `SSWS ${env.OKTA_API_TOKEN}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
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
  return {
    twin,
    kernel,
    url: twin.url,
    env,
    client: new okta.Client({ orgUrl: env.OKTA_ORG_URL, token: env.OKTA_API_TOKEN }),
    control,
    api,
    close: () => twin.close(),
  };
}

/** The error a promise rejects with (the test fails if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Json> {
  try {
    await p;
  } catch (err) {
    return err as Json;
  }
  throw new Error('expected the call to fail');
}
