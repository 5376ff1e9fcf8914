// Signing keys: from config (private JWKs with kid + alg) or generated at start (RS256 and PS256
// on RSA 2048, ES256 on P-256), each with its own thumbprint kid. All JOSE work goes through jose.
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

export class KeyStore {
  readonly keys: readonly SigningKey[];
  readonly verifyKeys: JWTVerifyGetKey;
  #unknown = new Map<SigningAlg, Promise<SigningKey>>();

  private constructor(keys: SigningKey[]) {
    this.keys = keys;
    this.verifyKeys = createLocalJWKSet({ keys: keys.map((k) => k.publicJwk) });
  }

  static async create(configured?: Jwk[]): Promise<KeyStore> {
    const keys = configured ? await Promise.all(configured.map(fromJwk)) : await Promise.all(SIGNING_ALGS.map(generate));
    return new KeyStore(keys);
  }

  forAlg(alg: SigningAlg): SigningKey {
    const key = this.keys.find((k) => k.alg === alg);
    if (!key) throw new Error(`no signing key for ${alg}`);
    return key;
  }

  get algs(): SigningAlg[] {
    return [...new Set(this.keys.map((k) => k.alg))];
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
