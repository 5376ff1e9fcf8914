// Checks on pushed authorization responses (RFC 9126 §2.2).
import { defineCheck, fail, pass } from '../core/finding.ts';
import { validateAgainst } from '../schemas/validate.ts';
import { evidence, isRecord, preview, successResponseProblem, summarizeErrors } from './util.ts';

/** RFC 9126 §2.2: the URN prefix a request_uri should use (not required). */
export const PAR_REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

export const parResponseMatchesSchema = defineCheck<{ status: number; contentType?: string; json: unknown }>(
  'par-response-matches-schema',
  'RFC9126-2.2-response',
  (input) => {
    const expected = 'HTTP 201, application/json, request_uri and expires_in (positive integer)';
    const problem = successResponseProblem(input, { status: 201, what: 'pushed authorization response', schema: 'par-response' }, expected);
    if (problem) return problem;
    const status = 201;
    const { request_uri: uri, expires_in: ttl } = input.json as { request_uri: string; expires_in: number };
    const urn = uri.startsWith(PAR_REQUEST_URI_PREFIX);
    return pass(`201 application/json with a request_uri${urn ? '' : ' (not under the recommended urn:ietf:params:oauth:request_uri: prefix)'} valid for ${ttl} s`, expected, { status, expires_in: ttl, urn });
  },
);

/** The FAPI 2.0 overlay on discovery (fapi2-discovery.schema.json), judged apart from the base schema. */
export const discoveryMatchesFapi2Profile = defineCheck<unknown>('discovery-matches-fapi2-profile', 'FAPI2SP-5.3.2.1-metadata', (metadata) => {
  const expected = 'PAR endpoint, require_pushed_authorization_requests true, iss parameter, response_type code, S256, PS256 / ES256 / EdDSA only';
  if (!isRecord(metadata)) return fail(`expected the discovery document to be a JSON object, found ${preview(metadata)}`, expected, evidence(metadata));
  const r = validateAgainst('fapi2-discovery', metadata);
  if (!r.ok) return fail(`discovery does not match the FAPI 2.0 profile overlay (fapi2-discovery.schema.json): ${summarizeErrors(r.errors)}`, expected, r.errors);
  return pass('discovery meets the FAPI 2.0 profile overlay', expected, { pushed_authorization_request_endpoint: metadata.pushed_authorization_request_endpoint });
});
