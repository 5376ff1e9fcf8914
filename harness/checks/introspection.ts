// Checks on token introspection (RFC 7662, RFC 9701 JWT responses) and revocation (RFC 7009) responses.
import { defineCheck, fail, pass } from '../core/finding.ts';
import { validateAgainst } from '../schemas/validate.ts';
import { evidence, field, isRecord, mediaType, preview, successResponseProblem, summarizeErrors, typeName } from './util.ts';

export const INTROSPECTION_JWT_TYPE = 'application/token-introspection+jwt';

/** RFC 7662 §2.2: HTTP 200, application/json, an object with the boolean `active`, members typed as the RFC says. */
export const introspectionResponseMatchesSchema = defineCheck<{ status: number; contentType?: string; json: unknown }>(
  'introspection-response-matches-schema',
  'RFC7662-2.2-active',
  (input) => {
    const expected = 'HTTP 200, application/json, {"active": boolean, ...} per introspection-response.schema.json';
    const problem = successResponseProblem(input, { status: 200, what: 'introspection response', schema: 'introspection-response' }, expected);
    if (problem) return problem;
    const json = input.json;
    return pass(`introspection response with active=${String((json as { active: boolean }).active)}`, expected, { active: (json as { active: boolean }).active });
  },
);

/**
 * RFC 7662 §2.2: an active token is described. `members` are members the module looks for (e.g.
 * scope, client_id): OPTIONAL, so only noted when absent; `values` are values they must have when
 * present (e.g. client_id of the token's client).
 */
export const introspectionDescribesToken = defineCheck<{ json: unknown; members?: string[]; values?: Record<string, unknown> }>(
  'introspection-describes-token',
  'RFC7662-2.2-active',
  (input) => {
    const json = field(input, 'json');
    const members = (field(input, 'members') as string[] | undefined) ?? [];
    const values = (field(input, 'values') as Record<string, unknown> | undefined) ?? {};
    const expected = { active: true, members, ...values };
    if (!isRecord(json)) return fail(`expected an introspection response object, found a ${typeName(json)}`, expected, evidence(json));
    if (json.active !== true) return fail(`expected active: true for a valid token, found active: ${preview(json.active)}`, expected, { active: evidence(json.active) });
    const wrong = Object.entries(values).filter(([k, v]) => json[k] !== undefined && json[k] !== v);
    if (wrong.length) return fail(`expected ${wrong.map(([k, v]) => `${k}=${preview(v)}`).join(', ')}, found ${wrong.map(([k]) => `${k}=${preview(json[k])}`).join(', ')}`, expected, Object.fromEntries(wrong.map(([k]) => [k, evidence(json[k])])));
    // RFC 7662 §2.2: only "active" is REQUIRED; the other members are OPTIONAL, so their absence is noted, not failed.
    const missing = members.filter((m) => json[m] === undefined);
    const note = missing.length ? ` (optional members absent: ${missing.join(', ')})` : '';
    return pass(`active token described (${Object.keys(json).join(', ')})${note}`, expected, { members: Object.keys(json) });
  },
);

export interface IntrospectionJwtEvidence {
  status: number;
  contentType?: string;
  /** The protected header, when the body decoded as a JWT. */
  header?: Record<string, unknown> | null;
  claims?: Record<string, unknown> | null;
  /** The signature verified with a key from the issuer's JWKS. */
  verified: boolean;
  error?: string;
  issuer: string;
  clientId: string;
  now: number;
}

/**
 * RFC 9701 §5: Content-Type application/token-introspection+jwt, a JWS signed with the AS's key
 * (never alg none), typ token-introspection+jwt, iss the issuer, aud the client, iat, and the
 * token_introspection claim holding the RFC 7662 response.
 */
