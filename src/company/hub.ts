// Companies across the twins of one process: each company is one tenant per running twin under the same id, seeded from one plan, reset, snapshotted, restored and deleted together.

import type { JiraState } from '../../twins/jira/store.ts';
import type { LogEvent, OktaState } from '../../twins/okta/store.ts';
import type { SlackState } from '../../twins/slack/store.ts';
import type { ClockMode, ClockSnapshot } from '../kernel/clock.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { ControlRoute, Tenant, TwinDefinition } from '../kernel/types.ts';
import type { TwinName } from '../registry.ts';
import { companyOpenApi, companyRoutes, mergeDocs } from './routes.ts';
import type { CompanyPlan, CompanyProvisioning } from './types.ts';

/** The default company: the default tenant of every twin. */
export const DEFAULT_COMPANY = 'default';

/** A company the hub knows: its id (also each twin's tenant id), its plan (none: each twin's own seed) and its switches. */
export interface CompanyRecord {
  id: string;
  seed: number;
  plan?: CompanyPlan;
  provisioning: CompanyProvisioning;
}

/** A failure the control plane answers with `{ error: { code, message } }` and this status. */
export class CompanyError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Version of a company snapshot (`GET /_twin/companies/{id}/snapshot`). */
export const COMPANY_SNAPSHOT_VERSION = 1;

/** A company's snapshot: each twin's tenant as the twin's own snapshot holds it, plus the company's plan. */
export interface CompanySnapshot {
  company: string;
  version: number;
  seed: number;
  plan: CompanyPlan | null;
  provisioning: CompanyProvisioning;
  twins: Record<string, { twin: string; version: number; tenants: { id: string; seed: number; clock: ClockSnapshot; state: unknown }[] }>;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Seed a twin's state from a company plan (each twin's seed.ts takes the plan as `company`). */
type Seeder = (opts: { seed: number; tenantId: string; ordinal: number; secrets?: unknown; company: CompanyPlan }) => unknown;

/**
 * The companies of the twins one process runs. Wrap each twin's definition with `wrap` before its
 * kernel is made, `attach` the kernel, and every wrapped twin serves `/_twin/companies`.
 *
 * @example
 *   const hub = new CompanyHub({ seed: 1 });
 *   const kernel = createKernel(await hub.wrap('slack', slackTwin), { seed: 1 });
 *   hub.attach('slack', kernel, 'http://127.0.0.1:3100');
 */
export class CompanyHub {
  private readonly kernels = new Map<TwinName, Kernel<unknown, unknown>>();
  private readonly urls = new Map<TwinName, string>();
  private readonly records = new Map<string, CompanyRecord>();
  private readonly seeders = new Map<TwinName, Seeder>();
  private counter = 0;
  /** The company `create` is making tenants for, so their seeding finds its plan. */
  private creating?: string;
  private applyOktaEvent?: typeof import('./effects.ts').applyOktaEvent;

  constructor(readonly options: { seed: number; plan?: CompanyPlan; controlToken?: string }) {
    this.records.set(DEFAULT_COMPANY, {
      id: DEFAULT_COMPANY,
      seed: options.seed,
      plan: options.plan,
      provisioning: options.plan?.provisioning ?? { slack: true, jira: true },
    });
  }

  /**
   * The twin's definition with company seeding (a tenant whose id is a company's is seeded from
   * its plan), Okta's provisioning effects, and the company routes under `/_twin/companies`.
   */
  async wrap<S, P>(name: TwinName, def: TwinDefinition<S, P>): Promise<TwinDefinition<S, P>> {
    this.seeders.set(name, await seederFor(name));
    // Okta's side only when Okta runs: `twins up slack` loads no Okta code.
    const onLog = name === 'okta' ? (await import('../../twins/okta/store.ts')).onLog : undefined;
    if (name === 'okta') this.applyOktaEvent = (await import('./effects.ts')).applyOktaEvent;
    const hub = this;
    const seeder = this.seeders.get(name) as Seeder;
    return {
      ...def,
      createState(opts) {
        const plan = hub.planFor(name, opts.tenantId);
        if (!plan) return def.createState(opts);
        // Chosen credentials take their roles before the seed asks for them (a reset finds them kept).
        for (const [role, value] of chosenCredentials(plan, name)) opts.secrets?.choose(role, value);
        return seeder({ ...opts, company: plan }) as S;
      },
      onTenantReady(tenant, kernel) {
        def.onTenantReady?.(tenant, kernel);
        if (onLog) onLog(tenant.state as OktaState, (e) => hub.oktaEvent(tenant.id, tenant.state as OktaState, e));
      },
      control: [...(def.control ?? []), ...(companyRoutes(this, name) as ControlRoute<S>[])],
      controlOpenapi: () => mergeDocs(def.controlOpenapi?.(), companyOpenApi()),
    };
  }

