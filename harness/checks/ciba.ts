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

export const discoveryAdvertisesCibaPing = defineCheck<unknown>('discovery-advertises-ciba-ping', 'CIBA-4-ping-metadata', (doc) => {
  const expected = 'backchannel_token_delivery_modes_supported containing ping';
  const modes = isRecord(doc) ? doc.backchannel_token_delivery_modes_supported : undefined;
  const actual = { backchannel_token_delivery_modes_supported: evidence(modes) };
  if (!Array.isArray(modes) || !modes.includes('ping')) return fail(`expected discovery to list ping among the CIBA delivery modes, found ${preview(modes)}`, expected, actual);
  return pass(`CIBA ping mode advertised (${preview(modes)})`, expected, actual);
});

// FAPI-CIBA ID1 §5.2.2: the AS, "for all operations", "shall not support CIBA push mode" (items 3-4:
// poll supported, ping optional). Judged on what discovery says (CIBA §4): listing push is claiming it.
export const discoveryFapiCibaDeliveryModes = defineCheck<unknown>('discovery-fapi-ciba-delivery-modes', 'FAPICIBA-5.2.2-no-push', (doc) => {
  const expected = 'backchannel_token_delivery_modes_supported without push (poll, and ping if supported)';
  const modes = isRecord(doc) ? doc.backchannel_token_delivery_modes_supported : undefined;
  const actual = { backchannel_token_delivery_modes_supported: evidence(modes) };
  if (!Array.isArray(modes)) return fail(`expected backchannel_token_delivery_modes_supported to be an array, found ${preview(modes)}`, expected, actual);
  if (modes.includes('push')) return fail(`expected a FAPI-CIBA OP not to support push mode, discovery lists ${preview(modes)}`, expected, actual);
  return pass(`no push mode (${preview(modes)})`, expected, actual);
});

/** What the client notification endpoint received for one auth_req_id (undefined: nothing in time). */
export interface PingInput {
  notification?: { method: string; path: string; contentType?: string; authorization?: string; json: unknown };
  expected: { authReqId: string; token: string; path: string };
  waitedMs: number;
}

// CIBA Core §10.2: "the OP sends the client_notification_token as a bearer token in the Authorization
// header field and sends only the auth_req_id in the body of the request", an HTTP POST of
// application/json to the client notification endpoint registered (§4).
export const cibaPingMatches = defineCheck<PingInput>('ciba-ping-matches', 'CIBA-10.2-ping', ({ notification: n, expected: want, waitedMs }) => {
  const expected = 'POST application/json {"auth_req_id": <the request\'s>} to the registered notification endpoint, Authorization: Bearer <client_notification_token>';
  if (!n) return fail(`expected a ping at the client notification endpoint after the End-User decided, none came within ${Math.round(waitedMs / 1000)} s`, expected, { received: null });
  const problems: string[] = [];
  if (n.method !== 'POST') problems.push(`method ${n.method}`);
  if (n.path.split('?')[0] !== want.path) problems.push(`sent to ${preview(n.path)}, not the registered path ${preview(want.path)}`);
  const type = (n.contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') problems.push(`content-type ${preview(n.contentType ?? '(none)')}`);
  const id = isRecord(n.json) ? n.json.auth_req_id : undefined;
  if (id !== want.authReqId) problems.push(`body auth_req_id ${preview(id)} is not the request's`);
  // RFC 6750 §2.1: the scheme name is case-insensitive; the token itself is compared exactly.
  const m = /^bearer +(\S+)$/i.exec(n.authorization ?? '');
  if (!m) problems.push(`Authorization ${n.authorization === undefined ? 'absent' : 'is not a Bearer credential'}`);
  else if (m[1] !== want.token) problems.push('the Bearer token is not the client_notification_token sent');
  const actual = { method: n.method, path: n.path, content_type: n.contentType ?? null, auth_req_id_matches: id === want.authReqId, bearer_matches: m?.[1] === want.token };
  if (problems.length) return fail(`the ping does not match §10.2: ${problems.join('; ')}`, expected, actual);
  return pass('ping received: POST application/json with the auth_req_id and the client_notification_token as Bearer token', expected, actual);
});
