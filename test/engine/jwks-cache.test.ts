import { describe, expect, it } from 'vitest';
import { JwksCache } from '../../harness/engine/jwks-cache.ts';

function source() {
  const state = { keys: [{ kty: 'EC', kid: 'a', alg: 'ES256' }] as Record<string, string>[], t: 0 };
  return state;
}

describe('JwksCache', () => {
  it('finds a key by kid and serves later lookups from the cache', async () => {
    const s = source();
    const c = new JwksCache(async () => ({ keys: s.keys }), { maxAgeMs: 60_000, minRefetchMs: 1000, now: () => s.t });
    expect((await c.get('a'))?.kid).toBe('a');
    expect((await c.get('a'))?.kid).toBe('a');
    expect(c.fetches).toBe(1);
  });

  it('refetches on an unknown kid, at most once per minRefetchMs', async () => {
    const s = source();
    const c = new JwksCache(async () => ({ keys: s.keys }), { maxAgeMs: 60_000, minRefetchMs: 1000, now: () => s.t });
    await c.get('a');
    s.keys = [...s.keys, { kty: 'EC', kid: 'b', alg: 'ES256' }];
    expect((await c.get('b'))?.kid).toBe('b'); // rotated in: found after one refetch
    expect(c.fetches).toBe(2);
    expect(await c.get('forged-1')).toBeUndefined();
    expect(await c.get('forged-2')).toBeUndefined();
    expect(c.fetches).toBe(2); // within minRefetchMs: no new fetch for the forged kids
    s.t += 1000;
    expect(await c.get('forged-3')).toBeUndefined();
    expect(c.fetches).toBe(3);
  });

  it('refetches the whole set when it is older than maxAgeMs', async () => {
    const s = source();
    const c = new JwksCache(async () => ({ keys: s.keys }), { maxAgeMs: 5000, minRefetchMs: 1000, now: () => s.t });
    await c.get('a');
    s.t += 5000;
    await c.get('a');
    expect(c.fetches).toBe(2);
  });

  it('refuses a key whose alg differs from the one asked for', async () => {
    const s = source();
    const c = new JwksCache(async () => ({ keys: s.keys }), { maxAgeMs: 60_000, minRefetchMs: 1000, now: () => s.t });
    expect(await c.get('a', 'RS256')).toBeUndefined();
    expect((await c.get('a', 'ES256'))?.kid).toBe('a');
  });

  it('reports a fetch that yields no keys array', async () => {
    const c = new JwksCache(async () => ({}) as { keys: [] }, { maxAgeMs: 1, minRefetchMs: 1 });
    await expect(c.get('a')).rejects.toThrow(/no keys array/);
  });
});
