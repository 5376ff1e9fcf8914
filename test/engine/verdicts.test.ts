// How a module's verdict is formed: a skip can only replace a pass. A MUST that failed before a
// step that cannot run keeps the module failed. Then judge() alone: the stopped-flow rule,
// expected failures (matching, unmet) and plan severity overrides.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlan } from '../../harness/engine/load-plan.ts';
import { closeRunContext, createRunContext, judge, runModule, type RunContext } from '../../harness/engine/runner.ts';
import { asInformation, type Finding } from '../../harness/core/finding.ts';
import { cite, type CitationId } from '../../harness/core/citations.ts';
import { startTarget, type Target } from '../../harness/engine/target.ts';
import type { ModuleDef, Plan } from '../../harness/core/types.ts';
import { startInProcess } from '../in-process.ts';

let target: Target;
let ctx: RunContext;
beforeAll(async () => {
  const plan = await loadPlan(new URL('../../plans/client-credentials.yaml', import.meta.url).pathname);
  target = await startTarget(plan, { inProcess: startInProcess });
  // No code TTL known: a `wait for: code_ttl` step cannot run and skips.
  ctx = await createRunContext(plan, { issuer: target.issuer, ttl: {} }, { runDir: mkdtempSync(join(tmpdir(), 'touchstone-verdict-')) });
});
afterAll(async () => {
  await closeRunContext(ctx);
  await target?.stop();
});

const mod = (id: string, expectError: boolean): ModuleDef => ({
  id,
  title: id,
  proves: ['RFC6749-4.4-token'],
  steps: [
    { do: 'discover' },
    // A valid request: expecting it to be refused makes its MUST expectation fail.
    { do: 'client-credentials', with: { client: 'main', scope: 'api:read' }, expect: expectError ? { error: ['invalid_client'], cite: 'RFC6749-4.4-token' } : { cite: 'RFC6749-4.4-token' } },
    { do: 'wait', with: { for: 'code_ttl' } },
  ],
});

it('a MUST that failed stays failed when a later step skips', async () => {
  const r = await runModule(ctx, mod('must-then-skip', true));
  expect(r.status).toBe('failed');
  expect(r.reason).toContain('RFC 6749');
});

it('a module that passed until a step could not apply is not applicable, with the reason', async () => {
  const r = await runModule(ctx, mod('pass-then-skip', false));
  expect(r.status).toBe('not_applicable');
  expect(r.reason).toContain('provider.ttl.code');
});

// ---- judge(): the verdict from findings and how the flow ended (pure, no provider)

const f = (check: string, rule: CitationId, ok: boolean, message = ok ? 'fine' : 'broken'): Finding => asInformation({ check, citation: cite(rule), ok, message });
const MUST = 'RFC6749-4.4-token' as const;
const SHOULD = 'RFC6749-4.1.2-code-reuse-revokes' as const;
const MAY = 'RFC9126-4-reuse-before-completion' as const;
const plan = (extra: Partial<Plan> = {}) => ({ expected_failures: [], ...extra }) as unknown as Plan;
const m: ModuleDef = { id: 'm1', title: 'm1', proves: [MUST] };

describe('judge', () => {
  it('a failed MUST decides the module whatever happens after: a later skip, abort or crash', () => {
    const found = [f('a', MUST, false), f('b', MUST, true)];
    expect(judge(plan(), m, found, { skipReason: 'needs provider.ttl.code', skipStatus: 'not_applicable' })[0]).toBe('failed');
    expect(judge(plan(), m, found, { skipReason: 'no TTL', skipStatus: 'skipped' })[0]).toBe('failed');
    expect(judge(plan(), m, found, { engineError: 'step "x": no response', abortedAt: 2 })[0]).toBe('failed');
    expect(judge(plan(), m, found, { engineError: 'step "x" crashed: boom' })[0]).toBe('failed');
  });

  it('a failed SHOULD then a skip: warning, not skipped', () => {
    const [status, r] = judge(plan(), m, [f('a', MUST, true), f('b', SHOULD, false)], { skipReason: 'no TTL' });
    expect(status).toBe('warning');
    expect(r.reason).toContain('(SHOULD)');
  });

  it('a skip replaces a pass', () => {
    expect(judge(plan(), m, [f('a', MUST, true)], { skipReason: 'no TTL' })).toMatchObject(['skipped', { reason: 'no TTL' }]);
  });

  it('one rule for a stopped flow: explained by a failed finding of the aborting step or a not-supported finding; not otherwise', () => {
    // the aborting step failed a check: that finding is the verdict
    expect(judge(plan(), m, [f('a', MUST, true), f('b', MUST, false)], { engineError: 'step "b": stop', abortedAt: 1 })).toMatchObject(['failed', { reason: expect.stringContaining('[b]') }]);
    // an optional behaviour the OP does not support: nothing left to check
    expect(judge(plan(), m, [f('a', MUST, true), f('b', MAY, false)], { engineError: 'step "b": stop', abortedAt: 1 })).toMatchObject(['passed', { reason: expect.stringContaining('not supported') }]);
    // an abort that no finding explains, and any crash, fail the module
    expect(judge(plan(), m, [f('a', MUST, true)], { engineError: 'step "b": no response', abortedAt: 1 })).toMatchObject(['failed', { reason: 'step "b": no response' }]);
    expect(judge(plan(), m, [f('a', MUST, true), f('b', MAY, false)], { engineError: 'step "c" crashed: TypeError' })[0]).toBe('failed');
  });

  it('no finding at all: failed, nothing was checked', () => {
    expect(judge(plan(), m, [], {})).toMatchObject(['failed', { reason: expect.stringContaining('nothing was checked') }]);
  });
});

