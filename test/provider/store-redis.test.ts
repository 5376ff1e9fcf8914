// The Redis store against a real redis-server (started here on a free loopback port, stopped after):
// each operation is one atomic command, so of 50 concurrent adds / consumes exactly one wins, also
// from two clients (two provider instances). Without redis-server (not installed, not root) the
// tests are skipped with the reason, never passed.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../provider/store-redis.ts';
import { redisUnavailableReason, startRedisServer, type RedisServer } from '../../harness/engine/redis-server.ts';
import { createStore } from '../../provider/store.ts';
import { storeContract } from './store-contract.ts';

const unavailable = redisUnavailableReason();
const title = (t: string) => (unavailable ? `${t} [skipped: ${unavailable}]` : t);

// One redis-server for the file: the Redis-specific tests and the shared contract.
let redis: RedisServer;
if (!unavailable) {
  beforeAll(async () => {
    redis = await startRedisServer();
  }, 20_000);
  afterAll(async () => {
    await redis?.stop();
  });
}

describe.skipIf(unavailable !== undefined)('RedisStore', () => {
  let a: RedisStore;
  let b: RedisStore;
  beforeAll(async () => {
    a = await RedisStore.connect({ url: redis.url, prefix: 'test-a:' });
    // A second client (another provider instance) on the same prefix.
    b = await RedisStore.connect({ url: redis.url, prefix: 'test-a:' });
  }, 20_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it(title('set / get / delete round-trip JSON values'), async () => {
    await a.set('code', 'c1', { grantId: 'g', scopes: ['openid'], n: 1, nested: { ok: true } }, 60);
    expect(await b.get('code', 'c1')).toEqual({ grantId: 'g', scopes: ['openid'], n: 1, nested: { ok: true } });
    await b.delete('code', 'c1');
    expect(await a.get('code', 'c1')).toBeUndefined();
    expect(await a.get('code', 'never-set')).toBeUndefined();
  });

  it(title('add writes exactly once under 50 concurrent calls from two clients'), async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).add('client_assertion_jti', 'jti-1', { i }, 60)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await a.get('client_assertion_jti', 'jti-1')).toEqual({ i: winner });
    // A later add of the same live id does not write either.
    expect(await a.add('client_assertion_jti', 'jti-1', { i: -1 }, 60)).toBe(false);
  });

  it(title('consume returns the value exactly once under 50 concurrent calls from two clients'), async () => {
    await a.set('code', 'race', { grantId: 'g1' }, 60);
    const got = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).consume('code', 'race')));
    expect(got.filter((v) => v !== undefined)).toEqual([{ grantId: 'g1' }]);
    expect(await a.get('code', 'race')).toBeUndefined();
  });

  it(title('sizes counts live entries per kind under its own prefix only'), async () => {
    const other = await RedisStore.connect({ url: redis.url, prefix: 'test-sizes:' });
    try {
      for (let i = 0; i < 30; i++) await other.set('access_token', `t${i}`, { i }, 60);
      await other.set('session', 's', {}, 60);
      await other.add('par', 'p', {}, 60);
      await a.set('session', 'elsewhere', {}, 60); // another prefix: not counted
      expect(await other.sizes()).toEqual({ access_token: 30, session: 1, par: 1 });
      await other.consume('par', 'p');
      expect((await other.sizes()).par).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it(title('a prefix with glob characters is matched literally by sizes'), async () => {
    const odd = await RedisStore.connect({ url: redis.url, prefix: 'odd*[x]:' });
    const near = await RedisStore.connect({ url: redis.url, prefix: 'oddZx:' });
    try {
      await odd.set('code', 'a', 1, 60);
      await near.set('code', 'b', 1, 60);
      expect(await odd.sizes()).toEqual({ code: 1 });
    } finally {
      await odd.close();
      await near.close();
    }
  });

  it(title('createStore({ type: redis }) connects; without a url it says so'), async () => {
    const s = await createStore({ type: 'redis', url: redis.url, prefix: `test-${randomUUID()}:` });
    try {
      expect(await s.add('par_used', 'x', true, 60)).toBe(true);
      expect(await s.sizes()).toEqual({ par_used: 1 });
    } finally {
      await s.close();
    }
    await expect(createStore({ type: 'redis' })).rejects.toThrow(/type redis needs a url/);
  });

  it(title('connect fails with the cause when nothing listens'), async () => {
    await expect(RedisStore.connect({ url: 'redis://127.0.0.1:1' })).rejects.toThrow(/cannot connect to redis:\/\/127\.0\.0\.1:1/);
  });
});

// The shared contract (test/provider/store-contract.ts, which covers TTL expiry), each store on a
// fresh prefix of the same Redis.
if (!unavailable) storeContract('redis', () => RedisStore.connect({ url: redis.url, prefix: `contract-${randomUUID()}:` }));

// The reason is visible in the run's output, not only in a skipped count.
if (unavailable) {
  describe('RedisStore (no redis-server here)', () => {
    it.skip(`skipped: ${unavailable}`, () => {});
  });
}
