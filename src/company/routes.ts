// The company routes every twin of a hub serves under /_twin/companies: create, list, show, reset, snapshot, restore, delete, provisioning, people.

import { ControlError, ControlReply } from '../control/control-plane.ts';
import type { ClockMode } from '../kernel/clock.ts';
import { loadOpenApi, type OpenApiDocument } from '../kernel/openapi.ts';
import type { ControlContext, ControlRoute } from '../kernel/types.ts';
import type { TwinName } from '../registry.ts';
import type { CompanyHub } from './hub.ts';
import { CompanyError } from './hub.ts';
import { CompanyInvalid, companyPlan } from './spec.ts';
import type { CompanyPlan } from './types.ts';

let doc: OpenApiDocument | undefined;
/** The company routes' OpenAPI document (src/company/control.yaml), merged into each twin's `GET /_twin/openapi.json`. */
export function companyOpenApi(): OpenApiDocument {
  doc ??= loadOpenApi(new URL('./control.yaml', import.meta.url));
  return doc;
}

/** Two control documents' paths and schemas in one. */
export function mergeDocs(a: OpenApiDocument | undefined, b: OpenApiDocument): OpenApiDocument {
  if (!a) return b;
  return {
    ...a,
    paths: { ...a.paths, ...b.paths },
    components: { ...a.components, schemas: { ...(a.components?.schemas ?? {}), ...(b.components?.schemas ?? {}) } },
  };
}

type Ctx = ControlContext<unknown>;

/** Run `fn`, turning the hub's and the seed file's failures into control-plane errors. */
function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asControlError(err);
  }
}

function asControlError(err: unknown): unknown {
  if (err instanceof CompanyError) return new ControlError(err.status, err.code, err.message);
  if (err instanceof CompanyInvalid) return new ControlError(400, 'invalid_company', err.message);
  return err;
}

function bool(v: unknown, what: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new ControlError(400, 'invalid_argument', `${what} must be true or false`);
}

function provisioningOf(v: unknown): { slack?: boolean; jira?: boolean } | undefined {
  if (v === undefined) return undefined;
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new ControlError(400, 'invalid_argument', 'provisioning must be an object such as {"slack": false, "jira": true}');
  const p = v as Record<string, unknown>;
  for (const k of Object.keys(p))
    if (k !== 'slack' && k !== 'jira')
      throw new ControlError(400, 'invalid_argument', `provisioning has "slack" and "jira" only, not "${k.slice(0, 40)}"`);
  const out: { slack?: boolean; jira?: boolean } = {};
  const slack = bool(p.slack, 'provisioning.slack');
  const jira = bool(p.jira, 'provisioning.jira');
  if (slack !== undefined) out.slack = slack;
  if (jira !== undefined) out.jira = jira;
  return out;
}

/** The routes, for the twin called `name` (its own URL is the request's when the hub does not know it). */
export function companyRoutes(hub: CompanyHub, name: TwinName): ControlRoute<unknown>[] {
  const view = (ctx: Ctx, id: string) => hub.view(id, { name, url: ctx.baseUrl });
  return [
    { method: 'GET', path: 'companies', handler: (ctx) => ({ companies: hub.list().map((r) => guarded(() => view(ctx, r.id))) }) },
    {
      method: 'POST',
      path: 'companies',
      handler: (ctx) =>
        guarded(() => {
          const b = ctx.body;
          const seed = b.seed === undefined ? undefined : Number(b.seed);
          if (seed !== undefined && !Number.isSafeInteger(seed)) throw new ControlError(400, 'invalid_argument', 'seed must be an integer');
          if (b.id !== undefined && typeof b.id !== 'string') throw new ControlError(400, 'invalid_argument', 'id must be a string');
          const clock = b.clock === undefined || b.clock === '' ? undefined : b.clock;
          if (clock !== undefined && clock !== 'real' && clock !== 'virtual')
            throw new ControlError(400, 'invalid_argument', 'clock must be "real" or "virtual"');
          let plan: CompanyPlan | undefined;
          if (b.company !== undefined) plan = companyPlan(b.company, 'the body\'s "company"');
          const record = hub.create({
            id: b.id as string | undefined,
            seed,
            plan,
            clock: clock as ClockMode | undefined,
            provisioning: provisioningOf(b.provisioning),
          });
          return new ControlReply(201, view(ctx, record.id));
        }),
    },
    { method: 'GET', path: 'companies/:id', handler: (ctx) => guarded(() => view(ctx, ctx.params.id)) },
    {
      method: 'DELETE',
      path: 'companies/:id',
      handler: (ctx) =>
        guarded(() => {
          hub.remove(ctx.params.id);
          return { deleted: ctx.params.id };
        }),
    },
    {
      method: 'POST',
      path: 'companies/:id/reset',
      handler: (ctx) =>
        guarded(() => {
          hub.reset(ctx.params.id);
          return { reset: ctx.params.id, twins: hub.twinNames() };
        }),
    },
    { method: 'GET', path: 'companies/:id/snapshot', handler: (ctx) => guarded(() => hub.snapshot(ctx.params.id)) },
    {
      method: 'POST',
      path: 'companies/:id/restore',
      handler: async (ctx) => {
        try {
          return { restored: ctx.params.id, twins: await hub.restore(ctx.params.id, ctx.body) };
        } catch (err) {
          throw asControlError(err);
        }
      },
    },
    {
      method: 'POST',
      path: 'companies/:id/provisioning',
      handler: (ctx) =>
        guarded(() => ({ id: ctx.params.id, provisioning: hub.setProvisioning(ctx.params.id, provisioningOf(ctx.body) ?? {}) })),
    },
    { method: 'GET', path: 'companies/:id/people/:person', handler: (ctx) => guarded(() => hub.person(ctx.params.id, ctx.params.person)) },
  ];
}
