// Storage for codes, sessions, interactions, grants, tokens, registered clients. The interface is
// async so a shared store (sqlite file, Redis) can replace the in-memory one. Every guard of an
// exactly-once rule is ONE store operation: `add` (write-if-absent: remember a jti, mark a
// credential used) or `consume` (get + delete of a single-use value).
import { ConfigError as OAuthConfigError, OAuthError } from './errors.ts';

export type Kind =
  | 'code' | 'code_used' | 'session' | 'interaction' | 'access_token' | 'refresh_token' | 'refresh_rotated' | 'revoked_grant'
  | 'client_assertion_jti' | 'logout' | 'dpop_jti' | 'dpop_nonce' | 'device_code' | 'user_code' | 'device_interaction'
  | 'ciba_request' | 'polled_used' | 'par' | 'par_used' | 'client' | 'signing_keys';

/** ttlSeconds may be a fraction or below 1: every store rounds it up to whole seconds, at least 1 (ttlOf). */
export interface Store {
  get<T>(kind: Kind, id: string): Promise<T | undefined>;
  set(kind: Kind, id: string, value: unknown, ttlSeconds: number): Promise<void>;
  /** Write only if no live entry exists; true when this call wrote it. ONE atomic operation
   *  (remember-jti, mark-used-once). Redis: SET key val NX EX ttl. */
  add(kind: Kind, id: string, value: unknown, ttlSeconds: number): Promise<boolean>;
  delete(kind: Kind, id: string): Promise<void>;
  /** Atomic get + delete, for single-use values (Redis: GETDEL). */
  consume<T>(kind: Kind, id: string): Promise<T | undefined>;
  /** Live entries per kind (the store-size gauge of /metrics). */
  sizes(): Promise<Partial<Record<Kind, number>>>;
  /** Live entries of one kind (what sizes() gives for it, without counting the others). */
  count(kind: Kind): Promise<number>;
  close(): Promise<void>;
}

export interface StoreConfig {
  type: 'memory' | 'sqlite' | 'redis';
  /** sqlite: the database file. */
  path?: string;
  /** redis: redis://host:port/db */
  url?: string;
  /** redis: key prefix (default `touchstone:`). */
  prefix?: string;
  /** memory: live entries per kind (default DEFAULT_MAX_ENTRIES_PER_KIND). */
  max_entries_per_kind?: number;
}

export const DEFAULT_MAX_ENTRIES_PER_KIND = 100_000;

/**
 * Kinds whose entries guard a security rule (a remembered jti, a "used" or "revoked" marker, a
 * registered client, the signing keys). A full store never evicts one of these: dropping a jti
 * would let a replay in, dropping a revocation would revive tokens. The write is refused instead.
 * Every other kind fails closed when evicted (a lost code, session or token is simply unknown).
 */
export const GUARD_KINDS: ReadonlySet<Kind> = new Set<Kind>([
  'code_used', 'refresh_rotated', 'revoked_grant', 'client_assertion_jti', 'dpop_jti', 'polled_used', 'par_used', 'client', 'signing_keys',
]);

/**
 * The store is full for a guard kind. RFC 6749 §4.1.2.1 `temporarily_unavailable` ("unable to
 * handle the request due to a temporary overloading"), 503: the condition ends by itself as the
 * remembered entries expire (their lifetimes are capped), so the client may retry.
 */
export class StoreFull extends OAuthError {
  constructor(kind: Kind) {
    super('temporarily_unavailable', `the server cannot accept more ${kind} entries right now; retry later`, 503);
    this.headers = { 'retry-after': '5' };
  }
}

/** Seconds as the positive integer every store takes (callers may pass fractions or <1). */
export const ttlOf = (seconds: number): number => Math.max(1, Math.ceil(seconds));

interface Entry { kind: Kind; id: string; value: unknown; expiresAt: number; heapIndex: number }

