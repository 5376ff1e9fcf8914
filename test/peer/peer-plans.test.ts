// Every peer plan (plans/peer/*.yaml) run the way a user runs it, `touchstone run <plan>`, against
// the oidc-provider test peer (peers/oidc-provider, panva's certified OP): a correct provider we did
// not write must pass every module, except the plan's expected_failures (real deviations of
// oidc-provider from a clause, each naming the clause). Per plan it prints passed/failed/skipped.
// Kept within CI's time: short TTLs in the peer's profiles, and the plans run side by side: they are
// wait-bound (polling intervals, expiries: a CIBA plan uses about 15% of one core), so 3 at once
// cost little more than the longest alone.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { RunSummary } from '../../harness/core/types.ts';
import { redisUnavailableReason } from '../../harness/engine/redis-server.ts';
import { cli, ROOT, tempDir } from '../cli/helpers.ts';

const ALL = readdirSync(join(ROOT, 'plans', 'peer')).filter((f) => f.endsWith('.yaml')).sort();
/** A plan with `shared_store: redis` needs redis-server; without it, it is reported skipped with the reason. */
const needsRedis = (file: string) => /^\s*shared_store:\s*redis\b/m.test(readFileSync(join(ROOT, 'plans', 'peer', file), 'utf8'));
const noRedis = redisUnavailableReason();
const PLANS = ALL.filter((f) => !(noRedis && needsRedis(f)));
const SKIPPED = ALL.filter((f) => !PLANS.includes(f));

/**
 * The FAPI 2.0 matrix (32 combinations; the 16 without signed requests took 10.5 min alone here) does
 * not fit npm test's 15 minutes: here it runs its two far corners, which between them take each value
 * of each dimension once. The whole matrix: `npm run test:fapi-matrix` (README, FAPI 2.0).
 */
const CORNERS = ['client_auth=private_key_jwt,sender_constrain=dpop,openid=openid_connect,response_mode=plain,request_method=unsigned', 'client_auth=mtls,sender_constrain=mtls,openid=plain_oauth,response_mode=jarm,request_method=signed'];
const SELECT: Record<string, string[]> = { 'fapi2-security-profile.yaml': CORNERS.flatMap((k) => ['--module', `*[${k}]`]) };

/** At most two plans at once, whatever vitest's maxConcurrency. */
const AT_ONCE = 2;
let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(fn: () => Promise<T>): Promise<T> {
  while (running >= AT_ONCE) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

describe('peer plans against oidc-provider 9.13.3', { concurrent: true }, () => {
  test('there is a peer plan', () => expect(PLANS.length).toBeGreaterThan(0));
  for (const file of SKIPPED) test.skip(`plans/peer/${file} [skipped: ${noRedis}; the plan's shared_store: redis needs redis-server]`, () => {});

  test.concurrent.each(PLANS)('plans/peer/%s: no failed module', async (file) => {
    const dir = tempDir('touchstone-peer-');
    const r = await slot(() => cli(['run', join('plans', 'peer', file), '--report-dir', dir, '--workers', '2', ...(SELECT[file] ?? [])], { timeoutMs: 600_000 }));
    let s: RunSummary;
    try {
      s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
    } catch {
      throw new Error(`no summary.json (exit ${r.code}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    }
    const c = s.counts;
    const expected = s.modules.reduce((n, m) => n + m.expectedFailures.length, 0);
    console.log(`plans/peer/${file}: ${c.passed} passed, ${c.failed} failed, ${c.warning} warnings, ${c.skipped} skipped, ${c.not_applicable} not applicable (${expected} expected failures)`);
    const failed = s.modules.filter((m) => m.status === 'failed').map((m) => `${m.id}: ${m.reason}`);
    expect(failed, failed.join('\n')).toEqual([]);
    expect(c.total).toBeGreaterThan(0);
    // The default gate (a run where nothing passed fails it), and every expected failure still occurs.
    expect(s.gate.reasons).toEqual([]);
    expect(s.unmetExpectedFailures).toEqual([]);
  }, 900_000);
});
