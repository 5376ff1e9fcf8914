import { describe, expect, it } from 'vitest';
import { CITATIONS, isCitationId } from '../../harness/core/citations.ts';
import type { ModuleDef, Plan, StepDef } from '../../harness/core/types.ts';
import {
  applicability,
  applyEdits,
  type Catalog,
  CatalogError,
  loadCatalog,
  mergeWith,
  moduleProblems,
  resolveSteps,
  selectModules,
  unmatchedSelectors,
} from '../../harness/engine/catalog.ts';
import { STEP_KINDS } from '../../harness/engine/steps/index.ts';

const FLOW: StepDef[] = [
  { do: 'discover' },
  { do: 'jwks' },
  { do: 'authorize', with: { client: 'main', params: { prompt: 'login', scope: 'openid' } } },
  { do: 'token' },
  { do: 'userinfo' },
];
const ids = (steps: StepDef[]) => steps.map((s) => s.id);
const CITE = 'RFC7636-4.6-verify';

function catalogOf(modules: ModuleDef[], flows: Record<string, StepDef[]> = { 'code-flow': FLOW }): Catalog {
  return { modules: new Map(modules.map((m) => [m.id, m])), flows };
}

function planOf(over: Partial<Plan> = {}): Plan {
  return {
    name: 't',
    provider: { launch: 'process' },
    clients: {},
    users: {},
    browser: { interactions: [], pages: {} },
    modules: ['*'],
    ...over,
  };
}

