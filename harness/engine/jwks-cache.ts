// The harness's own JWKS cache, following the rules of a careful resource server (RFC 9068 §4,
// OIDC Core §10.1.1): keys are looked up by kid; the set is refetched when older than `maxAgeMs`,
// and on an unknown kid, but at most once per `minRefetchMs` (so a flood of forged kids cannot
// turn into a flood of JWKS requests).
import type { JWK } from 'jose';
import { PRIVATE_JWK_MEMBERS } from '../checks/jwks.ts';

/**
 * The public half of each key of a published set: private members dropped, symmetric (oct) keys
 * left out. A JWKS that publishes private members is reported by jwks-has-no-private-members
 * (RFC 7517 §9.2); signatures are still verified with the public part, so one broken rule gives
 * one finding, not a second opaque key-import failure.
 */
export function publicKeys(keys: readonly unknown[]): JWK[] {
  const out: JWK[] = [];
  for (const k of keys) {
    if (!k || typeof k !== 'object' || Array.isArray(k)) continue;
    if ((k as JWK).kty === 'oct') continue;
    const pub: Record<string, unknown> = { ...(k as Record<string, unknown>) };
    for (const m of PRIVATE_JWK_MEMBERS) delete pub[m];
    out.push(pub as JWK);
  }
  return out;
}

export interface JwksCacheOptions {
  /** Refetch the whole set when it is older than this (ms). */
  maxAgeMs: number;
  /** At most one unknown-kid refetch per this many ms. */
  minRefetchMs: number;
  now?: () => number;
}

export class JwksCache {
  #keys: JWK[] | undefined;
  #fetchedAt = 0;
  #lastUnknownRefetch = Number.NEGATIVE_INFINITY;
  #fetching: Promise<void> | undefined;
  readonly #fetch: () => Promise<{ keys: JWK[] }>;
  readonly #opts: Required<JwksCacheOptions>;
  /** How many times the set was fetched (for tests and reports). */
  fetches = 0;

  constructor(fetch: () => Promise<{ keys: JWK[] }>, opts: JwksCacheOptions) {
    this.#fetch = fetch;
    this.#opts = { now: Date.now, ...opts };
  }

  async #refresh(): Promise<void> {
    this.#fetching ??= (async () => {
      try {
        const set = await this.#fetch();
        if (!set || !Array.isArray(set.keys)) throw new Error('the JWKS has no keys array');
        this.#keys = publicKeys(set.keys);
        this.#fetchedAt = this.#opts.now();
        this.fetches++;
      } finally {
        this.#fetching = undefined;
      }
    })();
    return this.#fetching;
  }

  /** The key with this kid (and alg, when given), refetching as the rules allow; undefined if none. */
  async get(kid: string | undefined, alg?: string): Promise<JWK | undefined> {
    const now = this.#opts.now();
    if (!this.#keys || now - this.#fetchedAt >= this.#opts.maxAgeMs) await this.#refresh();
    const find = () => this.#keys!.find((k) => (kid === undefined || k.kid === kid) && (alg === undefined || k.alg === undefined || k.alg === alg));
    let key = find();
    if (!key && now - this.#lastUnknownRefetch >= this.#opts.minRefetchMs) {
      this.#lastUnknownRefetch = now;
      await this.#refresh();
      key = find();
    }
    return key;
  }

  /** Every key currently cached (fetching once if empty). */
  async all(): Promise<JWK[]> {
    if (!this.#keys) await this.#refresh();
    return [...this.#keys!];
  }
}
