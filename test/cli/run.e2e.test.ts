// End to end: `touchstone run plans/default.yaml` against the reference provider passes, and its
// report directory is complete and secret-free. This is the all-pass half of the fault self-test
// (test/faults/self-test.test.ts): with no switch on, every module passes.
import { beforeAll, describe, expect, test } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, filesContaining, tempDir, DEFAULT_PLAN, ROOT, type CliResult } from './helpers.ts';
import { loadPlan, secretsOf } from '../../harness/engine/api.ts';
import type { RunSummary } from '../../harness/core/types.ts';

describe('e2e: touchstone run plans/default.yaml', () => {
  const dir = tempDir('touchstone-e2e-');
  let r: CliResult;
  beforeAll(async () => {
    r = await cli(['run', DEFAULT_PLAN, '--report-dir', dir], { timeoutMs: 590_000 });
  }, 600_000);

  test('exits 0', () => {
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  });

  test('summary.json: nothing failed', () => {
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
    expect(s.counts.total).toBeGreaterThan(0);
    expect(s.counts.failed, JSON.stringify(s.modules.filter((m) => m.status === 'failed').map((m) => [m.id, m.reason]))).toBe(0);
  });

  test('junit.xml has a testcase per module; html/index.html exists', () => {
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(xml.match(/<testcase /g)?.length).toBe(s.counts.total);
    expect(existsSync(join(dir, 'html', 'index.html'))).toBe(true);
  });

  test('no secret of the plan appears in any report file', async () => {
    const secrets = secretsOf(await loadPlan(join(ROOT, DEFAULT_PLAN)));
    expect(filesContaining(dir, secrets)).toEqual([]);
  });
});
