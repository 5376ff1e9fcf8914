// `touchstone run --shard i/n` + `touchstone merge`: a six-module plan run unsharded and as three
// shards, the shards merged; the merged report must say what the unsharded one says (same modules in
// the same order, statuses, counts, gate, findings), times, dates, ports, issuer and paths aside.
import { beforeAll, describe, expect, test } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cli, lines, signingKeys, tempDir, variantOfDefaultPlan, type CliResult } from './helpers.ts';
import type { RunSummary } from '../../harness/core/types.ts';

// Two browser code flows, four without a browser; catalog order differs from this order.
const MODULES = ['discovery', 'jwks', 'userinfo-get', 'code-reuse', 'rp-logout-discovery', 'pkce-plain-refused'];
const plan = variantOfDefaultPlan('shard-test', (p) => {
  p.name = 'shard-test';
  p.modules = MODULES;
  // Five providers start at once: with keys given, none makes RSA keys (slow on a shared machine).
  p.provider.config.keys = signingKeys('shard');
  delete p.expected_failures;
});
const dir = tempDir('touchstone-shard-');
const at = (name: string) => join(dir, name);
const read = (d: string): RunSummary => JSON.parse(readFileSync(join(at(d), 'summary.json'), 'utf8')) as RunSummary;
const show = (r: CliResult) => `${r.stdout}\n${r.stderr}`;

/** What a report says, without times, dates, ports, the issuer or paths. */
const content = (s: RunSummary) => ({
  plan: s.plan,
  counts: s.counts,
  gate: s.gate,
  unmet: s.unmetExpectedFailures,
  threats: s.threats,
  modules: s.modules.map((m) => ({
    id: m.id,
    status: m.status,
    reason: m.reason,
    expectedFailures: m.expectedFailures.length,
    findings: m.findings.map((f) => `${f.ok ? 'ok' : 'FAIL'} ${f.check} ${f.citation.id}`).sort(),
  })),
});