  /**
   * The plan a tenant being seeded follows: the default company's, a company's being made, or one
   * being reset. A tenant made later under the id of a company a full reset dropped is not that company.
   */
  private planFor(name: TwinName, tenantId: string): CompanyPlan | undefined {
    const r = this.records.get(tenantId);
    if (!r) return undefined;
    if (tenantId === DEFAULT_COMPANY || this.creating === tenantId || this.kernels.get(name)?.tenants.get(tenantId)) return r.plan;
    this.records.delete(tenantId);
    return undefined;
  }

  /** Tell the hub a wrapped twin's kernel (and, once it listens, its URL). */
  attach(name: TwinName, kernel: Kernel<unknown, unknown>, url?: string): void {
    this.kernels.set(name, kernel);
    hubs.set(kernel, this);
    if (url) this.urls.set(name, url);
  }

  setUrl(name: TwinName, url: string): void {
    this.urls.set(name, url);
  }

  /** The twins in the company, in the order they were attached. */
  twinNames(): TwinName[] {
    return [...this.kernels.keys()];
  }

  /** A company by id, or undefined when no twin has its tenant any more (a full reset drops them). */
  get(id: string): CompanyRecord | undefined {
    const r = this.records.get(id);
    if (!r) return undefined;
    if (id !== DEFAULT_COMPANY && ![...this.kernels.values()].some((k) => k.tenants.get(id))) {
      this.records.delete(id);
      return undefined;
    }
    return r;
  }

  list(): CompanyRecord[] {
    return [...this.records.keys()].flatMap((id) => this.get(id) ?? []);
  }

  /**
   * Make a company: a tenant under `id` on every twin, seeded from `plan` (each twin's own seed
   * when there is none). All or nothing: a failure removes the tenants already made.
   */
  create(opts: {
    id?: string;
    seed?: number;
    plan?: CompanyPlan;
    clock?: ClockMode;
    provisioning?: Partial<CompanyProvisioning>;
  }): CompanyRecord {
    let id = opts.id;
    if (id !== undefined && !ID.test(id))
      throw new CompanyError(
        400,
        'invalid_argument',
        'id must be 1 to 64 letters, digits, ".", "-" or "_", starting with a letter or digit',
      );
    if (id === undefined) {
      do id = `company-${++this.counter}`;
      while (this.taken(id));
    }
    if (this.taken(id)) throw new CompanyError(409, 'company_exists', `a company or tenant "${id}" exists already on one of the twins`);
    for (const [name, kernel] of this.kernels)
      for (const [role, value] of opts.plan ? chosenCredentials(opts.plan, name) : [])
        if (kernel.tenants.byCredential(value))
          throw new CompanyError(
            409,
            'credential_taken',
            `the company's ${name} ${role} is another tenant's already: chosen credentials serve one company at a time (leave "credentials" out for random ones)`,
          );
    const record: CompanyRecord = {
      id,
      seed: opts.seed ?? this.options.seed,
      plan: opts.plan,
      provisioning: { slack: true, jira: true, ...opts.plan?.provisioning, ...opts.provisioning },
    };
    this.records.set(id, record);
    const made: Kernel<unknown, unknown>[] = [];
    this.creating = id;
    try {
      for (const kernel of this.kernels.values()) {
        kernel.createTenant({ id, seed: record.seed, clock: opts.clock });
        made.push(kernel);
      }
    } catch (err) {
      for (const k of made) k.tenants.remove(id);
      this.records.delete(id);
      throw err;
    } finally {
      this.creating = undefined;
    }
    return record;
  }

