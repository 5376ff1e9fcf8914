// A variant matrix in one `touchstone run` (harness/plan/matrix.ts): the default plan with
// client_auth [client_secret_basic, client_secret_post], the post client as main in the second
// combination and a provider setup of its own (two providers, side by side). Each module runs once
// per combination, reported as <id>[client_auth=...] and grouped by combination; two shards merged
// say what the unsharded run says.
import { beforeAll, describe, expect, test } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, signingKeys, tempDir, variantOfDefaultPlan, type CliResult } from './helpers.ts';
import type { RunSummary } from '../../harness/core/types.ts';

const MODULES = ['discovery', 'userinfo-get', 'pkce-plain-refused'];
const BASIC = 'client_auth=client_secret_basic';
const POST = 'client_auth=client_secret_post';
const keys = signingKeys('matrix');
const plan = variantOfDefaultPlan('matrix-test', (p) => {
  p.name = 'matrix-test';
  p.provider.config.keys = keys;
  p.modules = MODULES;
  delete p.expected_failures;
  p.variants.client_auth = ['client_secret_basic', 'client_secret_post'];
  p.matrix = {
    client_auth: {
      client_secret_post: {
        clients: { main: { ...p.clients.post } },
        // Another provider setup: this combination gets a provider of its own.
        provider: { config: { ttl: { code: 3 } } },
      },
    },
  };
});
const dir = tempDir('touchstone-matrix-');
const at = (name: string) => join(dir, name);
const read = (d: string): RunSummary => JSON.parse(readFileSync(join(at(d), 'summary.json'), 'utf8')) as RunSummary;
const show = (r: CliResult) => `${r.stdout}\n${r.stderr}`;
const content = (s: RunSummary) => ({
  counts: s.counts,
  gate: s.gate,
  matrix: s.matrix,
  modules: s.modules.map((m) => ({ id: m.id, module: m.module, combination: m.combination, status: m.status, reason: m.reason, findings: m.findings.map((f) => `${f.ok ? 'ok' : 'FAIL'} ${f.check} ${f.citation.id}`).sort() })),
});

describe('a variant matrix in one run', () => {
  let full: CliResult;
  const shards: CliResult[] = [];
  let one: CliResult;
  let merged: CliResult;
  beforeAll(async () => {
    // Two waves of runs (each starts a provider per setup it needs): the machine is shared.
    [full, one] = await Promise.all([
      cli(['run', plan, '--report-dir', at('full')], { timeoutMs: 300_000 }),
      cli(['run', plan, '--module', `discovery[${POST}]`, '--report-dir', at('one')], { timeoutMs: 300_000 }),
    ]);
    [shards[0], shards[1]] = await Promise.all([1, 2].map((i) => cli(['run', plan, '--shard', `${i}/2`, '--report-dir', at(`shard-${i}`)], { timeoutMs: 300_000 })));
    merged = await cli(['merge', at('shard-2'), at('shard-1'), '--report-dir', at('merged')], { timeoutMs: 120_000 });
  }, 700_000);

  test('every module runs in every combination, combination by combination, and passes', () => {
    expect(full.code, show(full)).toBe(0);
    const s = read('full');
    expect(s.modules.map((m) => m.id).sort()).toEqual([...MODULES.map((m) => `${m}[${BASIC}]`), ...MODULES.map((m) => `${m}[${POST}]`)].sort());
    expect(s.modules.slice(0, 3).every((m) => m.combination?.client_auth === 'client_secret_basic')).toBe(true);
    expect(s.modules.slice(3).every((m) => m.combination?.client_auth === 'client_secret_post')).toBe(true);
    expect(s.modules.map((m) => m.module).sort()).toEqual([...MODULES, ...MODULES].sort());
    expect(s.counts).toMatchObject({ total: 6, passed: 6, failed: 0 });
    expect(s.matrix).toEqual({
      dimensions: { client_auth: ['client_secret_basic', 'client_secret_post'] },
      combinations: [BASIC, POST].map((key) => ({ key, variants: { client_auth: key.split('=')[1] }, counts: expect.objectContaining({ total: 3, passed: 3 }) })),
    });
    expect(full.stdout).toContain('6 modules (3 × 2 combinations)');
    expect(full.stdout).toMatch(new RegExp(`^  ${BASIC}: 3 modules, 0 failed, 3 passed`, 'm'));
  });

  test('each combination runs as its own client, on the provider of its setup', () => {
    // Two provider setups: two providers, each naming the combination it serves.
    expect(full.stdout.match(/^provider http:\/\/127\.0\.0\.1:\d+ {2}for /gm)).toHaveLength(2);
    expect(existsSync(join(at('full'), 'provider-2.log'))).toBe(true);
    const tokenCall = (id: string) => {
      const r = JSON.parse(readFileSync(join(at('full'), 'modules', `${id}.json`), 'utf8')) as { exchanges: { kind: string; request?: { url: string; headers?: Record<string, string>; body?: string } }[] };
      return r.exchanges.find((x) => x.kind === 'http' && x.request?.url.endsWith('/token'))!.request!;
    };
    const post = tokenCall(`userinfo-get[${POST}]`);
    expect(post.body).toContain('client_id=touchstone-post');
    expect(Object.keys(post.headers ?? {}).map((h) => h.toLowerCase())).not.toContain('authorization');
    const basic = tokenCall(`userinfo-get[${BASIC}]`);
    expect(Object.keys(basic.headers ?? {}).map((h) => h.toLowerCase())).toContain('authorization');
    // Reports group by combination: JUnit classnames, Allure suites.
    const junit = readFileSync(join(at('full'), 'junit.xml'), 'utf8');
    expect(junit).toContain(`classname="matrix-test[${POST}]" name="discovery[${POST}]"`);
    expect(existsSync(join(at('full'), 'html', 'index.html'))).toBe(true);
  });

  test('--module <id>[<combination>] runs that module in that combination only', () => {
    expect(one.code, show(one)).toBe(0);
    expect(read('one').modules.map((m) => m.id)).toEqual([`discovery[${POST}]`]);
    // Only the provider that combination needs starts.
    expect(one.stdout.match(/^provider /gm)).toHaveLength(1);
  });

  test('shards slice module × combination round-robin; merged, they say what the unsharded run says', () => {
    const order = read('full').modules.map((m) => m.id);
    for (const i of [1, 2]) {
      expect(shards[i - 1]!.code, show(shards[i - 1]!)).toBe(0);
      const s = read(`shard-${i}`);
      expect(s.shard).toEqual({ index: i, total: 2, selected: 6 });
      expect(s.modules.map((m) => m.id)).toEqual(order.filter((_, k) => k % 2 === i - 1));
    }
    expect(merged.code, show(merged)).toBe(0);
    expect(content(read('merged'))).toEqual(content(read('full')));
  });
});
