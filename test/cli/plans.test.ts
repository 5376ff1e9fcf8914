// `touchstone run <plan> <plan>…` (harness/plans-run.ts): several plans in one command. Each plan's
// reports land in <dir>/<plan>/ as a one-plan run writes them; plans.json holds every plan's exit,
// gate and counts; the command passes only when every plan's gate does (a broken provider in one
// plan fails it, exit 1); a plan that is not there is a usage error before anything starts (exit 2);
// options that only make sense for one plan are refused.
import { describe, expect, test } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, signingKeys, tempDir, variantOfDefaultPlan, type CliResult } from './helpers.ts';
import { combinedExit, planDirNames } from '../../harness/plans-run.ts';
import { combinedJunitXml } from '../../harness/reporters/junit.ts';

const small = (name: string, faults: string[] = []) => variantOfDefaultPlan(name, (p) => {
  p.name = name;
  p.modules = ['discovery', 'jwks'];
  p.provider.config.keys = signingKeys(name);
  if (faults.length) p.provider.faults = faults;
  delete p.expected_failures;
});
const show = (r: CliResult) => `${r.stdout}\n${r.stderr}`;

interface PlansJson { atOnce: number; plans: { plan: string; exit: number; reportDir: string; counts?: Record<string, number>; gate?: { passed: boolean } }[]; gate: { passed: boolean } }

describe('run with several plans', () => {
  test('both pass: each plan has its own report dir, plans.json and the gate pass', async () => {
    const dir = tempDir('touchstone-plans-');
    const a = small('plans-a');
    const b = small('plans-b');
    const r = await cli(['run', a, b, '--report-dir', dir, '--json', '--workers', '1'], { timeoutMs: 90_000 });
    expect(r.code, show(r)).toBe(0);
    const json = JSON.parse(r.stdout) as PlansJson;
    expect(json).toEqual(JSON.parse(readFileSync(join(dir, 'plans.json'), 'utf8')));
    expect(json.gate.passed).toBe(true);
    expect(json.atOnce).toBe(2);
    expect(json.plans.map((p) => [p.exit, p.counts?.passed, p.counts?.failed])).toEqual([[0, 2, 0], [0, 2, 0]]);
    for (const name of ['plans-a', 'plans-b']) {
      const summary = JSON.parse(readFileSync(join(dir, name, 'summary.json'), 'utf8')) as { plan: string; counts: { passed: number } };
      expect(summary.plan).toBe(name);
      expect(summary.counts.passed).toBe(2);
      expect(existsSync(join(dir, name, 'junit.xml'))).toBe(true);
      expect(readFileSync(join(dir, name, 'console.txt'), 'utf8')).toContain('2 passed');
    }
    expect(r.stderr).toMatch(/2 of 2 plans ran: 2 passed, 0 failed/);
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testsuites name="touchstone: 2 plans" tests="4" failures="0" errors="0" skipped="0"/);
    expect(junit.match(/<testsuite name="plans-[ab]"/g)).toHaveLength(2);
  });

  test('a broken provider in one plan fails the command; its line names the plan and the failed module', async () => {
    const dir = tempDir('touchstone-plans-');
    const good = small('plans-good');
    const broken = small('plans-broken', ['discovery-wrong-issuer']);
    const r = await cli(['run', good, broken, '--report-dir', dir, '--plans-at-once', '1', '--workers', '1'], { timeoutMs: 90_000 });
    expect(r.code, show(r)).toBe(1);
    const json = JSON.parse(readFileSync(join(dir, 'plans.json'), 'utf8')) as PlansJson;
    expect(json.gate.passed).toBe(false);
    expect(json.atOnce).toBe(1);
    expect(json.plans.map((p) => p.exit)).toEqual([0, 1]);
    expect(json.plans[1]!.counts?.failed).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/✗ .*plans-broken\.yaml/);
    expect(r.stdout).toMatch(/failed: discovery/);
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toMatch(/<testsuites name="touchstone: 2 plans" tests="\d+" failures="[1-9]/);
    expect(r.stdout).toMatch(/✓ .*plans-good\.yaml/);
  });

  test('a plan that is not there stops the command before any plan starts', async () => {
    const dir = tempDir('touchstone-plans-');
    const r = await cli(['run', small('plans-c'), 'plans/no-such-plan.yaml', '--report-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('plans/no-such-plan.yaml: no such file');
    expect(existsSync(join(dir, 'plans.json'))).toBe(false);
  });

  test.each([
    [['--module', 'discovery'], '--module runs with one plan'],
    [['--shard', '1/2'], '--shard runs with one plan'],
  ])('%j with several plans is refused', async (flags, message) => {
    const r = await cli(['run', 'plans/default.yaml', 'plans/rar.yaml', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  test('--plans-at-once needs several plans and a count', async () => {
    const one = await cli(['run', 'plans/default.yaml', '--plans-at-once', '2']);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('--plans-at-once needs several plans');
    const zero = await cli(['run', 'plans/default.yaml', 'plans/rar.yaml', '--plans-at-once', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--plans-at-once 0: must be an integer from 1 to 64');
  });
});

describe('planDirNames, combinedExit and combinedJunitXml', () => {
  test('one junit.xml: the runs\' testsuites, their counts summed, an errored testsuite for a run that wrote none', () => {
    const one = '<?xml version="1.0"?>\n<testsuites name="touchstone: a" tests="3" failures="1" errors="0" skipped="1" time="1.000">\n  <testsuite name="a" tests="3" failures="1" errors="0" skipped="1" time="1.000">\n    <testcase classname="a" name="m"/>\n  </testsuite>\n</testsuites>\n';
    const xml = combinedJunitXml('touchstone: 2 plans', [{ plan: 'plans/a.yaml', xml: one, error: 'x' }, { plan: 'plans/b<1>.yaml', error: 'the run wrote no junit.xml (exit 2): plans/b.yaml: /modules/0 "x" matches no module' }], 2500);
    expect(xml).toContain('<testsuites name="touchstone: 2 plans" tests="4" failures="1" errors="1" skipped="1" time="2.500">');
    expect(xml).toContain('<testcase classname="a" name="m"/>');
    expect(xml).toContain('<testsuite name="plans/b&lt;1&gt;.yaml" tests="1" failures="0" errors="1"');
    expect(xml).toContain('<error message="the run wrote no junit.xml (exit 2): plans/b.yaml: /modules/0 &quot;x&quot; matches no module" type="RunError"/>');
  });

  test('a plan file name per dir, its folders added when two plans share a name', () => {
    expect(planDirNames(['plans/default.yaml', 'plans/rar.yaml'])).toEqual(['default', 'rar']);
    expect(planDirNames(['plans/default.yaml', 'plans/peer/default.yaml'])).toEqual(['plans-default', 'plans-peer-default']);
    expect(planDirNames(['plans/rar.yaml', 'plans/rar.yaml'])).toEqual(['plans-rar', 'plans-rar-2']);
  });

  test.each([
    [[0, 0], false, 0], [[0, 1], false, 1], [[1, 2, 0], false, 2], [[0, 130], false, 1], [[0, 0], true, 130], [[], false, 0],
  ])('exits %j, interrupted %s -> %i', (exits, interrupted, code) => {
    expect(combinedExit(exits, interrupted)).toBe(code);
  });
});
