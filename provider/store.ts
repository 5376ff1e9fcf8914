// Storage for codes, sessions, interactions, grants, tokens. The interface is async so a
// persistent adapter can replace the in-memory one; expiry is by timestamp.

export type Kind = 'code' | 'code_used' | 'session' | 'interaction' | 'access_token' | 'refresh_token' | 'revoked_grant' | 'client_assertion_jti' | 'logout' | 'dpop_jti' | 'dpop_nonce' | 'device_code' | 'user_code' | 'device_interaction' | 'ciba_request' | 'par';

export interface Store {
  get<T>(kind: Kind, id: string): Promise<T | undefined>;
  set(kind: Kind, id: string, value: unknown, ttlSeconds: number): Promise<void>;
  delete(kind: Kind, id: string): Promise<void>;
  /** Atomic get + delete, for single-use values. */
  consume<T>(kind: Kind, id: string): Promise<T | undefined>;
}

interface Entry { value: unknown; expiresAt: number }

export class MemoryStore implements Store {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #live(key: string): Entry | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return e;
  }

  async get<T>(kind: Kind, id: string): Promise<T | undefined> {
    return this.#live(`${kind}:${id}`)?.value as T | undefined;
  }

  async set(kind: Kind, id: string, value: unknown, ttlSeconds: number): Promise<void> {
    this.#sweep();
    this.#entries.set(`${kind}:${id}`, { value: structuredClone(value), expiresAt: this.#now() + ttlSeconds * 1000 });
  }

  async delete(kind: Kind, id: string): Promise<void> {
    this.#entries.delete(`${kind}:${id}`);
  }

  async consume<T>(kind: Kind, id: string): Promise<T | undefined> {
    const key = `${kind}:${id}`;
    const e = this.#live(key);
    this.#entries.delete(key);
    return e?.value as T | undefined;
  }

  #sets = 0;
  #sweep(): void {
    if (++this.#sets % 256 !== 0) return;
    const now = this.#now();
    for (const [k, e] of this.#entries) if (e.expiresAt <= now) this.#entries.delete(k);
  }
}

/** The latency of one networked-store round trip (the fault switches that open a race window use it). */
export const storeRoundTrip = (): Promise<void> => new Promise((r) => setTimeout(r, 25));