  private taken(id: string): boolean {
    return this.records.has(id) || [...this.kernels.values()].some((k) => k.tenants.get(id));
  }

  private must(id: string): CompanyRecord {
    const r = this.get(id);
    if (!r) throw new CompanyError(404, 'company_not_found', `no company "${id}"; create one with POST /_twin/companies`);
    return r;
  }

  private tenant(name: TwinName, id: string): Tenant<unknown> | undefined {
    return this.kernels.get(name)?.tenants.get(id);
  }

  /** What an app needs for each twin of the company: the tenant id, the twin's URL and its variables. */
  view(id: string, origin?: { name: TwinName; url: string }) {
    const r = this.must(id);
    const twins: Record<string, { tenant: string; url: string; env: Record<string, string> }> = {};
    for (const [name, kernel] of this.kernels) {
      const t = kernel.tenants.get(r.id);
      if (!t) continue;
      const base = this.urls.get(name) ?? (origin?.name === name ? origin.url : `http://${name}.twin.invalid`);
      twins[name] = { tenant: t.id, url: kernel.tenantBaseUrl(t, base), env: kernel.env(t, base) };
    }
    return {
      id: r.id,
      name: r.plan?.name ?? null,
      seed: r.seed,
      provisioning: r.provisioning,
      people: r.plan ? r.plan.people.length : null,
      twins,
      env: Object.assign({}, ...Object.values(twins).map((t) => t.env)) as Record<string, string>,
    };
  }

  /** Every twin's tenant of the company back to its seeded state (journal, faults, deliveries dropped). */
  reset(id: string): void {
    const r = this.must(id);
    for (const kernel of this.kernels.values()) {
      const t = kernel.tenants.get(r.id);
      if (t) kernel.resetTenant(t);
    }
  }

  /** The company's tenants as one snapshot; the same plan and seed give the same bytes. */
  snapshot(id: string): CompanySnapshot {
    const r = this.must(id);
    const twins: CompanySnapshot['twins'] = {};
    for (const [name, kernel] of this.kernels) {
      const t = kernel.tenants.get(r.id);
      if (!t) continue;
      twins[name] = {
        twin: name,
        version: 1,
        tenants: [{ id: t.id, seed: t.seed, clock: t.clock.snapshot(), state: kernel.snapshotState(t) }],
      };
    }
    return {
      company: r.id,
      version: COMPANY_SNAPSHOT_VERSION,
      seed: r.seed,
      // Chosen credentials stay out: a snapshot never carries a credential (each twin's part holds placeholders).
      plan: r.plan ? { ...r.plan, credentials: {} } : null,
      provisioning: r.provisioning,
      twins,
    };
  }

  /**
   * Put a company snapshot back into company `id` (made when it does not exist). Each twin's part
   * goes through that twin's own `PUT /_twin/snapshot`, so the same checks apply (no credential but
   * the tenant's own); every part is checked by its twin before the next is applied.
   */
  async restore(id: string, body: Record<string, unknown>): Promise<string[]> {
    if (!ID.test(id)) throw new CompanyError(400, 'invalid_argument', 'the company id must be 1 to 64 letters, digits, ".", "-" or "_"');
    if (body.version !== COMPANY_SNAPSHOT_VERSION || typeof body.twins !== 'object' || body.twins === null || Array.isArray(body.twins))
      throw new CompanyError(
        400,
        'invalid_snapshot',
        `a company snapshot has version ${COMPANY_SNAPSHOT_VERSION} and a "twins" object (GET /_twin/companies/{id}/snapshot)`,
      );
    const parts = body.twins as Record<string, unknown>;
    for (const name of Object.keys(parts))
      if (!this.kernels.has(name as TwinName))
        throw new CompanyError(400, 'invalid_snapshot', `the snapshot has a part for "${name.slice(0, 40)}", which is not running here`);
    const existed = this.get(id);
    if (!existed) this.create({ id, seed: typeof body.seed === 'number' && Number.isInteger(body.seed) ? body.seed : undefined });
    const record = this.must(id);
    // All or nothing: a part refused puts back the parts already applied (or removes the company made here).
    const backup = existed ? this.snapshot(id) : undefined;
    try {
      return await this.applyParts(id, record, parts, body);
    } catch (err) {
      if (!existed) this.remove(id);
      else if (backup)
        await this.applyParts(id, record, backup.twins as Record<string, unknown>, backup as unknown as Record<string, unknown>).catch(
          () => undefined,
        );
      throw err;
    }
  }

