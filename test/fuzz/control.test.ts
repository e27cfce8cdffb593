// Fuzz: every control-plane route (from GET /_twin/openapi.json) gets hostile params, bodies and headers, open and locked, in process and over HTTP.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningTwin, serve } from '../../src/adapters/fastify.ts';
import type { Kernel } from '../../src/kernel/index.ts';
import { collectOperations, type OpenApiDocument, type OperationSpec } from '../../src/kernel/openapi.ts';
import {
  allTwins,
  BUILTIN_NAMES,
  budgetRuns,
  type FuzzRequest,
  heapAfterGc,
  idsIn,
  isTransportRefusal,
  makeKernel,
  params,
  prototypeFingerprint,
  requestFor,
  send,
  vendorErrorKeys,
} from './support.ts';
import { createWitness, type Witness } from './witness.ts';

const CONTROL_TOKEN = 'fuzz-control-token-abcdefghijklmnop';
const twins = await allTwins();

/** Who calls: the control token's holder of a locked twin, anyone at an open twin, or a stranger at a locked one. */
type Caller = 'open' | 'admin' | 'stranger';

/** The control plane's routes as its own document lists them, read from a throwaway kernel of the twin. */
async function controlRoutes(def: (typeof twins)[number]): Promise<{ doc: OpenApiDocument; ops: OperationSpec[] }> {
  const kernel = await makeKernel(def, {});
  try {
    const res = await kernel.fetch('http://twin.test/_twin/openapi.json');
    const doc = (await res.json()) as OpenApiDocument;
    return { doc, ops: collectOperations(doc) };
  } finally {
    kernel.close();
  }
}

/** Everything a refused control call must leave as it was: tenants, their state and clocks, faults, rate limits. */
function world(kernel: Kernel<unknown, unknown>): string {
  return JSON.stringify({
    tenants: kernel.tenants.list().map((t) => ({ id: t.id, state: t.state, clock: t.clock.snapshot() })),
    faults: kernel.faults.list(),
    rateLimits: kernel.limiter.enabled,
  });
}

/** The problems with a control answer: a 5xx, or a 4xx that is not `{error:{code,message}}` (or the vendor's own error). */
function controlAnswerProblem(res: { status: number; text: string }, vendorKeys: string[], method: string): string | undefined {
  if (res.status >= 500) return `answered ${res.status}: ${res.text.slice(0, 300)}`;
  // A HEAD answer has no body to judge; its status is checked against GET's in the regressions.
  if (res.status < 400 || isTransportRefusal(res.status) || method === 'HEAD') return undefined;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(res.text) as Record<string, unknown>;
  } catch {
    return `a ${res.status} that is not JSON: ${res.text.slice(0, 200)}`;
  }
  const error = body?.error as Record<string, unknown> | undefined;
  const controlShape = error && typeof error === 'object' && typeof error.code === 'string' && typeof error.message === 'string';
  const vendorShape = vendorKeys.length > 0 && vendorKeys.every((k) => k in body);
  return controlShape || vendorShape
    ? undefined
    : `a ${res.status} in neither the control plane's nor the vendor's error shape: ${res.text.slice(0, 300)}`;
}

