// The stores: the shared contract against memory and sqlite, then what is particular to each
// (the memory store's cap and expiry index, the sqlite file shared and reopened).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore, StoreFull, createStore } from '../../provider/store.ts';
import { SqliteStore } from '../../provider/store-sqlite.ts';
import { storeContract } from './store-contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'touchstone-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const dbFile = () => join(dir, `s${++n}.db`);

storeContract('memory', () => new MemoryStore());
storeContract('sqlite', () => SqliteStore.open(dbFile()));

describe('MemoryStore bounds', () => {
  it('expires entries on its timer with no further writes or reads', async () => {
    let now = 1_000_000;
    const s = new MemoryStore({ now: () => now, sweepMs: 20 });
    for (let i = 0; i < 1000; i++) await s.set('access_token', `t${i}`, { i }, 1 + (i % 10));
    now += 5_000;
    await new Promise((r) => setTimeout(r, 60));
    // `held` does not sweep: the timer has dropped them.
    expect(s.held).toBe(500);
    now += 6_000;
    await new Promise((r) => setTimeout(r, 60));
    expect(s.held).toBe(0);
    await s.close();
  });

  it('a full kind evicts the entry closest to expiry; other kinds are unaffected', async () => {
    const s = new MemoryStore({ maxEntriesPerKind: 3 });
    await s.set('code', 'a', 'a', 30);
    await s.set('code', 'b', 'b', 10);
    await s.set('code', 'c', 'c', 20);
    await s.set('session', 'x', 'x', 5);
    await s.set('code', 'd', 'd', 40);
    expect(await s.get('code', 'b')).toBeUndefined();
    expect([await s.get('code', 'a'), await s.get('code', 'c'), await s.get('code', 'd')]).toEqual(['a', 'c', 'd']);
    // Overwriting a present id is no new entry: nothing is evicted.
    await s.set('code', 'c', 'c2', 1);
    expect(await s.sizes()).toEqual({ code: 3, session: 1 });
    await s.close();
  });

  it('a full guard kind (jti, used marker) refuses the write: temporarily_unavailable, nothing evicted', async () => {
    const s = new MemoryStore({ maxEntriesPerKind: 2 });
    expect(await s.add('dpop_jti', 'j1', true, 60)).toBe(true);
    expect(await s.add('dpop_jti', 'j2', true, 60)).toBe(true);
    const e = await s.add('dpop_jti', 'j3', true, 60).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StoreFull);
    expect(e).toMatchObject({ error: 'temporarily_unavailable', status: 503 });
    expect(await s.add('dpop_jti', 'j1', true, 60)).toBe(false);
    await expect(s.set('revoked_grant', 'g', true, 60)).resolves.toBeUndefined();
    await s.close();
  });

  it('the expiry index stays right under random set / delete / consume (checked against a plain model)', async () => {
    let now = 0;
    const s = new MemoryStore({ now: () => now, sweepMs: 60_000 });
    const model = new Map<string, { v: number; exp: number }>();
    let seed = 7;
    const rnd = (k: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % k);
    for (let step = 0; step < 5000; step++) {
      const id = `k${rnd(200)}`;
      const op = rnd(10);
      if (op < 5) {
        const ttl = 1 + rnd(50);
        await s.set('session', id, step, ttl);
        model.set(id, { v: step, exp: now + ttl * 1000 });
      } else if (op < 7) {
        await s.delete('session', id);
        model.delete(id);
      } else if (op < 8) {
        const m = model.get(id);
        expect(await s.consume('session', id)).toBe(m && m.exp > now ? m.v : undefined);
        model.delete(id);
      } else {
        now += rnd(3000);
        s.sweep();
      }
      if (step % 500 === 0) {
        const live = [...model.values()].filter((m) => m.exp > now).length;
        expect((await s.sizes()).session ?? 0).toBe(live);
      }
    }
    await s.close();
  });
});

describe('SqliteStore', () => {
  it('two stores on one file share entries and add exactly once between them', async () => {
    const file = dbFile();
    const [a, b] = [SqliteStore.open(file), SqliteStore.open(file)];
    await a.set('client', 'c1', { client_id: 'c1' }, 60);
    expect(await b.get('client', 'c1')).toEqual({ client_id: 'c1' });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).add('par_used', 'u', true, 60)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await b.consume('client', 'c1')).toEqual({ client_id: 'c1' });
    expect(await a.consume('client', 'c1')).toBeUndefined();
    await Promise.all([a.close(), b.close()]);
  });

  it('entries survive closing and reopening the file; the sweep deletes expired rows', async () => {
    const file = dbFile();
    const s = await createStore({ type: 'sqlite', path: file });
    await s.set('code', 'kept', { v: 1 }, 60);
    await s.set('code', 'short', { v: 2 }, 1);
    await s.close();
    const again = SqliteStore.open(file);
    expect(await again.get('code', 'kept')).toEqual({ v: 1 });
    await new Promise((r) => setTimeout(r, 1200));
    again.sweep();
    expect(await again.sizes()).toEqual({ code: 1 });
    await again.close();
  });
});
