// The threat report of real runs, and replay (issue 13): pkce-missing-verifier (BCP_4_8, PKCE
// downgrade) run against the reference provider with its fault switch off and on. Off: BCP_4_8 is
// "mitigated" in summary.json, html/threats.html and the Allure report; on (skip-pkce-verification):
// "not mitigated", and the console names it. Replaying the module from its json gives the same
// verdict (the recorded plan, faults and all); with --plan, the other plan's.
import { beforeAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir, variantOfDefaultPlan, type CliResult } from '../cli/helpers.ts';
import type { ModuleResult, RunSummary } from '../../harness/core/types.ts';

const MODULE = 'pkce-missing-verifier';
const THREAT = 'BCP_4_8';
const FAULT = 'skip-pkce-verification';

const planWith = (name: string, faults: string[]) => variantOfDefaultPlan(name, (p) => {
  p.name = name;
  p.modules = [MODULE];
  delete p.expected_failures;
  if (faults.length) p.provider.faults = faults;
});
const okPlan = planWith('threats-ok', []);
const faultyPlan = planWith('threats-fault', [FAULT]);
const dir = tempDir('touchstone-threats-');
const at = (name: string) => join(dir, name);
const summary = (d: string) => JSON.parse(readFileSync(join(at(d), 'summary.json'), 'utf8')) as RunSummary;
const row = (d: string) => summary(d).threats!.table.find((r) => r.id === THREAT)!;
const show = (r: CliResult) => `${r.stdout}\n${r.stderr}`;

/** The verdict html/threats.html gives the threat. */
function pageVerdict(html: string): string | undefined {
  return new RegExp(`<tr class="[a-z_]+" data-threat="${THREAT}" data-verdict="([a-z_]+)">`).exec(html)?.[1];
}

/** The Allure single-file report embeds its files as d("<path>","<base64>"): the threat table among its attachments. */
function allureThreatVerdict(indexHtml: string): string | undefined {
  for (const m of indexHtml.matchAll(/d\("(data\/attachments\/[^"]+)","([A-Za-z0-9+/=]+)"\)/g)) {
    const text = Buffer.from(m[2]!, 'base64').toString('utf8');
    if (text.includes('data-threat=')) return pageVerdict(text);
  }
  return undefined;
}

describe('the threat table of a run with one fault switch on, and off', () => {
  let ok: CliResult;
  let bad: CliResult;
  beforeAll(async () => {
    [ok, bad] = await Promise.all([
      cli(['run', okPlan, '--report-dir', at('ok')], { timeoutMs: 100_000 }),
      cli(['run', faultyPlan, '--report-dir', at('bad')], { timeoutMs: 100_000 }),
    ]);
  }, 110_000);

  test('switch off: mitigated, with the module behind it', () => {
    expect(ok.code, show(ok)).toBe(0);
    expect(row('ok')).toMatchObject({ verdict: 'mitigated', title: 'PKCE Downgrade Attack', cites: 'RFC 9700 §4.8', modules: [{ id: MODULE, outcome: 'passed' }] });
    const s = summary('ok');
    expect(s.threats!.counts.mitigated).toBeGreaterThanOrEqual(1);
    expect(s.threats!.counts.not_mitigated).toBe(0);
    expect(s.modules[0]!.threats).toContain(THREAT);
    expect(pageVerdict(readFileSync(join(at('ok'), 'html', 'threats.html'), 'utf8'))).toBe('mitigated');
    expect(allureThreatVerdict(readFileSync(join(at('ok'), 'html', 'index.html'), 'utf8'))).toBe('mitigated');
    expect(ok.stdout).toMatch(/^threats: \d+ mitigated, 0 not mitigated, \d+ not tested$/m);
  });

  test('switch on: not mitigated, in summary.json, the HTML and on the console', () => {
    expect(bad.code, show(bad)).toBe(1);
    expect(summary('bad').faults).toEqual([FAULT]);
    expect(row('bad')).toMatchObject({ verdict: 'not_mitigated', modules: [{ id: MODULE, outcome: 'failed' }] });
    expect(summary('bad').threats!.counts.not_mitigated).toBe(1);
    expect(pageVerdict(readFileSync(join(at('bad'), 'html', 'threats.html'), 'utf8'))).toBe('not_mitigated');
    expect(allureThreatVerdict(readFileSync(join(at('bad'), 'html', 'index.html'), 'utf8'))).toBe('not_mitigated');
    expect(bad.stdout).toMatch(/^threats: \d+ mitigated, 1 not mitigated, \d+ not tested$/m);
    expect(bad.stdout).toContain(`not mitigated: ${THREAT} PKCE Downgrade Attack (RFC 9700 §4.8): ${MODULE}`);
  });

  describe('replay', () => {
    let again: CliResult;
    let elsewhere: CliResult;
    beforeAll(async () => {
      const json = join(at('bad'), 'modules', `${MODULE}.json`);
      [again, elsewhere] = await Promise.all([
        cli(['replay', json, '--report-dir', at('replay')], { timeoutMs: 100_000 }),
        cli(['replay', json, '--plan', okPlan, '--report-dir', at('replay-ok')], { timeoutMs: 100_000 }),
      ]);
    }, 110_000);

    test('the module json records the plan and the module as it ran', () => {
      const r = JSON.parse(readFileSync(join(at('bad'), 'modules', `${MODULE}.json`), 'utf8')) as ModuleResult;
      expect(r.replay).toMatchObject({ plan: 'threats-fault', planFile: faultyPlan, module: { id: MODULE, threats: [THREAT] } });
      expect(r.replay!.module.steps!.length).toBeGreaterThan(1); // resolved: base flow and edits applied
      expect(r.replay!.module.base).toBeUndefined();
      expect(summary('bad').modules[0]).not.toHaveProperty('replay'); // summary.json stays lean
    });

    test('replayed against the recorded plan: the same verdict, a normal report', () => {
      expect(again.code, show(again)).toBe(1);
      expect(again.stdout).toContain(`touchstone replay · module ${MODULE}`);
      const s = summary('replay');
      expect(s.planFile).toBe(faultyPlan);
      expect(s.modules.map((m) => [m.id, m.status])).toEqual([[MODULE, 'failed']]);
      expect(row('replay').verdict).toBe('not_mitigated');
    });

    test('replayed with --plan against another provider: that plan decides', () => {
      expect(elsewhere.code, show(elsewhere)).toBe(0);
      const s = summary('replay-ok');
      expect(s.planFile).toBe(okPlan);
      expect(s.modules.map((m) => [m.id, m.status])).toEqual([[MODULE, 'passed']]);
      expect(row('replay-ok').verdict).toBe('mitigated');
    });
  });

  test('replay of a file that is not a module result: exit 2, one line', async () => {
    const r = await cli(['replay', join(at('ok'), 'summary.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/summary\.json: has no replay record/);
  });
});
