// A Redis adapter for the oidc-provider peer, so that several peer instances share one state
// (plans/peer/multi-instance.yaml). It implements oidc-provider's adapter interface (upsert, find,
// findByUid, findByUserCode, consume, destroy, revokeByGrantId) on node-redis's core
// (@redis/client, the same pinned client as provider/store-redis.ts).
// Keys: `${prefix}${model}:${id}` holds the JSON payload; `…:consumed` the consume time (one SET,
// so a consume is never lost to a concurrent payload write); `${prefix}grant:${grantId}` lists the
// keys a grant issued; `${prefix}uid:` and `${prefix}userCode:` index sessions and device codes.
// The adapter does each operation in one command or transaction. What it cannot do is make the
// library's own find-then-consume (a code, a jti) atomic: that sequence is oidc-provider's.
import { createClient } from '@redis/client';

type Payload = Record<string, unknown> & { grantId?: string; uid?: string; userCode?: string; consumed?: number };

/** Models whose entries a grant's revocation removes (oidc-provider's grantable models). */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

type Client = ReturnType<typeof createClient>;
let client: Client | undefined;
let prefix = 'peer:';

/** Connect once per process; the adapter class then serves every model. */
export async function connectRedis(url: string, keyPrefix: string): Promise<void> {
  prefix = keyPrefix;
  const c = createClient({ url, socket: { connectTimeout: 5000 }, disableOfflineQueue: true });
  c.on('error', (err: Error) => console.error('redis adapter:', err.message));
  await c.connect();
  client = c as Client;
}

function redis(): Client {
  if (!client) throw new Error('redis adapter used before connectRedis');
  return client;
}

const ex = (seconds: number | undefined) => (seconds && seconds > 0 ? { expiration: { type: 'EX' as const, value: Math.ceil(seconds) } } : {});

export class RedisAdapter {
  readonly #model: string;

  constructor(model: string) {
    this.#model = model;
  }

  #key(id: string): string {
    return `${prefix}${this.#model}:${id}`;
  }

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    const key = this.#key(id);
    const m = redis().multi();
    m.set(key, JSON.stringify(payload), ex(expiresIn));
    if (GRANTABLE.has(this.#model) && payload.grantId) {
      const grantKey = `${prefix}grant:${payload.grantId}`;
      m.rPush(grantKey, key);
      // The list lives as long as its longest member: set once (NX), then only lengthen (GT).
      if (expiresIn) {
        m.expire(grantKey, Math.ceil(expiresIn), 'NX');
        m.expire(grantKey, Math.ceil(expiresIn), 'GT');
      }
    }
    if (payload.uid) m.set(`${prefix}uid:${payload.uid}`, id, ex(expiresIn));
    if (payload.userCode) m.set(`${prefix}userCode:${payload.userCode}`, id, ex(expiresIn));
    await m.exec();
  }

  async find(id: string): Promise<Payload | undefined> {
    const key = this.#key(id);
    const [value, consumed] = await redis().mGet([key, `${key}:consumed`]);
    if (!value) return undefined;
    const payload = JSON.parse(value) as Payload;
    return consumed ? { ...payload, consumed: Number(consumed) } : payload;
  }

  async findByUid(uid: string): Promise<Payload | undefined> {
    const id = await redis().get(`${prefix}uid:${uid}`);
    return id ? this.find(id) : undefined;
  }

  async findByUserCode(userCode: string): Promise<Payload | undefined> {
    const id = await redis().get(`${prefix}userCode:${userCode}`);
    return id ? this.find(id) : undefined;
  }

  async consume(id: string): Promise<void> {
    const key = this.#key(id);
    const ttl = await redis().ttl(key);
    await redis().set(`${key}:consumed`, String(Math.floor(Date.now() / 1000)), ex(ttl > 0 ? ttl : undefined));
  }

  async destroy(id: string): Promise<void> {
    const key = this.#key(id);
    await redis().del([key, `${key}:consumed`]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const grantKey = `${prefix}grant:${grantId}`;
    const keys = await redis().lRange(grantKey, 0, -1);
    await redis().del([grantKey, ...keys, ...keys.map((k) => `${k}:consumed`)]);
  }
}