for (const def of twins) {
  const { doc, ops } = await controlRoutes(def);

  // The admin's gate is the open twin's (no refusal): in process covers it open, HTTP covers it locked.
  for (const [transport, caller] of [
    ['in process', 'open'],
    ['in process', 'stranger'],
    ['HTTP', 'admin'],
    ['HTTP', 'stranger'],
  ] as [string, Caller][]) {
    describe(`${def.name} twin control plane, ${caller} caller, ${transport}`, () => {
      let kernel: Kernel<unknown, unknown>;
      let server: RunningTwin | undefined;
      let fetchFn: (input: string, init?: RequestInit) => Promise<Response>;
      let base: string;
      let witness: Witness;
      let proto: string;
      let vendorKeys: string[];
      let heapBefore: number;

      beforeAll(async () => {
        kernel = await makeKernel(def, {
          seed: 9,
          clock: 'virtual',
          clockStart: Date.UTC(2026, 0, 5),
          controlToken: caller === 'open' ? undefined : CONTROL_TOKEN,
        });
        witness = await createWitness(kernel, caller === 'stranger' ? 100 : 0);
        vendorKeys = vendorErrorKeys(kernel);
        if (transport === 'HTTP') {
          server = await serve(kernel);
          base = server.url;
          fetchFn = fetch;
        } else {
          base = 'http://twin.test';
          fetchFn = kernel.fetch;
        }
        proto = prototypeFingerprint();
        heapBefore = heapAfterGc();
      });
      afterAll(async () => {
        if (server) await server.close();
        else kernel?.close();
      });

      /** Put the world back where the next run expects it (faults off, a bounded number of tenants, the witness there). */
      function tidy(): void {
        kernel.faults.disarm();
        for (const t of kernel.tenants.list()) {
          if (t.id !== 'default' && t.id !== witness.id && kernel.tenants.list().length > 4) kernel.tenants.remove(t.id);
        }
      }

      async function check(req: FuzzRequest, before: string): Promise<string[]> {
        const res = await send(fetchFn, base, req);
        const found: string[] = [];
        const answer = controlAnswerProblem(res, vendorKeys, req.method);
        if (answer) found.push(answer);
        if (prototypeFingerprint() !== proto) found.push('a prototype changed');
        if (res.status >= 400 && res.status < 500 && world(kernel) !== before) found.push(`answered ${res.status} yet changed the state`);
        if (caller === 'stranger') {
          const changed = witness.changed();
          if (changed) found.push(`a caller without the control token changed another tenant: ${changed}`);
          for (const c of witness.credentials)
            if (res.text.includes(c)) found.push(`a caller without the control token saw the witness's credential ${c.slice(0, 12)}…`);
        }
        // (world() above already serialised every tenant; the snapshot route is read for one.)
        for (const path of ['health', 'journal?limit=20', 'snapshot?tenant=default', 'tenants']) {
          const r = await fetchFn(`${base}/_twin/${path}`, { headers: { 'x-twin-control-token': CONTROL_TOKEN } });
          const text = await r.text();
          if (r.status !== 200) found.push(`then GET /_twin/${path} answered ${r.status}: ${text.slice(0, 200)}`);
        }
        return found;
      }

      for (const op of ops) {
        it(`${op.method.toUpperCase()} ${op.path}`, async () => {
          const tenant = kernel.tenants.default();
          const credentials = kernel.def.credentialKeys(tenant.state).filter((k) => typeof k === 'string');
          // Name tenants by id, by credential, by built-in name; the witness only by id (its credentials are secret).
          const ids = ['default', witness.id, ...credentials, ...BUILTIN_NAMES, ...idsIn(tenant.state, 60)];
          const opWithTenant = {
            ...op,
            parameters: [...op.parameters, { name: 'tenant', in: 'query' as const, schema: { type: 'string' } }],
          };
          await fc.assert(
            fc.asyncProperty(
              requestFor(doc, opWithTenant as OperationSpec, { credentials: [], ids }),
              fc.constantFrom('right', 'none', 'wrong'),
              async (generated, token) => {
                const headers = { ...generated.headers };
                delete headers.authorization;
                delete headers['x-twin-control-token'];
                if (caller === 'admin') headers['x-twin-control-token'] = CONTROL_TOKEN;
                else if (caller === 'stranger' && token === 'wrong') headers['x-twin-control-token'] = `${CONTROL_TOKEN}x`;
                else if (caller === 'stranger' && token === 'right') headers.authorization = `Bearer ${credentials[0] ?? ''}`;
                const req = { ...generated, headers };
                const before = world(kernel);
                try {
                  const found = await check(req, before);
                  if (found.length > 0) throw new Error(`${found.join('; ')}\n  request: ${req.describe}`);
                } finally {
                  tidy();
                  if (caller !== 'stranger' && witness.changed()) witness = await rebaseline(kernel, witness);
                }
              },
            ),
            // A budget per twin and caller, however many routes the twin adds (the HTTP runs cost a server round trip).
            params(transport === 'HTTP' ? budgetRuns(50, ops.length, 1, 0.3) : budgetRuns(150, ops.length, 2)),
          );
        });
      }

      it('stays within memory, and a stranger leaves the witness whole', async () => {
        if (caller === 'stranger') {
          expect(witness.changed()).toBeUndefined();
          expect(await witness.missing()).toEqual([]);
        }
        expect(heapAfterGc() - heapBefore).toBeLessThan(96 * 1024 * 1024);
      });
    });
  }
}

/** After a control call that legitimately changed the witness (open or admin caller), take it as it now is. */
async function rebaseline(kernel: Kernel<unknown, unknown>, old: Witness): Promise<Witness> {
  if (kernel.tenants.get(old.id)) kernel.tenants.remove(old.id);
  return createWitness(kernel, 0, old.id);
}
