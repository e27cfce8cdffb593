// Control-plane bodies are JSON: a POST or PUT with a body of another type (text/plain, none, JSON sent as a form) is a 415 that changes nothing, over HTTP and in process.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningTwin, serve } from '../../src/adapters/fastify.ts';
import { createKernel } from '../../src/index.ts';
import type { Kernel } from '../../src/kernel/kernel.ts';
import { slackTwin } from '../../twins/slack/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: control-plane answers are checked field by field below.
type Json = Record<string, any>;

let http: RunningTwin;

beforeAll(async () => {
  http = await serve(createKernel(slackTwin, { seed: 2, rateLimits: false }) as Kernel<unknown, unknown>);
}, 60_000);

afterAll(async () => {
  await http?.close();
});

/** The two ways in: the HTTP server, and the kernel's own fetch (what msw and in-process tests use). */
const transports = [
  ['over HTTP', (path: string, init: RequestInit) => fetch(`${http.url}/_twin/${path}`, init)],
  ['in process', (path: string, init: RequestInit) => http.kernel.fetch(`http://twin.test/_twin/${path}`, init)],
] as const;

async function answer(res: Response): Promise<{ status: number; body: Json }> {
  return { status: res.status, body: (await res.json()) as Json };
}

describe.each(transports)('control-plane bodies %s', (_name, call) => {
  const tenants = async () => ((await answer(await call('tenants', {}))).body.tenants as Json[]).length;

  it('refuses a JSON body sent as text/plain (fetch with a string and no header) with 415 unsupported_media_type, creating nothing', async () => {
    const before = await tenants();
    // fetch labels a string body text/plain;charset=UTF-8 when the caller names no type.
    const res = await answer(await call('tenants', { method: 'POST', body: JSON.stringify({ seed: 7 }) }));
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
    expect(res.body.error.message).toContain('content-type "text/plain"');
    expect(res.body.error.message).toContain("'content-type: application/json'");
    expect(await tenants()).toBe(before);
  });

  it('refuses JSON sent as a form (what curl -d does without -H), saying so', async () => {
    const res = await answer(
      await call('faults', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '{"operation":"chat.postMessage","error":"fatal_error"}',
      }),
    );
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
    expect(res.body.error.message).toContain('looks like JSON but was sent as application/x-www-form-urlencoded');
    expect((await answer(await call('faults', {}))).body.faults).toEqual([]);
  });

  it('refuses a body with another type (application/xml, octet-stream) and names the type', async () => {
    for (const type of ['application/xml', 'application/octet-stream']) {
      const res = await answer(await call('reset', { method: 'POST', headers: { 'content-type': type }, body: '<reset/>' }));
      expect(res.status, type).toBe(415);
      expect(res.body.error.message, type).toContain(`content-type "${type}"`);
    }
  });

  it('reads application/json (any charset), +json types and form fields; a POST without a body needs no type', async () => {
    const json = await answer(
      await call('tenants', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"seed":9}' }),
    );
    expect(json.status).toBe(201);
    expect(json.body.seed).toBe(9);
    const vendorJson = await answer(
      await call('tenants', { method: 'POST', headers: { 'content-type': 'application/vnd.twins+json' }, body: '{"seed":10}' }),
    );
    expect(vendorJson.status).toBe(201);
    expect(vendorJson.body.seed).toBe(10);
    const form = await answer(
      await call('clock', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `tenant=${json.body.id}&mode=virtual&to=2030-01-01T09%3A00%3A00Z`,
      }),
    );
    expect(form.status).toBe(200);
    expect(form.body.iso).toBe('2030-01-01T09:00:00.000Z');
    expect((await answer(await call(`reset?tenant=${json.body.id}`, { method: 'POST' }))).status).toBe(200);
  });

  it('still refuses a vendor credential in a refused body as a vendor credential (403), not as a media type', async () => {
    const token = http.kernel.env(http.kernel.tenants.default(), http.url).SLACK_BOT_TOKEN;
    const res = await answer(await call('tenants', { method: 'POST', body: JSON.stringify({ token }) }));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('vendor_credential');
  });
});
