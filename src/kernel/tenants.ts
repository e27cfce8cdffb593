// Tenants: every piece of a twin's state belongs to one (a Slack workspace, an Okta org, a Jira site), found by id or credential.

import { Clock, type ClockMode } from './clock.ts';
import type { Tenant, TwinDefinition } from './types.ts';

export interface TenantOptions {
  seed?: number;
  id?: string;
  clock?: ClockMode;
  /** A decoy: no trial uses it; it is the only tenant a caller without the control token may list. */
  decoy?: boolean;
}

export class TenantRegistry<S> {
  private readonly tenants = new Map<string, Tenant<S>>();
  private readonly byCredential = new Map<string, string>();
  private ordinal = 0;
  readonly defaultId = 'default';

  constructor(
    private readonly def: TwinDefinition<S, unknown>,
    private readonly defaults: { seed: number; clock: ClockMode; clockStart?: number; onTimerError: (err: unknown) => void },
  ) {}

  create(opts: TenantOptions = {}): Tenant<S> {
    const id = opts.id ?? (this.tenants.size === 0 ? this.defaultId : `tenant-${this.ordinal}`);
    if (this.tenants.has(id)) throw new Error(`tenant "${id}" exists already`);
    const seed = opts.seed ?? this.defaults.seed;
    const ordinal = this.ordinal++;
    const tenant: Tenant<S> = {
      id,
      seed,
      ordinal,
      state: this.def.createState({ seed, tenantId: id, ordinal }),
      clock: new Clock(opts.clock ?? this.defaults.clock, this.defaults.clockStart, this.defaults.onTimerError),
      createdAt: Date.now(),
      ...(opts.decoy ? { decoy: true } : {}),
    };
    this.tenants.set(id, tenant);
    this.reindex(tenant);
    return tenant;
  }

  /** Replace a tenant's state (snapshot restore, reset) keeping its id and clock. */
  replaceState(tenant: Tenant<S>, state: S): void {
    this.unindex(tenant.id);
    tenant.state = state;
    this.reindex(tenant);
  }

  get(id: string): Tenant<S> | undefined {
    return this.tenants.get(id);
  }

  /** A tenant by id, or by any credential it owns (token, team id, client id). */
  find(idOrCredential: string): Tenant<S> | undefined {
    return this.tenants.get(idOrCredential) ?? this.byCredentialKey(idOrCredential);
  }

  byCredentialKey(key: string): Tenant<S> | undefined {
    const id = this.byCredential.get(key);
    return id === undefined ? undefined : this.tenants.get(id);
  }

  default(): Tenant<S> {
    const t = this.tenants.get(this.defaultId) ?? this.tenants.values().next().value;
    if (!t) throw new Error('the twin has no tenant');
    return t;
  }

  list(): Tenant<S>[] {
    return [...this.tenants.values()];
  }

  remove(id: string): boolean {
    const t = this.tenants.get(id);
    if (!t) return false;
    t.clock.dispose();
    this.unindex(id);
    this.tenants.delete(id);
    return true;
  }

  clear(): void {
    for (const t of this.tenants.values()) t.clock.dispose();
    this.tenants.clear();
    this.byCredential.clear();
    this.ordinal = 0;
  }

  reindex(tenant: Tenant<S>): void {
    this.unindex(tenant.id);
    for (const key of this.def.credentialKeys(tenant.state)) this.byCredential.set(key, tenant.id);
  }

  private unindex(id: string): void {
    for (const [k, v] of this.byCredential) if (v === id) this.byCredential.delete(k);
  }
}
