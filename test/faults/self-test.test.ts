// The fault self-test: for every fault switch of the reference provider, run the modules that
// prove the rule it breaks against a provider with that one switch on. Each must fail (or warn,
// for a SHOULD/MAY rule) with a failing finding that cites exactly that rule. This is how every
// check is shown to be able to fail. For the plans in EXACT_PLANS it also runs the plan's other quick
// modules under each switch, and none may fail for another reason ("exactly the modules for that
// rule"). The all-pass run of plans/default.yaml is test/cli/run.e2e.test.ts; the others run here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair } from 'jose';
import { FAULTS, type FaultSwitch } from '../../provider/faults.ts';
import { loadPlan } from '../../harness/plan/load.ts';
import { applicability, loadCatalog, resolveSteps, selectModules } from '../../harness/engine/catalog.ts';
import { BrowserPool } from '../../harness/engine/browser.ts';
import { pool, runPlanDirect } from '../../harness/engine/direct.ts';
import type { ModuleResult, Plan } from '../../harness/core/types.ts';

const PLANS = ['default', 'oidc-basic', 'client-credentials', 'introspection-revocation', 'registration', 'resource-server', 'fapi2-security-profile', 'device', 'ciba'].map((n) => new URL(`../../plans/${n}.yaml`, import.meta.url).pathname);

/**
 * Plans whose faults must fail exactly the modules for their rule: every fault proven in
 * such a plan also runs the plan's quick modules beside the proving ones, and none of those may fail.
 */
// introspection-revocation is not here: its modules observe each rule through the other (a
// revocation is seen by introspecting the token), so a switch in one fails modules of both.
const EXACT_PLANS = ['resource-server', 'client-credentials', 'registration'];
/** Step kinds that make a module slow (a browser, a wait): left out of the bystander runs. */
const SLOW_STEPS = new Set(['authorize', 'authorize-start', 'device-approve', 'logout', 'wait', 'rotate-keys']);

let plans: Plan[] = [];
/** Per fault: modules of an EXACT_PLANS plan that failed although they do not prove its rule. */
const bystanderFailures = new Map<string, string[]>();
const browsers = new BrowserPool();
const results = new Map<string, ModuleResult[]>();

function proving(p: Plan, f: FaultSwitch): string[] {
  // A module the plan's variants rule out (not applicable) proves nothing in that plan.
  return selectModules(p, loadCatalog(p)).filter((m) => m.proves.includes(f.breaks) && applicability(m, p).applies).map((m) => m.id);
}

/**
 * Per plan, the proving modules not already run for this fault under an earlier plan: a module
 * shared by several plans (same suite definition) runs once per fault.
 */
function provingJobs(f: FaultSwitch): { f: FaultSwitch; p: Plan; modules: string[]; bystanders: string[] }[] {
  const seen = new Set<string>();
  return plans
    .map((p) => {
      const own = proving(p, f);
      const modules = own.filter((id) => !seen.has(id));
      modules.forEach((id) => seen.add(id));
      const bystanders = EXACT_PLANS.includes(p.name) && own.length > 0 ? quickModules(p).filter((id) => !own.includes(id)) : [];
      return { f, p, modules: [...modules, ...bystanders], bystanders };
    })
    .filter((j) => j.modules.length > 0);
}

/** The plan's runnable modules with no browser and no wait step. */
function quickModules(p: Plan): string[] {
  const catalog = loadCatalog(p);
  return selectModules(p, catalog)
    .filter((m) => !m.skip && resolveSteps(m, catalog).every((s) => !SLOW_STEPS.has(s.do)))
    .map((m) => m.id);
}

/** Three signing keys made once, so each provider process starts without generating RSA keys. */
async function signingKeys(): Promise<Record<string, unknown>[]> {
  return Promise.all(
    (['RS256', 'PS256', 'ES256'] as const).map(async (alg) => {
      const { privateKey } = await generateKeyPair(alg, { extractable: true });
      return { ...(await exportJWK(privateKey)), alg, kid: `selftest-${alg.toLowerCase()}`, use: 'sig' };
    }),
  );
}

beforeAll(async () => {
  const keys = await signingKeys();
  plans = await Promise.all(
    PLANS.map(async (file) => {
      const p = await loadPlan(file);
      return { ...p, provider: { ...p.provider, config: { ...(p.provider.config as Record<string, unknown>), keys } } };
    }),
  );
  const started = performance.now();
  const jobs = FAULTS.flatMap(provingJobs);
  await pool(jobs, 2, async ({ f, p, modules, bystanders }) => {
    const res = await runPlanDirect(p, { faults: [f.id], modules, workers: 2, pool: browsers, inProcess: true });
    const judged = res.filter((r) => !bystanders.includes(r.id));
    results.set(f.id, [...(results.get(f.id) ?? []), ...judged]);
    if (bystanders.length === 0) return;
    // A quick module that fails on a finding citing the fault's own rule exercises that rule too;
    // one that fails for any other reason is a module the switch should not have touched.
    const hit = res
      .filter((r) => bystanders.includes(r.id) && (r.status === 'failed' || r.status === 'warning'))
      .filter((r) => !r.findings.some((x) => !x.ok && x.citation.id === f.breaks))
      .map((r) => `${r.id}: ${r.reason ?? r.status}`);
    bystanderFailures.set(f.id, [...(bystanderFailures.get(f.id) ?? []), ...hit]);
  });
  const detected = FAULTS.filter((f) => detectedBy(f).length > 0).length;
  console.log(`fault self-test: faults detected / faults defined = ${detected}/${FAULTS.length} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}, 600_000);

afterAll(() => browsers.close());

/** Modules that failed (or warned, for a rule below MUST) on a finding citing the fault's rule. */
function detectedBy(f: FaultSwitch): string[] {
  return (results.get(f.id) ?? [])
    .filter((r) => r.status === 'failed' || r.status === 'warning')
    .filter((r) => r.findings.some((x) => !x.ok && x.citation.id === f.breaks))
    .map((r) => r.id);
}

describe('every fault switch is detected by the modules that prove its rule', () => {
  it.each(FAULTS.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const expected = [...new Set(plans.flatMap((p) => proving(p, f)))];
    expect(expected.length, `no module proves ${f.breaks}`).toBeGreaterThan(0);
    const res = results.get(f.id) ?? [];
    const summary = res.map((r) => `${r.id}: ${r.status}${r.reason ? ` (${r.reason.slice(0, 200)})` : ''}`).join('\n');
    expect(detectedBy(f).sort(), `with ${f.id} on, these must fail citing ${f.breaks}:\n${summary}`).toEqual([...expected].sort());
  });
});

describe('exactly the modules for the rule', () => {
  it(`a fault proven in ${EXACT_PLANS.join(', ')} fails none of that plan's other quick modules`, () => {
    // Every such fault ran the plan's quick modules beside its proving ones.
    expect(bystanderFailures.size).toBeGreaterThan(0);
    const bad = Object.fromEntries([...bystanderFailures].filter(([, hit]) => hit.length > 0));
    expect(bad).toEqual({});
  });
});