describe('applyEdits', () => {
  it('gives every step an id (defaulting to `do`) and copies instead of mutating', () => {
    const before = structuredClone(FLOW);
    const out = applyEdits(FLOW);
    expect(ids(out)).toEqual(['discover', 'jwks', 'authorize', 'token', 'userinfo']);
    expect(out[0]).not.toBe(FLOW[0]);
    applyEdits(FLOW, [{ edit: 'authorize', set: { params: { prompt: 'none' } }, drop: ['state'] }]);
    expect(FLOW).toEqual(before);
  });

  it('edit: set deep-merges into `with`, drop accumulates without duplicates', () => {
    const steps: StepDef[] = [{ do: 'authorize', with: { drop: ['nonce'], params: { prompt: 'login', scope: 'openid' } } }, { do: 'token' }];
    const out = applyEdits(steps, [
      { edit: 'authorize', set: { pkce: 'plain', params: { prompt: null, max_age: '0' } }, drop: ['state', 'nonce'] },
    ]);
    expect(out[0].with).toEqual({ pkce: 'plain', params: { scope: 'openid', max_age: '0' }, drop: ['nonce', 'state'] });
    expect(out[0].expect).toBeUndefined();
    expect(ids(out)).toEqual(['authorize', 'token']);
  });

  it('edit: an expected success keeps the later steps', () => {
    const out = applyEdits(FLOW, [{ edit: 'token', expect: { status: [200] } }]);
    expect(ids(out)).toEqual(['discover', 'jwks', 'authorize', 'token', 'userinfo']);
    expect(out[3].expect).toEqual({ status: [200] });
  });

  it.each([
    ['error', { error: ['invalid_request'], cite: CITE }],
    ['page', { page: ['error' as const], cite: CITE }],
    ['status >= 400', { status: [200, 401], cite: CITE }],
  ])('edit: an expected failure (%s) ends the flow after that step', (_name, expectation) => {
    const out = applyEdits(FLOW, [{ edit: 'authorize', expect: expectation }]);
    expect(ids(out)).toEqual(['discover', 'jwks', 'authorize']);
    expect(out[2].expect).toEqual(expectation);
  });

  it('a later edit may insert steps after a step that expects failure', () => {
    const out = applyEdits(FLOW, [
      { edit: 'authorize', expect: { error: ['login_required'], cite: CITE } },
      { insert_after: 'authorize', steps: [{ id: 'again', do: 'authorize' }] },
    ]);
    expect(ids(out)).toEqual(['discover', 'jwks', 'authorize', 'again']);
  });

  it('replay: copies the step under `as`, right after the original by default', () => {
    const out = applyEdits(FLOW, [{ replay: 'token', as: 'token-reuse', set: { params: { x: '1' } } }]);
    expect(ids(out)).toEqual(['discover', 'jwks', 'authorize', 'token', 'token-reuse', 'userinfo']);
    expect(out[4]).toMatchObject({ do: 'token', id: 'token-reuse', with: { params: { x: '1' } } });
    expect(out[3].with).toBeUndefined(); // the original is untouched
  });

  it('replay: `after` places the copy elsewhere, and an expected failure truncates after the copy', () => {
    const placed = applyEdits(FLOW, [{ replay: 'token', as: 'token-2', after: 'userinfo' }]);
    expect(ids(placed)).toEqual(['discover', 'jwks', 'authorize', 'token', 'userinfo', 'token-2']);
    const failing = applyEdits(FLOW, [{ replay: 'authorize', as: 'authorize-2', after: 'token', expect: { error: ['invalid_grant'], cite: CITE } }]);
    expect(ids(failing)).toEqual(['discover', 'jwks', 'authorize', 'token', 'authorize-2']);
    expect(failing[4].expect?.error).toEqual(['invalid_grant']);
    expect(failing[4].with).toEqual(failing[2].with);
  });

  it('replay: needs `as`, and `as` must be a new id', () => {
    expect(() => applyEdits(FLOW, [{ replay: 'token' } as never])).toThrow(/edits\/0: replay needs "as"/);
    expect(() => applyEdits(FLOW, [{ replay: 'token', as: 'userinfo' }])).toThrow(CatalogError);
    expect(() => applyEdits(FLOW, [{ replay: 'token', as: 'userinfo' }])).toThrow('edits/0: step id "userinfo" already exists');
  });

  it('insert_after: inserts steps with ids defaulting to `do`; a duplicate id is an error', () => {
    const out = applyEdits(FLOW, [{ insert_after: 'token', steps: [{ do: 'wait', with: { seconds: 1 } }, { id: 'token-late', do: 'token' }] }]);
    expect(ids(out)).toEqual(['discover', 'jwks', 'authorize', 'token', 'wait', 'token-late', 'userinfo']);
    expect(() => applyEdits(FLOW, [{ insert_after: 'token', steps: [{ do: 'jwks' }] }])).toThrow(/edits\/0: step id "jwks" already exists; give the inserted step an id/);
  });

  it('remove and truncate_after', () => {
    expect(ids(applyEdits(FLOW, [{ remove: 'jwks' }]))).toEqual(['discover', 'authorize', 'token', 'userinfo']);
    expect(ids(applyEdits(FLOW, [{ truncate_after: 'authorize' }]))).toEqual(['discover', 'jwks', 'authorize']);
    expect(ids(applyEdits(FLOW, [{ truncate_after: 'userinfo' }]))).toHaveLength(5);
  });

  it('edits apply in order: a removed step cannot be edited later', () => {
    expect(() => applyEdits(FLOW, [{ remove: 'token' }, { edit: 'token', set: {} }])).toThrow(/^edits\/1: no step "token" in the flow/);
  });

  it.each([
    [{ edit: 'tokne' }],
    [{ replay: 'tokne', as: 'x' }],
    [{ replay: 'token', as: 'x', after: 'tokne' }],
    [{ insert_after: 'tokne', steps: [] }],
    [{ remove: 'tokne' }],
    [{ truncate_after: 'tokne' }],
  ])('an unknown step id names the id and the steps there are: %j', (edit) => {
    expect(() => applyEdits(FLOW, [edit as never])).toThrow('edits/0: no step "tokne" in the flow (steps: discover, jwks, authorize, token, userinfo)');
  });

  it('an edit with no known operation is an error', () => {
    expect(() => applyEdits(FLOW, [{ set: {} } as never])).toThrow(/edits\/0: an edit needs one of edit, replay, insert_after, remove, truncate_after/);
  });
});

