// Validation of recorded JSON documents against Touchstone's JSON Schemas (draft 2020-12).
// Schemas are read and compiled once, on first use (or loaded compiled: precompiled.ts); errors come back as
// "<instancePath> <message>" lines such as `/jwks_uri must match format "uri"`.
import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { compileGroup, type ValidatorGroup } from '../core/precompiled.ts';

export const SCHEMA_NAMES = ['discovery', 'jwks', 'token-response', 'oauth-error', 'userinfo', 'id-token-claims', 'device-authorization-response', 'device-authorization-error', 'ciba-response', 'ciba-error', 'par-response', 'fapi2-discovery', 'introspection-response', 'introspection-jwt-claims', 'revocation-error', 'registration-response', 'dpop-error', 'protected-resource-metadata'] as const;
export type SchemaName = (typeof SCHEMA_NAMES)[number];

export interface ValidationResult {
  ok: boolean;
  errors: string[];
}

/** At most this many error lines are reported per document. */
const MAX_ERRORS = 50;

/** The parsed schema document for a name. */
export function loadSchema(name: SchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./${name}.schema.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

/** Every response schema, for precompiled.ts (each added under its name, compiled on its own as before). */
export function responseValidators(): ValidatorGroup<SchemaName> {
  return {
    name: 'responses',
    options: { allErrors: true, strict: true },
    formats: true,
    schemas: SCHEMA_NAMES.map((name) => ({ id: `touchstone:response:${name}`, schema: loadSchema(name) })),
    exports: Object.fromEntries(SCHEMA_NAMES.map((name) => [name, `touchstone:response:${name}`])) as Record<SchemaName, string>,
  };
}

let compiled: Record<SchemaName, ValidateFunction> | undefined;

/** The compiled validator for a schema (all compiled once, or loaded from the cache). Throws for an unknown name. */
export function validatorFor(name: SchemaName): ValidateFunction {
  if (!(SCHEMA_NAMES as readonly string[]).includes(name)) throw new Error(`unknown schema "${String(name)}"`);
  compiled ??= compileGroup(responseValidators()).validators;
  return compiled[name];
}

export function formatAjvError(e: ErrorObject): string {
  const where = e.instancePath === '' ? '(root)' : e.instancePath;
  let msg = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties' && typeof e.params.additionalProperty === 'string') {
    msg += ` ('${e.params.additionalProperty}')`;
  } else if (e.keyword === 'enum' && Array.isArray(e.params.allowedValues)) {
    msg += ` (${e.params.allowedValues.map((v: unknown) => JSON.stringify(v)).join(', ')})`;
  } else if (e.keyword === 'const') {
    msg += ` (${JSON.stringify(e.params.allowedValue)})`;
  }
  return `${where} ${msg}`;
}

/** Validate a value against a named schema. Never throws for any JSON value. */
export function validateAgainst(schemaName: SchemaName, value: unknown): ValidationResult {
  const fn = validatorFor(schemaName);
  if (fn(value)) return { ok: true, errors: [] };
  // An `if`/`then` failure is reported by the `then` errors themselves; the summary line is noise.
  const all = (fn.errors ?? []).filter((e) => e.keyword !== 'if').map(formatAjvError);
  const unique = [...new Set(all)];
  const errors = unique.length > MAX_ERRORS ? [...unique.slice(0, MAX_ERRORS), `... and ${unique.length - MAX_ERRORS} more`] : unique;
  return { ok: false, errors: errors.length > 0 ? errors : ['(root) is invalid'] };
}
