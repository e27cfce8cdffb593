// An org's RSA keys, made at run time and kept beside its state (never in a snapshot): the authorization servers' signing keys and the seeded service app's key pair.

import { createPublicKey, generateKeyPairSync, type JsonWebKey, randomBytes } from 'node:crypto';
import type { TenantSecrets } from '../../src/kernel/secrets.ts';
import type { OktaState } from './store.ts';

export interface SigningKey {
  kid: string;
  /** Private JWK (for oidc-provider's `jwks`). */
  privateJwk: JsonWebKey & { kid: string; alg: string; use: string };
  publicJwk: JsonWebKey & { kid: string; alg: string; use: string };
}

export interface ServiceKey {
  kid: string;
  /** PKCS#8 PEM, what `OKTA_SERVICE_PRIVATE_KEY` holds. */
  pem: string;
  publicJwk: JsonWebKey & { kid: string; alg: string; use: string };
}

/** What an org has at run time that its JSON state does not hold. */
export interface OrgRuntime {
  /** Signing keys, newest first; the first signs, all verify (rotation keeps the previous one). */
  signing: SigningKey[];
  service?: ServiceKey;
  /** Bumped when keys change, so cached authorization servers are rebuilt. */
  generation: number;
}

const RUNTIME = Symbol('okta.runtime');
const runtimes = new WeakMap<TenantSecrets, OrgRuntime>();

function rsaKey(): { kid: string; privateJwk: SigningKey['privateJwk']; publicJwk: SigningKey['publicJwk']; pem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(16).toString('base64url');
  const priv = privateKey.export({ format: 'jwk' });
  const pub = createPublicKey(privateKey).export({ format: 'jwk' });
  return {
    kid,
    privateJwk: { ...priv, kid, alg: 'RS256', use: 'sig' },
    publicJwk: { ...pub, kid, alg: 'RS256', use: 'sig' },
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

/**
 * Tie a state to its tenant's secrets, whose runtime (keys) outlives resets and restores of the
 * state: the seed and the kernel's onTenantReady both call it. Not enumerable, so JSON (snapshots)
 * never sees it.
 */
export function attachRuntime(state: OktaState, secrets: TenantSecrets): void {
  Object.defineProperty(state, RUNTIME, { value: secrets, enumerable: false, configurable: true, writable: true });
}

/** The org's runtime, made on first use (RSA keys take a few tens of milliseconds each). */
export function runtimeOf(state: OktaState): OrgRuntime {
  const secrets = (state as unknown as Record<symbol, TenantSecrets | undefined>)[RUNTIME];
  // A state made outside a kernel (benchmarks) gets a runtime of its own.
  const key = secrets ?? (state as unknown as TenantSecrets);
  let rt = runtimes.get(key);
  if (!rt) {
    rt = { signing: [], generation: 0 };
    runtimes.set(key, rt);
  }
  if (rt.signing.length === 0) rt.signing.push(rsaKey());
  return rt;
}

/** The seeded service app's key pair (private key in the env, public key registered on the app). */
export function serviceKey(state: OktaState): ServiceKey {
  const rt = runtimeOf(state);
  if (!rt.service) {
    const k = rsaKey();
    rt.service = { kid: k.kid, pem: k.pem, publicJwk: k.publicJwk };
  }
  return rt.service;
}

/** Rotate the signing keys: a new key signs from now on; the previous one still verifies. */
export function rotateSigningKeys(state: OktaState): SigningKey[] {
  const rt = runtimeOf(state);
  rt.signing = [rsaKey(), ...rt.signing.slice(0, 1)];
  rt.generation++;
  return rt.signing;
}
