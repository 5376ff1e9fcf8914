// The step registry (harness/engine/steps/index.ts): every kind has a closed schema for its `with`,
// every step of suites/*.yaml validates against it, every option a step reads is in its schema,
// and a plan-defined module with a misspelled option (or an unknown interaction) fails to load.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog, resolveSteps } from '../../harness/engine/catalog.ts';
import { isStepKind, optionsValidator, STEP_KINDS, STEPS, stepOptionProblems, type StepKind } from '../../harness/engine/steps/index.ts';
import type { JsonSchema } from '../../harness/engine/steps/options.ts';
import { planEdits, planError } from '../plan/helpers.ts';
import { loadPlan } from '../../harness/engine/load-plan.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('the step registry', () => {
  it('lists each kind once, and every kind has a compiled, closed schema', () => {
    expect(new Set(STEP_KINDS).size).toBe(STEP_KINDS.length);
    expect(STEP_KINDS.length).toBeGreaterThan(20);
    for (const kind of STEP_KINDS) {
      expect(typeof STEPS[kind].run, kind).toBe('function');
      expect(STEPS[kind].with.additionalProperties, kind).toBe(false);
      expect(typeof optionsValidator(kind), kind).toBe('function');
      expect(optionsValidator(kind)({}), `${kind}: an empty with`).toBe(kind === 'race' || kind === 'outcome' ? false : true);
    }
  });

  // Objects holding request data or claims are open by design: their names are the provider's business.
  const OPEN = new Set(['params', 'headers', 'metadata', 'query', 'request_object.set', 'request_object.outside', 'dpop.extra_claims']);
  it('every nested object option is closed too, except request data and claims', () => {
    const walk = (kind: string, path: string, s: JsonSchema) => {
      const types = [s.type].flat();
      if (!types.includes('object')) return;
      if (OPEN.has(path)) return;
      expect(s.additionalProperties, `${kind}: with.${path} must be closed`).toBe(false);
      for (const [k, sub] of Object.entries((s.properties ?? {}) as Record<string, JsonSchema>)) walk(kind, path ? `${path}.${k}` : k, sub);
    };
    for (const kind of STEP_KINDS) walk(kind, '', STEPS[kind].with as unknown as JsonSchema);
  });

  it('isStepKind knows the registry and nothing else', () => {
    expect(isStepKind('authorize')).toBe(true);
    expect(isStepKind('teleport')).toBe(false);
    expect(isStepKind('toString')).toBe(false);
  });
});