describe('every module is proven by at least one fault switch', () => {
  it.each(PLANS)('each runnable module of %s proves a rule some switch breaks', async (file) => {
    const p = await loadPlan(file);
    const broken = new Set(FAULTS.map((f) => f.breaks as string));
    const unproven = selectModules(p, loadCatalog(p)).filter((m) => applicability(m, p).applies && !m.proves.some((c) => broken.has(c)));
    expect(unproven.map((m) => m.id)).toEqual([]);
  });
});

describe('with no switch on, every module passes', () => {
  // plans/default.yaml runs through the CLI in test/cli/run.e2e.test.ts; the other plans run here.
  it('plans/oidc-basic.yaml', async () => {
    const p = plans.find((x) => x.name === 'oidc-basic')!;
    const res = await runPlanDirect(p, { workers: 2, pool: browsers, inProcess: true });
    const bad = res.filter((r) => r.status === 'failed' || r.status === 'warning').map((r) => `${r.id}: ${r.reason}`);
    expect(bad).toEqual([]);
    expect(res.filter((r) => r.status === 'passed').length).toBeGreaterThan(30);
  }, 300_000);
  it('plans/fapi2-security-profile.yaml', async () => {
    const p = plans.find((x) => x.name === 'fapi2-security-profile')!;
    const res = await runPlanDirect(p, { workers: 2, pool: browsers, inProcess: true });
    const bad = res.filter((r) => r.status === 'failed' || r.status === 'warning').map((r) => `${r.id}: ${r.reason}`);
    expect(bad).toEqual([]);
    expect(res.filter((r) => r.status === 'passed').length).toBeGreaterThan(35);
  }, 300_000);
  it('plans/device.yaml', async () => {
    const p = plans.find((x) => x.name === 'device')!;
    const res = await runPlanDirect(p, { workers: 2, pool: browsers, inProcess: true });
    const bad = res.filter((r) => r.status !== 'passed').map((r) => `${r.id}: ${r.status} ${r.reason ?? ''}`);
    expect(bad).toEqual([]);
    expect(res.length).toBe(8);
  }, 120_000);
  it('plans/ciba.yaml', async () => {
    const p = plans.find((x) => x.name === 'ciba')!;
    const res = await runPlanDirect(p, { workers: 2, pool: browsers, inProcess: true });
    const bad = res.filter((r) => r.status === 'failed' || r.status === 'warning').map((r) => `${r.id}: ${r.reason}`);
    expect(bad).toEqual([]);
    expect(res.filter((r) => r.status === 'passed').length).toBe(26);
    expect(res.filter((r) => r.status === 'skipped').every((r) => (r.reason ?? '').length > 20)).toBe(true);
  }, 120_000);
  it('plans/resource-server.yaml', async () => {
    const p = plans.find((x) => x.name === 'resource-server')!;
    const res = await runPlanDirect(p, { workers: 2, pool: browsers, inProcess: true });
    const bad = res.filter((r) => r.status !== 'passed' && r.status !== 'not_applicable').map((r) => `${r.id}: ${r.status} ${r.reason ?? ''}`);
    expect(bad).toEqual([]);
    // This issuer's token endpoint requires DPoP nonces (variants.dpop_token_nonce: required), where a
    // proof's iat cannot be judged apart from its nonce: those two run in the FAPI plan instead.
    expect(res.filter((r) => r.status === 'not_applicable').map((r) => r.id).sort()).toEqual(['dpop-token-future-iat', 'dpop-token-stale-iat']);
    expect(res.length).toBeGreaterThan(60);
  }, 120_000);
  // Back-channel plans (no browser): every module passes.
  it.each(['client-credentials', 'introspection-revocation', 'registration'])('plans/%s.yaml', async (name) => {
    const p = plans.find((x) => x.name === name)!;
    const res = await runPlanDirect(p, { workers: 2, pool: browsers, inProcess: true });
    const bad = res.filter((r) => r.status !== 'passed').map((r) => `${r.id}: ${r.status} ${r.reason ?? ''}`);
    expect(bad).toEqual([]);
    expect(res.length).toBeGreaterThan(0);
  }, 120_000);
});
