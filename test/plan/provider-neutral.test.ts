// Nothing about the reference provider lives in harness code or shared suites: its paths, client
// ids, user names, secrets and page markers may appear only in plans/, provider/ and tests. The
// values are read from the reference provider itself (its defaults, its routes, its page markers)
// and from the reference plans, so a new one is caught without editing this list.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CLIENTS, DEFAULT_USERS } from '../../provider/config.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p, ext) : ext.test(n) ? [p] : [];
  });
}

/** Client ids, secrets, user names and passwords of the reference provider and its plans. */
function referenceValues(): string[] {
  const values = new Set<string>();
  for (const c of DEFAULT_CLIENTS) {
    values.add(c.client_id);
    if (c.client_secret) values.add(c.client_secret);
  }
  for (const u of DEFAULT_USERS) {
    values.add(u.username);
    values.add(u.password);
  }
  for (const f of readdirSync(join(ROOT, 'plans')).filter((n) => n.endsWith('.yaml'))) {
    const plan = parse(readFileSync(join(ROOT, 'plans', f), 'utf8')) as { clients?: Record<string, { client_id?: string; secret?: string }>; users?: Record<string, { username?: string; password?: string }> };
    for (const c of Object.values(plan.clients ?? {})) for (const v of [c.client_id, c.secret]) if (v) values.add(v);
    for (const u of Object.values(plan.users ?? {})) for (const v of [u.username, u.password]) if (v) values.add(v);
  }
  return [...values].filter((v) => v.length >= 4);
}

/** Paths the reference provider serves (besides the well-known ones every OP has). */
function referencePaths(): string[] {
  const paths = new Set<string>();
  for (const f of files(join(ROOT, 'provider'), /\.ts$/)) {
    for (const m of readFileSync(f, 'utf8').matchAll(/\.(?:get|post|put|delete|route|all)\(\s*'(\/[a-z_][^':]*)/g)) paths.add(m[1].replace(/\/$/, ''));
  }
  return [...paths].filter((p) => p.length > 1);
}

/** Page markers of the reference provider's HTML (data-page values, its form ids). */
function referenceMarkers(): string[] {
  const markers = new Set<string>();
  for (const f of files(join(ROOT, 'provider'), /\.ts$/)) {
    for (const m of readFileSync(f, 'utf8').matchAll(/data-page="([a-z-]+)"/g)) markers.add(`data-page="${m[1]}"`).add(`data-page=${m[1]}`);
    for (const m of readFileSync(f, 'utf8').matchAll(/<form id="([a-z-]+)"/g)) markers.add(`form#${m[1]}`);
  }
  return [...markers];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Lines of code (comments stripped) of harness/ and suites/. */
function scanned(): { file: string; line: number; text: string }[] {
  const out: { file: string; line: number; text: string }[] = [];
  for (const f of [...files(join(ROOT, 'harness'), /\.(ts|json)$/), ...files(join(ROOT, 'suites'), /\.(ya?ml|ts)$/)]) {
    const yaml = /\.ya?ml$/.test(f);
    readFileSync(f, 'utf8').split('\n').forEach((raw, i) => {
      const text = yaml ? raw.replace(/(^|\s)#.*$/, '') : raw.replace(/^\s*(\/\/|\*|\/\*).*$/, '').replace(/\s\/\/ .*$/, '');
      if (text.trim()) out.push({ file: relative(ROOT, f), line: i + 1, text });
    });
  }
  return out;
}

describe('harness/ and suites/ name nothing of the reference provider', () => {
  const lines = scanned();
  const hits = (re: RegExp) => lines.filter((l) => re.test(l.text)).map((l) => `${l.file}:${l.line}: ${l.text.trim().slice(0, 140)}`);

  it('finds the reference values it looks for (the scan is not empty)', () => {
    expect(referenceValues()).toContain(DEFAULT_CLIENTS[0].client_id);
    expect(referencePaths()).toContain('/token');
    expect(referenceMarkers().length).toBeGreaterThan(3);
    expect(lines.length).toBeGreaterThan(1000);
  });

  it('no client id, secret, user name or password', () => {
    const found = referenceValues().flatMap((v) => hits(new RegExp(`(^|[^\\w-])${escape(v)}($|[^\\w-])`)));
    expect(found).toEqual([]);
  });

  it('no provider path standing in for discovery', () => {
    // A path as a string literal or after ${issuer}: '/token', "/jwks", `${issuer}/admin/...`.
    const found = referencePaths().flatMap((p) => hits(new RegExp(`(['"\`]|\\}|: )${escape(p)}(['"\`?/]|$)`)));
    expect(found).toEqual([]);
  });

  it('no page marker', () => {
    const found = referenceMarkers().flatMap((m) => hits(new RegExp(escape(m))));
    expect(found).toEqual([]);
  });
});
