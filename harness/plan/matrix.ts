// Variant matrices (issue 14): a plan's `variants:` may list several values for a variant
// (`openid: [openid_connect, plain_oauth]`), and `matrix: { <variant>: { <value>: <overrides> } }`
// gives the plan data that value needs (which client, which provider config, which scope). The plan
// expands into one concrete plan per combination (the cartesian product of the listed values, in
// the order of `variants:`), each with one value per variant and its values' overrides merged in;
// the engine runs concrete plans only. A combination is named by the variants that have several
// values, `client_auth=mtls,sender_constrain=dpop`, and a module's result in it by
// `<module id>[<combination>]` (unit ids). A plan without a list is one combination named "" and
// its ids are the module ids, as before.
import type { Combination, ModuleDef, Plan, PlanMatrix } from '../core/types.ts';

export type { Combination, PlanMatrix };


/** Lists an override adds to (the others replace what they override). The fields an override may
 *  set are in plan.schema.json (`matrix`). */
const APPENDED = new Set(['expected_failures', 'severity']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `over` merged into `base`: objects member by member, lists and scalars replaced, null removes the member. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return structuredClone(over);
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = k in base ? deepMerge(base[k], v) : structuredClone(v);
  }
  return out;
}

/** The combination's name from its values, in the order of the dimensions. */
export const combinationKey = (variants: Record<string, string>): string => Object.entries(variants).map(([k, v]) => `${k}=${v}`).join(',');

/** A module's id in a combination: `<id>[<key>]`, or the module id when the plan has no matrix. */
export const unitId = (moduleId: string, key: string): string => (key ? `${moduleId}[${key}]` : moduleId);

/** The inverse of unitId: the module id and the combination key ("" when there is none). */
export function splitUnitId(id: string): { module: string; key: string } {
  const m = /^(.*)\[([^[\]]*=[^[\]]*)\]$/.exec(id);
  return m ? { module: m[1]!, key: m[2]! } : { module: id, key: '' };
}

/**
 * The raw plan (as parsed, shape already valid) expanded: one raw concrete plan per combination, or
 * problems naming the field and the rule. Value names are checked by the caller (variantProblems).
 */