/** A binary min-heap on expiresAt whose entries know their position (O(log n) update and removal). */
class ExpiryHeap {
  readonly #a: Entry[] = [];
  get size(): number { return this.#a.length; }
  peek(): Entry | undefined { return this.#a[0]; }
  push(e: Entry): void {
    e.heapIndex = this.#a.length;
    this.#a.push(e);
    this.#up(e.heapIndex);
  }
  remove(e: Entry): void {
    const i = e.heapIndex;
    const last = this.#a.pop()!;
    if (i < this.#a.length) {
      this.#a[i] = last;
      last.heapIndex = i;
      this.#down(i);
      this.#up(last.heapIndex);
    }
    e.heapIndex = -1;
  }
  update(e: Entry): void {
    this.#down(e.heapIndex);
    this.#up(e.heapIndex);
  }
  #swap(i: number, j: number): void {
    const a = this.#a;
    [a[i], a[j]] = [a[j], a[i]];
    a[i].heapIndex = i;
    a[j].heapIndex = j;
  }
  #up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.#a[p].expiresAt <= this.#a[i].expiresAt) return;
      this.#swap(i, p);
      i = p;
    }
  }
  #down(i: number): void {
    const a = this.#a;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && a[l].expiresAt < a[m].expiresAt) m = l;
      if (r < a.length && a[r].expiresAt < a[m].expiresAt) m = r;
      if (m === i) return;
      this.#swap(i, m);
      i = m;
    }
  }
}

interface Table { entries: Map<string, Entry>; heap: ExpiryHeap }

/**
 * One process's store, bounded: each kind has its own table and expiry heap; a timer (unref'd,
 * every second) drops expired entries even when no writes come; a kind holds at most
 * `maxEntriesPerKind` live entries. When a kind is full, the entry closest to expiry is evicted,
 * except for GUARD_KINDS, where the write is refused (StoreFull).
 */
export class MemoryStore implements Store {
  readonly #tables = new Map<Kind, Table>();
  readonly #now: () => number;
  readonly #max: number;
  readonly #timer: NodeJS.Timeout;

  constructor(opts: { now?: () => number; maxEntriesPerKind?: number; sweepMs?: number } = {}) {
    this.#now = opts.now ?? Date.now;
    this.#max = opts.maxEntriesPerKind ?? DEFAULT_MAX_ENTRIES_PER_KIND;
    this.#timer = setInterval(() => this.sweep(), opts.sweepMs ?? 1000);
    this.#timer.unref();
  }

