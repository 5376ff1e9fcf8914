// Schema validation with one readable line per problem: `<path> <rule>`, e.g.
// `/browser/interactions/0/steps/1/click must be string`.
import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { compileGroup, type ValidatorGroup } from '../core/precompiled.ts';

const planSchema = JSON.parse(readFileSync(new URL('./plan.schema.json', import.meta.url), 'utf8'));

// The plan schema and each of its $defs, compiled as `{ $ref }` wrappers, once per group (kept on
// disk by precompiled.ts: no ajv at start when the schema has not changed).
const DEFS = Object.keys(planSchema.$defs ?? {});
const refOf = (def?: string) => (def ? `${planSchema.$id}#/$defs/${def}` : planSchema.$id);
const wrapperId = (def?: string) => `touchstone:plan:${def ?? '$root'}`;

/** The plan validators: the whole plan (`$root`) and each $def, for precompiled.ts. */
export const PLAN_VALIDATORS: ValidatorGroup<string> = {
  name: 'plan',
  options: { allErrors: true, strict: true, allowUnionTypes: true },
  formats: true,
  schemas: [{ id: planSchema.$id, schema: planSchema }, ...[undefined, ...DEFS].map((d) => ({ id: wrapperId(d), schema: { $ref: refOf(d) } }))],
  exports: Object.fromEntries([undefined, ...DEFS].map((d) => [d ?? '$root', wrapperId(d)])),
};

let validators: Record<string, ValidateFunction> | undefined;
function validator(def = '$root'): ValidateFunction {
  validators ??= compileGroup(PLAN_VALIDATORS).validators;
  if (!Object.hasOwn(validators, def)) throw new Error(`no $defs/${def} in the plan schema`);
  return validators[def];
}

/** The one error a person should read first: the deepest, most specific one. */
export function bestError(errors: readonly ErrorObject[]): ErrorObject | undefined {
  const vague = new Set(['oneOf', 'anyOf', 'if', '$ref']);
  return [...errors].sort((a, b) => {
    const va = vague.has(a.keyword) ? 1 : 0;
    const vb = vague.has(b.keyword) ? 1 : 0;
    if (va !== vb) return va - vb;
    return b.instancePath.split('/').length - a.instancePath.split('/').length;
  })[0];
}

export function describeError(e: ErrorObject, prefix = ''): string {
  let path = prefix + e.instancePath;
  let rule = e.message ?? e.keyword;
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    path = `${path}/${extra}`;
    rule = 'is not a known field';
  } else if (e.keyword === 'enum') {
    rule = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  } else if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    path = `${path}/${missing}`;
    rule = 'is required';
  } else if (e.keyword === 'maxProperties' && /steps\/\d+$/.test(e.instancePath)) {
    rule = 'must hold exactly one action (goto, fill, click, expect or wait_for)';
  }
  return `${path || '/'} ${rule}`;
}

/** Validate value against the plan schema (or one of its $defs); returns problems, best first. */
export function validateShape(value: unknown, def?: string, prefix = ''): string[] {
  const v = validator(def);
  if (v(value)) return [];
  const errors = v.errors ?? [];
  const best = bestError(errors);
  const rest = errors.filter((e) => e !== best);
  return [best, ...rest].filter((e): e is ErrorObject => !!e).map((e) => describeError(e, prefix));
}