export function expandRaw(raw: Record<string, unknown>): { dimensions: Record<string, string[]>; combinations: { key: string; variants: Record<string, string>; raw: Record<string, unknown> }[] } | { problems: string[] } {
  const variants = (raw.variants ?? {}) as Record<string, string | string[]>;
  const matrix = (raw.matrix ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
  const problems: string[] = [];
  const dimensions: Record<string, string[]> = {};
  for (const [name, v] of Object.entries(variants)) if (Array.isArray(v) && v.length > 1) dimensions[name] = v;
  const valuesOf = (name: string): string[] => {
    const v = variants[name];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  for (const [name, byValue] of Object.entries(matrix)) {
    // A joint key `a+b` gives plan data per pair of values `x+y` (what depends on both: e.g. which
    // client registration a client_auth × sender_constrain pair uses).
    const names = name.split('+');
    const unset = names.filter((n) => !(n in variants));
    if (unset.length) {
      problems.push(`/matrix/${name}: the plan does not set variants.${unset[0]}; an override needs the variant's value listed in /variants`);
      continue;
    }
    if (new Set(names).size !== names.length) {
      problems.push(`/matrix/${name}: a joint key names each variant once`);
      continue;
    }
    for (const [value, over] of Object.entries(byValue)) {
      const values = value.split('+');
      if (values.length !== names.length) problems.push(`/matrix/${name}/${value}: a joint key ${name} takes one value per variant, joined by + (e.g. ${names.map((n) => valuesOf(n)[0]).join('+')})`);
      else names.forEach((n, i) => {
        if (!valuesOf(n).includes(values[i]!)) problems.push(`/matrix/${name}/${value}: ${JSON.stringify(values[i])} is not a value /variants/${n} lists (${valuesOf(n).join(', ')})`);
      });
      const vs = (over.variants ?? {}) as Record<string, unknown>;
      for (const [n, x] of Object.entries(vs)) {
        if (n in dimensions) problems.push(`/matrix/${name}/${value}/variants/${n}: ${n} is a dimension of the matrix (its values are listed in /variants/${n}); an override cannot set it`);
        else if (typeof x !== 'string') problems.push(`/matrix/${name}/${value}/variants/${n} must be string (one value)`);
      }
    }
  }
  if (problems.length) return { problems };
  // The cartesian product, the first dimension varying slowest.
  let combos: Record<string, string>[] = [{}];
  for (const [name, values] of Object.entries(dimensions)) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  const base: Record<string, unknown> = { ...raw };
  delete base.matrix;
  const combinations = combos.map((picked) => {
    // Every variant's value in this combination (a list of one is that one value).
    const chosen: Record<string, string> = Object.fromEntries(Object.keys(variants).map((n) => [n, picked[n] ?? valuesOf(n)[0]!]));
    let plan: Record<string, unknown> = { ...base, variants: { ...chosen } };
    // Single-variant overrides in the order of `variants:`, then joint ones (more specific) in the order of `matrix:`.
    const overrides = [
      ...Object.entries(chosen).map(([name, value]) => matrix[name]?.[value]),
      ...Object.entries(matrix).filter(([name]) => name.includes('+')).map(([name, byValue]) => byValue[name.split('+').map((n) => chosen[n]).join('+')]),
    ];
    for (const over of overrides) {
      if (!over) continue;
      for (const [field, v] of Object.entries(over)) {
        if (APPENDED.has(field) && Array.isArray(v)) plan = { ...plan, [field]: [...((plan[field] as unknown[] | undefined) ?? []), ...structuredClone(v)] };
        else plan = deepMerge(plan, { [field]: v }) as Record<string, unknown>;
      }
    }
    return { key: combinationKey(picked), variants: picked, raw: plan };
  });
  return { dimensions, combinations };
}

/** The plan's combinations: its matrix, or the plan itself as the one combination "". */
export function combinationsOf(plan: Plan): Combination[] {
  if (plan.matrix) return plan.matrix.combinations;
  const { matrix: _m, ...concrete } = plan;
  return [{ key: '', variants: {}, plan: concrete }];
}

/** What a run runs: one module in one combination. */
export interface Unit {
  /** unitId(module.id, combination.key) */
  id: string;
  module: ModuleDef;
  combination: Combination;
}

/** Combination by combination (the reports group by combination), each in the selection's order. */
export function unitsOf(plan: Plan, selectFor: (p: Plan) => ModuleDef[]): Unit[] {
  return combinationsOf(plan).flatMap((c) => selectFor(c.plan).map((m) => ({ id: unitId(m.id, c.key), module: m, combination: c })));
}

/** JSON with object members sorted: equal values give equal text, whatever their members' order. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/**
 * The providers a matrix run starts: one per distinct provider setup (plan `provider`, and the
 * resource signing key a process provider makes keys for), shared by the combinations that have it.
 * `of[i]` is the provider index of combination i.
 */
export function providerGroups(combinations: Combination[]): { plans: Plan[]; of: number[] } {
  const keys: string[] = [];
  const plans: Plan[] = [];
  const of = combinations.map((c) => {
    const k = canonical({ provider: c.plan.provider, signing: c.plan.resource?.signing_key === 'provider-config' });
    let i = keys.indexOf(k);
    if (i < 0) {
      i = keys.push(k) - 1;
      plans.push(c.plan);
    }
    return i;
  });
  return { plans, of };
}

/**
 * Module selectors (--module) against units: a module id or glob selects the module in every
 * combination; `<id or glob>[<key>]` only in that combination.
 */
export function splitSelector(selector: string): { module: string; key?: string } {
  const { module, key } = splitUnitId(selector);
  return key ? { module, key } : { module: selector };
}
