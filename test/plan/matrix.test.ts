// Variant matrices (harness/plan/matrix.ts): a plan listing several values for variants expands into
// one concrete plan per combination, with each value's `matrix:` plan data merged in; plan errors
// name the field and the rule; units and provider groups are what `touchstone run` runs and starts.
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../harness/engine/load-plan.ts';
import { combinationsOf, deepMerge, providerGroups, splitUnitId, unitId, unitsOf } from '../../harness/plan/matrix.ts';
import { loadCatalog, selectModules } from '../../harness/engine/catalog.ts';
import { planEdits, planError, type PlanDoc } from './helpers.ts';

const { planFile } = planEdits(new URL('../../plans/default.yaml', import.meta.url).pathname, 'touchstone-matrix-');

/** The default plan with client_auth basic|post (the post client as main) and openid listed twice over. */
const matrixPlan = (more: (d: PlanDoc) => void = () => {}) => planFile((d) => {
  d.variants.client_auth = ['client_secret_basic', 'client_secret_post'];
  d.variants.userinfo_form_body = ['supported', 'unsupported'];
  d.matrix = {
    client_auth: { client_secret_post: { clients: { main: { client_id: 'touchstone-post', auth: 'client_secret_post', secret: 'touchstone-secret-post', id_token_alg: 'ES256' } } } },
    userinfo_form_body: { unsupported: { provider: { config: { ttl: { code: 3 } } }, expected_failures: [{ module: 'userinfo-get', check: 'userinfo-matches-schema', reason: 'a test entry' }] } },
  };
  more(d);
});

describe('plan matrix: expansion', () => {
  it('one concrete plan per combination, first dimension slowest, overrides merged member by member', async () => {
    const plan = await loadPlan(matrixPlan());
    expect(plan.matrix?.dimensions).toEqual({ client_auth: ['client_secret_basic', 'client_secret_post'], userinfo_form_body: ['supported', 'unsupported'] });
    const combos = combinationsOf(plan);
    expect(combos.map((c) => c.key)).toEqual([
      'client_auth=client_secret_basic,userinfo_form_body=supported',
      'client_auth=client_secret_basic,userinfo_form_body=unsupported',
      'client_auth=client_secret_post,userinfo_form_body=supported',
      'client_auth=client_secret_post,userinfo_form_body=unsupported',
    ]);
    const [bs, bu, ps] = combos.map((c) => c.plan);
    // Scalar variants, the other variants as the plan gives them.
    expect(ps!.variants).toMatchObject({ client_auth: 'client_secret_post', userinfo_form_body: 'supported', pkce: 'required' });
    // The override replaced main's auth and kept the members it does not name.
    expect(ps!.clients.main).toMatchObject({ client_id: 'touchstone-post', auth: 'client_secret_post', redirect_uri: 'https://client.example/cb' });
    expect(bs!.clients.main!.client_id).toBe('touchstone-client');
    // Provider config merged (ttl.code), expected_failures added, not replaced.
    expect((bu!.provider.config as { ttl: { code: number } }).ttl.code).toBe(3);
    expect((bs!.provider.config as { ttl: { code: number } }).ttl.code).toBe(2);
    expect(bu!.expected_failures).toHaveLength(1);
    expect(bs!.expected_failures ?? []).toHaveLength(0);
    // The plan itself reads as its first combination.
    expect(plan.variants).toEqual(bs!.variants);
  });

  it('a plan without a list is one combination "" whose unit ids are the module ids', async () => {
    const plan = await loadPlan(planFile(() => {}));
    expect(plan.matrix).toBeUndefined();
    const units = unitsOf(plan, (p) => selectModules(p, loadCatalog(p)));
    expect(units.every((u) => u.id === u.module.id && u.combination.key === '')).toBe(true);
  });

  it('units go combination by combination, each module suffixed with its combination', async () => {
    const plan = await loadPlan(matrixPlan((d) => { d.modules = ['discovery', 'jwks']; delete d.matrix.userinfo_form_body.unsupported.expected_failures; }));
    const units = unitsOf(plan, (p) => selectModules(p, loadCatalog(p)));
    expect(units.map((u) => u.id)).toEqual([
      'discovery[client_auth=client_secret_basic,userinfo_form_body=supported]', 'jwks[client_auth=client_secret_basic,userinfo_form_body=supported]',
      'discovery[client_auth=client_secret_basic,userinfo_form_body=unsupported]', 'jwks[client_auth=client_secret_basic,userinfo_form_body=unsupported]',
      'discovery[client_auth=client_secret_post,userinfo_form_body=supported]', 'jwks[client_auth=client_secret_post,userinfo_form_body=supported]',
      'discovery[client_auth=client_secret_post,userinfo_form_body=unsupported]', 'jwks[client_auth=client_secret_post,userinfo_form_body=unsupported]',
    ]);
    expect(splitUnitId(units[2]!.id)).toEqual({ module: 'discovery', key: 'client_auth=client_secret_basic,userinfo_form_body=unsupported' });
    expect(splitUnitId('discovery')).toEqual({ module: 'discovery', key: '' });
    expect(unitId('jwks', '')).toBe('jwks');
  });

  it('one provider per distinct provider setup, shared by the combinations that have it', async () => {
    const plan = await loadPlan(matrixPlan());
    const g = providerGroups(combinationsOf(plan));
    // userinfo_form_body=unsupported changes the provider's ttl: two setups, each serving two combinations.
    expect(g.plans).toHaveLength(2);
    expect(g.of).toEqual([0, 1, 0, 1]);
  });

  it('a joint key gives plan data per pair of values, merged after the single-variant overrides', async () => {
    const plan = await loadPlan(matrixPlan((d) => {
      d.matrix['client_auth+userinfo_form_body'] = { 'client_secret_post+unsupported': { clients: { main: { id_token_alg: 'PS256' } } } };
    }));
    const [bs, bu, ps, pu] = combinationsOf(plan).map((c) => c.plan);
    expect(pu!.clients.main).toMatchObject({ client_id: 'touchstone-post', id_token_alg: 'PS256' });
    expect(ps!.clients.main!.id_token_alg).toBe('ES256');
    expect(bu!.clients.main!.id_token_alg).toBe(bs!.clients.main!.id_token_alg);
  });

  it('deepMerge: objects member by member, lists replaced, null removes', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3], e: 2 }, d: null })).toEqual({ a: { b: 1, c: [3], e: 2 } });
  });
});

