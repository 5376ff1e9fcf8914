// Protected-resource checks (RFC 6750 §3, RFC 9449 §7.1, RFC 9728): how an API refuses a token,
// and its protected resource metadata.
import { defineCheck, fail, pass } from '../core/finding.ts';
import { validateAgainst } from '../schemas/validate.ts';
import { clip, evidence, field, header, isRecord, preview } from './util.ts';
import { parseWwwAuthenticate } from './www-authenticate.ts';

const TOKEN_ERRORS = ['invalid_token', 'invalid_dpop_proof', 'use_dpop_nonce'];

/**
 * RFC 6750 §3 (and RFC 9449 §7.1 for DPoP): a refused token gets 401, never a 2xx or a 5xx, with a
 * Bearer or DPoP challenge carrying error="invalid_token" (DPoP: or invalid_dpop_proof). With
 * noToken (the request carried none), RFC 6750 §3.1 says the challenge should carry no error code.
 */
export const resourceRefusesToken = defineCheck<{ status: number; headers: Record<string, string>; noToken?: boolean; errors?: string[] }>(
  'resource-refuses-token',
  'RFC6750-3-www-authenticate',
  (input) => {
    const status = field(input, 'status');
    const www = header(field(input, 'headers'), 'www-authenticate');
    const noToken = field(input, 'noToken') === true;
    const wanted = (field(input, 'errors') as string[] | undefined) ?? TOKEN_ERRORS;
    const expected = { status: 401, 'www-authenticate': noToken ? 'Bearer or DPoP challenge' : `Bearer or DPoP error=${wanted.join('|')}` };
    const actual = { status: evidence(status), 'www-authenticate': evidence(www) };
    if (typeof status !== 'number' || status !== 401) {
      const what = typeof status === 'number' && status < 300 ? 'served it' : typeof status === 'number' && status >= 500 ? 'failed with a server error' : 'answered';
      return fail(`expected 401 for the bad token, but the API ${what}: HTTP ${preview(status)}`, expected, actual);
    }
    if (www === undefined) return fail('expected a WWW-Authenticate challenge with the 401, found none', expected, actual);
    const parsed = parseWwwAuthenticate(www);
    const ch = parsed.challenges.filter((c) => ['bearer', 'dpop'].includes(c.scheme.toLowerCase()));
    if (ch.length === 0) return fail(`expected a Bearer or DPoP challenge, found ${preview(www)}`, expected, actual);
    if (noToken) return pass(`401 with ${ch.map((c) => c.scheme).join(' and ')} challenge${ch.length > 1 ? 's' : ''}`, expected, actual);
    const withError = ch.find((c) => c.params.error !== undefined && wanted.includes(c.params.error)) ?? ch.find((c) => c.params.error !== undefined);
    if (!withError) return fail(`expected error="invalid_token" in the challenge, found no error parameter: ${preview(www)}`, expected, actual);
    if (!wanted.includes(withError.params.error)) return fail(`expected error ${wanted.join(' or ')}, found error=${preview(withError.params.error)}`, expected, actual);
    return pass(`401 ${withError.scheme} error=${withError.params.error}${withError.params.error_description ? ` (${clip(withError.params.error_description, 100)})` : ''}`, expected, actual);
  },
);

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
