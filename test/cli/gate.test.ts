// The release gate from the command line (issue 12): --json prints the summary alone on stdout,
// a run where nothing passed fails without --strict, --strict fails on a skip and on an unmet
// expected failure (not on a module that does not apply), and validate rejects imprecise
// expected_failures and severity entries with the path. Small runs: the discovery module only.
import { describe, expect, test } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlan } from '../../harness/engine/api.ts';
import { EXPECTATION_SUFFIXES } from '../../harness/engine/load-plan.ts';
import { cli, tempDir, variantOfDefaultPlan, DEFAULT_PLAN } from './helpers.ts';
import type { RunSummary } from '../../harness/core/types.ts';

/** A plan-defined module the harness cannot run: it is reported skipped. */
const SKIPPED = { id: 'gate-skipped', title: 'cannot run', proves: ['OIDD-3-metadata'], skip: 'not implemented (test)', steps: [{ do: 'discover' }] };
const planWith = (name: string, edit: (p: Record<string, any>) => void) => variantOfDefaultPlan(name, (p) => { p.define = [SKIPPED]; edit(p); });
// Generous limits: the machine is shared, and each run builds its Allure HTML.
const T = 280_000;
const run = (args: string[]) => cli(['run', ...args, '--report-dir', tempDir('touchstone-gate-')], { timeoutMs: T - 10_000 });

