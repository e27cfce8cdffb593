// An org's RSA keys, made at run time and kept beside its state (never in a snapshot): the authorization servers' signing keys (made when a server first signs, off the event loop) and the seeded service app's key pair.

import { createPublicKey, generateKeyPair, generateKeyPairSync, type JsonWebKey, type KeyObject, randomBytes } from 'node:crypto';
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
  /** Signing keys, newest first; the first signs, all verify (rotation keeps the previous one). Empty until first needed. */
  signing: SigningKey[];
  /** The signing keys being made (so concurrent first requests share one key). */
  signingPending?: Promise<SigningKey[]>;
  service?: ServiceKey;
  servicePending?: Promise<ServiceKey>;
  /** Bumped when keys change, so cached authorization servers are rebuilt. */
  generation: number;
  /** Signs the sign-in cookies; random, and unchanged by key rotation (sessions survive it). */
  cookieKey: string;
}

const RUNTIME = Symbol('okta.runtime');
const runtimes = new WeakMap<TenantSecrets, OrgRuntime>();

type Made = { kid: string; privateJwk: SigningKey['privateJwk']; publicJwk: SigningKey['publicJwk']; pem: string };

function fromPrivateKey(privateKey: KeyObject): Made {
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

function rsaKeySync(): Made {
  return fromPrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
}

/** An RSA key made on libuv's thread pool (the event loop keeps serving meanwhile). */
function rsaKey(): Promise<Made> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048 }, (err, _publicKey, privateKey) => {
      if (err) reject(err);
      else resolve(fromPrivateKey(privateKey));
    });
  });
}

/**
 * Tie a state to its tenant's secrets, whose runtime (keys) outlives resets and restores of the
 * state: the seed and the kernel's onTenantReady both call it. Not enumerable, so JSON (snapshots)
 * never sees it.
 */
export function attachRuntime(state: OktaState, secrets: TenantSecrets): void {
  Object.defineProperty(state, RUNTIME, { value: secrets, enumerable: false, configurable: true, writable: true });
}

/** The org's runtime (no key is made here: see ensureSigningKeys and serviceKey). */
export function runtimeOf(state: OktaState): OrgRuntime {
  const secrets = (state as unknown as Record<symbol, TenantSecrets | undefined>)[RUNTIME];
  // A state made outside a kernel (benchmarks) gets a runtime of its own.
  const key = secrets ?? (state as unknown as TenantSecrets);
  let rt = runtimes.get(key);
  if (!rt) {
    rt = { signing: [], generation: 0, cookieKey: randomBytes(32).toString('base64url') };
    runtimes.set(key, rt);
  }
  return rt;
}

/** The signing keys, made (asynchronously) the first time a server signs or publishes them. */
export async function ensureSigningKeys(state: OktaState): Promise<SigningKey[]> {
  const rt = runtimeOf(state);
  if (rt.signing.length > 0) return rt.signing;
  rt.signingPending ??= rsaKey().then((k) => {
    if (rt.signing.length === 0) rt.signing = [{ kid: k.kid, privateJwk: k.privateJwk, publicJwk: k.publicJwk }];
    rt.signingPending = undefined;
    return rt.signing;
  });
  return rt.signingPending;
}

/** Start making the service app's key pair in the background (tenant creation), so the env rarely waits for it. */
export function prepareServiceKey(state: OktaState): void {
  const rt = runtimeOf(state);
  if (rt.service || rt.servicePending) return;
  rt.servicePending = rsaKey().then((k) => {
    rt.service ??= { kid: k.kid, pem: k.pem, publicJwk: k.publicJwk };
    rt.servicePending = undefined;
    return rt.service;
  });
  // A failure here is retried synchronously by serviceKey.
  rt.servicePending.catch(() => {
    rt.servicePending = undefined;
  });
}

/** The service app's key pair, awaited when it is still being made. */
export async function serviceKeyAsync(state: OktaState): Promise<ServiceKey> {
  const rt = runtimeOf(state);
  if (rt.service) return rt.service;
  if (rt.servicePending) return rt.servicePending;
  return serviceKey(state);
}

/**
 * The seeded service app's key pair (private key in the env, public key registered on the app).
 * Synchronous for the env: when the background key is not ready yet, one is made here (and wins).
 */
export function serviceKey(state: OktaState): ServiceKey {
  const rt = runtimeOf(state);
  if (!rt.service) {
    const k = rsaKeySync();
    rt.service = { kid: k.kid, pem: k.pem, publicJwk: k.publicJwk };
  }
  return rt.service;
}

/** Rotate the signing keys: a new key signs from now on; the previous one still verifies until the next rotation. */
export async function rotateSigningKeys(state: OktaState): Promise<SigningKey[]> {
  const rt = runtimeOf(state);
  await ensureSigningKeys(state);
  const k = await rsaKey();
  rt.signing = [{ kid: k.kid, privateJwk: k.privateJwk, publicJwk: k.publicJwk }, ...rt.signing.slice(0, 1)];
  rt.generation++;
  return rt.signing;
}
