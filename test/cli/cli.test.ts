// CLI user experience: usage errors and bad plans are one line on stderr and exit 2; validate and
// list on the default plan. (Runs are covered by report.test.ts and run.e2e.test.ts.)
import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { cli, lines, variantOfDefaultPlan, DEFAULT_PLAN, ROOT } from './helpers.ts';
import { loadPlan, loadCatalog, selectModules } from '../../harness/engine/api.ts';

/** A user error: exit 2, exactly one stderr line, prefixed, no stack trace. */
function expectOneLineError(r: { code: number | null; stderr: string }, ...mentions: (string | RegExp)[]) {
  expect(r.code, r.stderr).toBe(2);
  const err = lines(r.stderr);
  expect(err, r.stderr).toHaveLength(1);
  expect(err[0]).toMatch(/^touchstone: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  for (const m of mentions) expect(err[0]).toMatch(m);
  return err[0];
}

describe('usage', () => {
  test('--help prints usage and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: touchstone <command>/);
    for (const c of ['run <plan>', 'list <plan>', 'validate <plan>', '--module', '--workers', '--report-dir']) expect(r.stdout).toContain(c);
    expect(r.stderr).toBe('');
  });

  test('<command> --help prints usage and exits 0', async () => {
    const r = await cli(['run', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: touchstone');
  });

  test('--version', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^touchstone \d+\.\d+\.\d+\n$/);
  });

  test.concurrent.each([
    [['frobnicate', DEFAULT_PLAN], [/unknown command "frobnicate"/, /run, list, validate/]],
    [['run', DEFAULT_PLAN, '--frobnicate'], [/unknown option --frobnicate/]],
    [['list', DEFAULT_PLAN, '--workers', '2'], [/unknown option --workers for `list`/]],
    [['validate', DEFAULT_PLAN, '-x'], [/unknown option -x/]],
    [['run'], [/`run` needs a plan file/]],
    [['validate'], [/`validate` needs a plan file/]],
    [['validate', DEFAULT_PLAN, 'plans/other.yaml'], [/takes one plan file/]],
    [['run', DEFAULT_PLAN, '--workers', '0'], [/--workers 0/, /integer/]],
    [['run', DEFAULT_PLAN, '--workers', 'many'], [/--workers many/]],
    [['run', DEFAULT_PLAN, '--workers'], [/--workers needs a value/]],
    [['run', DEFAULT_PLAN, '--report-dir'], [/--report-dir needs a value/]],
    [['--frobnicate'], [/unknown option --frobnicate/]],
  ] as [string[], RegExp[]][])('%j -> exit 2, one line', async (args, mentions) => {
    const r = await cli(args);
    expectOneLineError(r, ...mentions);
    expect(r.stdout).toContain('Usage: touchstone'); // usage goes to stdout, the error to stderr
  });

  test('--module that matches nothing in the plan names the flag', async () => {
    expectOneLineError(await cli(['run', DEFAULT_PLAN, '--module', 'no-such-module-*']), /--module no-such-module-\*/, /matches none/);
  });

  test('several plans, one of them not there: that plan named, nothing run', async () => {
    expectOneLineError(await cli(['run', DEFAULT_PLAN, 'plans/other.yaml']), /plans\/other\.yaml: no such file/);
  });

  test('--report-dir that is a file', async () => {
    expectOneLineError(await cli(['run', DEFAULT_PLAN, '--report-dir', join(ROOT, 'package.json')]), /--report-dir .*package\.json/, /not a directory/);
  });
});

describe('validate', () => {
  test('the default plan is ok', async () => {
    const r = await cli(['validate', DEFAULT_PLAN]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok: plans\/default\.yaml \(\d+ modules?\)\n$/);
    expect(r.stderr).toBe('');
  });

  test('a missing plan file', async () => {
    expectOneLineError(await cli(['validate', 'plans/no-such-plan.yaml']), /no-such-plan\.yaml/);
  });

  test('an unknown top-level field', async () => {
    const file = variantOfDefaultPlan('unknown-field', (p) => { p.colour = 'blue'; });
    expectOneLineError(await cli(['validate', file]), /unknown-field\.yaml: /, /\/colour/);
  });

  test('a click step whose selector is not a string', async () => {
    const file = variantOfDefaultPlan('bad-click', (p) => { p.browser.interactions[0].steps[2] = { click: 5 }; });
    expectOneLineError(await cli(['validate', file]), /bad-click\.yaml: /, /\/browser\/interactions\/0\/steps\/2/);
  });

  test('an unknown module id', async () => {
    const file = variantOfDefaultPlan('unknown-module', (p) => { p.modules = ['discovery', 'pkce-plian']; });
    expectOneLineError(await cli(['validate', file]), /unknown-module\.yaml: /, /\/modules\/1/, /pkce-plian/);
  });

  test('YAML that does not parse', async () => {
    const file = variantOfDefaultPlan('not-yaml', () => {});
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'name: [unclosed\n');
    expectOneLineError(await cli(['validate', file]), /not-yaml\.yaml/);
  });
});

describe('list', () => {
  test('prints every module the default plan selects, with applicability and citations', async () => {
    const plan = await loadPlan(join(ROOT, DEFAULT_PLAN));
    const ids = selectModules(plan, loadCatalog(plan)).map((m) => m.id);
    expect(ids.length).toBeGreaterThan(0);
    const r = await cli(['list', DEFAULT_PLAN]);
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toMatch(/^MODULE\s+APPLIES\s+COUNTERPART\s+PROVES\s+SPEC\s+THREATS$/);
    const total = out.findIndex((l) => new RegExp(`^${ids.length} modules? \\(`).test(l));
    expect(total).toBeGreaterThan(0);
    const rowIds = out.slice(1, total).map((l) => l.split(/\s+/)[0]).filter((w) => ids.includes(w));
    expect(rowIds).toEqual(ids);
    for (const id of ids) expect(out.find((l) => l.startsWith(`${id} `))).toMatch(/\s(yes|skipped: .+|not applicable: .+)\s/);
    expect(r.stdout).toMatch(/§[\d.]+.*\((MUST|SHOULD|MAY)\)/);
    // Then the OAuch map (test/threats/catalogue.test.ts checks its content).
    expect(out[total + 1]).toMatch(/^OAUCH TEST\s+TOUCHSTONE$/);
    expect(out.at(-1)).toMatch(/^\d+ OAuch tests: \d+ with a counterpart \(\d+ in this plan\), \d+ inapplicable, \d+ not yet covered/);
  });

  test('a bad plan is one line, exit 2', async () => {
    const file = variantOfDefaultPlan('list-bad', (p) => { p.modules = ['nope']; });
    expectOneLineError(await cli(['list', file]), /list-bad\.yaml: /, /\/modules\/0/);
  });
});
