// The Store contract (provider/store.ts), one suite for every implementation: memory and sqlite
// here (store.test.ts), Redis in its own test. `make` returns a fresh, empty store each call.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../provider/store.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function storeContract(name: string, make: () => Store | Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    const open: Store[] = [];
    const fresh = async () => {
      const s = await make();
      open.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    it('get / set / delete: JSON values by kind and id; kinds are separate', async () => {
      const s = await fresh();
      const id = randomUUID();
      expect(await s.get('code', id)).toBeUndefined();
      const value = { a: 1, b: 'two', c: [true, null, { d: 4.5 }], e: '\u00e9\u{1F600}' };
      await s.set('code', id, value, 60);
      expect(await s.get('code', id)).toEqual(value);
      expect(await s.get('session', id)).toBeUndefined();
      await s.set('code', id, 'replaced', 60);
      expect(await s.get('code', id)).toBe('replaced');
      await s.set('session', id, true, 60);
      await s.delete('code', id);
      expect(await s.get('code', id)).toBeUndefined();
      expect(await s.get('session', id)).toBe(true);
      await s.delete('code', id); // deleting an absent entry is no error
    });

    it('a returned value is a copy: changing it changes nothing stored', async () => {
      const s = await fresh();
      const id = randomUUID();
      const v = { n: 1 };
      await s.set('interaction', id, v, 60);
      v.n = 2;
      const got = await s.get<{ n: number }>('interaction', id);
      expect(got).toEqual({ n: 1 });
      got!.n = 3;
      expect(await s.get('interaction', id)).toEqual({ n: 1 });
    });

    it('every entry expires by its own TTL: get, add, consume, sizes and count see it gone', async () => {
      const s = await fresh();
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      await s.set('code', a, 'short', 1);
      await s.set('code', b, 'long', 60);
      expect(await s.add('dpop_jti', c, 'first', 1)).toBe(true);
      const consumed = randomUUID();
      await s.set('par', consumed, 'x', 1);
      await sleep(1300);
      expect(await s.get('code', a)).toBeUndefined();
      expect(await s.get('code', b)).toBe('long');
      expect(await s.consume('par', consumed)).toBeUndefined();
      // An expired entry does not block add.
      expect(await s.add('dpop_jti', c, 'second', 60)).toBe(true);
      expect(await s.get('dpop_jti', c)).toBe('second');
      expect(await s.sizes()).toEqual({ code: 1, dpop_jti: 1 });
      expect(await s.count('code')).toBe(1);
    });

    it('set renews the TTL of an existing entry', async () => {
      const s = await fresh();
      const id = randomUUID();
      await s.set('session', id, 1, 1);
      await s.set('session', id, 2, 60);
      await sleep(1300);
      expect(await s.get('session', id)).toBe(2);
    });

    it('add writes only when no live entry exists, exactly once under 50 concurrent calls', async () => {
      const s = await fresh();
      const id = randomUUID();
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => s.add('client_assertion_jti', id, { i }, 60)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await s.get('client_assertion_jti', id)).toEqual({ i: winner });
      expect(await s.add('client_assertion_jti', id, { i: 99 }, 60)).toBe(false);
      expect(await s.get('client_assertion_jti', id)).toEqual({ i: winner });
    });

    it('consume returns the value once, under 50 concurrent calls, and removes it', async () => {
      const s = await fresh();
      const id = randomUUID();
      await s.set('code', id, { grant: 'g1' }, 60);
      const results = await Promise.all(Array.from({ length: 50 }, () => s.consume('code', id)));
      expect(results.filter((r) => r !== undefined)).toEqual([{ grant: 'g1' }]);
      expect(await s.get('code', id)).toBeUndefined();
      expect(await s.consume('code', id)).toBeUndefined();
    });

    it('sizes counts the live entries per kind', async () => {
      const s = await fresh();
      expect(await s.sizes()).toEqual({});
      for (let i = 0; i < 5; i++) await s.set('access_token', `t${i}`, i, 60);
      await s.add('dpop_jti', 'j', true, 60);
      await s.set('code', 'gone', 1, 60);
      await s.consume('code', 'gone');
      await s.delete('access_token', 't0');
      expect(await s.sizes()).toEqual({ access_token: 4, dpop_jti: 1 });
      expect([await s.count('access_token'), await s.count('dpop_jti'), await s.count('code')]).toEqual([4, 1, 0]);
    });

    it('close resolves (and may be called twice)', async () => {
      const s = await make();
      await s.set('code', 'x', 1, 60);
      await s.close();
      await s.close();
    });
  });
}
