// Fuzz: every operation of every twin's contract gets hostile arguments, bodies, headers and paths; a twin joins by its registry entry, contract and env, with no code here.

import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningTwin, serve } from '../../src/adapters/fastify.ts';
import type { Kernel } from '../../src/kernel/index.ts';
import { collectOperations } from '../../src/kernel/openapi.ts';
import {
  allTwins,
  answerTypes,
  authHeadersFor,
  budgetRuns,
  errorShapes,
  type FuzzRequest,
  focusedRequestFor,
  heapAfterGc,
  idsIn,
  makeKernel,
  params,
  prototypeFingerprint,
  requestFor,
  runs,
  send,
  type Target,
  tenantCredentials,
  vendorAnswerProblem,
  vendorErrorKeys,
} from './support.ts';
import { createWitness, type Witness } from './witness.ts';

const twins = await allTwins();
const BASE = 'http://twin.test';
const CONTROL_TOKEN = 'fuzz-control-token-0123456789';

for (const def of twins) {
  describe(`${def.name} twin: every operation, hostile input, in process`, () => {
    let kernel: Kernel<unknown, unknown>;
    let witness: Witness;
    let target: Target;
    let errorKeys: string[];
    let proto: string;
    let heapBefore: number;

    beforeAll(async () => {
      kernel = await makeKernel(def, { seed: 7, clock: 'virtual', clockStart: Date.UTC(2026, 0, 5), controlToken: CONTROL_TOKEN });
      witness = await createWitness(kernel);
      const tenant = kernel.tenants.default();
      target = {
        credentials: tenantCredentials(kernel.def, tenant.state),
        auth: authHeadersFor(kernel.def, tenant.state),
        ids: idsIn(tenant.state),
      };
      errorKeys = vendorErrorKeys(kernel);
      proto = prototypeFingerprint();
      heapBefore = heapAfterGc();
    });
    afterAll(() => kernel?.close());
    // One operation's failure must not hide the next one's: start each from a readable journal and target.
    beforeEach(() => {
      kernel.journal.clear();
      try {
        JSON.stringify(kernel.tenants.default().state);
      } catch {
        kernel.resetTenant(kernel.tenants.default());
      }
    });

    /** Everything that must hold after any request; returns what broke. */
    async function problems(
      req: FuzzRequest,
      res: Awaited<ReturnType<typeof send>>,
      types: string[],
      shapes: string[][],
    ): Promise<string[]> {
      const found: string[] = [];
      const answer = vendorAnswerProblem(res, errorKeys, req.method, types, shapes);
      if (answer) found.push(answer);
      if (prototypeFingerprint() !== proto) found.push('a prototype changed');
      for (const c of witness.credentials)
        if (res.text.includes(c)) found.push(`the answer holds the witness tenant's credential ${c.slice(0, 12)}…`);
      const changed = witness.changed();
      if (changed) found.push(changed);
      // Healthy means more than up: what the fuzzer stored must still serialise for every reader.
      // A refusal stores nothing (the witness and prototypes say so above), so the readers are asked after successes only.
      if (res.status >= 300 || /"ok":false/.test(res.text.slice(0, 40))) return found;
      for (const path of ['health', 'journal?limit=20', 'snapshot?tenant=default', 'tenants']) {
        const check = await kernel.fetch(`${BASE}/_twin/${path}`, { headers: { 'x-twin-control-token': CONTROL_TOKEN } });
        if (check.status !== 200) found.push(`GET /_twin/${path} answered ${check.status}: ${(await check.text()).slice(0, 200)}`);
        else await check.arrayBuffer();
      }
      return found;
    }

    const operations = collectOperations(def.openapi);
    for (const op of operations) {
      it(`${op.operationId} (${op.method.toUpperCase()} ${op.path})`, async () => {
        const types = answerTypes(def.openapi, op);
        const shapes = errorShapes(def.openapi, op);
        await fc.assert(
          // Half hostile requests, half well-formed ones with a built-in name where an id goes.
          fc.asyncProperty(
            fc.oneof(
              { weight: 1, arbitrary: requestFor(def.openapi, op, target) },
              { weight: 1, arbitrary: focusedRequestFor(def.openapi, op, target) },
            ),
            async (req) => {
              const res = await send(kernel.fetch, BASE, req);
              const found = await problems(req, res, types, shapes);
              if (found.length > 0) throw new Error(`${found.join('; ')}\n  request: ${req.describe}`);
            },
          ),
          // About 600 requests per twin in CI, however many operations its contract has.
          params(budgetRuns(600, operations.length, 6)),
        );
      });
    }

    it('keeps every numbered record of the witness and stays within memory', async () => {
      expect(await witness.missing()).toEqual([]);
      expect(witness.changed()).toBeUndefined();
      // Bounded: the journal holds summaries and tenants hold what succeeded, never what was refused.
      const grown = heapAfterGc() - heapBefore;
      expect(grown).toBeLessThan(64 * 1024 * 1024);
    });
  });
}

for (const def of twins) {
  describe(`${def.name} twin over HTTP, locked: any operation, hostile input`, () => {
    let kernel: Kernel<unknown, unknown>;
    let twin: RunningTwin;
    let witness: Witness;
    let target: Target;
    let errorKeys: string[];
    let proto: string;

    beforeAll(async () => {
      kernel = await makeKernel(def, { seed: 8, controlToken: CONTROL_TOKEN });
      witness = await createWitness(kernel, 20);
      const tenant = kernel.tenants.default();
      target = {
        credentials: tenantCredentials(kernel.def, tenant.state),
        auth: authHeadersFor(kernel.def, tenant.state),
        ids: idsIn(tenant.state),
      };
      errorKeys = vendorErrorKeys(kernel);
      twin = await serve(kernel);
      proto = prototypeFingerprint();
    });
    afterAll(() => twin?.close());

    it('answers every request in the vendor shape, never 5xx, and leaves the witness and prototypes alone', async () => {
      const ops = collectOperations(def.openapi);
      const byId = new Map(ops.map((op) => [op.operationId, op]));
      // The operation by name only, so a counterexample prints short.
      const request = fc
        .constantFrom(...ops)
        .chain((op) => requestFor(def.openapi, op, target).map((req) => ({ operation: op.operationId, req })));
      await fc.assert(
        fc.asyncProperty(request, async ({ operation, req }) => {
          const op = byId.get(operation) as (typeof ops)[number];
          const res = await send(fetch, twin.url, req);
          const found: string[] = [];
          const answer = vendorAnswerProblem(res, errorKeys, req.method, answerTypes(def.openapi, op), errorShapes(def.openapi, op));
          if (answer) found.push(answer);
          if (prototypeFingerprint() !== proto) found.push('a prototype changed');
          for (const c of witness.credentials)
            if (res.text.includes(c)) found.push(`the answer holds the witness's credential ${c.slice(0, 12)}…`);
          const changed = witness.changed();
          if (changed) found.push(changed);
          const health = await fetch(`${twin.url}/_twin/health`);
          if (health.status !== 200) found.push(`GET /_twin/health answered ${health.status}`);
          await health.arrayBuffer();
          if (found.length > 0) throw new Error(`${found.join('; ')}\n  request: ${req.describe}`);
        }),
        params(runs(60, 1)),
      );
      expect(await witness.missing()).toEqual([]);
    });
  });
}
