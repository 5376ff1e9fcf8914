// Unit level: finding lines, tables, summary.json from modules/*.json, the closing summary block.
import { describe, expect, test } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { cite } from '../../harness/core/citations.ts';
import type { ModuleResult } from '../../harness/core/types.ts';
import { formatFinding, formatMs, makeStyle, table, useColor } from '../../harness/reporters/format.ts';
import { buildSummary, gateOf } from '../../harness/reporters/summary.ts';
import { withSeverity } from '../../harness/core/finding.ts';
import { printSummary } from '../../harness/reporters/progress.ts';
import { findingsHtml, renderRequest, renderResponse } from '../../harness/reporters/render.ts';
import { tempDir } from './helpers.ts';

describe('format', () => {
  test('a failing finding reads as one line with citation, level, expected and actual', () => {
    const line = formatFinding({
      check: 'token-pkce-verify', citation: cite('RFC7636-4.6-verify'), ok: false,
      message: 'the token endpoint accepted\na wrong code_verifier', expected: 'invalid_grant', actual: 200,
    });
    expect(line).toBe('[token-pkce-verify] RFC 7636 §4.6 (MUST): the token endpoint accepted a wrong code_verifier — expected "invalid_grant", actual 200');
  });

  test('a finding under a plan severity override shows both levels and the reason', () => {
    const f = withSeverity({ check: 'token-pkce-verify', citation: cite('RFC7636-4.6-verify'), ok: false, message: 'accepted' }, [{ rule: 'RFC7636-4.6-verify', level: 'SHOULD', reason: 'not a FAPI client' }]);
    expect(f).toMatchObject({ level: 'SHOULD', declaredLevel: 'MUST', levelReason: 'not a FAPI client' });
    expect(formatFinding(f)).toBe('[token-pkce-verify] RFC 7636 §4.6 (SHOULD by plan: not a FAPI client; cited MUST): accepted');
  });

  test('durations', () => {
    expect(formatMs(1234)).toBe('1.2s');
    expect(formatMs(61_200)).toBe('1m01s');
  });

  test('tables pad columns and trim trailing space', () => {
    expect(table(['a', 'bb'], [['ccc', 'd'], ['e', '']])).toBe('a    bb\nccc  d\ne');
  });

  test('no colour without a TTY or with NO_COLOR', () => {
    const saved = { ...process.env };
    try {
      delete process.env.FORCE_COLOR;
      delete process.env.NO_COLOR;
      expect(useColor({ isTTY: false })).toBe(false);
      process.env.NO_COLOR = '1';
      expect(useColor({ isTTY: true })).toBe(false);
      expect(makeStyle(false).red('x')).toBe('x');
    } finally {
      process.env = saved;
    }
  });
});

const result = (id: string, status: ModuleResult['status'], extra: Partial<ModuleResult> = {}): ModuleResult => ({
  id, title: id, proves: [], status, findings: [], expectedFailures: [], exchanges: [], startedAt: new Date().toISOString(), ms: 10, ...extra,
});

