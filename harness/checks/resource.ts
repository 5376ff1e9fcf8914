// Protected-resource checks (RFC 6750 §3, RFC 9449 §7.1, RFC 9728): how an API refuses a token,
// and its protected resource metadata.
import { defineCheck, fail, pass } from '../core/finding.ts';
import { validateAgainst } from '../schemas/validate.ts';
import { clip, evidence, field, header, isRecord, preview } from './util.ts';
import { parseWwwAuthenticate, REFUSAL_STATUSES, STATUS_FOR_ERROR } from './www-authenticate.ts';

const TOKEN_ERRORS = ['invalid_token', 'invalid_dpop_proof', 'use_dpop_nonce'];

/**
 * RFC 6750 §3 (and RFC 9449 §7.1 for DPoP): a refused token is refused (400, 401 or 403, never a
 * 2xx or a 5xx) with a Bearer or DPoP challenge carrying the expected error (default invalid_token
 * or a DPoP error). With noToken (the request carried none), §3.1 says the challenge should carry
 * no error code. Which of 400/401/403 goes with which error is bearerStatusMatchesError (SHOULD).
 */
export const resourceRefusesToken = defineCheck<{ status: number; headers: Record<string, string>; noToken?: boolean; errors?: string[] }>(
  'resource-refuses-token',
  'RFC6750-3-www-authenticate',
  (input) => {
    const status = field(input, 'status');
    const www = header(field(input, 'headers'), 'www-authenticate');
    const noToken = field(input, 'noToken') === true;
    const wanted = (field(input, 'errors') as string[] | undefined) ?? TOKEN_ERRORS;
    const expected = { status: REFUSAL_STATUSES, 'www-authenticate': noToken ? 'Bearer or DPoP challenge' : `Bearer or DPoP error=${wanted.join('|')}` };
    const actual = { status: evidence(status), 'www-authenticate': evidence(www) };
    if (typeof status !== 'number' || !REFUSAL_STATUSES.includes(status)) {
      const what = typeof status === 'number' && status < 300 ? 'served it' : typeof status === 'number' && status >= 500 ? 'failed with a server error' : 'answered';
      return fail(`expected a refusal (401, or 400/403 per RFC 6750 §3.1) for the bad token, but the API ${what}: HTTP ${preview(status)}`, expected, actual);
    }
    if (www === undefined) return fail(`expected a WWW-Authenticate challenge with the ${status}, found none`, expected, actual);
    const parsed = parseWwwAuthenticate(www);
    const ch = parsed.challenges.filter((c) => ['bearer', 'dpop'].includes(c.scheme.toLowerCase()));
    if (ch.length === 0) return fail(`expected a Bearer or DPoP challenge, found ${preview(www)}`, expected, actual);
    if (noToken) return pass(`${status} with ${ch.map((c) => c.scheme).join(' and ')} challenge${ch.length > 1 ? 's' : ''}`, expected, actual);
    const withError = ch.find((c) => c.params.error !== undefined && wanted.includes(c.params.error)) ?? ch.find((c) => c.params.error !== undefined);
    if (!withError) return fail(`expected error=${wanted.map((w) => `"${w}"`).join(' or ')} in the challenge, found no error parameter: ${preview(www)}`, expected, actual);
    if (!wanted.includes(withError.params.error)) return fail(`expected error ${wanted.join(' or ')}, found error=${preview(withError.params.error)}`, expected, actual);
    return pass(`${status} ${withError.scheme} error=${withError.params.error}${withError.params.error_description ? ` (${clip(withError.params.error_description, 100)})` : ''}`, expected, actual);
  },
);

/**
 * RFC 6750 §3.1 (SHOULD): the refusal status follows the challenge's error code: invalid_request
 * 400, invalid_token 401, insufficient_scope 403; a challenge without an error code (no token) 401.
 * The same policy for UserInfo and for APIs.
 */
export const bearerStatusMatchesError = defineCheck<{ status: number; headers: Record<string, string> }>('bearer-status-matches-error', 'RFC6750-3.1-status', (input) => {
  const status = field(input, 'status');
  const www = header(field(input, 'headers'), 'www-authenticate');
  const ch = www === undefined ? [] : parseWwwAuthenticate(www).challenges.filter((c) => ['bearer', 'dpop'].includes(c.scheme.toLowerCase()));
  const error = ch.map((c) => c.params.error).find((e): e is string => typeof e === 'string');
  const want = error === undefined ? 401 : STATUS_FOR_ERROR[error];
  const expected = { status: want ?? REFUSAL_STATUSES, error: error ?? '(none)' };
  const actual = { status: evidence(status), 'www-authenticate': evidence(www) };
  if (typeof status !== 'number') return fail(`expected an HTTP status, found ${preview(status)}`, expected, actual);
  if (want === undefined) {
    if (REFUSAL_STATUSES.includes(status)) return pass(`${status} with error=${preview(error)} (an extension error code: any of 400/401/403)`, expected, actual);
    return fail(`expected 400, 401 or 403 with error=${preview(error)}, found ${status}`, expected, actual);
  }
  if (status === want) return pass(`${status} goes with ${error === undefined ? 'a challenge without an error code' : `error=${error}`}`, expected, actual);
  return fail(`expected HTTP ${want} with ${error === undefined ? 'a challenge without an error code' : `error=${error}`} (RFC 6750 §3.1), found ${status}`, expected, actual);
});

/** RFC 9728 §2, §3.3: the metadata is a valid document whose resource is the identifier it was fetched for. */
export const protectedResourceMetadataValid = defineCheck<{ status: number; json: unknown; resource: string }>('protected-resource-metadata', 'RFC9728-3.3-resource', (input) => {
  const status = field(input, 'status');
  const json = field(input, 'json');
  const resource = field(input, 'resource');
  const expected = { status: 200, resource };
  if (status !== 200) return fail(`expected the protected resource metadata with HTTP 200, found ${preview(status)}`, expected, { status: evidence(status) });
  const r = validateAgainst('protected-resource-metadata', json);
  if (!r.ok) return fail(`expected RFC 9728 metadata, found errors: ${clip(r.errors.slice(0, 3).join('; '), 300)}`, expected, evidence(json));
  const got = isRecord(json) ? json.resource : undefined;
  if (got !== resource) return fail(`expected resource ${preview(resource)} (identical to the URL the metadata was derived from), found ${preview(got)}`, expected, { resource: evidence(got) });
  return pass(`metadata names resource ${clip(String(got), 100)}`, expected, { resource: got });
});