describe('mergeWith', () => {
  it('merges nested objects, replaces arrays and scalars, deletes on null', () => {
    const target = { a: 1, b: { c: 2, d: { e: 3, f: 4 } }, g: [1, 2], h: 'x' };
    const out = mergeWith(target, { b: { d: { e: 30, f: null }, z: true }, g: [9], h: { now: 'object' }, a: null, n: 0 });
    expect(out).toEqual({ b: { c: 2, d: { e: 30 }, z: true }, g: [9], h: { now: 'object' }, n: 0 });
    expect(target).toEqual({ a: 1, b: { c: 2, d: { e: 3, f: 4 } }, g: [1, 2], h: 'x' });
  });
  it('an object replaces an array (and vice versa) rather than merging', () => {
    expect(mergeWith({ a: [1] }, { a: { x: 1 } })).toEqual({ a: { x: 1 } });
    expect(mergeWith({ a: { x: 1 } }, { a: [2] })).toEqual({ a: [2] });
  });
  it('defaults both sides to empty', () => {
    expect(mergeWith()).toEqual({});
    expect(mergeWith(undefined, { a: 1 })).toEqual({ a: 1 });
    expect(mergeWith({ a: 1 })).toEqual({ a: 1 });
  });
});

describe('resolveSteps', () => {
  const m = (over: Partial<ModuleDef> & { id: string }): ModuleDef => ({ title: over.id, proves: [CITE], ...over });

  it('starts from a named flow and applies edits', () => {
    const mod = m({ id: 'x', base: 'code-flow', edits: [{ edit: 'token', drop: ['code_verifier'], expect: { error: ['invalid_grant'], cite: CITE } }] });
    const steps = resolveSteps(mod, catalogOf([mod]));
    expect(ids(steps)).toEqual(['discover', 'jwks', 'authorize', 'token']);
    expect(steps[3].with).toEqual({ drop: ['code_verifier'] });
  });

  it('uses inline steps when given', () => {
    const mod = m({ id: 'x', steps: [{ do: 'discover' }, { id: 'd2', do: 'discover' }] });
    expect(ids(resolveSteps(mod, catalogOf([mod])))).toEqual(['discover', 'd2']);
  });

  it('follows a chain of base modules, applying each module\'s edits in turn', () => {
    const a = m({ id: 'a', base: 'code-flow', edits: [{ remove: 'jwks' }] });
    const b = m({ id: 'b', base: 'a', edits: [{ replay: 'token', as: 'token-2' }] });
    const c = m({ id: 'c', base: 'b', edits: [{ edit: 'token-2', set: { client: 'second' } }] });
    const steps = resolveSteps(c, catalogOf([a, b, c]));
    expect(ids(steps)).toEqual(['discover', 'authorize', 'token', 'token-2', 'userinfo']);
    expect(steps[3].with).toEqual({ client: 'second' });
  });

  it('detects a loop in the base chain', () => {
    const a = m({ id: 'a', base: 'b' });
    const b = m({ id: 'b', base: 'a' });
    expect(() => resolveSteps(a, catalogOf([a, b]))).toThrow('module a: base chain loops (a -> b -> a)');
    const self = m({ id: 'self', base: 'self' });
    expect(() => resolveSteps(self, catalogOf([self]))).toThrow(/base chain loops \(self -> self\)/);
  });

  it('rejects an unknown base and a module with neither steps nor base', () => {
    expect(() => resolveSteps(m({ id: 'x', base: 'no-such' }), catalogOf([]))).toThrow('base "no-such" is neither a flow in suites/flows.yaml nor a module');
    expect(() => resolveSteps(m({ id: 'x' }), catalogOf([]))).toThrow('a module needs steps or a base');
  });
});

