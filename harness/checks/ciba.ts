// Checks on the CIBA backchannel authentication endpoint (OpenID Connect CIBA Core 1.0 §4, §7.3, §13).
import { defineCheck, fail, pass } from '../core/finding.ts';
import { evidence, isRecord, preview, successResponseProblem, typeName } from './util.ts';

export const cibaResponseMatchesSchema = defineCheck<{ status: number; contentType?: string; json: unknown }>(
  'ciba-response-matches-schema',
  'CIBA-7.3-response',
  (input) => {
    const expected = 'HTTP 200, application/json, auth_req_id and expires_in (ciba-response.schema.json)';
    const problem = successResponseProblem(input, { status: 200, what: 'authentication request acknowledgement', schema: 'ciba-response' }, expected);
    if (problem) return problem;
    const j = input.json as { auth_req_id: string; expires_in: number; interval?: number };
    // §7.3: auth_req_id carries at least 128 bits of entropy; fewer than 16 characters cannot.
    if (j.auth_req_id.length < 16) return fail(`expected an auth_req_id of at least 16 characters (128 bits of entropy), found ${j.auth_req_id.length}`, expected, { auth_req_id_length: j.auth_req_id.length });
    return pass(`200 acknowledgement, expires_in ${j.expires_in}, interval ${j.interval ?? '(absent: 5)'}`, expected, { expires_in: j.expires_in, interval: j.interval ?? null });
  },
);

export const cibaErrorMatchesSchema = defineCheck<{ status: number; contentType?: string; json: unknown }>(
  'ciba-error-matches-schema',
  'CIBA-13-error',
  (input) => {
    const expected = 'HTTP 400 (401 for invalid_client, 403 for access_denied), application/json, a §13 error code';
    const problem = successResponseProblem(input, { status: [400, 401, 403], what: 'an error response', schema: 'ciba-error' }, expected);
    if (problem) return problem;
    const status = input.status;
    const error = (input.json as { error: string }).error;
    const want = error === 'invalid_client' ? 401 : error === 'access_denied' ? 403 : 400;
    if (status !== want) return fail(`expected status ${want} for error=${preview(error)} (§13), found ${status}`, expected, { status, error });
    return pass(`${status} application/json error=${preview(error)}`, expected, { status, error });
  },
);

export const discoveryAdvertisesCiba = defineCheck<unknown>('discovery-advertises-ciba', 'CIBA-4-metadata', (doc) => {
  const expected = 'backchannel_authentication_endpoint, backchannel_token_delivery_modes_supported containing poll, grant_types_supported containing urn:openid:params:grant-type:ciba';
  if (!isRecord(doc)) return fail(`expected the discovery document to be an object, found a ${typeName(doc)}`, expected, evidence(doc));
  const endpoint = doc.backchannel_authentication_endpoint;
  const modes = doc.backchannel_token_delivery_modes_supported;
  const grants = doc.grant_types_supported;
  const problems: string[] = [];
  if (typeof endpoint !== 'string' || endpoint === '') problems.push('no backchannel_authentication_endpoint');
  if (!Array.isArray(modes) || !modes.includes('poll')) problems.push(`backchannel_token_delivery_modes_supported is ${preview(modes)}, without poll`);
  if (!Array.isArray(grants) || !grants.includes('urn:openid:params:grant-type:ciba')) problems.push(`grant_types_supported ${preview(grants)} lacks the CIBA grant`);
  const actual = { backchannel_authentication_endpoint: evidence(endpoint), backchannel_token_delivery_modes_supported: evidence(modes) };
  if (problems.length) return fail(`expected discovery to advertise CIBA poll mode, found ${problems.join('; ')}`, expected, actual);
  return pass(`CIBA poll mode advertised at ${preview(endpoint)}`, expected, actual);
});
