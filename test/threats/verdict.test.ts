// The threat verdict (harness/threats/verdict.ts), a pure function of the run's module outcomes.
import { describe, expect, test } from 'vitest';
import { moduleOutcome, threatTable, threatTotals, verdictOf } from '../../harness/threats/verdict.ts';
import type { Threat } from '../../harness/threats/catalogue.ts';

const T = (id: string): Threat => ({ id, title: `title of ${id}`, cites: 'RFC 9700 §4.8' });
const threats = [T('A'), T('B'), T('C'), T('D')];

describe('verdictOf', () => {
  test('a failed module behind a threat: not mitigated, whatever else passed', () => {
    expect(verdictOf(['passed', 'failed', 'skipped'])).toBe('not_mitigated');
  });
  test('an expected failure names a real deviation: not mitigated', () => {
    expect(verdictOf(['passed', 'expected_failure'])).toBe('not_mitigated');
  });
  test('passed (or warning: its MUSTs held) with nothing failed: mitigated', () => {
    expect(verdictOf(['passed'])).toBe('mitigated');
    expect(verdictOf(['warning', 'not_applicable'])).toBe('mitigated');
  });
  test('nothing ran: not tested', () => {
    expect(verdictOf([])).toBe('not_tested');
    expect(verdictOf(['skipped', 'not_applicable'])).toBe('not_tested');
  });
});

describe('moduleOutcome', () => {
  test('a module that passed on expected failures counts as an expected failure', () => {
    expect(moduleOutcome({ id: 'm', status: 'passed', expectedFailures: [{}] })).toBe('expected_failure');
    expect(moduleOutcome({ id: 'm', status: 'passed', expectedFailures: [] })).toBe('passed');
    expect(moduleOutcome({ id: 'm', status: 'failed', expectedFailures: [{}] })).toBe('failed');
  });

  test('a failed module that judged nothing (interrupted, provider gone) leaves its threats not tested', () => {
    const stopped = { id: 'm', status: 'failed' as const, threats: ['A'], findings: [{ ok: true }] };
    expect(moduleOutcome(stopped)).toBe('not_judged');
    expect(threatTable([stopped], threats).table[0]).toMatchObject({ id: 'A', verdict: 'not_tested', modules: [{ id: 'm', outcome: 'not_judged' }] });
    // With a failing finding it is evidence: not mitigated.
    const broken = { ...stopped, findings: [{ ok: true }, { ok: false }] };
    expect(moduleOutcome(broken)).toBe('failed');
    expect(threatTable([broken], threats).table[0]!.verdict).toBe('not_mitigated');
  });
});

describe('threatTable', () => {
  const mods = [
    { id: 'm1', status: 'passed' as const, threats: ['A', 'B'] },
    { id: 'm2', status: 'failed' as const, threats: ['B'] },
    { id: 'm3', status: 'skipped' as const, threats: ['C'] },
    { id: 'm4', status: 'passed' as const, threats: ['A'], expectedFailures: [{}] },
    { id: 'm5', status: 'passed' as const },
  ];
  const r = threatTable(mods, threats);

  test('every catalogue threat, in order, with the modules behind it', () => {
    expect(r.table.map((x) => [x.id, x.verdict, x.modules])).toEqual([
      ['A', 'not_mitigated', [{ id: 'm1', outcome: 'passed' }, { id: 'm4', outcome: 'expected_failure' }]],
      ['B', 'not_mitigated', [{ id: 'm1', outcome: 'passed' }, { id: 'm2', outcome: 'failed' }]],
      ['C', 'not_tested', [{ id: 'm3', outcome: 'skipped' }]],
      ['D', 'not_tested', []],
    ]);
    expect(r.table[0]).toMatchObject({ title: 'title of A', cites: 'RFC 9700 §4.8' });
  });

  test('counts and the console totals', () => {
    expect(r.counts).toEqual({ mitigated: 0, not_mitigated: 2, not_tested: 2 });
    expect(threatTotals(threatTable([{ id: 'm1', status: 'passed', threats: ['D'] }], threats))).toBe('threats: 1 mitigated, 0 not mitigated, 3 not tested');
  });

  test('the order of the modules does not change the verdicts (a merged run is the unsharded one)', () => {
    const reversed = threatTable([...mods].reverse(), threats);
    expect(reversed.counts).toEqual(r.counts);
    expect(reversed.table.map((x) => x.verdict)).toEqual(r.table.map((x) => x.verdict));
  });

  test('a threat listed twice by one module counts it once', () => {
    expect(threatTable([{ id: 'm', status: 'passed', threats: ['A', 'A'] }], threats).table[0]!.modules).toHaveLength(1);
  });
});
