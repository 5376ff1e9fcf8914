// One file of an on-disk cache (compiled validators: precompiled.ts; parsed YAML: yaml-cache.ts):
// <dir>/<name>-<key><ext>, where the key is a SHA-256 hex over everything the content depends on.
// A file is written whole or not at all (a temporary file, then a rename), and writing a group's
// new file removes the group's older ones (a changed schema or suite no longer leaves its old file
// behind). A cache that cannot be written is not an error: the caller has the content already.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The cache file of a group and key. */
export const cacheFile = (dir: string, name: string, key: string, ext: string): string => join(dir, `${name}-${key}${ext}`);

/** Writes the group's file for `key` and removes its files for other keys; false when it could not be written. */
export function writeCacheFile(dir: string, name: string, key: string, ext: string, text: string): boolean {
  const file = cacheFile(dir, name, key, ext);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, file);
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // no directory to clean (it could not be made)
    }
    return false;
  }
  const older = new RegExp(`^${name.replace(/[^A-Za-z0-9_-]/g, '\\$&')}-[0-9a-f]{64}${ext.replace(/\./g, '\\.')}$`);
  try {
    for (const f of readdirSync(dir)) if (older.test(f) && join(dir, f) !== file) rmSync(join(dir, f), { force: true });
  } catch {
    // an older file that stays is only disk space
  }
  return true;
}