describe('summary.json', () => {
  test('counts module results and marks a module without a result failed', async () => {
    const results = new Map([result('a', 'passed'), result('b', 'warning'), result('c', 'skipped', { reason: 'n/a' })].map((r) => [r.id, r]));
    const s = buildSummary({
      results, plan: 'p', planFile: '/p.yaml', startedAt: new Date().toISOString(), ms: 5, workers: 2, issuer: 'http://127.0.0.1:1', faults: [],
      modules: ['a', 'b', 'c', 'd'].map((id) => ({ id, title: `T ${id}`, proves: [] })),
      missingReason: 'run setup failed: boom',
    });
    expect(s.counts).toEqual({ passed: 1, warning: 1, skipped: 1, not_applicable: 0, failed: 1, total: 4, expectedFailures: 0 });
    expect(s.gate).toEqual({ mode: 'default', passed: false, reasons: ['1 module failed'] });
    expect(s.modules.find((m) => m.id === 'd')).toMatchObject({ status: 'failed', title: 'T d', reason: 'run setup failed: boom' });
    expect(s.modules[0]).not.toHaveProperty('exchanges');
  });

  test('printSummary: table, totals, paths', () => {
    let out = '';
    const sink = new Writable({ write(c, _e, cb) { out += c.toString(); cb(); } });
    printSummary({
      plan: 'p', planFile: '/p.yaml', startedAt: '', ms: 2500, workers: 2, issuer: '', faults: [],
      counts: { passed: 1, failed: 1, warning: 0, skipped: 0, not_applicable: 0, total: 2, expectedFailures: 1 },
      unmetExpectedFailures: [{ module: 'alpha', check: 'x-refused', reason: 'known bug' }],
      gate: { mode: 'default', passed: false, reasons: ['1 module failed'] },
      modules: [result('alpha', 'passed', { counterpart: ['oidcc-a', 'oidcc-b'] }), result('beta', 'failed')],
    }, { runDir: '/r', summary: '/r/summary.json', junit: '/nope/junit.xml', htmlError: 'allure awesome exited 1' }, { out: sink, color: false });
    expect(out).toContain('1 expected failure hidden');
    expect(out).toContain('warning: unmet expected failure: alpha [x-refused] did not fail (reason given: known bug)');
    expect(out).toMatch(/^gate \(default: .*\): FAILED, 1 module failed$/m);
    expect(out).toMatch(/^alpha\s+✓ passed\s+0\.0s\s+oidcc-a \(\+1\)$/m);
    expect(out).toMatch(/^beta\s+✗ failed/m);
    expect(out).toContain('2 modules: 1 passed, 1 failed, 0 warnings, 0 skipped, 0 not applicable, 1 expected failure hidden  (wall 2.5s, 2 workers)');
    expect(out).toContain('html     not generated: allure awesome exited 1');
    expect(out).not.toContain('junit'); // not listed when the file does not exist
  });
});

describe('the release gate', () => {
  const counts = (c: Partial<Record<'passed' | 'failed' | 'warning' | 'skipped' | 'not_applicable', number>>) => {
    const all = { passed: 0, failed: 0, warning: 0, skipped: 0, not_applicable: 0, ...c };
    return { ...all, total: Object.values(all).reduce((a, b) => a + b, 0), expectedFailures: 0 };
  };
  const gate = (c: Parameters<typeof counts>[0], strict: boolean, unmet = 0, errors: string[] = []) => gateOf(counts(c), unmet, { strict, errors });

  test('default: skips and warnings pass, a failure or a run error fails', () => {
    expect(gate({ passed: 3, skipped: 2, warning: 1, not_applicable: 4 }, false, 1).passed).toBe(true);
    expect(gate({ passed: 3, failed: 1 }, false).passed).toBe(false);
    expect(gate({ passed: 3 }, false, 0, ['could not start the provider']).reasons).toEqual(['1 run error']);
  });

  test('a run where nothing passed fails even without --strict', () => {
    expect(gate({ skipped: 2 }, false)).toEqual({ mode: 'default', passed: false, reasons: ['nothing passed (2 modules: 2 skipped, 0 not applicable, 0 failed)'] });
    expect(gate({ not_applicable: 3 }, false).passed).toBe(false);
    expect(gate({}, false).passed).toBe(false);
  });

  test('--strict: skips, warnings and unmet expected failures fail; not applicable does not', () => {
    expect(gate({ passed: 3, not_applicable: 4 }, true)).toEqual({ mode: 'strict', passed: true, reasons: [] });
    expect(gate({ passed: 3, skipped: 1 }, true).reasons).toEqual(['1 module skipped']);
    expect(gate({ passed: 3, warning: 2 }, true).reasons).toEqual(['2 warnings']);
    expect(gate({ passed: 3 }, true, 1).reasons).toEqual(['1 unmet expected failure']);
  });
});

describe('evidence rendering', () => {
  const x = {
    kind: 'http' as const, id: 'x1', step: 'token', label: 'token', startedAt: '', ms: 3,
    request: { method: 'POST', url: 'http://127.0.0.1:9/token?a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code' },
    response: { status: 400, headers: { 'content-type': 'application/json', 'set-cookie': 'a=1\nb=2' }, body: '{"error":"invalid_grant"}' },
  };
  test('HTTP exchanges as text', () => {
    expect(renderRequest(x)).toBe('POST /token?a=1 HTTP/1.1\nhost: 127.0.0.1:9\ncontent-type: application/x-www-form-urlencoded\n\ngrant_type=authorization_code');
    expect(renderResponse(x)).toBe('HTTP/1.1 400\ncontent-type: application/json\nset-cookie: a=1\nset-cookie: b=2\n\n{\n  "error": "invalid_grant"\n}');
  });
  test('findings table escapes HTML', () => {
    const html = findingsHtml({ id: 'm', expectedFailures: [], findings: [{ check: 'c', citation: cite('RFC9207-2-iss'), ok: false, message: '<script>', actual: '"x"' }] });
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('RFC 9207 §2 (MUST)');
  });
});

