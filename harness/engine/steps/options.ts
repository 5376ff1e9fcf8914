// JSON schemas (ajv, draft 2020-12) for the `with` options of the step kinds: the fragments several
// steps share, defined once. Each step file exports its own schema next to its code, built from
// these; steps/index.ts puts them in the registry. Every object is closed (additionalProperties:
// false) unless it holds request data (params, headers, registration metadata, claims) whose
// names are the provider's business. A string option may hold `${client.<role>.<field>}`,
// `${user.<role>.<field>}` or `${issuer}` (interpolate.ts), resolved before the step reads it.

/** A JSON schema, as ajv takes it. */
export type JsonSchema = { [keyword: string]: unknown };

/** The schema of one step kind's `with`: a closed object of typed options. */
export interface OptionsSchema {
  type: 'object';
  additionalProperties: false;
  properties: Record<string, JsonSchema>;
  required?: string[];
}

/** A closed object schema of the given options. */
export function options(properties: Record<string, JsonSchema>, required?: string[]): OptionsSchema {
  return { type: 'object', additionalProperties: false, properties, ...(required ? { required } : {}) };
}

export const STRING: JsonSchema = { type: 'string' };
export const BOOLEAN: JsonSchema = { type: 'boolean' };
export const STRINGS: JsonSchema = { type: 'array', items: { type: 'string' } };
export const enumOf = (...values: string[]): JsonSchema => ({ enum: values });
/** `checks: [...]`: optional checks a step runs on top of its own, by name. */
export const checksOf = (...names: string[]): JsonSchema => ({ type: 'array', items: { enum: names } });

/** A plan client role (clients.<role>) or a role an earlier register step created. */
export const CLIENT: JsonSchema = { type: 'string', description: 'client role (default main, or the client of the step it continues)' };
/** A plan user role (users.<role>). */
export const USER: JsonSchema = { type: 'string', description: 'user role (default main)' };
/** The id of an earlier step of the module whose output this step uses (default: the latest). */
export const STEP_REF: JsonSchema = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' };
/** A client secret sent instead of the plan client's own (a wrong one, for negatives). */
export const SECRET: JsonSchema = { type: 'string' };
export const HTTP_METHOD: JsonSchema = { enum: ['GET', 'POST'] };

/**
 * Request shaping (module-run.ts shapeParams / shapeHeaders): `params` set (null removes) request
 * parameters, `drop` removes built ones (`header:<name>` removes a header), `headers` set headers.
 */
export const PARAMS: JsonSchema = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } };
export const DROP: JsonSchema = STRINGS;
export const HEADERS: JsonSchema = { type: 'object', additionalProperties: { type: ['string', 'number', 'null'] } };
/** Steps that build a form body with shapeParams; `drop` also takes `header:` names. */
export const SHAPE_PARAMS = { params: PARAMS, drop: DROP } as const;
/** Steps that shape both the body and the headers. */
export const SHAPE_REQUEST = { params: PARAMS, drop: DROP, headers: HEADERS } as const;
/** Token endpoint steps (token.ts postToTokenEndpoint): parameters sent a second time, another value (RFC 6749 §3.2). */
export const DUPLICATE: JsonSchema = { ...STRINGS, description: 'parameters sent twice (RFC 6749 §3.2)' };
/**
 * `with.cert` (mutual TLS, RFC 8705): the TLS client certificate the request presents: `none`, or
 * another client role's (default: the step's client's own, plan clients.<role>.certificate).
 */
export const CERT: JsonSchema = { type: 'string', description: 'none, or the client role whose TLS client certificate to present (RFC 8705)' };

/**
 * `with.bound: true`: the proof of possession the plan's sender_constrain variant names (bound.ts):
 * a DPoP proof (dpop), the client's TLS certificate with tokens bound to it (mtls), none (bearer).
 */
export const BOUND: JsonSchema = { type: 'boolean', description: 'sender-constrain as the plan variant sender_constrain says: dpop | mtls | none (bearer)' };

export const TOKEN_REQUEST = {
  ...SHAPE_REQUEST,
  bound: BOUND,
  cert: CERT,
  certificate_bound: { ...BOOLEAN, description: 'the access token must name the request\'s client certificate (cnf.x5t#S256, RFC 8705 §3.1)' },
  duplicate: DUPLICATE,
  method: { ...enumOf('POST', 'GET'), description: 'GET: the whole request in the query string (RFC 6749 §3.2 requires POST)' },
  query: { ...PARAMS, description: 'parameters added to the request URI (RFC 6749 §2.3.1: never client credentials)' },
} as const;

/** `with.scheme_case: lower`: an Authorization scheme in lower case (RFC 9110 §11.1). */
export const lettercase = (scheme: string, c: unknown): string => (c === 'lower' ? scheme.toLowerCase() : scheme);

/** `with.dpop` (dpop.ts DpopOptions): true for a valid proof, or the proof's mutations. */
export const DPOP: JsonSchema = {
  type: ['boolean', 'object'],
  additionalProperties: false,
  properties: {
    key: enumOf('main', 'other'),
    alg: STRING,
    htm: STRING,
    htu: STRING,
    htu_variant: enumOf('case', 'port', 'query', 'fragment', 'other'),
    iat_offset: { type: 'number' },
    jti: STRING,
    typ: STRING,
    omit: { type: 'array', items: enumOf('typ', 'alg', 'jwk', 'jti', 'htm', 'htu', 'iat', 'ath', 'nonce') },
    private_key_in_jwk: BOOLEAN,
    bad_signature: BOOLEAN,
    ath: enumOf('wrong', 'omit'),
    nonce: enumOf('omit', 'stale'),
    multiple_headers: BOOLEAN,
    malformed: BOOLEAN,
    extra_claims: { type: 'object' },
  },
};

/** `with.assertion` (token.ts AssertionOptions): a deliberately wrong private_key_jwt client assertion. */
export const ASSERTION: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    alg: { ...STRING, description: 'another alg for the client key, or none: an unsecured JWT (RFC 7519 §6)' },
    aud: { type: 'string', description: 'issuer | token_endpoint | par_endpoint | array | a literal URL' },
    exp_offset: { type: 'number' },
    nbf_offset: { type: 'number' },
    iat_offset: { type: 'number', description: 'iat this many seconds from now, without nbf (RFC 7523 §3 item 6)' },
    omit: STRINGS,
    none: BOOLEAN,
    bad_signature: { ...BOOLEAN, description: 'signed with the client key, then one signature byte changed (RFC 7523 §3 item 9)' },
  },
};

/** What token.ts acceptTokens reads on every grant that can return an ID Token (judgeAuthTime). */
export const ID_TOKEN_OPTIONS = {
  checks: checksOf('auth-time'),
  auth_time: { type: 'object', additionalProperties: false, minProperties: 1, maxProperties: 1, properties: { after: STEP_REF, same_as: STEP_REF } },
} as const;