describe('expected failures', () => {
  const found = [f('a', MUST, true), f('step-refused', MUST, false, 'expected invalid_client, got 200')];
  const entry = { module: 'm1', check: 'step-refused', reason: 'known deviation' };

  it('hide a failure only when every given field matches (module glob, check, rule, message)', () => {
    for (const e of [entry, { ...entry, module: 'm*' }, { ...entry, rule: MUST }, { ...entry, message: 'got 2\\d\\d$' }]) {
      const [status, r] = judge(plan({ expected_failures: [e] }), m, found, {});
      expect(status, JSON.stringify(e)).toBe('passed');
      expect(r.expectedFailures).toHaveLength(1);
      expect(r.expectedFailures![0]).toMatchObject({ check: 'step-refused', reason: 'known deviation' });
      expect(r.unmetExpectedFailures).toBeUndefined();
    }
    for (const e of [{ ...entry, module: 'other' }, { ...entry, check: 'a' }, { ...entry, rule: SHOULD }, { ...entry, message: '^nope' }]) {
      expect(judge(plan({ expected_failures: [e] }), m, found, {})[0], JSON.stringify(e)).toBe('failed');
    }
  });

  it('an expected failure that stopped the flow: passed, saying where', () => {
    const [status, r] = judge(plan({ expected_failures: [entry] }), m, found, { engineError: 'step "step": refused', abortedAt: 1 });
    expect(status).toBe('passed');
    expect(r.reason).toContain('stopped after an expected failure');
  });

  it('an entry that hid nothing in a module that ran is unmet; not in a module that skipped', () => {
    const clean = [f('a', MUST, true), f('step-refused', MUST, true)];
    const [status, r] = judge(plan({ expected_failures: [{ ...entry, rule: MUST }] }), m, clean, {});
    expect(status).toBe('passed');
    expect(r.unmetExpectedFailures).toEqual([{ module: 'm1', check: 'step-refused', rule: MUST, reason: 'known deviation' }]);
    expect(judge(plan({ expected_failures: [entry] }), m, clean, { skipReason: 'no TTL' })[1].unmetExpectedFailures).toBeUndefined();
  });

  it('an intermittent entry (a race) hides the failure when it occurs and is not unmet when it does not', () => {
    const race = { ...entry, rule: MUST, intermittent: true };
    const clean = [f('a', MUST, true), f('step-refused', MUST, true)];
    expect(judge(plan({ expected_failures: [race] }), m, clean, {})[1].unmetExpectedFailures).toBeUndefined();
    const [status, r] = judge(plan({ expected_failures: [race] }), m, found, {});
    expect(status).toBe('passed');
    expect(r.expectedFailures).toHaveLength(1);
  });
});

describe('severity overrides', () => {
  const sev = (rule: string, level: 'MUST' | 'SHOULD' | 'MAY') => plan({ severity: [{ rule, level, reason: 'not a FAPI deployment' }] });

  it('a MUST judged as SHOULD by the plan warns, and the finding keeps both levels and the reason', () => {
    const [status, r] = judge(sev(MUST, 'SHOULD'), m, [f('a', MUST, false)], {});
    expect(status).toBe('warning');
    expect(r.findings![0]).toMatchObject({ level: 'SHOULD', declaredLevel: 'MUST', levelReason: 'not a FAPI deployment' });
    expect(r.reason).toContain('(SHOULD by plan: not a FAPI deployment; cited MUST)');
  });

  it('a SHOULD judged as MUST fails; a MAY raised to MUST is a failure, not "not supported"', () => {
    expect(judge(sev(SHOULD, 'MUST'), m, [f('a', SHOULD, false)], {})[0]).toBe('failed');
    expect(judge(plan(), m, [f('a', MAY, false)], {})[0]).toBe('passed');
    expect(judge(sev(MAY, 'MUST'), m, [f('a', MAY, false)], {})[0]).toBe('failed');
  });

  it('a MUST lowered to MAY is information', () => {
    const [status, r] = judge(sev(MUST, 'MAY'), m, [f('a', MUST, false), f('b', SHOULD, true)], {});
    expect(status).toBe('passed');
    expect(r.findings![0]).toMatchObject({ info: true, declaredLevel: 'MUST' });
  });

  it('an override for another rule changes nothing', () => {
    expect(judge(sev(SHOULD, 'MAY'), m, [f('a', MUST, false)], {})[0]).toBe('failed');
  });
});
