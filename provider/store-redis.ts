// The Redis store: several provider instances share one Redis (config `store: { type: redis, url,
// prefix }`). Every operation is ONE Redis command, so the exactly-once rules hold across
// instances: add = SET NX EX (remember-jti, mark-used-once), consume = GETDEL, set = SET EX, get =
// GET, delete = DEL. Values are JSON; keys are `${prefix}${kind}:${id}`. Redis expires entries by
// their TTL itself, so no sweep is needed. The client is node-redis's core (@redis/client, pinned).
import { createClient } from '@redis/client';
import { ttlOf, type Kind, type Store } from './store.ts';

export const DEFAULT_REDIS_PREFIX = 'touchstone:';

export interface RedisStoreOptions {
  /** redis://[user:password@]host:port[/db] */
  url: string;
  /** Key prefix, default `touchstone:` (several providers, or runs, can share one Redis). */
  prefix?: string;
}

function makeClient(url: string, state: { connected: boolean }) {
  return createClient({
    url,
    // The first connect fails at once with its cause; a lost connection is retried (up to ~30 s).
    // Offline, commands fail at once: a provider that lost its store answers 500s, never hangs.
    socket: {
      connectTimeout: 5000,
      reconnectStrategy: (retries: number, cause: Error) => (!state.connected ? cause : retries > 20 ? new Error(`redis: gave up reconnecting (${cause.message})`) : Math.min((retries + 1) * 100, 2000)),
    },
    disableOfflineQueue: true,
  });
}
type Client = ReturnType<typeof makeClient>;

export class RedisStore implements Store {
  readonly #client: Client;
  readonly #prefix: string;

  private constructor(client: Client, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  /** Connect (fails fast with the cause when Redis does not answer). */
  static async connect(opts: RedisStoreOptions): Promise<RedisStore> {
    const state = { connected: false };
    const client = makeClient(opts.url, state);
    let lastError: Error | undefined;
    client.on('error', (err: Error) => (lastError = err)); // node-redis requires a listener; reconnects itself
    try {
      await client.connect();
      state.connected = true;
    } catch (err) {
      if (client.isOpen) client.destroy();
      throw new Error(`redis store: cannot connect to ${redact(opts.url)}: ${(err as Error).message ?? lastError?.message}`);
    }
    return new RedisStore(client, opts.prefix ?? DEFAULT_REDIS_PREFIX);
  }

  #key(kind: Kind, id: string): string {
    return `${this.#prefix}${kind}:${id}`;
  }

  async get<T>(kind: Kind, id: string): Promise<T | undefined> {
    return parse<T>(await this.#client.get(this.#key(kind, id)));
  }

  async set(kind: Kind, id: string, value: unknown, ttlSeconds: number): Promise<void> {
    await this.#client.set(this.#key(kind, id), JSON.stringify(value), { expiration: { type: 'EX', value: ttlOf(ttlSeconds) } });
  }

  /** SET key value NX EX ttl: one command, so of several concurrent adds (any instance) exactly one writes. */
  async add(kind: Kind, id: string, value: unknown, ttlSeconds: number): Promise<boolean> {
    const reply = await this.#client.set(this.#key(kind, id), JSON.stringify(value), { condition: 'NX', expiration: { type: 'EX', value: ttlOf(ttlSeconds) } });
    return reply === 'OK';
  }

  async delete(kind: Kind, id: string): Promise<void> {
    await this.#client.del(this.#key(kind, id));
  }

  /** GETDEL (Redis >= 6.2): of several concurrent consumes of one id, exactly one gets the value. */
  async consume<T>(kind: Kind, id: string): Promise<T | undefined> {
    return parse<T>(await this.#client.getDel(this.#key(kind, id)));
  }

  /** Live entries per kind: SCAN over the prefix (a gauge: cheap enough, not a snapshot). */
  async sizes(): Promise<Partial<Record<Kind, number>>> {
    const out: Partial<Record<Kind, number>> = {};
    for await (const keys of this.#client.scanIterator({ MATCH: `${escapeGlob(this.#prefix)}*`, COUNT: 1000 })) {
      for (const key of keys) {
        const kind = key.slice(this.#prefix.length).split(':', 1)[0] as Kind;
        out[kind] = (out[kind] ?? 0) + 1;
      }
    }
    return out;
  }

  async count(kind: Kind): Promise<number> {
    let n = 0;
    for await (const keys of this.#client.scanIterator({ MATCH: `${escapeGlob(this.#key(kind, ''))}*`, COUNT: 1000 })) n += keys.length;
    return n;
  }

  async close(): Promise<void> {
    if (!this.#client.isOpen) return;
    try {
      await this.#client.close();
    } catch {
      this.#client.destroy();
    }
  }
}

function parse<T>(raw: string | null | undefined | {}): T | undefined {
  if (raw === null || raw === undefined) return undefined;
  return JSON.parse(String(raw)) as T;
}

/** The prefix taken literally in a SCAN MATCH pattern. */
function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

/** The URL without its password, for error messages and logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable url)';
  }
}