  #table(kind: Kind): Table {
    let t = this.#tables.get(kind);
    if (!t) this.#tables.set(kind, (t = { entries: new Map(), heap: new ExpiryHeap() }));
    return t;
  }

  #live(kind: Kind, id: string): Entry | undefined {
    const t = this.#tables.get(kind);
    const e = t?.entries.get(id);
    if (!t || !e) return undefined;
    if (e.expiresAt <= this.#now()) {
      this.#drop(t, e);
      return undefined;
    }
    return e;
  }

  #drop(t: Table, e: Entry): void {
    t.entries.delete(e.id);
    t.heap.remove(e);
  }

  #write(kind: Kind, id: string, value: unknown, ttlSeconds: number): void {
    const t = this.#table(kind);
    const expiresAt = this.#now() + ttlOf(ttlSeconds) * 1000;
    const copy = structuredClone(value);
    const existing = t.entries.get(id);
    if (existing) {
      existing.value = copy;
      existing.expiresAt = expiresAt;
      t.heap.update(existing);
      return;
    }
    if (t.entries.size >= this.#max) {
      this.#sweepTable(t, this.#now());
      if (t.entries.size >= this.#max) {
        if (GUARD_KINDS.has(kind)) throw new StoreFull(kind);
        this.#drop(t, t.heap.peek()!);
      }
    }
    const e: Entry = { kind, id, value: copy, expiresAt, heapIndex: -1 };
    t.entries.set(id, e);
    t.heap.push(e);
  }

  async get<T>(kind: Kind, id: string): Promise<T | undefined> {
    const e = this.#live(kind, id);
    return e === undefined ? undefined : (structuredClone(e.value) as T);
  }

  async set(kind: Kind, id: string, value: unknown, ttlSeconds: number): Promise<void> {
    this.#write(kind, id, value, ttlSeconds);
  }

  // One process, no await between the check and the write: atomic.
  async add(kind: Kind, id: string, value: unknown, ttlSeconds: number): Promise<boolean> {
    if (this.#live(kind, id)) return false;
    this.#write(kind, id, value, ttlSeconds);
    return true;
  }

  async delete(kind: Kind, id: string): Promise<void> {
    const t = this.#tables.get(kind);
    const e = t?.entries.get(id);
    if (t && e) this.#drop(t, e);
  }

  async consume<T>(kind: Kind, id: string): Promise<T | undefined> {
    const e = this.#live(kind, id);
    if (!e) return undefined;
    this.#drop(this.#tables.get(kind)!, e);
    return e.value as T;
  }

  async sizes(): Promise<Partial<Record<Kind, number>>> {
    this.sweep();
    const out: Partial<Record<Kind, number>> = {};
    for (const [kind, t] of this.#tables) if (t.entries.size > 0) out[kind] = t.entries.size;
    return out;
  }

  async count(kind: Kind): Promise<number> {
    this.sweep();
    return this.#tables.get(kind)?.entries.size ?? 0;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
  }

  /** Entries held, expired or not (no sweep): what the timer leaves behind. */
  get held(): number {
    let n = 0;
    for (const t of this.#tables.values()) n += t.entries.size;
    return n;
  }

  /** Drop every expired entry (the timer calls this every second; cost: the expired entries only). */
  sweep(): void {
    const now = this.#now();
    for (const t of this.#tables.values()) this.#sweepTable(t, now);
  }

  #sweepTable(t: Table, now: number): void {
    for (let e = t.heap.peek(); e && e.expiresAt <= now; e = t.heap.peek()) this.#drop(t, e);
  }
}

/** Where `npm run provider` and the container keep their state when nothing else is said. */
export const DEFAULT_SQLITE_PATH = '.touchstone/provider.db';

/**
 * TOUCHSTONE_STORE: `memory`, `sqlite` (DEFAULT_SQLITE_PATH) or `sqlite:<path>`; undefined when
 * unset. The CLI's default store when the config has no `store` (the config wins).
 */
export function storeFromEnv(value: string | undefined): StoreConfig | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (v === 'memory') return { type: 'memory' };
  if (v === 'sqlite') return { type: 'sqlite', path: DEFAULT_SQLITE_PATH };
  if (v.startsWith('sqlite:') && v.length > 7) return { type: 'sqlite', path: v.slice(7) };
  throw new OAuthConfigError(`TOUCHSTONE_STORE must be memory, sqlite or sqlite:<path>, got "${v}"`);
}

/**
 * A value every instance on the store shares (the generated signing keys): the stored one, else
 * `make()` written if absent; of instances starting together, the first write wins for all.
 */
export async function sharedValue<T>(store: Store, kind: Kind, id: string, make: () => Promise<T>, ttlSeconds: number): Promise<T> {
  const existing = await store.get<T>(kind, id);
  if (existing !== undefined) return existing;
  const mine = await make();
  if (await store.add(kind, id, mine, ttlSeconds)) return mine;
  return (await store.get<T>(kind, id)) ?? mine;
}

/** The store a provider config names (memory when absent). Redis's client is loaded only for redis. */
export async function createStore(config: StoreConfig | undefined): Promise<Store> {
  const c = config ?? { type: 'memory' };
  switch (c.type) {
    case 'memory':
      return new MemoryStore({ maxEntriesPerKind: c.max_entries_per_kind });
    case 'sqlite': {
      const { SqliteStore } = await import('./store-sqlite.ts');
      return SqliteStore.open(c.path ?? DEFAULT_SQLITE_PATH);
    }
    case 'redis': {
      if (!c.url) throw new Error('store: type redis needs a url (redis://host:port)');
      const { RedisStore } = await import('./store-redis.ts');
      return RedisStore.connect({ url: c.url, prefix: c.prefix });
    }
  }
}

/** The latency of one networked-store round trip (the fault switches that open a race window use it). */
export const storeRoundTrip = (): Promise<void> => new Promise((r) => setTimeout(r, 25));