describe('run --shard i/n, then merge', () => {
  let full: CliResult;
  const shards: CliResult[] = [];
  let empty: CliResult;
  let merged: CliResult;
  beforeAll(async () => {
    // The unsharded run and the three shards side by side (each starts its own provider).
    const runs = await Promise.all([
      cli(['run', plan, '--report-dir', at('full')], { timeoutMs: 100_000 }),
      ...[1, 2, 3].map((i) => cli(['run', plan, '--shard', `${i}/3`, '--report-dir', at(`shard-${i}`)], { timeoutMs: 100_000 })),
      cli(['run', plan, '--shard', '7/7', '--report-dir', at('empty')], { timeoutMs: 100_000 }),
    ]);
    [full, shards[0], shards[1], shards[2], empty] = runs as CliResult[];
    // Any order of the directories will do.
    merged = await cli(['merge', at('shard-3'), at('shard-1'), at('shard-2'), '--report-dir', at('merged')], { timeoutMs: 60_000 });
  }, 130_000);

  test('each shard runs its round-robin slice and says which shard it is', () => {
    expect(full.code, show(full)).toBe(0);
    const order = read('full').modules.map((m) => m.id);
    expect([...order].sort()).toEqual([...MODULES].sort());
    for (const i of [1, 2, 3]) {
      const r = shards[i - 1]!;
      expect(r.code, show(r)).toBe(0);
      const s = read(`shard-${i}`);
      const mine = order.filter((_, k) => k % 3 === i - 1);
      expect(s.shard).toEqual({ index: i, total: 3, selected: 6 });
      expect(s.modules.map((m) => m.id)).toEqual(mine);
      expect(r.stdout).toContain(`shard ${i}/3: ${mine.length} of 6 modules`);
    }
  });

  test('the merged summary says what the unsharded one says', () => {
    expect(merged.code, show(merged)).toBe(0);
    const m = read('merged');
    const f = read('full');
    expect(content(m)).toEqual(content(f));
    expect(m.shard).toBeUndefined();
    expect(m.modules.map((x) => x.id)).toEqual(f.modules.map((x) => x.id));
    expect(m.counts.total).toBe(6);
    expect(m.ms).toBe(Math.max(...[1, 2, 3].map((i) => read(`shard-${i}`).ms)));
    expect(merged.stdout).toMatch(/^6 modules: /m);
  });

  test('the merged report has every module in junit.xml, modules/, allure-results/ and html/', () => {
    const junit = readFileSync(join(at('merged'), 'junit.xml'), 'utf8');
    const cases = [...junit.matchAll(/<testcase [^>]*name="([^"]+)"/g)].map((x) => x[1]);
    expect(cases).toEqual(read('full').modules.map((x) => x.id));
    const results = readdirSync(join(at('merged'), 'allure-results')).filter((n) => n.endsWith('-result.json'))
      .map((n) => (JSON.parse(readFileSync(join(at('merged'), 'allure-results', n), 'utf8')) as { testCaseId: string }).testCaseId);
    expect(results.sort()).toEqual([...MODULES].sort());
    for (const id of MODULES) {
      const r = JSON.parse(readFileSync(join(at('merged'), 'modules', `${id}.json`), 'utf8')) as { exchanges: unknown[]; evidenceDir?: string };
      expect(r.exchanges.length, id).toBeGreaterThan(0);
      if (r.evidenceDir) expect(r.evidenceDir).toBe(join(at('merged'), 'evidence', id));
    }
    expect(existsSync(join(at('merged'), 'html', 'index.html'))).toBe(true);
    // The threat table: the merged one (the shards' own were replaced), on its page and in the Allure globals.
    const totals = (html: string) => /<p id="totals">(.*?)<\/p>/.exec(html)?.[1];
    const page = readFileSync(join(at('merged'), 'html', 'threats.html'), 'utf8');
    expect(totals(page)).toBe(totals(readFileSync(join(at('full'), 'html', 'threats.html'), 'utf8')));
    expect(totals(readFileSync(join(at('merged'), 'allure-results', 'touchstone-threats-attachment.html'), 'utf8'))).toBe(totals(page));
    expect(read('full').threats!.counts.mitigated).toBeGreaterThan(0);
  });

  test('a shard with no module exits 0 with one line and an empty summary whose gate passes', () => {
    expect(empty.code, show(empty)).toBe(0);
    expect(lines(empty.stdout)).toHaveLength(1);
    expect(empty.stdout).toMatch(/shard 7\/7: 0 of 6 modules/);
    const s = read('empty');
    expect(s.modules).toEqual([]);
    expect(s.shard).toEqual({ index: 7, total: 7, selected: 6 });
    expect(s.gate.passed).toBe(true);
    expect(s.gate.reasons.join(' ')).toMatch(/empty shard/);
  });

  test('merging without a shard exits 2 naming the missing shard', async () => {
    const r = await cli(['merge', at('shard-1'), at('shard-3')]);
    expect(r.code, show(r)).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^touchstone: shard 2\/3 is missing/);
  });

  test('merging a shard twice, or a run that is no shard, exits 2 naming the directory', async () => {
    const [twice, notShard] = await Promise.all([
      cli(['merge', at('shard-1'), at('shard-2'), at('shard-2'), at('shard-3')]),
      cli(['merge', at('shard-1'), at('full')]),
    ]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain(`${at('shard-2')}: shard 2/3 again`);
    expect(notShard.code).toBe(2);
    expect(notShard.stderr).toContain(`${at('full')}: not a shard`);
  });
});

describe('--shard values', () => {
  test.concurrent.each([
    ['0/3', /index i must be from 1 to n/],
    ['4/3', /index i must be from 1 to n/],
    ['x/y', /expected i\/n/],
    ['1/0', /count n must be at least 1/],
  ])('--shard %s -> exit 2, one line naming the option and the rule', async (value, rule) => {
    const r = await cli(['run', plan, '--shard', value]);
    expect(r.code, show(r)).toBe(2);
    const err = lines(r.stderr);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain(`touchstone: --shard ${value}: `);
    expect(err[0]).toMatch(rule);
  });
});
