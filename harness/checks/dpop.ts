// DPoP checks (RFC 9449): token responses bound to the proof key, nonce challenges at the
// authorization server and at resources, the DPoP challenge scheme, and DPoP error bodies.
import { decodeJwt } from 'jose';
import { defineCheck, fail, pass } from '../core/finding.ts';
import { validateAgainst } from '../schemas/validate.ts';
import { clip, evidence, field, header, isRecord, preview, typeName } from './util.ts';
import { parseWwwAuthenticate } from './www-authenticate.ts';

/** RFC 9449 §8.1: a nonce value is 1*NQCHAR (%x21 / %x23-5B / %x5D-7E). */
const NQCHAR = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** RFC 9449 §5, §6: token_type DPoP, and a JWT access token carries cnf.jkt = the proof key thumbprint. */
export const dpopTokenBound = defineCheck<{ json: unknown; expectedJkt: string }>('dpop-token-bound', 'RFC9449-6-cnf-jkt', (input) => {
  const json = field(input, 'json');
  const jkt = field(input, 'expectedJkt');
  const expected = { token_type: 'DPoP', 'cnf.jkt': jkt };
  if (!isRecord(json)) return fail(`expected a token response object, found a ${typeName(json)}`, expected, evidence(json));
  const tokenType = json.token_type;
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'dpop') {
    return fail(`expected token_type DPoP for a request with a DPoP proof (RFC 9449 §5), found ${preview(tokenType)}`, expected, { token_type: evidence(tokenType) });
  }
  const at = json.access_token;
  if (typeof at !== 'string') return fail(`expected an access_token string, found a ${typeName(at)}`, expected, { token_type: tokenType });
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(at) as Record<string, unknown>;
  } catch {
    return pass('token_type DPoP (the access token is opaque; its binding is checked at the resource)', expected, { token_type: tokenType });
  }
  const cnf = claims.cnf;
  const got = isRecord(cnf) ? cnf.jkt : undefined;
  if (got !== jkt) return fail(`expected cnf.jkt ${preview(jkt)} (the DPoP proof key's thumbprint) in the access token, found ${preview(got)}`, expected, { token_type: tokenType, cnf: evidence(cnf) });
  return pass(`token_type DPoP and cnf.jkt = ${clip(String(jkt), 60)}`, expected, { token_type: tokenType, 'cnf.jkt': got });
});

/** RFC 9449 §8: use_dpop_nonce (HTTP 400) with a DPoP-Nonce header at the authorization server. */
export const dpopNonceChallenge = defineCheck<{ status: number; json: unknown; headers: Record<string, string> }>('dpop-nonce-challenge', 'RFC9449-8-nonce', (input) => {
  const status = field(input, 'status');
  const json = field(input, 'json');
  const nonce = header(field(input, 'headers'), 'dpop-nonce');
  const expected = { status: 400, error: 'use_dpop_nonce', 'DPoP-Nonce': '1*NQCHAR' };
  const error = isRecord(json) ? json.error : undefined;
  const actual = { status: evidence(status), error: evidence(error), 'DPoP-Nonce': evidence(nonce) };
  if (error !== 'use_dpop_nonce') return fail(`expected error use_dpop_nonce for a proof without the server's nonce, found ${preview(error)} (HTTP ${preview(status)})`, expected, actual);
  if (status !== 400) return fail(`expected HTTP 400 with use_dpop_nonce, found ${preview(status)}`, expected, actual);
  if (nonce === undefined || !NQCHAR.test(nonce)) return fail(`expected a DPoP-Nonce header of NQCHARs with use_dpop_nonce, found ${preview(nonce)}`, expected, actual);
  return pass('400 use_dpop_nonce with a DPoP-Nonce header', expected, actual);
});

