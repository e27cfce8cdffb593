// Tenants: every piece of a twin's state belongs to one (a Slack workspace, an Okta org, a Jira site), found by id or by one of its credentials.

import { Clock, type ClockMode } from './clock.ts';
import { checkSecretFormats, TenantSecrets } from './secrets.ts';
import type { Tenant, TwinDefinition } from './types.ts';

export interface TenantOptions {
  seed?: number;
  id?: string;
  clock?: ClockMode;
  /**
   * Kept for callers written before tenants were named by id only; it changes nothing now (a
   * locked control plane lists no tenant to a caller without the token).
   */
  decoy?: boolean;
  /** Reuse these secrets (the kernel's reset keeps the default tenant's, so `twins up`'s printed tokens stay good). */
  secrets?: TenantSecrets;
}

export class TenantRegistry<S> {
  private readonly tenants = new Map<string, Tenant<S>>();
  /** Credential → tenant id: the credentials the twin names in the state, and every secret the tenant was given. */
  private readonly byCredentialIndex = new Map<string, string>();
  private ordinal = 0;
  readonly defaultId = 'default';

  constructor(
    private readonly def: TwinDefinition<S, unknown>,
    private readonly defaults: { seed: number; clock: ClockMode; clockStart?: number; onTimerError: (err: unknown) => void },
  ) {
    checkSecretFormats(def.secretFormats ?? {});
  }

  create(opts: TenantOptions = {}): Tenant<S> {
    const id = opts.id ?? (this.tenants.size === 0 ? this.defaultId : `tenant-${this.ordinal}`);
    if (this.tenants.has(id)) throw new Error(`tenant "${id}" exists already`);
    const seed = opts.seed ?? this.defaults.seed;
    const ordinal = this.ordinal++;
    // Secrets come from the operating system's random source, one set per tenant: knowing the seed
    // and the order tenants were made in (anyone can) must not give away another tenant's tokens.
    const secrets = opts.secrets ?? new TenantSecrets(this.def.secretFormats ?? {}, (value) => this.byCredentialIndex.set(value, id));
    const tenant: Tenant<S> = {
      id,
      seed,
      ordinal,
      secrets,
      state: this.def.createState({ seed, tenantId: id, ordinal, secrets }),
      clock: new Clock(opts.clock ?? this.defaults.clock, this.defaults.clockStart, this.defaults.onTimerError),
      createdAt: Date.now(),
    };
    this.tenants.set(id, tenant);
    this.reindex(tenant);
    return tenant;
  }

  /** Replace a tenant's state (snapshot restore, reset) keeping its id, secrets and clock. */
  replaceState(tenant: Tenant<S>, state: S): void {
    tenant.state = state;
    this.reindex(tenant);
  }

  /** A tenant by its id. The control plane names tenants this way and no other. */
  get(id: string): Tenant<S> | undefined {
    return this.tenants.get(id);
  }

  /**
   * The tenant that owns a credential (a token, a client id or secret, a signing secret, an upload
   * key), or undefined. The one way a credential is turned into a tenant: the vendor pipeline's
   * authentication uses it, and so does the control plane when it files a refused attempt.
   */
  byCredential(credential: string): Tenant<S> | undefined {
    const id = this.byCredentialIndex.get(credential);
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
    this.byCredentialIndex.clear();
    this.ordinal = 0;
  }

  /**
   * Index the tenant's credentials again after its state changed. A credential already owned by
   * another tenant is never moved: a twin's state cannot take over someone else's token.
   */
  reindex(tenant: Tenant<S>): void {
    this.unindex(tenant.id);
    for (const value of tenant.secrets.values()) this.claim(value, tenant.id);
    for (const key of this.def.credentialKeys(tenant.state)) this.claim(key, tenant.id);
  }

  private claim(key: string, id: string): void {
    const owner = this.byCredentialIndex.get(key);
    if (owner === undefined || owner === id || !this.tenants.has(owner)) this.byCredentialIndex.set(key, id);
  }

  private unindex(id: string): void {
    for (const [k, v] of this.byCredentialIndex) if (v === id) this.byCredentialIndex.delete(k);
  }
}
