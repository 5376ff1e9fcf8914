// Checks on the device authorization endpoint (RFC 8628 §3.2, §6.1).
import { defineCheck, fail, pass } from '../core/finding.ts';
import { evidence, field, isRecord, preview, successResponseProblem, typeName } from './util.ts';

export const deviceAuthorizationResponseMatchesSchema = defineCheck<{ status: number; contentType?: string; json: unknown }>(
  'device-authorization-response-matches-schema',
  'RFC8628-3.2-response',
  (input) => {
    const expected = 'HTTP 200, application/json, device_code, user_code, verification_uri, expires_in (device-authorization-response.schema.json)';
    const problem = successResponseProblem(input, { status: 200, what: 'device authorization response', schema: 'device-authorization-response' }, expected);
    if (problem) return problem;
    const j = input.json as { expires_in: number; interval?: number };
    return pass(`200 device authorization response, expires_in ${j.expires_in}, interval ${j.interval ?? '(absent: 5)'}`, expected, { expires_in: j.expires_in, interval: j.interval ?? null });
  },
);

export const deviceAuthorizationErrorMatchesSchema = defineCheck<{ status: number; contentType?: string; json: unknown }>(
  'device-authorization-error-matches-schema',
  'RFC8628-3.2-error',
  (input) => {
    const expected = 'HTTP 400 (401 for invalid_client), application/json, an RFC 6749 §5.2 error code';
    const status = field(input, 'status');
    const problem = successResponseProblem(input, { status: [400, 401], what: 'an error response', schema: 'device-authorization-error' }, expected);
    if (problem) return problem;
    const error = (input.json as { error: string }).error;
    if (status === 401 && error !== 'invalid_client') {
      return fail(`expected status 400 for error=${preview(error)} (401 is for invalid_client), found ${status}`, expected, { status, error });
    }
    return pass(`${status} application/json error=${preview(error)}`, expected, { status, error });
  },
);

export const discoveryAdvertisesDevice = defineCheck<unknown>('discovery-advertises-device', 'RFC8628-4-metadata', (doc) => {
  const expected = 'device_authorization_endpoint, and grant_types_supported containing urn:ietf:params:oauth:grant-type:device_code';
  if (!isRecord(doc)) return fail(`expected the discovery document to be an object, found a ${typeName(doc)}`, expected, evidence(doc));
  const endpoint = doc.device_authorization_endpoint;
  const grants = doc.grant_types_supported;
  const problems: string[] = [];
  if (typeof endpoint !== 'string' || endpoint === '') problems.push('no device_authorization_endpoint');
  if (!Array.isArray(grants) || !grants.includes('urn:ietf:params:oauth:grant-type:device_code')) problems.push(`grant_types_supported ${preview(grants)} lacks the device_code grant`);
  const actual = { device_authorization_endpoint: evidence(endpoint), grant_types_supported: evidence(grants) };
  if (problems.length) return fail(`expected discovery to advertise the device authorization grant, found ${problems.join('; ')}`, expected, actual);
  return pass(`device authorization endpoint advertised at ${preview(endpoint)}`, expected, actual);
});

/** RFC 8628 §6.1: the example charsets, case-insensitive; separators (dash, space) are not significant. */
const CONSONANTS = /^[BCDFGHJKLMNPQRSTVWXZ]+$/;
const DIGITS = /^[0-9]+$/;

export const deviceUserCodeIsTypeable = defineCheck<unknown>('device-user-code-is-typeable', 'RFC8628-6.1-user-code', (userCode) => {
  const expected = 'a short user_code over a typeable, case-insensitive charset (e.g. 8 of BCDFGHJKLMNPQRSTVWXZ, or 9+ digits), separators allowed';
  if (typeof userCode !== 'string') return fail(`expected user_code to be a string, found a ${typeName(userCode)}`, expected, evidence(userCode));
  const core = userCode.replace(/[-\s]/g, '');
  if (core.length === 0) return fail('expected a user_code, found an empty string', expected, evidence(userCode));
  if (core.length > 20) return fail(`expected at most 20 characters, found ${core.length} in user_code ${preview(userCode)}: too long to type comfortably`, expected, evidence(userCode));
  // Case-insensitive: an upper-case-only code, so the End-User cannot mistype the case.
  if (CONSONANTS.test(core.toUpperCase()) && core === core.toUpperCase()) {
    if (core.length < 8) return fail(`expected about 8 characters of the 20-character set (§6.1, for enough entropy), found only ${core.length} in ${preview(userCode)}`, expected, evidence(userCode));
    return pass(`user_code ${preview(userCode)}: ${core.length} characters of the 20 consonants`, expected, evidence(userCode));
  }
  if (DIGITS.test(core)) {
    if (core.length < 9) return fail(`expected 9 or more digits (§6.1, for enough entropy), found only ${core.length} in ${preview(userCode)}`, expected, evidence(userCode));
    return pass(`user_code ${preview(userCode)}: ${core.length} digits`, expected, evidence(userCode));
  }
  return fail(`expected an upper-case code over a charset without easily confused characters, found ${preview(userCode)}, which mixes case or uses vowels, 0/O, 1/l or punctuation`, expected, evidence(userCode));
});
