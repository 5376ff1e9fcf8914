// A small real run through the whole pipeline (CLI -> provider -> vitest suite -> reporters):
// the discovery-only modules, which need no browser. Checks the report layout and that no secret
// from the plan lands anywhere in the report directory.
import { beforeAll, describe, expect, test } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cli, filesContaining, tempDir, DEFAULT_PLAN, ROOT, type CliResult } from './helpers.ts';
import { loadPlan, secretsOf } from '../../harness/engine/api.ts';
import type { RunSummary } from '../../harness/core/types.ts';

const MODULES = ['discovery', 'jwks'];

describe('touchstone run --module discovery --module jwks', () => {
  const dir = tempDir('touchstone-report-');
  let r: CliResult;
  beforeAll(async () => {
    r = await cli(['run', DEFAULT_PLAN, ...MODULES.flatMap((m) => ['--module', m]), '--report-dir', dir, '--workers', '2'], { timeoutMs: 110_000 });
  }, 120_000);

  test('exits 0 and prints one line per module, a summary and the report paths', () => {
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    for (const m of MODULES) expect(r.stdout).toMatch(new RegExp(`^✓ passed\\s+${m}\\s+\\d+\\.\\ds$`, 'm'));
    expect(r.stdout).toMatch(/^2 modules: 2 passed, 0 failed, 0 warnings, 0 skipped/m);
    expect(r.stdout).toContain(`html     ${join(dir, 'html', 'index.html')}`);
    expect(r.stdout).not.toMatch(/\x1b\[/); // NO_COLOR
  });

  test('summary.json counts the modules', () => {
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
    expect(s.plan).toBe('default');
    expect(s.counts).toMatchObject({ passed: 2, failed: 0, total: 2 });
    expect(s.modules.map((m) => m.id).sort()).toEqual([...MODULES].sort());
    expect(s.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.workers).toBe(2);
  });

  test('modules/<id>.json hold the full results, exchanges included', () => {
    for (const m of MODULES) {
      const res = JSON.parse(readFileSync(join(dir, 'modules', `${m}.json`), 'utf8'));
      expect(res.status).toBe('passed');
      expect(res.exchanges.length).toBeGreaterThan(0);
    }
  });

  test('junit.xml has a testcase per module', () => {
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(MODULES.length);
    for (const m of MODULES) expect(xml).toContain(`name="${m}"`);
  });

  test('allure results and the single-file html report exist', () => {
    const results = readdirSync(join(dir, 'allure-results')).filter((f) => f.endsWith('-result.json'));
    expect(results).toHaveLength(MODULES.length);
    const one = JSON.parse(readFileSync(join(dir, 'allure-results', results[0]), 'utf8'));
    expect(one.labels).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'parentSuite', value: 'default' })]));
    expect(one.steps.length).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'html', 'index.html'))).toBe(true);
    expect(existsSync(join(dir, 'provider.log'))).toBe(true);
  });

  test('no secret of the plan appears in any report file', async () => {
    const secrets = secretsOf(await loadPlan(join(ROOT, DEFAULT_PLAN)));
    expect(secrets.length).toBeGreaterThan(0);
    expect(filesContaining(dir, secrets)).toEqual([]);
  });
});