describe('moduleProblems', () => {
  const m = (over: Partial<ModuleDef>): ModuleDef => ({ id: 'x', title: 'x', proves: [CITE], base: 'code-flow', ...over });
  const cat = catalogOf([]);

  it('a sound module has none', () => {
    expect(moduleProblems(m({ edits: [{ edit: 'token', expect: { error: ['invalid_grant'], cite: CITE } }] }), cat)).toEqual([]);
  });
  it('an unknown citation in proves', () => {
    expect(moduleProblems(m({ proves: [CITE, 'RFC0000-made-up'] }), cat)).toEqual(['proves: unknown citation id "RFC0000-made-up"']);
  });
  it('an unknown citation in expect.cite (string or list)', () => {
    expect(moduleProblems(m({ edits: [{ edit: 'token', expect: { error: ['e'], cite: 'nope' } }] }), cat)).toEqual(['step "token": expect.cite: unknown citation id "nope"']);
    expect(moduleProblems(m({ edits: [{ edit: 'token', expect: { error: ['e'], cite: [CITE, 'nope2'] as never } }] }), cat)).toEqual([
      'step "token": expect.cite: unknown citation id "nope2"',
    ]);
  });
  it('an unknown step kind', () => {
    const p = moduleProblems(m({ base: undefined, steps: [{ do: 'discover' }, { do: 'teleport' }] }), cat);
    expect(p).toHaveLength(1);
    expect(p[0]).toBe(`step "teleport": unknown step kind "teleport" (known: ${STEP_KINDS.join(', ')})`);
  });
  it('a misspelled step option, at the top or nested, names the step, the path and the allowed keys', () => {
    const p = moduleProblems(m({ edits: [{ edit: 'authorize', set: { pcke: 'plain' }, expect: { error: ['invalid_request'], cite: CITE } }] }), cat);
    expect(p).toEqual(['step "authorize": with.pcke is not an option of step kind "authorize" (allowed: client, user, pkce, redirect_uri, scope, scope_add, scope_order, id_token_hint, request_object, par, method, duplicate, pkce_verifier_length, verifier_at_token, redirect_uri_variant, response_mode, jarm_profile, params, drop)']);
    const nested = moduleProblems(m({ edits: [{ edit: 'token', set: { dpop: { nonse: 'omit' } } }] }), cat);
    expect(nested).toHaveLength(1);
    expect(nested[0]).toMatch(/^step "token": with\.dpop\.nonse is not an option of step kind "token" \(allowed in with\.dpop: key, /);
    expect(moduleProblems(m({ edits: [{ edit: 'token', set: { dpop: { nonce: 'omit' } } }] }), cat)).toEqual([]);
  });
  it('an expected failure without a citation', () => {
    expect(moduleProblems(m({ edits: [{ edit: 'authorize', expect: { error: ['invalid_request'] } }] }), cat)).toEqual([
      'step "authorize": an expected failure needs expect.cite, the rule it proves',
    ]);
    expect(moduleProblems(m({ edits: [{ edit: 'userinfo', expect: { status: [401] } }] }), cat)).toHaveLength(1);
    expect(moduleProblems(m({ edits: [{ edit: 'userinfo', expect: { status: [200] } }] }), cat)).toEqual([]);
  });
  it('a step id used twice', () => {
    expect(moduleProblems(m({ base: undefined, steps: [{ do: 'discover' }, { do: 'discover' }] }), cat)).toEqual(['step id "discover" is used twice']);
  });
  it('a resolution error becomes a problem (with the proves problems kept)', () => {
    const p = moduleProblems(m({ proves: ['bogus'], edits: [{ remove: 'nope' }] }), cat);
    expect(p[0]).toBe('proves: unknown citation id "bogus"');
    expect(p[1]).toMatch(/^edits\/0: no step "nope" in the flow/);
    expect(p).toHaveLength(2);
  });
});

describe('the built-in catalog (suites/*.yaml)', () => {
  const catalog = loadCatalog();

  it('loads the real suites with modules and flows', () => {
    expect(catalog.modules.size).toBeGreaterThan(10);
    expect(Object.keys(catalog.flows)).toEqual(expect.arrayContaining(['code-flow', 'logout-flow']));
    expect(catalog.modules.get('code-flow-happy-path')?.source).toBe('suites/core.yaml');
    expect(catalog.modules.get('rp-logout')?.source).toBe('suites/logout.yaml');
  });

  it('every module that can run proves at least one citation, all of them known', () => {
    for (const mod of catalog.modules.values()) {
      expect(Array.isArray(mod.proves), mod.id).toBe(true);
      if (!mod.skip) expect(mod.proves.length, `${mod.id} proves nothing`).toBeGreaterThan(0);
      for (const c of mod.proves) expect(Object.hasOwn(CITATIONS, c), `${mod.id}: ${c}`).toBe(true);
    }
  });

  it('every module resolves to known step kinds with no problems', () => {
    for (const mod of catalog.modules.values()) {
      expect(moduleProblems(mod, catalog), mod.id).toEqual([]);
      const steps = resolveSteps(mod, catalog);
      expect(steps.length, mod.id).toBeGreaterThan(0);
      for (const s of steps) {
        expect(STEP_KINDS as readonly string[], `${mod.id}/${s.id}`).toContain(s.do);
        for (const c of [s.expect?.cite ?? []].flat()) expect(isCitationId(c)).toBe(true);
      }
    }
  });

  it('is cached, and a plan\'s define: modules are added without touching it', () => {
    expect(loadCatalog()).toBe(catalog);
    const size = catalog.modules.size;
    const plan = planOf({ file: '/tmp/p.yaml', define: [{ id: 'my-own', title: 'mine', proves: [CITE], base: 'code-flow' }] });
    const withPlan = loadCatalog(plan);
    expect(withPlan.modules.get('my-own')?.source).toBe('/tmp/p.yaml');
    expect(withPlan.modules.size).toBe(size + 1);
    expect(catalog.modules.has('my-own')).toBe(false);
    expect(withPlan.flows).toBe(catalog.flows);
  });
});

describe('selectModules and unmatchedSelectors', () => {
  const mods = ['pkce-missing-challenge', 'pkce-plain-refused', 'code-reuse', 'code-expired', 'rp-logout', 'discovery'].map(
    (id): ModuleDef => ({ id, title: id, proves: [CITE], base: 'code-flow' }),
  );
  const cat = catalogOf(mods);
  const sel = (modules: string[], filters?: string[]) => selectModules(planOf({ modules }), cat, filters).map((m) => m.id);

  it('selects by exact id and glob', () => {
    expect(sel(['*'])).toEqual(mods.map((m) => m.id));
    expect(sel(['pkce-*'])).toEqual(['pkce-missing-challenge', 'pkce-plain-refused']);
    expect(sel(['discovery', 'code-*'])).toEqual(['code-reuse', 'code-expired', 'discovery']);
    expect(sel(['{rp,pkce}-*'])).toEqual(['pkce-missing-challenge', 'pkce-plain-refused', 'rp-logout']);
  });
  it('filters narrow the plan\'s selection and cannot widen it', () => {
    expect(sel(['pkce-*', 'code-reuse'], ['*-refused', 'code-*'])).toEqual(['pkce-plain-refused', 'code-reuse']);
    expect(sel(['pkce-*'], ['discovery'])).toEqual([]);
    expect(sel(['pkce-*'], [])).toHaveLength(2);
  });
  it('reports the selectors that match nothing', () => {
    expect(unmatchedSelectors(['pkce-*', 'pkce-plian', 'discovery', 'nope-*'], cat)).toEqual(['pkce-plian', 'nope-*']);
    expect(unmatchedSelectors(['*'], cat)).toEqual([]);
    expect(unmatchedSelectors(['*'], catalogOf([]))).toEqual(['*']);
  });
});

describe('applicability', () => {
  const m = (over: Partial<ModuleDef>): ModuleDef => ({ id: 'x', title: 'x', proves: [CITE], base: 'code-flow', ...over });
  const plan = planOf({ variants: { openid: 'openid_connect', client_auth: 'client_secret_basic' } });

  it('applies with no constraints', () => expect(applicability(m({}), plan)).toEqual({ applies: true }));
  it('applies when every variant has an allowed value', () => {
    expect(applicability(m({ applies: { openid: ['openid_connect'], client_auth: ['client_secret_post', 'client_secret_basic'] } }), plan)).toEqual({ applies: true });
  });
  it('does not apply when a variant has another value', () => {
    expect(applicability(m({ applies: { client_auth: ['private_key_jwt', 'none'] } }), plan)).toEqual({
      applies: false,
      reason: 'applies only when variants.client_auth is private_key_jwt or none (plan has client_secret_basic)', status: 'not_applicable',
    });
  });
  it('does not apply when the plan lacks the variant', () => {
    expect(applicability(m({ applies: { sender_constrain: ['dpop'] } }), plan)).toEqual({ applies: false, reason: 'applies only when variants.sender_constrain is dpop (plan has none)', status: 'not_applicable' });
    expect(applicability(m({ applies: { openid: ['openid_connect'] } }), planOf())).toMatchObject({ applies: false });
  });
  it('a module that applies but has skip: is skipped; one whose variant does not apply is not applicable', () => {
    expect(applicability(m({ skip: 'not implemented yet', applies: { openid: ['openid_connect'] } }), plan)).toEqual({ applies: false, reason: 'not implemented yet', status: 'skipped' });
    expect(applicability(m({ skip: 'not implemented yet', applies: { ciba_mode: ['ping'] } }), plan)).toEqual({ applies: false, reason: 'applies only when variants.ciba_mode is ping (plan has none)', status: 'not_applicable' });
  });
});
