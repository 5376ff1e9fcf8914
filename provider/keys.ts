// Signing keys: from config (private JWKs with kid + alg) or generated at start (RS256 and PS256
// on RSA 2048, ES256 on P-256), each with its own thumbprint kid. All JOSE work goes through jose.
//
// Rotation (OIDC Core §10.1.1): rotate() makes one new key per alg. The new key is published in
// the JWKS at once and signs only `publish_ahead` seconds later; the key it replaces stops signing
// then and stays in the JWKS (and verifies) for `retire_after` more seconds. Times are epoch ms.
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK, type JWTVerifyGetKey } from 'jose';
import type { Jwk, SigningAlg } from './config.ts';

export const SIGNING_ALGS: readonly SigningAlg[] = ['RS256', 'PS256', 'ES256'];
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
  publicJwk: JWK;
  privateJwk: JWK;
}

/** A key and its life: in the JWKS from publishedAt, signs from activeAt, gone at removeAt. */
export interface ManagedKey extends SigningKey {
  publishedAt: number;
  activeAt: number;
  /** Set when a newer key of the same alg takes over: stops signing then. */
  retiredAt?: number;
  removeAt?: number;
}

export interface RotationTimes { publishAhead: number; retireAfter: number }

export function publicPart(jwk: JWK): JWK {
  const out: JWK = { ...jwk };
  for (const m of PRIVATE_MEMBERS) delete (out as Record<string, unknown>)[m];
  return out;
}

async function generate(alg: SigningAlg): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const full = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicPart(full));
  const privateJwk: JWK = { ...full, kid, alg, use: 'sig' };
  return { kid, alg, privateKey, privateJwk, publicJwk: publicPart(privateJwk) };
}

async function fromJwk(jwk: Jwk): Promise<SigningKey> {
  const alg = jwk.alg as SigningAlg;
  const privateKey = (await importJWK(jwk as JWK, alg)) as CryptoKey;
  const privateJwk: JWK = { ...(jwk as JWK), use: 'sig' };
  return { kid: jwk.kid as string, alg, privateKey, privateJwk, publicJwk: publicPart(privateJwk) };
}

let early: Promise<SigningKey[]> | undefined;

/**
 * Start generating the default keys (one per alg) now; the next KeyStore.create without configured
 * keys takes them. main.ts calls it before loading the rest of the provider, so the RSA keygen runs
 * in the thread pool meanwhile. A failure surfaces in that create, as it would have there.
 */
export function pregenerateKeys(): void {
  if (early) return;
  early = Promise.all(SIGNING_ALGS.map(generate));
  early.catch(() => {});
}

export class KeyStore {
  #all: ManagedKey[];
  readonly #now: () => number;
  #unknown = new Map<SigningAlg, Promise<SigningKey>>();
  #rotating: Promise<ManagedKey[]> | undefined;

  private constructor(keys: SigningKey[], now: () => number) {
    this.#now = now;
    const t = now();
    this.#all = keys.map((k) => ({ ...k, publishedAt: t, activeAt: t }));
  }

  static async create(configured?: Jwk[], now: () => number = Date.now): Promise<KeyStore> {
    // Keys generated ahead (pregenerateKeys) serve one KeyStore only.
    const ahead = configured ? undefined : early;
    if (!configured) early = undefined;
    const keys = configured ? await Promise.all(configured.map(fromJwk)) : await (ahead ?? Promise.all(SIGNING_ALGS.map(generate)));
    return new KeyStore(keys, now);
  }

  #live(): ManagedKey[] {
    const t = this.#now();
    this.#all = this.#all.filter((k) => k.removeAt === undefined || k.removeAt > t);
    return this.#all;
  }

  /** The keys that sign now: per alg, the newest active, not retired key. */
  get keys(): readonly SigningKey[] {
    const t = this.#now();
    const out: ManagedKey[] = [];
    for (const alg of SIGNING_ALGS) {
      const k = this.#live().filter((x) => x.alg === alg && x.activeAt <= t && (x.retiredAt === undefined || x.retiredAt > t)).at(-1);
      if (k) out.push(k);
    }
    return out;
  }

  /** The keys in the JWKS now: published and not yet removed (signing, upcoming and retired). */
  get published(): readonly SigningKey[] {
    const t = this.#now();
    return this.#live().filter((k) => k.publishedAt <= t);
  }

  /** Every key we still hold, with its schedule (for the admin answer and tests). */
  get schedule(): readonly ManagedKey[] {
    return this.#live();
  }

  /** Our own tokens verify with any key we still hold (published or not). */
  readonly verifyKeys: JWTVerifyGetKey = (header, token) =>
    createLocalJWKSet({ keys: this.#live().map((k) => k.publicJwk) })(header, token);

  forAlg(alg: SigningAlg): SigningKey {
    const key = this.keys.find((k) => k.alg === alg);
    if (!key) throw new Error(`no signing key for ${alg}`);
    return key;
  }

  get algs(): SigningAlg[] {
    return [...new Set(this.#live().map((k) => k.alg))];
  }

  /**
   * One new key per alg in use. OIDC Core §10.1.1: it is published now and signs only after
   * publishAhead; the key it replaces retires then and stays published retireAfter longer.
   * `unpublishedFirst` (fault sign-with-unpublished-key) swaps the order: the new key signs at
   * once and reaches the JWKS only after publishAhead.
   */
  rotate(times: RotationTimes, unpublishedFirst = false): Promise<ManagedKey[]> {
    this.#rotating ??= this.#rotate(times, unpublishedFirst).finally(() => { this.#rotating = undefined; });
    return this.#rotating;
  }

  async #rotate(times: RotationTimes, unpublishedFirst: boolean): Promise<ManagedKey[]> {
    const algs = this.algs;
    const fresh = await Promise.all(algs.map(generate));
    const t = this.#now();
    const ahead = times.publishAhead * 1000;
    const added: ManagedKey[] = fresh.map((k) => (unpublishedFirst ? { ...k, publishedAt: t + ahead, activeAt: t } : { ...k, publishedAt: t, activeAt: t + ahead }));
    for (const k of added) {
      for (const old of this.#live()) {
        if (old.alg !== k.alg || old.retiredAt !== undefined) continue;
        old.retiredAt = k.activeAt;
        old.removeAt = k.activeAt + times.retireAfter * 1000;
      }
    }
    this.#all.push(...added);
    return added;
  }

  /** A key of the same alg and kid style that is NOT published (fault id-token-unknown-key). */
  unpublished(alg: SigningAlg): Promise<SigningKey> {
    let k = this.#unknown.get(alg);
    if (!k) {
      k = generate(alg);
      this.#unknown.set(alg, k);
    }
    return k;
  }
}