  private async applyParts(
    id: string,
    record: CompanyRecord,
    parts: Record<string, unknown>,
    body: Record<string, unknown>,
  ): Promise<string[]> {
    const restored: string[] = [];
    for (const [name, part] of Object.entries(parts)) {
      const p = part as Record<string, unknown>;
      const tenants = Array.isArray(p?.tenants) ? (p.tenants as Record<string, unknown>[]) : [];
      if (tenants.length !== 1) throw new CompanyError(400, 'invalid_snapshot', `the ${name} part must hold one tenant`);
      const kernel = this.kernels.get(name as TwinName) as Kernel<unknown, unknown>;
      const res = await kernel.fetch('http://company.twin.invalid/_twin/snapshot', {
        method: 'PUT',
        headers: {
          'content-type': 'application/json',
          ...(this.options.controlToken ? { 'x-twin-control-token': this.options.controlToken } : {}),
        },
        body: JSON.stringify({ ...p, tenants: [{ ...tenants[0], id }] }),
      });
      if (res.status !== 200) {
        const answer = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
        throw new CompanyError(
          400,
          answer.error?.code ?? 'invalid_snapshot',
          `the ${name} part was refused: ${answer.error?.message ?? `HTTP ${res.status}`}`,
        );
      }
      restored.push(name);
    }
    if (body.provisioning && typeof body.provisioning === 'object') {
      const prov = body.provisioning as Record<string, unknown>;
      record.provisioning = { slack: prov.slack !== false, jira: prov.jira !== false };
    }
    return restored;
  }

  /** Remove the company's tenant from every twin; the default company stays (reset it instead). */
  remove(id: string): void {
    if (id === DEFAULT_COMPANY)
      throw new CompanyError(400, 'cannot_delete_default', 'the default company cannot be deleted; reset it instead');
    const r = this.must(id);
    for (const kernel of this.kernels.values()) {
      if (!kernel.tenants.get(r.id)) continue;
      kernel.outbox.forgetTenant(r.id);
      kernel.tenants.remove(r.id);
    }
    this.records.delete(r.id);
  }

  /** Switch the company's provisioning effects on or off. */
  setProvisioning(id: string, change: Partial<CompanyProvisioning>): CompanyProvisioning {
    const r = this.must(id);
    r.provisioning = { ...r.provisioning, ...change };
    return r.provisioning;
  }

