// A tenant's secrets (tokens, signing and client secrets): random per tenant, never derived from the seed, and sealed out of snapshots.

import { randomBytes } from 'node:crypto';

/**
 * How a secret looks: literal text with random fields `{dN}` (N digits), `{hN}` (lower-case hex),
 * `{aN}` (mixed-case letters and digits) and `{uN}` (upper-case letters and digits).
 *
 * @example 'xoxb-{d13}-{d13}-{a24}'
 */
export type SecretFormat = string;

const ALPHABETS: Record<string, string> = {
  d: '0123456789',
  h: '0123456789abcdef',
  a: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  u: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
};
const FIELD = /\{([dhau])(\d{1,3})\}/g;
/** Fewer random bits than this and a secret could be guessed: a format must carry at least these. */
const MIN_BITS = 80;

/** Random bits a format carries. */
export function formatBits(format: SecretFormat): number {
  let bits = 0;
  for (const m of format.matchAll(FIELD)) bits += Number(m[2]) * Math.log2(ALPHABETS[m[1]].length);
  return bits;
}

/** A fresh value of `format` from the operating system's random source (rejection sampling: no bias). */
export function randomSecret(format: SecretFormat): string {
  return format.replace(FIELD, (_, kind: string, n: string) => {
    const alphabet = ALPHABETS[kind];
    const limit = 256 - (256 % alphabet.length);
    let out = '';
    while (out.length < Number(n)) {
      for (const b of randomBytes(Number(n) * 2)) {
        if (b >= limit) continue;
        out += alphabet[b % alphabet.length];
        if (out.length === Number(n)) break;
      }
    }
    // A leading zero would make a numeric field shorter when a client reads it as a number.
    return kind === 'd' && out[0] === '0' ? `1${out.slice(1)}` : out;
  });
}

/** Roles are `kind` (one per tenant, e.g. the seeded bot token) or `kind#n` (minted later). */
const ROLE = /^[a-z][a-z0-9-]{0,63}(#[1-9][0-9]{0,9})?$/;
const PLACEHOLDER = /<<twin-secret:([a-z0-9#-]{1,80})>>/g;

/** The stable text a snapshot holds instead of a secret: the same role gives the same placeholder in every process. */
export function placeholder(role: string): string {
  return `<<twin-secret:${role}>>`;
}

/**
 * One tenant's secrets by role. The twin asks for each secret it needs through `get` (seeded
 * credentials: the same role always gives the same value for this tenant, so a reset keeps them)
 * or `mint` (a new credential each call: tokens from an OAuth install, a response URL).
 */
export class TenantSecrets {
  private readonly byRole = new Map<string, string>();
  private readonly byValue = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  constructor(
    /** kind → format, from the twin's definition. */
    private readonly formats: Readonly<Record<string, SecretFormat>>,
    /** Told of every new value, so the tenant index can find the tenant by it. */
    private readonly onNew: (value: string) => void = () => undefined,
  ) {}

  /** This tenant's secret of `kind`, made the first time it is asked for. */
  get(kind: string): string {
    return this.byRole.get(kind) ?? this.make(kind, kind);
  }

  /** A new secret of `kind` (role `kind#n`), never handed out before. */
  mint(kind: string): string {
    let n = this.counters.get(kind) ?? 0;
    do n++;
    while (this.byRole.has(`${kind}#${n}`));
    this.counters.set(kind, n);
    return this.make(kind, `${kind}#${n}`);
  }

  /**
   * Give a seeded role a value the user chose (a company file's `credentials`) before anything asks
   * for it. Refused (false) when the role has a value already (a reset keeps it) or the value is
   * this tenant's for another role; the caller checks other tenants do not hold it.
   */
  choose(role: string, value: string): boolean {
    if (!ROLE.test(role) || this.byRole.has(role) || this.byValue.has(value)) return false;
    this.byRole.set(role, value);
    this.byValue.set(value, role);
    this.onNew(value);
    return true;
  }

  /** Whether `value` is one of this tenant's secrets. */
  has(value: string): boolean {
    return this.byValue.has(value);
  }

  /** Every value this tenant was given. */
  values(): IterableIterator<string> {
    return this.byValue.keys();
  }

  /** The value for a role, made when the role is new to this tenant; undefined for a kind the twin does not know. */
  forRole(role: string): string | undefined {
    if (!ROLE.test(role)) return undefined;
    const existing = this.byRole.get(role);
    if (existing !== undefined) return existing;
    const kind = role.split('#')[0];
    if (!Object.hasOwn(this.formats, kind)) return undefined;
    return this.make(kind, role);
  }

  /**
   * `text` (a tenant's state as JSON) with every one of this tenant's secrets replaced by its
   * placeholder. Longest first, so a secret inside another cannot split it.
   */
  seal(text: string): string {
    const entries = [...this.byRole].sort((a, b) => b[1].length - a[1].length);
    let out = text;
    for (const [role, value] of entries) if (out.includes(value)) out = out.split(value).join(placeholder(role));
    return out;
  }

  /** `text` with every placeholder replaced by this tenant's own secret for that role; throws on a role the twin does not know. */
  unseal(text: string): string {
    return text.replace(PLACEHOLDER, (_, role: string) => {
      const value = this.forRole(role);
      if (value === undefined) throw new RangeError(`the snapshot names a secret "${role}" this twin does not make`);
      return value;
    });
  }

  private make(kind: string, role: string): string {
    const format = this.formats[kind];
    if (format === undefined || !Object.hasOwn(this.formats, kind)) throw new Error(`the twin declares no secret format "${kind}"`);
    let value = randomSecret(format);
    while (this.byValue.has(value)) value = randomSecret(format);
    this.byRole.set(role, value);
    this.byValue.set(value, role);
    this.onNew(value);
    return value;
  }
}

/** Check a twin's formats once: each must carry enough randomness that no one can guess another tenant's secret. */
export function checkSecretFormats(formats: Readonly<Record<string, SecretFormat>>): void {
  for (const [kind, format] of Object.entries(formats)) {
    if (!/^[a-z][a-z0-9-]{0,63}$/.test(kind)) throw new Error(`secret kind "${kind}" must be lower-case letters, digits and dashes`);
    if (formatBits(format) < MIN_BITS)
      throw new Error(
        `secret format "${kind}" (${format}) carries ${Math.floor(formatBits(format))} random bits; at least ${MIN_BITS} are needed`,
      );
  }
}