describe('plan matrix: errors name the field and the rule', () => {
  it('a listed value the registry lacks', async () => {
    const msg = await planError(matrixPlan((d) => { d.variants.client_auth = ['client_secret_basic', 'client_secret_psot']; }));
    expect(msg).toMatch(/^\/variants\/client_auth\/1: unknown value "client_secret_psot"; allowed: client_secret_basic, /);
  });

  it('an override for a value the plan does not list', async () => {
    const msg = await planError(matrixPlan((d) => { d.matrix.client_auth.private_key_jwt = { clients: {} }; }));
    expect(msg).toBe('/matrix/client_auth/private_key_jwt: "private_key_jwt" is not a value /variants/client_auth lists (client_secret_basic, client_secret_post)');
  });

  it('an override for a variant the plan does not set', async () => {
    const msg = await planError(matrixPlan((d) => { d.matrix.sender_constrain = { dpop: {} }; }));
    expect(msg).toMatch(/^\/matrix\/sender_constrain: the plan does not set variants.sender_constrain/);
  });

  it('a joint key: a value per variant, each one the plan lists', async () => {
    expect(await planError(matrixPlan((d) => { d.matrix['client_auth+userinfo_form_body'] = { client_secret_post: {} }; })))
      .toBe('/matrix/client_auth+userinfo_form_body/client_secret_post: a joint key client_auth+userinfo_form_body takes one value per variant, joined by + (e.g. client_secret_basic+supported)');
    expect(await planError(matrixPlan((d) => { d.matrix['client_auth+userinfo_form_body'] = { 'client_secret_post+sometimes': {} }; })))
      .toBe('/matrix/client_auth+userinfo_form_body/client_secret_post+sometimes: "sometimes" is not a value /variants/userinfo_form_body lists (supported, unsupported)');
    expect(await planError(matrixPlan((d) => { d.matrix['client_auth+sender_constrain'] = {}; })))
      .toMatch(/^\/matrix\/client_auth\+sender_constrain: the plan does not set variants.sender_constrain/);
  });

  it('an override that sets a dimension of the matrix', async () => {
    const msg = await planError(matrixPlan((d) => { d.matrix.client_auth.client_secret_post.variants = { userinfo_form_body: 'supported' }; }));
    expect(msg).toMatch(/^\/matrix\/client_auth\/client_secret_post\/variants\/userinfo_form_body: userinfo_form_body is a dimension of the matrix/);
  });

  it('an override field a plan does not have', async () => {
    const msg = await planError(matrixPlan((d) => { d.matrix.client_auth.client_secret_post.modules = ['jwks']; }));
    expect(msg).toBe('/matrix/client_auth/client_secret_post/modules is not a known field');
  });

  it('a combination whose merged plan is wrong names the combination', async () => {
    const msg = await planError(matrixPlan((d) => { d.matrix.client_auth.client_secret_post.clients.main.secret = null; }));
    expect(msg).toBe('combination client_auth=client_secret_post,userinfo_form_body=supported: /clients/main/secret is required for auth client_secret_post');
  });

  it('a client resource_target names a plan resource target (RFC 8707 resource of its authorization requests)', async () => {
    const msg = await planError(planFile((d) => { d.clients.main.resource_target = 'nowhere'; }));
    expect(msg).toMatch(/^\/clients\/main\/resource_target: no target "nowhere" in \/resource\/targets/);
  });

  it('a combination no module applies to', async () => {
    const msg = await planError(matrixPlan((d) => { d.modules = ['userinfo-post-body-invalid-token']; delete d.matrix.userinfo_form_body.unsupported.expected_failures; }));
    expect(msg).toMatch(/^combination client_auth=client_secret_basic,userinfo_form_body=unsupported: \/variants: none of the plan's modules \(\/modules\) applies to this combination/);
  });
});