export const introspectionJwtResponseValid = defineCheck<IntrospectionJwtEvidence>('introspection-jwt-response-valid', 'RFC9701-5-jwt-response', (e) => {
  const expected = `HTTP 200 ${INTROSPECTION_JWT_TYPE}, signed (JWKS), typ token-introspection+jwt, iss ${preview(e?.issuer)}, aud ${preview(e?.clientId)}, iat, token_introspection`;
  if (!isRecord(e)) return fail(`expected JWT response evidence, found a ${typeName(e)}`, expected, evidence(e));
  if (e.status !== 200) return fail(`expected HTTP 200, found ${preview(e.status)}`, expected, { status: evidence(e.status) });
  const mt = mediaType(e.contentType);
  if (mt !== INTROSPECTION_JWT_TYPE) return fail(`expected Content-Type ${INTROSPECTION_JWT_TYPE}, found ${preview(e.contentType ?? '(none)')}`, expected, { contentType: evidence(e.contentType) });
  if (!isRecord(e.header) || !isRecord(e.claims)) return fail('expected a compact JWS, found a body that does not decode as a JWT', expected, null);
  const alg = e.header.alg;
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none') return fail(`expected a signed JWT, found alg ${preview(alg)}`, expected, { alg: evidence(alg) });
  if (!e.verified) return fail(`expected the signature to verify with a key from the JWKS, found: ${preview(e.error ?? 'not verified')}`, expected, { alg, kid: evidence(e.header.kid) });
  const typ = typeof e.header.typ === 'string' ? e.header.typ.toLowerCase().replace(/^application\//, '') : e.header.typ;
  if (typ !== 'token-introspection+jwt') return fail(`expected typ token-introspection+jwt, found ${preview(e.header.typ)}`, expected, { typ: evidence(e.header.typ) });
  const r = validateAgainst('introspection-jwt-claims', e.claims);
  if (!r.ok) return fail(`JWT claims do not match introspection-jwt-claims.schema.json: ${summarizeErrors(r.errors)}`, expected, r.errors);
  if (e.claims.iss !== e.issuer) return fail(`expected iss ${preview(e.issuer)}, found ${preview(e.claims.iss)}`, expected, { iss: evidence(e.claims.iss) });
  const aud = Array.isArray(e.claims.aud) ? e.claims.aud : [e.claims.aud];
  if (!aud.includes(e.clientId)) return fail(`expected aud to contain ${preview(e.clientId)}, found ${preview(e.claims.aud)}`, expected, { aud: evidence(e.claims.aud) });
  const iat = e.claims.iat as number;
  if (Math.abs(iat - e.now) > 300) return fail(`expected iat within 5 minutes of now (${e.now}), found ${iat}`, expected, { iat });
  return pass(`signed ${alg} introspection JWT for ${preview(e.clientId)} with token_introspection.active=${String((e.claims.token_introspection as { active: boolean }).active)}`, expected, { alg, typ: e.header.typ });
});

// FAPI 2.0 SP §5.4.1 (Message Signing §5.5.1 signs introspection responses per RFC 9701): the
// JWT is signed with PS256, ES256 or EdDSA. Judged only where the plan asks (with.jwt_profile: fapi2).
export const introspectionJwtFapiAlg = defineCheck<IntrospectionJwtEvidence>('introspection-jwt-fapi-alg', 'FAPI2SP-5.4.1-introspection-alg', (e) => {
  const algs = ['PS256', 'ES256', 'EdDSA'];
  if (!isRecord(e) || !isRecord(e.header)) return fail('expected a compact JWS introspection response, found none that decodes', algs, null);
  const alg = e.header.alg;
  if (typeof alg === 'string' && algs.includes(alg)) return pass(`the introspection JWT is signed with ${alg}`, algs, alg);
  return fail(`expected the introspection JWT signed with ${algs.join(', ')}, found alg ${preview(alg)}`, algs, evidence(alg));
});

/** RFC 7009 §2.2.1: a revocation error is a JSON RFC 6749 §5.2 error (401 only for invalid_client). */
export const revocationErrorMatchesSchema = defineCheck<{ status: number; contentType?: string; json: unknown }>('revocation-error-matches-schema', 'RFC7009-2.2.1-error', (input) => {
  const expected = 'HTTP 400 (401 for invalid_client), application/json, an error per revocation-error.schema.json';
  const problem = successResponseProblem(input, { status: [400, 401], what: 'a revocation error', schema: 'revocation-error' }, expected);
  if (problem) return problem;
  const status = input.status;
  const error = (input.json as { error: string }).error;
  if (status === 401 && error !== 'invalid_client') return fail(`expected status 400 for error=${preview(error)} (401 is for invalid_client), found 401`, expected, { status, error });
  return pass(`${status} error=${preview(error)}`, expected, { status, error });
});
