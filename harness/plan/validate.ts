// Schema validation with one readable line per problem: `<path> <rule>`, e.g.
// `/browser/interactions/0/steps/1/click must be string`.
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';

const planSchema = JSON.parse(readFileSync(new URL('./plan.schema.json', import.meta.url), 'utf8'));

const ajv = new Ajv2020.default({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats.default(ajv);
ajv.addSchema(planSchema);

const validators = new Map<string, ValidateFunction>();
function validator(ref: string): ValidateFunction {
  let v = validators.get(ref);
  if (!v) {
    v = ajv.compile({ $ref: ref });
    validators.set(ref, v);
  }
  return v;
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
  const v = validator(def ? `${planSchema.$id}#/$defs/${def}` : planSchema.$id);
  if (v(value)) return [];
  const errors = v.errors ?? [];
  const best = bestError(errors);
  const rest = errors.filter((e) => e !== best);
  return [best, ...rest].filter((e): e is ErrorObject => !!e).map((e) => describeError(e, prefix));
}