  /**
   * One person across the twins, by handle, first name or email (`bob`, `Bob`, `bob@acme.test`): their
   * Okta id and login, Slack user id and Jira accountId (null where they have no account).
   */
  person(id: string, ref: string) {
    const r = this.must(id);
    const key = ref.trim().toLowerCase();
    const planned = r.plan?.people.find((p) => p.handle === key || p.email.toLowerCase() === key);
    const okta = this.tenant('okta', r.id)?.state as OktaState | undefined;
    const slack = this.tenant('slack', r.id)?.state as SlackState | undefined;
    const jira = this.tenant('jira', r.id)?.state as JiraState | undefined;
    // Without a plan, a name is a first name: the seeded people of every twin share them (alice, bob, …).
    const first = (full: unknown) =>
      String(full ?? '')
        .split(' ')[0]
        .toLowerCase();
    const oktaUser = okta
      ? [...okta.users.values()].find((u) =>
          planned
            ? String(u.profile.email).toLowerCase() === planned.email.toLowerCase()
            : String(u.profile.email).toLowerCase() === key || first(u.profile.firstName) === key,
        )
      : undefined;
    const email = planned?.email.toLowerCase() ?? (key.includes('@') ? key : undefined);
    const slackUser = slack
      ? [...slack.users.values()].find(
          (u) =>
            !u.is_bot &&
            u.id !== 'USLACKBOT' &&
            (email ? u.profile.email?.toLowerCase() === email : u.name === key || first(u.real_name) === key),
        )
      : undefined;
    const jiraUser = jira
      ? [...jira.users.values()].find((u) => (email ? u.emailAddress.toLowerCase() === email : first(u.displayName) === key))
      : undefined;
    if (!planned && !oktaUser && !slackUser && !jiraUser)
      throw new CompanyError(404, 'person_not_found', `no one called "${ref.slice(0, 80)}" in company "${r.id}"`);
    return {
      handle: planned?.handle ?? key,
      name: planned ? `${planned.firstName} ${planned.lastName}` : (slackUser?.real_name ?? jiraUser?.displayName ?? null),
      email: planned?.email ?? slackUser?.profile.email ?? jiraUser?.emailAddress ?? null,
      department: planned?.department ?? (oktaUser ? String(oktaUser.profile.department ?? '') || null : null),
      manager: planned?.manager ?? null,
      okta: oktaUser ? { id: oktaUser.id, login: String(oktaUser.profile.login), status: oktaUser.status } : null,
      slack: slackUser ? { id: slackUser.id, name: slackUser.name, deleted: slackUser.deleted } : null,
      jira: jiraUser ? { accountId: jiraUser.accountId, active: jiraUser.active } : null,
    };
  }

  /** An Okta System Log event in tenant `tenantId`: the company's provisioning effects on Slack and Jira. */
  private oktaEvent(tenantId: string, state: OktaState, event: LogEvent): void {
    const r = this.records.get(tenantId);
    if (!r || !this.applyOktaEvent) return;
    const slackKernel = this.kernels.get('slack');
    const slackTenant = slackKernel?.tenants.get(tenantId) as Tenant<SlackState> | undefined;
    const jiraTenant = this.kernels.get('jira')?.tenants.get(tenantId) as Tenant<JiraState> | undefined;
    this.applyOktaEvent(state, event, r.provisioning, {
      slack:
        slackKernel && slackTenant
          ? {
              tenant: slackTenant,
              deliver: (spec) => slackKernel.deliver(spec),
              baseUrl: slackKernel.tenantBaseUrl(slackTenant as Tenant<unknown>, this.urls.get('slack') ?? 'http://slack.twin.invalid'),
            }
          : undefined,
      jira: jiraTenant ? { tenant: jiraTenant } : undefined,
    });
  }
}

/** The company file's chosen credentials for one twin, as `[secret role, value]`. */
export function chosenCredentials(plan: CompanyPlan, twin: TwinName): [string, string][] {
  const c = plan.credentials;
  const pairs: [string, string | undefined][] =
    twin === 'slack'
      ? [
          ['bot-token', c.slack?.botToken],
          ['user-token', c.slack?.userToken],
          ['signing-secret', c.slack?.signingSecret],
        ]
      : twin === 'okta'
        ? [
            ['api-token', c.okta?.apiToken],
            ['test-password', c.okta?.password],
          ]
        : [['api-token', c.jira?.apiToken]];
  return pairs.filter((p): p is [string, string] => typeof p[1] === 'string');
}

const hubs = new WeakMap<object, CompanyHub>();

/** The hub a kernel was attached to (twins started together by `startTwins`/`twins up`), if any. */
export function companyHubOf(kernel: object): CompanyHub | undefined {
  return hubs.get(kernel);
}

async function seederFor(name: TwinName): Promise<Seeder> {
  switch (name) {
    case 'slack':
      return (await import('../../twins/slack/seed.ts')).seedSlackState as Seeder;
    case 'okta':
      return (await import('../../twins/okta/seed.ts')).seedOktaState as Seeder;
    case 'jira':
      return (await import('../../twins/jira/seed.ts')).seedJiraState as Seeder;
  }
}
