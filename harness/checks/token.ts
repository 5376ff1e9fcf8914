// Checks on token endpoint responses (RFC 6749 §5, OpenID Connect Core §3.1.3.3).
import { defineCheck, fail, pass } from '../core/finding.ts';
import { evidence, field, has, header, isRecord, preview, successResponseProblem, typeName } from './util.ts';
import { servedOnce } from './races.ts';

/** Error codes registered for the token endpoint: RFC 6749 §5.2 and the OAuth Extensions Error Registry. */
export const REGISTERED_TOKEN_ERRORS: ReadonlySet<string> = new Set([
  'invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', // RFC 6749
  'authorization_pending', 'slow_down', 'access_denied', 'expired_token', // RFC 8628
  'invalid_dpop_proof', 'use_dpop_nonce', // RFC 9449
  'invalid_target', // RFC 8707
  'unsupported_token_type', // RFC 7009
  'invalid_authorization_details', // RFC 9396
  'invalid_request_object', 'invalid_request_uri', // RFC 9101, RFC 9126
]);

/**
 * The directives of a Cache-Control value, lower-cased names only. Commas inside quoted strings
 * (e.g. `no-cache="set-cookie, no-store"`) do not split directives.
 */
export function cacheControlDirectives(value: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.split('=', 1)[0].trim().toLowerCase()).filter((p) => p !== '');
}

export const tokenResponseMatchesSchema = defineCheck<{ status: number; contentType?: string; json: unknown }>(
  'token-response-matches-schema',
  'RFC6749-5.1-response',
  (input) => {
    const expected = 'HTTP 200, application/json, access_token and token_type (Bearer or DPoP)';
    const problem = successResponseProblem(input, { status: 200, what: 'token response', schema: 'token-response' }, expected);
    if (problem) return problem;
    const json = input.json;
    const tokenType = (json as { token_type: string }).token_type;
    const lower = tokenType.toLowerCase();
    if (lower !== 'bearer' && lower !== 'dpop') {
      return fail(`expected token_type Bearer or DPoP (case-insensitive), found ${preview(tokenType)}`, expected, { token_type: evidence(tokenType) });
    }
    const hasExpiry = has(json, 'expires_in');
    return pass(`200 application/json token response with token_type ${preview(tokenType)}${hasExpiry ? '' : ' (expires_in, RECOMMENDED, is absent)'}`, expected, { status: 200, contentType: input.contentType, token_type: tokenType });
  },
);

export const tokenResponseNoStore = defineCheck<Record<string, string>>('token-response-no-store', 'RFC6749-5.1-no-store', (headers) => {
  const expected = 'Cache-Control with the no-store directive';
  if (!isRecord(headers)) return fail(`expected response headers as an object, found a ${typeName(headers)}`, expected, evidence(headers));
  const cc = header(headers, 'cache-control');
  if (cc === undefined) return fail('expected Cache-Control: no-store, found no Cache-Control header', expected, undefined);
  const directives = cacheControlDirectives(cc);
  if (directives.includes('no-store')) return pass(`Cache-Control ${preview(cc)} contains no-store`, expected, cc);
  return fail(`expected Cache-Control to contain no-store, found ${preview(cc)}`, expected, evidence(cc));
});

export const tokenResponseHasIdToken = defineCheck<unknown>('token-response-has-id-token', 'OIDCC-3.1.3.3-token-response', (json) => {
  const expected = 'an id_token member holding a compact JWT';
  if (!isRecord(json)) return fail(`expected the token response to be a JSON object, found a ${typeName(json)}`, expected, evidence(json));
  if (!has(json, 'id_token')) return fail('expected an id_token in the token response to an openid request, found none', expected, undefined);
  const t = json.id_token;
  if (typeof t !== 'string') return fail(`expected id_token to be a string, found a ${typeName(t)}`, expected, evidence(t));
  const parts = t.split('.');
  if ((parts.length !== 3 && parts.length !== 5) || !parts.every((p, i) => /^[A-Za-z0-9_-]*$/.test(p) && (i > 0 || p !== ''))) {
    return fail(`expected id_token to be a compact JWS or JWE, found ${preview(t, 60)}`, expected, evidence(t));
  }
  return pass(`token response carries an id_token (${parts.length === 3 ? 'JWS' : 'JWE'}, ${t.length} chars)`, expected, `${parts.length}-part compact JWT`);
});

export const errorResponseMatchesSchema = defineCheck<{ status: number; json: unknown; contentType?: string }>(
  'error-response-matches-schema',
  'RFC6749-5.2-error',
  (input) => {
    const expected = 'HTTP 400 (401 only for invalid_client), application/json, a well-formed error code';
    const problem = successResponseProblem(input, { status: [400, 401], what: 'an error response', schema: 'oauth-error' }, expected);
    if (problem) return problem;
    const { status, json } = input;
    const error = (json as { error: string }).error;
    if (status === 401 && error !== 'invalid_client') {
      return fail(`expected status 400 for error=${preview(error)} (401 is for invalid_client), found 401`, expected, { status, error });
    }
    const registered = REGISTERED_TOKEN_ERRORS.has(error);
    return pass(`${status} application/json error=${preview(error)}${registered ? '' : ' (not a registered token endpoint error code)'}`, expected, { status, error, registered });
  },
);

/** Of several concurrent requests redeeming one code or refresh token, exactly one was served (2xx). */
const redeemedOnce = (input: unknown, what: string) => servedOnce(input, `concurrent ${what} requests`, () => ({ most: 'exactly', tail: ': the credential was redeemed more than once' }));

export const codeRedeemedOnceConcurrently = defineCheck<{ statuses: number[] }>('code-redeemed-once-concurrently', 'RFC6749-4.1.2-code-race', (input) => redeemedOnce(input, 'authorization_code'));

export const refreshRedeemedOnceConcurrently = defineCheck<{ statuses: number[] }>('refresh-redeemed-once-concurrently', 'RFC9700-4.14.2-refresh-race', (input) => redeemedOnce(input, 'refresh_token'));