describe('touchstone run: the gate', () => {
  test('a provider that cannot start: exit 1, one error line, every module failed for that reason, no progress line', async () => {
    const dir = tempDir('touchstone-nostart-');
    const plan = variantOfDefaultPlan('no-start', (p) => {
      p.provider = { launch: 'command', command: ['node', '-e', 'process.exit(3)'], issuer: 'http://127.0.0.1:${port}' };
      p.modules = ['discovery', 'jwks'];
    });
    const r = await cli(['run', plan, '--report-dir', dir], { timeoutMs: T - 10_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^touchstone: could not start the provider: /m);
    expect(r.stdout).not.toMatch(/^\S+ failed\s+(discovery|jwks)\s/m);
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
    expect(s.modules.map((m) => [m.id, m.status])).toEqual([['discovery', 'failed'], ['jwks', 'failed']]);
    for (const m of s.modules) expect(m.reason).toMatch(/could not start the provider/);
    expect(s.gate.passed).toBe(false);
  }, T);

  test('--json: stdout is the summary alone, as in summary.json; progress on stderr', async () => {
    const dir = tempDir('touchstone-json-');
    const r = await cli(['run', DEFAULT_PLAN, '--module', 'discovery', '--json', '--report-dir', dir], { timeoutMs: T - 10_000 });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as RunSummary;
    expect(s).toEqual(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')));
    expect(s.counts).toMatchObject({ passed: 1, total: 1, expectedFailures: 0 });
    expect(s.gate).toEqual({ mode: 'default', passed: true, reasons: [] });
    expect(r.stderr).toMatch(/^✓ passed\s+discovery\s/m);
    expect(r.stderr).toMatch(/^gate \(default.*\): passed$/m);
  }, T);

  test('a run where nothing passed exits 1 without --strict, with the reason', async () => {
    const r = await run([planWith('all-skipped', (p) => { p.modules = ['gate-skipped']; })]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^gate \(default.*\): FAILED, nothing passed \(1 module: 1 skipped, 0 not applicable, 0 failed\)$/m);
  }, T);

  // (That the default gate passes the same counts is test/cli/reporters.test.ts, 'the release gate'.)
  test('--strict fails a run with a skip, and says so', async () => {
    const plan = planWith('one-skipped', (p) => { p.modules = ['discovery', 'gate-skipped']; });
    const strict = await run([plan, '--strict', '--json']);
    expect(strict.code, strict.stderr).toBe(1);
    expect((JSON.parse(strict.stdout) as RunSummary).counts).toMatchObject({ passed: 1, skipped: 1 });
    expect((JSON.parse(strict.stdout) as RunSummary).gate).toEqual({ mode: 'strict', passed: false, reasons: ['1 module skipped'] });
    expect(strict.stderr).toMatch(/^gate \(--strict.*\): FAILED, 1 module skipped$/m);
  }, T);

  test('an expected failure that did not occur fails --strict (a warning line without: reporters.test.ts)', async () => {
    const plan = variantOfDefaultPlan('unmet', (p) => {
      p.modules = ['discovery'];
      p.expected_failures = [{ module: 'discovery', check: 'discovery-issuer-matches', rule: 'OIDD-4.3-issuer', reason: 'was broken once' }];
    });
    const strict = await run([plan, '--strict', '--json']);
    expect(strict.code, strict.stderr).toBe(1);
    expect(strict.stderr).toContain('unmet expected failure: discovery [discovery-issuer-matches] OIDD-4.3-issuer did not fail (reason given: was broken once)');
    const s = JSON.parse(strict.stdout) as RunSummary;
    expect(s.unmetExpectedFailures).toEqual([{ module: 'discovery', check: 'discovery-issuer-matches', rule: 'OIDD-4.3-issuer', reason: 'was broken once' }]);
    expect(s.gate.reasons).toEqual(['1 unmet expected failure']);
  }, T);
});

describe('validate: expected_failures and severity', () => {
  // In process (loadPlan is what `validate` runs): the message is the one line validate prints.
  const bad = async (name: string, edit: (p: Record<string, any>) => void, ...mentions: RegExp[]) => {
    const err = await loadPlan(variantOfDefaultPlan(name, edit)).then(() => 'accepted', (e: Error) => e.message);
    expect(err).not.toBe('accepted');
    expect(err.split('\n')).toHaveLength(1);
    for (const m of mentions) expect(err).toMatch(m);
  };
  const xf = (e: Record<string, unknown>) => (p: Record<string, any>) => { p.expected_failures = [{ module: 'discovery', check: 'discovery-issuer-matches', reason: 'known', ...e }]; };

  test('a well-formed entry and override are accepted', async () => {
    const file = variantOfDefaultPlan('good-xf', (p) => {
      xf({ rule: 'OIDD-4.3-issuer', message: '^issuer' })(p);
      p.expected_failures.push({ module: 'pkce-*', check: 'token-refused', reason: 'a step expectation id' });
      p.severity = [{ rule: 'RFC9207-3-metadata', level: 'SHOULD', reason: 'iss is optional in this deployment' }];
    });
    await loadPlan(file);
  });

  test('every step expectation id the steps record (`${step.id}-<suffix>`) is a known check id', () => {
    const dir = join(import.meta.dirname, '..', '..', 'harness', 'engine');
    const files = [...readdirSync(join(dir, 'steps')).map((f) => join(dir, 'steps', f)), join(dir, 'module-run.ts')].filter((f) => f.endsWith('.ts'));
    const found = new Set(files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/`\$\{step\.id\}-([a-z-]+)`/g)].map((m) => m[1])));
    expect(found.size).toBeGreaterThan(5);
    expect([...found].filter((x) => !(EXPECTATION_SUFFIXES as readonly string[]).includes(x))).toEqual([]);
  });

  test('an unknown check id', () => bad('xf-check', xf({ check: 'discovery-isuer-matches' }), /\/expected_failures\/0\/check: unknown check id "discovery-isuer-matches"/, /discover-refused/));
  test('an unknown rule', () => bad('xf-rule', xf({ rule: 'OIDD-9-nope' }), /\/expected_failures\/0\/rule: unknown citation id "OIDD-9-nope"/));
  test('a message that is not a regex', () => bad('xf-message', xf({ message: '(unclosed' }), /\/expected_failures\/0\/message: not a valid regular expression/));
  test('no reason', () => bad('xf-reason', xf({ reason: '' }), /\/expected_failures\/0\/reason/));
  test('a glob that selects none of the plan\'s modules', () => bad('xf-glob', xf({ module: 'fapi2-*' }), /\/expected_failures\/0\/module: "fapi2-\*" selects none of the modules this plan runs/));
  test('a severity override of an unknown rule, or without a reason', async () => {
    await bad('sev-rule', (p) => { p.severity = [{ rule: 'RFC0000-1', level: 'SHOULD', reason: 'x' }]; }, /\/severity\/0\/rule: unknown citation id "RFC0000-1"/);
    await bad('sev-reason', (p) => { p.severity = [{ rule: 'RFC9207-3-metadata', level: 'SHOULD' }]; }, /\/severity\/0/, /reason/);
    await bad('sev-level', (p) => { p.severity = [{ rule: 'RFC9207-3-metadata', level: 'OPTIONAL', reason: 'x' }]; }, /\/severity\/0\/level/);
  });
});