/** RFC 9449 §9: 401 with WWW-Authenticate DPoP error="use_dpop_nonce" and a DPoP-Nonce header at a resource. */
export const resourceNonceChallenge = defineCheck<{ status: number; headers: Record<string, string> }>('dpop-resource-nonce-challenge', 'RFC9449-9-nonce', (input) => {
  const status = field(input, 'status');
  const headers = field(input, 'headers');
  const www = header(headers, 'www-authenticate');
  const nonce = header(headers, 'dpop-nonce');
  const expected = { status: 401, 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'DPoP-Nonce': '1*NQCHAR' };
  const actual = { status: evidence(status), 'www-authenticate': evidence(www), 'DPoP-Nonce': evidence(nonce) };
  // The error code and the nonce are this rule; the challenge's scheme (DPoP, not Bearer) is §7.1,
  // judged by dpop-challenge-scheme, so a wrong scheme alone does not fail this check.
  const asked = www === undefined ? undefined : parseWwwAuthenticate(www).challenges.find((c) => c.params.error === 'use_dpop_nonce');
  if (status !== 401) return fail(`expected HTTP 401 asking for a DPoP nonce, found ${preview(status)}`, expected, actual);
  if (!asked) return fail(`expected a challenge with error="use_dpop_nonce", found ${preview(www)}`, expected, actual);
  if (nonce === undefined || !NQCHAR.test(nonce)) return fail(`expected a DPoP-Nonce header with the challenge, found ${preview(nonce)}`, expected, actual);
  return pass('401 DPoP error="use_dpop_nonce" with a DPoP-Nonce header', expected, actual);
});

/** RFC 9449 §7.1: a resource refusing a DPoP request challenges with the DPoP scheme (error, and algs). */
export const dpopChallengeScheme = defineCheck<{ status: number; headers: Record<string, string> }>('dpop-challenge-scheme', 'RFC9449-7.1-challenge', (input) => {
  const status = field(input, 'status');
  const www = header(field(input, 'headers'), 'www-authenticate');
  const expected = { status: 401, 'www-authenticate': 'DPoP error="...", algs="..."' };
  const actual = { status: evidence(status), 'www-authenticate': evidence(www) };
  if (status !== 401) return fail(`expected HTTP 401 for a refused DPoP request, found ${preview(status)}`, expected, actual);
  if (www === undefined) return fail('expected a WWW-Authenticate header with a DPoP challenge, found none', expected, actual);
  const parsed = parseWwwAuthenticate(www);
  const dpop = parsed.challenges.find((c) => c.scheme.toLowerCase() === 'dpop');
  if (!dpop) return fail(`expected a DPoP challenge, found schemes ${preview(parsed.challenges.map((c) => c.scheme).join(', '))}`, expected, actual);
  if (!dpop.params.error) return fail(`expected the DPoP challenge to carry an error parameter, found ${preview(www)}`, expected, actual);
  return pass(`DPoP challenge with error=${preview(dpop.params.error)}${dpop.params.algs ? ` and algs=${preview(dpop.params.algs)}` : ''}`, expected, actual);
});

/** RFC 9449 §5, §8 with RFC 6749 §5.2: a DPoP refusal at the token endpoint is a JSON error naming the DPoP error. */
export const dpopErrorMatchesSchema = defineCheck<{ status: number; json: unknown }>('dpop-error-schema', 'RFC6749-5.2-error', (input) => {
  const json = field(input, 'json');
  const status = field(input, 'status');
  const r = validateAgainst('dpop-error', json);
  const expected = { status: 400, schema: 'dpop-error' };
  if (status !== 400) return fail(`expected HTTP 400 for a refused DPoP proof, found ${preview(status)}`, expected, { status: evidence(status), body: evidence(json) });
  if (!r.ok) return fail(`expected a DPoP error response (invalid_dpop_proof or use_dpop_nonce), found errors: ${clip(r.errors.slice(0, 3).join('; '), 300)}`, expected, evidence(json));
  return pass(`400 ${String((json as { error: string }).error)}`, expected, evidence(json));
});
