// The embedded store that survives a restart: one SQLite file (node:sqlite, built into Node 24),
// WAL journal, synchronous=NORMAL (a committed write survives a process crash; an OS crash may
// lose the last transactions, never corrupt the file). One table keyed by (kind, id); values are
// JSON; expires_at is epoch ms. Each exactly-once guard is one SQL statement (SQLite runs each
// statement atomically, also across processes sharing the file):
//   add     = INSERT ... ON CONFLICT DO UPDATE ... WHERE the existing row has expired
//   consume = DELETE ... RETURNING
// Expired rows are invisible to reads at once and deleted by a sweep every few seconds (unref'd timer).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { ttlOf, type Kind, type Store } from './store.ts';

export class SqliteStore implements Store {
  readonly #db: DatabaseSync;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;
  readonly #q: Record<'get' | 'set' | 'add' | 'del' | 'consume' | 'sizes' | 'count' | 'sweep', StatementSync>;
  #closed = false;

  private constructor(path: string, now: () => number, sweepMs: number) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    this.#now = now;
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS entries (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        value TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (kind, id)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS entries_expires_at ON entries (expires_at);
    `);
    const p = (sql: string) => this.#db.prepare(sql);
    this.#q = {
      get: p('SELECT value FROM entries WHERE kind = ? AND id = ? AND expires_at > ?'),
      set: p('INSERT INTO entries (kind, id, value, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at'),
      add: p('INSERT INTO entries (kind, id, value, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at WHERE entries.expires_at <= ?'),
      del: p('DELETE FROM entries WHERE kind = ? AND id = ?'),
      consume: p('DELETE FROM entries WHERE kind = ? AND id = ? RETURNING value, expires_at'),
      sizes: p('SELECT kind, count(*) AS n FROM entries WHERE expires_at > ? GROUP BY kind'),
      count: p('SELECT count(*) AS n FROM entries WHERE kind = ? AND expires_at > ?'),
      sweep: p('DELETE FROM entries WHERE expires_at <= ?'),
    };
    this.#timer = setInterval(() => this.sweep(), sweepMs);
    this.#timer.unref();
  }

  /** Open (or create) the database file; `:memory:` for a throwaway database. */
  static open(path: string, opts: { now?: () => number; sweepMs?: number } = {}): SqliteStore {
    return new SqliteStore(path, opts.now ?? Date.now, opts.sweepMs ?? 5000);
  }

  async get<T>(kind: Kind, id: string): Promise<T | undefined> {
    const row = this.#q.get.get(kind, id, this.#now()) as { value: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.value) as T);
  }

  async set(kind: Kind, id: string, value: unknown, ttlSeconds: number): Promise<void> {
    this.#q.set.run(kind, id, JSON.stringify(value ?? null), this.#now() + ttlOf(ttlSeconds) * 1000);
  }

  async add(kind: Kind, id: string, value: unknown, ttlSeconds: number): Promise<boolean> {
    const now = this.#now();
    const r = this.#q.add.run(kind, id, JSON.stringify(value ?? null), now + ttlOf(ttlSeconds) * 1000, now);
    return Number(r.changes) === 1;
  }

  async delete(kind: Kind, id: string): Promise<void> {
    this.#q.del.run(kind, id);
  }

  async consume<T>(kind: Kind, id: string): Promise<T | undefined> {
    const row = this.#q.consume.get(kind, id) as { value: string; expires_at: number } | undefined;
    if (row === undefined || row.expires_at <= this.#now()) return undefined;
    return JSON.parse(row.value) as T;
  }

  async sizes(): Promise<Partial<Record<Kind, number>>> {
    const out: Partial<Record<Kind, number>> = {};
    for (const r of this.#q.sizes.all(this.#now()) as Array<{ kind: Kind; n: number }>) out[r.kind] = Number(r.n);
    return out;
  }

  async count(kind: Kind): Promise<number> {
    return Number((this.#q.count.get(kind, this.#now()) as { n: number }).n);
  }

  /** Delete the expired rows (the timer calls this). */
  sweep(): void {
    if (!this.#closed) this.#q.sweep.run(this.#now());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#db.close();
  }
}
