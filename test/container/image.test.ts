// The container image's build inputs, checked without an engine: provider/Dockerfile, .dockerignore
// (it must let in every package the provider imports), docker-compose.yml, and plans/container.yaml
// staying the default plan with a containerised provider.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

/** Bare package names the provider's .ts files import (node: builtins and relative paths excluded). */
function providerImports(): string[] {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'([^'.][^']*)'/g)) {
          const spec = m[1]!;
          if (spec.startsWith('node:')) continue;
          names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        }
      }
    }
  };
  walk(join(ROOT, 'provider'));
  return [...names].sort();
}

/** Every package (top-level node_modules path) those imports need, per package-lock.json. */
function closure(roots: string[]): string[] {
  const lock = JSON.parse(read('package-lock.json')).packages as Record<string, { dependencies?: object; optionalDependencies?: object; peerDependencies?: object }>;
  const resolveFrom = (name: string, from: string): string | undefined => {
    let base = from;
    for (;;) {
      const p = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (lock[p]) return p;
      if (!base) return undefined;
      const i = base.lastIndexOf('/node_modules/');
      base = i < 0 ? '' : base.slice(0, i);
    }
  };
  const seen = new Set<string>();
  const walk = (p: string) => {
    if (seen.has(p)) return;
    seen.add(p);
    const e = lock[p]!;
    for (const d of Object.keys({ ...e.dependencies, ...e.optionalDependencies, ...e.peerDependencies })) {
      const r = resolveFrom(d, p);
      if (r) walk(r);
    }
  };
  for (const r of roots) {
    const p = resolveFrom(r, '');
    expect(p, `${r} is imported by provider/ but is not in package-lock.json`).toBeDefined();
    walk(p!);
  }
  return [...seen].filter((p) => !p.slice('node_modules/'.length).includes('/node_modules/')).map((p) => p.slice('node_modules/'.length)).sort();
}

describe('provider/Dockerfile', () => {
  const dockerfile = read('provider/Dockerfile');
  it('takes its base as a build argument defaulting to an official Node image (24+: type stripping)', () => {
    const m = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile);
    expect(m?.[1]).toMatch(/^node:(2[4-9]|[3-9]\d)(-slim)?$/);
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\}$/m);
  });
  it('runs as a non-root user, has a HEALTHCHECK on /health, and binds all interfaces inside the container', () => {
    const user = /^USER (\S+)$/m.exec(dockerfile)?.[1];
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(0|root)$/);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/health/m);
    expect(dockerfile).toMatch(/TOUCHSTONE_HOST=0\.0\.0\.0/);
    expect(dockerfile).not.toMatch(/^RUN /m); // nothing to install: it builds offline
  });
});

describe('.dockerignore', () => {
  const entries = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  it('starts from nothing and lets in the provider, package.json and every package the provider needs', () => {
    expect(entries[0]).toBe('*');
    expect(entries).toContain('!package.json');
    expect(entries).toContain('!provider');
    const allowed = new Set(entries.filter((e) => e.startsWith('!node_modules/')).map((e) => e.slice('!node_modules/'.length)));
    const needed = closure(providerImports());
    expect(needed.length).toBeGreaterThan(5);
    expect(needed.filter((p) => !allowed.has(p)), 'add these to .dockerignore as !node_modules/<name>').toEqual([]);
  });
});

describe('docker-compose.yml', () => {
  it('builds provider/Dockerfile and publishes the provider on 127.0.0.1 only', () => {
    const compose = parse(read('docker-compose.yml')) as { services: Record<string, any> };
    const svc = compose.services.provider;
    expect(svc.build.dockerfile).toBe('provider/Dockerfile');
    expect(svc.ports.length).toBeGreaterThan(0);
    for (const p of svc.ports) expect(String(p)).toMatch(/^127\.0\.0\.1:/);
    expect(svc.environment).toHaveProperty('TOUCHSTONE_FAULTS');
  });
  it('profile multi: Redis and two provider instances with one issuer and one store, on 127.0.0.1 only', () => {
    const compose = parse(read('docker-compose.yml')) as { services: Record<string, any> };
    const multi = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('multi')).map(([n]) => n).sort();
    expect(multi).toEqual(['provider-a', 'provider-b', 'redis']);
    expect(compose.services.provider.profiles).toBeUndefined(); // `docker compose up` alone starts only the single provider
    const config = parse(read('provider/config.multi.yaml')) as Record<string, any>;
    expect(config.store).toMatchObject({ type: 'redis', url: 'redis://redis:6379' });
    for (const [name, port] of [['provider-a', 9401], ['provider-b', 9402]] as const) {
      const svc = compose.services[name];
      expect(svc.ports).toEqual([`127.0.0.1:${port}:${port}`]);
      expect(svc.command).toEqual(['--port', String(port), '--config', '/config/provider.yaml']);
      expect(svc.volumes).toEqual(['./provider/config.multi.yaml:/config/provider.yaml:ro']);
      expect(svc.depends_on).toContain('redis');
    }
    expect(compose.services.redis.ports).toBeUndefined(); // Redis stays on the compose network
    expect(config.issuer).toBe('http://127.0.0.1:9401');
  });
});

describe('plans/container.yaml', () => {
  it('is plans/default.yaml with the provider in its container', () => {
    const def = parse(read('plans/default.yaml')) as Record<string, any>;
    const con = parse(read('plans/container.yaml')) as Record<string, any>;
    for (const key of new Set([...Object.keys(def), ...Object.keys(con)])) {
      if (['name', 'description', 'provider'].includes(key)) continue;
      expect(con[key], `plans/container.yaml /${key} differs from plans/default.yaml`).toEqual(def[key]);
    }
    // The provider config copied in is the default plan's inline config plus the issuer.
    const { issuer, ...config } = parse(read('plans/container/provider.yaml')) as Record<string, any>;
    expect(issuer).toBe('${issuer}');
    expect(config).toEqual(def.provider.config ?? {});
    expect(con.provider.ttl?.code).toBe(def.provider.config?.ttl?.code);
  });
});