describe('junit.xml', () => {
  const summaryOf = (modules: ReturnType<typeof result>[]) => ({
    plan: 'p & q', planFile: '/p.yaml', startedAt: '2026-01-01T00:00:00.000Z', ms: 1500, workers: 2, issuer: '', faults: [],
    counts: { passed: 0, failed: 0, warning: 0, skipped: 0, not_applicable: 0, total: modules.length, expectedFailures: 0 },
    unmetExpectedFailures: [], gate: { mode: 'default' as const, passed: true, reasons: [] }, modules,
  });
  test('one testcase per module: failure with its findings, error without, skipped with the reason, warning in system-out', async () => {
    const { junitXml } = await import('../../harness/reporters/junit.ts');
    const bad = { check: 'iss-matches', citation: cite('RFC9207-2-iss'), ok: false, message: 'iss <wrong>' };
    const xml = junitXml(summaryOf([
      result('a', 'not_applicable', { reason: 'needs plan operations.rotate_keys & "more"' }),
      result('b', 'skipped', { reason: 'proves no rule' }),
      result('c', 'passed'),
      result('d', 'failed', { findings: [bad] }),
      result('e', 'failed', { reason: 'step "token": no answer within 10000 ms' }),
      result('f', 'warning', { findings: [{ ...bad, citation: cite('RFC6749-4.1.2-code-reuse-revokes') }] }),
    ]));
    expect(xml).toContain('<testsuites name="touchstone: p &amp; q" tests="6" failures="1" errors="1" skipped="2" time="1.500">');
    expect(xml).toContain('<skipped message="not applicable: needs plan operations.rotate_keys &amp; &quot;more&quot;"/>');
    expect(xml).toContain('<skipped message="proves no rule"/>');
    expect(xml).toContain('<testcase classname="p &amp; q" name="c" time="0.010"/>');
    expect(xml).toMatch(/<failure message="\[iss-matches\] RFC 9207 §2 \(MUST\): iss &lt;wrong&gt;" type="ConformanceAssertionError">/);
    expect(xml).toContain('<error message="step &quot;token&quot;: no answer within 10000 ms" type="ModuleError"/>');
    expect(xml).toMatch(/<system-out>warning: \[iss-matches\] RFC 6749 §4.1.2 \(SHOULD\)/);
    expect(xml.match(/<testcase /g)).toHaveLength(6);
    expect(xml).not.toContain('name="gate"');
  });

  test('a gate failed for a reason no module shows is a failed "gate" testcase; failed modules alone add none', async () => {
    const { junitXml } = await import('../../harness/reporters/junit.ts');
    const strict = junitXml({
      ...summaryOf([result('a', 'passed'), result('b', 'skipped', { reason: 'no TTL' })]),
      unmetExpectedFailures: [{ module: 'a', check: 'token-refused', reason: 'known bug' }],
      gate: { mode: 'strict', passed: false, reasons: ['1 module skipped', '1 unmet expected failure'] },
    });
    expect(strict).toContain('tests="3" failures="1" errors="0" skipped="1"');
    expect(strict).toContain('<testcase classname="p &amp; q" name="gate" time="0.000">');
    expect(strict).toContain('message="gate (strict) failed: 1 module skipped; 1 unmet expected failure" type="GateFailure"');
    expect(strict).toContain('unmet expected failure: a [token-refused] did not fail (reason given: known bug)');
    const failedOnly = junitXml({
      ...summaryOf([result('d', 'failed', { reason: 'boom' })]),
      gate: { mode: 'default', passed: false, reasons: ['1 module failed'] },
    });
    expect(failedOnly).not.toContain('name="gate"');
  });
});
