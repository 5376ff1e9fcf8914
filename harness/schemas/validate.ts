// Validation of recorded JSON documents against Touchstone's JSON Schemas (draft 2020-12).
// Schemas are read once and compiled lazily, each at most once; errors come back as
// "<instancePath> <message>" lines such as `/jwks_uri must match format "uri"`.
import { readFileSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';

export const SCHEMA_NAMES = ['discovery', 'jwks', 'token-response', 'oauth-error', 'userinfo', 'id-token-claims', 'device-authorization-response', 'device-authorization-error', 'ciba-response', 'ciba-error', 'par-response', 'fapi2-discovery', 'introspection-response', 'introspection-jwt-claims', 'revocation-error', 'registration-response', 'dpop-error', 'protected-resource-metadata'] as const;
export type SchemaName = (typeof SCHEMA_NAMES)[number];

export interface ValidationResult {
  ok: boolean;
  errors: string[];
}

// ajv and ajv-formats are CommonJS with `exports.default`; under nodenext the default import is
// module.exports, so take `.default` when it is there.
type AjvCtor = typeof Ajv2020Module.default;
const Ajv2020 = ((Ajv2020Module as unknown as { default?: AjvCtor }).default ?? Ajv2020Module) as AjvCtor;
type AddFormats = typeof addFormatsModule.default;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as AddFormats;

/** At most this many error lines are reported per document. */
const MAX_ERRORS = 50;

let ajv: InstanceType<AjvCtor> | undefined;
const compiled = new Map<SchemaName, ValidateFunction>();

function instance(): InstanceType<AjvCtor> {
  if (!ajv) {
    ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
  }
  return ajv;
}

/** The parsed schema document for a name. */
export function loadSchema(name: SchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./${name}.schema.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

/** The compiled validator for a schema (compiled on first use, then cached). Throws if the schema is invalid. */
export function validatorFor(name: SchemaName): ValidateFunction {
  let fn = compiled.get(name);
  if (!fn) {
    if (!(SCHEMA_NAMES as readonly string[]).includes(name)) throw new Error(`unknown schema "${String(name)}"`);
    fn = instance().compile(loadSchema(name));
    compiled.set(name, fn);
  }
  return fn;
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