describe('stepOptionProblems', () => {
  it('accepts the options a step takes, including ${...} strings and request data', () => {
    expect(stepOptionProblems('authorize', { client: 'main', pkce: 'plain', redirect_uri: '${client.main.redirect_uri}/x', params: { prompt: 'none', max_age: 0, x: null }, drop: ['state'] })).toEqual([]);
    expect(stepOptionProblems('resource', { dpop: { omit: ['typ'], extra_claims: { anything: 1 } }, forge: 'alg-none' })).toEqual([]);
    expect(stepOptionProblems('token', { dpop: true, auth_time: { after: 'token' }, checks: ['auth-time'] })).toEqual([]);
    expect(stepOptionProblems('discover', undefined)).toEqual([]);
  });

  it('names a misspelled option with its path and the allowed keys', () => {
    expect(stepOptionProblems('authorize', { pcke: 'plain' })).toEqual([
      'with.pcke is not an option of step kind "authorize" (allowed: client, user, pkce, redirect_uri, scope, scope_add, scope_order, id_token_hint, request_object, par, method, duplicate, pkce_verifier_length, verifier_at_token, redirect_uri_variant, response_mode, jarm_profile, params, drop)',
    ]);
    expect(stepOptionProblems('oauth-metadata', { checks: [] })[0]).toBe('with.checks is not an option of step kind "oauth-metadata" (allowed: none)');
  });

  it('names a misspelled option nested in an option object', () => {
    expect(stepOptionProblems('resource', { dpop: { nonse: 'omit' } })[0]).toMatch(/^with\.dpop\.nonse is not an option of step kind "resource" \(allowed in with\.dpop: key, alg, .*nonce/);
    expect(stepOptionProblems('par', { assertion: { expoffset: 1 } })[0]).toMatch(/^with\.assertion\.expoffset is not an option of step kind "par" \(allowed in with\.assertion: alg, aud, exp_offset/);
    expect(stepOptionProblems('ciba-request', { request_object: { sign: 'second' } })[0]).toMatch(/^with\.request_object\.sign is not an option/);
  });

  it('names a wrong value: an enum, a type, a bound, a required option', () => {
    expect(stepOptionProblems('authorize', { pkce: 'plian' })).toEqual(['with.pkce must be one of "S256", "plain", "none"']);
    expect(stepOptionProblems('resource', { dpop: 'yes' })).toEqual(['with.dpop must be boolean or object']);
    expect(stepOptionProblems('discover', { checks: ['iss'] })).toEqual(['with.checks.0 must be one of "iss-parameter", "end-session", "fapi2", "mtls-aliases", "mtls-bound-tokens", "request-object"']);
    expect(stepOptionProblems('race', { grant: 'authorization_code', copies: 64 })).toEqual(['with.copies must be <= 32']);
    expect(stepOptionProblems('race', {})).toEqual(['with.grant is required by step kind "race"']);
    expect(stepOptionProblems('wait', { seconds: '5' })).toEqual(['with.seconds must be number']);
  });
});

describe('suites/*.yaml against the registry', () => {
  it('every step of every flow and module validates', () => {
    const catalog = loadCatalog();
    let n = 0;
    for (const [name, steps] of Object.entries(catalog.flows)) {
      for (const s of steps) expect(isStepKind(s.do) && stepOptionProblems(s.do, s.with), `flows/${name}/${s.id ?? s.do}`).toEqual([]);
    }
    for (const mod of catalog.modules.values()) {
      for (const s of resolveSteps(mod, catalog)) {
        expect(isStepKind(s.do), `${mod.id}/${s.id}`).toBe(true);
        expect(stepOptionProblems(s.do as StepKind, s.with), `${mod.id}/${s.id}`).toEqual([]);
        n++;
      }
    }
    expect(n).toBeGreaterThan(500);
  });
});

// ------------------------------------------------------------------ source scan
//
// A simple source scan, not a type analysis: harness/engine/steps/*.ts, module-run.ts and dpop.ts
// are cut into top-level declarations; a declaration reads the option K when it says `w.K` (every
// step names its `with` w) or `step.with?.K`. A kind reads what its run function reads, plus what
// the declarations it calls (by name, transitively) read. Nested options are read through the
// variables the code gives them (o = dpop, mutate = assertion, ro = request_object, rule =
// auth_time); every kind that offers such an option must list every nested key read anywhere.

const SOURCES = [
  ...readdirSync(join(ROOT, 'harness/engine/steps')).filter((f) => f.endsWith('.ts') && f !== 'index.ts' && f !== 'options.ts').map((f) => `harness/engine/steps/${f}`),
  'harness/engine/module-run.ts',
  'harness/engine/dpop.ts',
];
const NESTED: { file: RegExp; variable: string; option: string }[] = [
  { file: /dpop\.ts$|resource\.ts$/, variable: 'o', option: 'dpop' },
  { file: /token\.ts$|par\.ts$/, variable: 'mutate', option: 'assertion' },
  { file: /ciba\.ts$/, variable: 'ro', option: 'request_object' },
  { file: /token\.ts$/, variable: 'rule', option: 'auth_time' },
];
/** Options a kind reaches through shared code but deliberately does not offer, with why. */
const NOT_OFFERED: Partial<Record<StepKind, Record<string, string>>> = {
  'resource-token': {
    client: 'set by the step from plan resource.token.client',
    scope: 'set by the step from plan resource.token.scope',
    secret: 'the resource client authenticates as the plan declares',
    not_granted: 'resource-token always wants a valid token',
  },
  // entropy repeats a plain authorize or client-credentials request with only `client` set: the
  // reads below are those steps' own options, never set by an entropy step.
  entropy: Object.fromEntries(['user', 'pkce', 'redirect_uri', 'scope', 'id_token_hint', 'request_object', 'par', 'params', 'method', 'drop', 'secret', 'not_granted', 'headers', 'duplicate', 'dpop', 'pkce_verifier_length', 'verifier_at_token', 'redirect_uri_variant', 'response_mode', 'jarm_profile', 'assertion', 'op', 'from', 'refresh_token', 'generate_key', 'as', 'token', 'checks', 'auth_time', 'metadata', 'query', 'certificate_bound', 'scope_add', 'scope_order'].map((k) => [k, 'an option of the authorize / token / par / device-authorization / register / client-credentials request the sample repeats, left unset'])),
};

interface Decl { name: string; file: string; text: string }

function declarations(): Decl[] {
  const out: Decl[] = [];
  const head = /^(?:export\s+)?(?:async\s+)?(?:function\s+(\w+)|const\s+(\w+)|class\s+(\w+)|interface\s+(\w+)|type\s+(\w+))/;
  for (const file of SOURCES) {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    let cur: Decl | undefined;
    for (const line of lines) {
      const m = head.exec(line);
      if (m) {
        cur = { name: m.slice(1).find(Boolean)!, file, text: '' };
        out.push(cur);
      }
      if (cur) cur.text += `${line}\n`;
    }
  }
  return out;
}

const DECLS = declarations();
const BY_NAME = new Map<string, Decl[]>();
for (const d of DECLS) BY_NAME.set(d.name, [...(BY_NAME.get(d.name) ?? []), d]);

function reached(start: string): Decl[] {
  const seen = new Set<Decl>();
  const queue = [...(BY_NAME.get(start) ?? [])];
  while (queue.length) {
    const d = queue.shift()!;
    if (seen.has(d)) continue;
    seen.add(d);
    for (const m of d.text.matchAll(/\b(\w+)\(/g)) if (m[1] !== d.name) queue.push(...(BY_NAME.get(m[1]) ?? []));
  }
  return [...seen];
}

function topLevelReads(d: Decl): string[] {
  return [...d.text.matchAll(/\bw\.(\w+)|\bstep\.with\?\.(\w+)/g)].map((m) => m[1] ?? m[2]);
}

describe('every option a step reads is in its schema (source scan)', () => {
  it('the scan finds the run function of every kind and the reads it is known to make', () => {
    for (const kind of STEP_KINDS) expect(BY_NAME.has(STEPS[kind].run.name), `${kind}: ${STEPS[kind].run.name}`).toBe(true);
    // Sanity: reads through helpers are followed (token -> codeGrantRequest -> shapeParams; -> acceptTokens -> judgeAuthTime).
    const tokenReads = new Set(reached('token').flatMap(topLevelReads));
    for (const k of ['from', 'client', 'assertion', 'secret', 'params', 'drop', 'headers', 'dpop', 'checks', 'auth_time', 'refresh_token']) expect(tokenReads, k).toContain(k);
  });

  it.each(STEP_KINDS)('%s', (kind) => {
    const offered = Object.keys(STEPS[kind].with.properties);
    const reads = new Set(reached(STEPS[kind].run.name).flatMap(topLevelReads));
    const missing = [...reads].filter((k) => !offered.includes(k) && !NOT_OFFERED[kind]?.[k]);
    expect(missing, `${kind} reads these options its schema does not list`).toEqual([]);
  });

  it.each(NESTED)('nested $option options (read as $variable) are in every schema whose $option is an object', ({ file, variable, option }) => {
    const keys = new Set(DECLS.filter((d) => file.test(d.file)).flatMap((d) => [...d.text.matchAll(new RegExp(`\\b${variable}\\??\\.(\\w+)`, 'g'))].map((m) => m[1])));
    expect(keys.size, `${variable}.<key> reads found`).toBeGreaterThan(0);
    for (const kind of STEP_KINDS) {
      const s = STEPS[kind].with.properties[option] as { properties?: Record<string, unknown> } | undefined;
      if (!s?.properties) continue; // another option of that name (authorize's request_object: unsigned)
      const missing = [...keys].filter((k) => !Object.hasOwn(s.properties ?? {}, k));
      expect(missing, `${kind}: with.${option} lacks`).toEqual([]);
    }
  });
});

// ------------------------------------------------------------------ plans (touchstone validate / run)

const DEFAULT = join(ROOT, 'plans/default.yaml');
const { planFile } = planEdits(DEFAULT, 'touchstone-steps-');
const PKCE = 'FAPI2SP-5.3.2.2-pkce-s256';
const own = (over: Record<string, unknown>) => ({ id: 'my-pkce-plain', title: 'plain PKCE is refused', proves: [PKCE], base: 'code-flow', ...over });

describe('plan-defined modules', () => {
  it('the README example `set: { pcke: plain }` is refused, naming the module, the step, the path and the allowed keys', async () => {
    const msg = await planError(planFile((d) => {
      d.define = [own({ edits: [{ edit: 'authorize', set: { pcke: 'plain' }, expect: { error: ['invalid_request'], cite: PKCE } }] })];
      d.modules = ['my-pkce-plain'];
    }));
    expect(msg).toBe('/define/0 (my-pkce-plain): step "authorize": with.pcke is not an option of step kind "authorize" (allowed: client, user, pkce, redirect_uri, scope, scope_add, scope_order, id_token_hint, request_object, par, method, duplicate, pkce_verifier_length, verifier_at_token, redirect_uri_variant, response_mode, jarm_profile, params, drop)');
  });

  it('a typo nested in set, and in a plan module\'s own steps, is refused too', async () => {
    const nested = await planError(planFile((d) => {
      d.define = [own({ base: undefined, steps: [{ do: 'discover' }, { do: 'userinfo', with: { dpop: { nonse: 'omit' } } }] })];
    }));
    expect(nested).toMatch(/^\/define\/0 \(my-pkce-plain\): step "userinfo": with\.dpop\.nonse is not an option of step kind "userinfo" \(allowed in with\.dpop: /);
    const value = await planError(planFile((d) => {
      d.define = [own({ edits: [{ edit: 'authorize', set: { pkce: 'plian' }, expect: { error: ['invalid_request'], cite: PKCE } }] })];
    }));
    expect(value).toBe('/define/0 (my-pkce-plain): step "authorize": with.pkce must be one of "S256", "plain", "none"');
  });

  it('the correctly spelled module loads', async () => {
    const plan = await loadPlan(planFile((d) => {
      d.define = [own({ edits: [{ edit: 'authorize', set: { pkce: 'plain' }, expect: { error: ['invalid_request'], cite: PKCE } }] })];
      d.modules = ['my-pkce-plain'];
    }));
    expect(plan.define?.[0].id).toBe('my-pkce-plain');
  });

  it('expect.interaction names a plan module writes must be the plan\'s interactions', async () => {
    const inEdit = await planError(planFile((d) => {
      d.define = [own({ proves: ['OIDCC-3.1.2.1-prompt-login'], edits: [{ edit: 'authorize', set: { params: { prompt: 'login' } }, expect: { interaction: { shown: ['logn'] } } }] })];
    }));
    expect(inEdit).toBe('/define/0 (my-pkce-plain): edits/0: expect.interaction.shown names "logn", not an interaction of this plan (browser.interactions: login, consent)');
    const inStep = await planError(planFile((d) => {
      d.define = [own({ base: undefined, steps: [{ do: 'discover' }, { id: 'again', do: 'authorize', expect: { interaction: { not_shown: ['consnet'] } } }] })];
    }));
    expect(inStep).toBe('/define/0 (my-pkce-plain): step "again": expect.interaction.not_shown names "consnet", not an interaction of this plan (browser.interactions: login, consent)');
  });

  it('a suite module expecting an interaction the plan lacks still loads (it is not applicable at run time)', async () => {
    const plan = await loadPlan(planFile((d) => {
      d.browser.interactions = d.browser.interactions.filter((i: { name: string }) => i.name !== 'consent');
    }));
    expect(plan.browser.interactions.map((i) => i.name)).toEqual(['login']);
  });
});
