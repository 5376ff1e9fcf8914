// RFC 9449 §11.1: servers "can store" DPoP proof jtis and decline a replay, a MAY. The replay modules
// apply only when the plan declares `variants.dpop_jti_replay: refused`; then an OP that serves a
// replayed proof deviates from its plan: a warning citing §11.1 (never a failed MUST such as
// RFC 6750 §3 at the resource), and a plan that says `not_checked` does not run them.
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../harness/engine/load-plan.ts';
import { runPlanDirect } from '../../harness/engine/direct.ts';
import { startInProcess } from '../in-process.ts';

const REPLAY = ['dpop-jti-replay', 'dpop-token-jti-replay', 'resource-dpop-replay'];
const planFile = new URL('../../plans/resource-server.yaml', import.meta.url).pathname;

describe('DPoP proof replay (RFC 9449 §11.1, MAY, declared by plan variant)', () => {
  it('a declared OP that serves a replayed proof gets a warning citing §11.1 in each replay module', async () => {
    const plan = await loadPlan(planFile);
    expect(plan.variants?.dpop_jti_replay).toBe('refused');
    const res = await runPlanDirect(plan, { faults: ['dpop-ignore-replay'], modules: REPLAY, inProcess: startInProcess });
    expect(res.map((r) => [r.id, r.status]).sort()).toEqual(REPLAY.map((id) => [id, 'warning']).sort());
    for (const r of res) {
      const failing = r.findings.filter((f) => !f.ok);
      expect(failing.map((f) => f.citation.id), r.id).toEqual(['RFC9449-11.1-jti-replay']);
      expect(failing[0].message).toMatch(/^the plan says the OP implements this optional behaviour, but: /);
    }
  }, 60_000);

  it('with dpop_jti_replay: not_checked the replay modules do not apply', async () => {
    const plan = await loadPlan(planFile);
    const res = await runPlanDirect({ ...plan, variants: { ...plan.variants, dpop_jti_replay: 'not_checked' } }, { modules: REPLAY, inProcess: startInProcess });
    expect(res.map((r) => r.status)).toEqual(REPLAY.map(() => 'not_applicable'));
    expect(res[0].reason).toMatch(/variants\.dpop_jti_replay is refused/);
  }, 60_000);
});
