// The kernel and the control plane are two rooms: the kernel imports nothing of src/control, and the door decides the surface on the normalised path.

import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKernel, type Kernel, normalisedPath, type RunningTwin, serve, surfaceOf } from '../../src/index.ts';
import { slackTwin } from '../../twins/slack/index.ts';

const SRC = new URL('../../src/', import.meta.url).pathname;

/** Relative imports of a TypeScript file (static, dynamic and re-exports). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) out.push(join(file, '..', m[1]));
  return out;
}

describe('two rooms', () => {
  it('nothing in src/kernel imports src/control or the door, directly or through another file', () => {
    const kernelFiles = readdirSync(join(SRC, 'kernel'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(SRC, 'kernel', f));
    expect(kernelFiles.map((f) => f.slice(SRC.length))).toContain('kernel/kernel.ts');
    const seen = new Set<string>();
    const stack = [...kernelFiles];
    while (stack.length > 0) {
      const file = stack.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const dep of importsOf(file)) {
        expect(dep.startsWith(join(SRC, 'control')), `${file} imports ${dep}`).toBe(false);
        expect(dep, `${file} imports ${dep}`).not.toBe(join(SRC, 'host.ts'));
        expect(dep.startsWith(join(SRC, 'kernel')), `${file} reaches outside the kernel: ${dep}`).toBe(true);
        stack.push(dep);
      }
    }
  });

  it('the control plane uses the kernel; the transports go through the door', () => {
    expect(importsOf(join(SRC, 'control/control-plane.ts'))).toContain(join(SRC, 'kernel/kernel.ts'));
    for (const adapter of ['adapters/fastify.ts', 'adapters/msw.ts'])
      expect(importsOf(join(SRC, adapter)), adapter).toContain(join(SRC, 'host.ts'));
  });

  it.each([
    ['/api/%2e%2e/_twin/tenants', '/_twin/tenants', 'control'],
    ['/api/../_twin/x', '/_twin/x', 'control'],
    ['/%5Ftwin/tenants', '/_twin/tenants', 'control'],
    ['/api/%2E%2E/%5Ftwin/health', '/_twin/health', 'control'],
    ['/_twin/%2e%2e/api/auth.test', '/api/auth.test', 'vendor'],
    ['/_twin/../api/auth.test', '/api/auth.test', 'vendor'],
    ['//_twin/health', '//_twin/health', 'vendor'],
    ['/_twin%2Fhealth', '/_twin%2Fhealth', 'vendor'],
    ['/_twin', '/_twin', 'control'],
    ['/_twinx', '/_twinx', 'vendor'],
  ])('%s is judged as %s (%s)', (raw, path, surface) => {
    const normalised = normalisedPath(new URL(`http://twin.test${raw}`));
    expect(normalised).toBe(path);
    expect(surfaceOf(normalised)).toBe(surface);
  });
});

describe('the door over real HTTP, with paths sent exactly as written', () => {
  const TOKEN = 'door-test-token';
  let twin: RunningTwin;
  let bot: string;
  beforeAll(async () => {
    const kernel = createKernel(slackTwin, { seed: 2, rateLimits: false, controlToken: TOKEN }) as Kernel<unknown, unknown>;
    twin = await serve(kernel);
    bot = kernel.env(kernel.tenants.default(), twin.url).SLACK_BOT_TOKEN;
  });
  afterAll(() => twin.close());

  /** node:http sends the path as given; fetch would resolve the dot-segments itself. */
  function raw(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: twin.port, method, path, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('a control path spelled through the vendor API is a control request: locked without the token, answered with it', async () => {
    for (const path of ['/api/%2e%2e/_twin/tenants', '/api/../_twin/tenants', '/%5Ftwin/tenants', '/api/%2E%2E/%5Ftwin/tenants']) {
      const refused = await raw('GET', path, { authorization: `Bearer ${bot}` });
      expect(refused.status, path).toBe(401);
      expect(JSON.parse(refused.body).error.code, path).toBe('control_token_required');
      const opened = await raw('GET', path, { 'x-twin-control-token': TOKEN });
      expect(opened.status, path).toBe(200);
      expect(JSON.parse(opened.body).tenants[0].id, path).toBe('default');
    }
  });

  it('a vendor path spelled through the control plane is a vendor request, authenticated and journaled as one', async () => {
    for (const path of ['/_twin/%2e%2e/api/auth.test', '/_twin/../api/auth.test']) {
      const res = await raw('POST', path, { authorization: `Bearer ${bot}` });
      expect(res.status, path).toBe(200);
      expect(JSON.parse(res.body), path).toMatchObject({ ok: true, bot_id: expect.any(String) });
    }
    const journal = twin.kernel.journal.query({ operation: 'auth.test' });
    expect(journal.map((e) => e.path)).toEqual(['/api/auth.test', '/api/auth.test']);
    // And a control-plane route is never a vendor operation: no such Slack method.
    const notVendor = await raw('POST', '/api/%2e%2e/_twin/reset', { authorization: `Bearer ${bot}` });
    expect(notVendor.status).toBe(401);
  });
});
