// The device authorization (RFC 8628) and CIBA checks: one input that passes, inputs that fail.
import { describe, expect, it } from 'vitest';
import {
  cibaErrorMatchesSchema,
  cibaPingMatches,
  discoveryFapiCibaDeliveryModes,
  cibaResponseMatchesSchema,
  discoveryAdvertisesCibaPing,
  deviceAuthorizationErrorMatchesSchema,
  deviceAuthorizationResponseMatchesSchema,
  deviceUserCodeIsTypeable,
  discoveryAdvertisesDevice,
  discoveryAdvertisesCiba,
} from '../../harness/checks/index.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

/** RFC 8628 §3.2 example response. */
const RFC8628_32 = {
  device_code: 'GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS',
  user_code: 'WDJB-MJHT',
  verification_uri: 'https://example.com/device',
  verification_uri_complete: 'https://example.com/device?user_code=WDJB-MJHT',
  expires_in: 1800,
  interval: 5,
};
/** CIBA Core §7.3 example acknowledgement. */
const CIBA_73 = { auth_req_id: '1c266114-a1be-4252-8ad1-04986c5b9ac1', expires_in: 120, interval: 2 };
const ok = (json: unknown, status = 200, contentType = 'application/json') => ({ status, contentType, json });

describe('deviceAuthorizationResponseMatchesSchema', () => {
  it('passes for the RFC 8628 §3.2 example, and without the OPTIONAL members', () => {
    const f = deviceAuthorizationResponseMatchesSchema(ok(RFC8628_32));
    expectPass(f);
    expect(f.citation.id).toBe('RFC8628-3.2-response');
    const { verification_uri_complete: _c, interval: _i, ...required } = RFC8628_32;
    expectPass(deviceAuthorizationResponseMatchesSchema(ok(required)));
  });
  it('fails for a missing user_code, a non-integer expires_in, an error status or a wrong content type', () => {
    const { user_code: _u, ...noCode } = RFC8628_32;
    expectFail(deviceAuthorizationResponseMatchesSchema(ok(noCode)), /user_code/);
    expectFail(deviceAuthorizationResponseMatchesSchema(ok({ ...RFC8628_32, expires_in: '1800' })), /expires_in/);
    expectFail(deviceAuthorizationResponseMatchesSchema(ok({ error: 'invalid_client' }, 401)), /status 401 with error="invalid_client"/);
    expectFail(deviceAuthorizationResponseMatchesSchema(ok(RFC8628_32, 200, 'text/html')), /Content-Type/);
  });
  it.each(HOSTILE)('fails without throwing on hostile json %#', (v) => expectFail(deviceAuthorizationResponseMatchesSchema(ok(v))));
});

describe('deviceAuthorizationErrorMatchesSchema', () => {
  it('passes for invalid_client (401) and invalid_scope (400)', () => {
    expectPass(deviceAuthorizationErrorMatchesSchema(ok({ error: 'invalid_client' }, 401)));
    expectPass(deviceAuthorizationErrorMatchesSchema(ok({ error: 'invalid_scope', error_description: 'unknown scope' }, 400)));
  });
  it('fails for a polling error code, a 401 for another error, or a 500', () => {
    expectFail(deviceAuthorizationErrorMatchesSchema(ok({ error: 'authorization_pending' }, 400)), /device-authorization-error.schema.json/);
    expectFail(deviceAuthorizationErrorMatchesSchema(ok({ error: 'invalid_scope' }, 401)), /401 is for invalid_client/);
    expectFail(deviceAuthorizationErrorMatchesSchema(ok({ error: 'server_error' }, 500)), /400 or 401/);
  });
  it.each(HOSTILE)('fails without throwing on hostile json %#', (v) => expectFail(deviceAuthorizationErrorMatchesSchema(ok(v, 400))));
});

describe('deviceUserCodeIsTypeable', () => {
  it('passes for the RFC 8628 examples: consonants with a dash, and digits', () => {
    expectPass(deviceUserCodeIsTypeable('WDJB-MJHT'));
    expectPass(deviceUserCodeIsTypeable('019-450-730'));
  });
  it('fails for mixed case base64url, vowels, codes too short or too long', () => {
    expectFail(deviceUserCodeIsTypeable('GmRhmhcxhwAzkoEq'), /mixes case|confused/);
    expectFail(deviceUserCodeIsTypeable('ABCD-EFGH'), /confused/);
    expectFail(deviceUserCodeIsTypeable('WDJB'), /found only 4/);
    expectFail(deviceUserCodeIsTypeable('1234'), /found only 4 in "1234"/);
    expectFail(deviceUserCodeIsTypeable('B'.repeat(40)), /too long/);
  });
  it.each(HOSTILE)('fails without throwing on hostile input %#', (v) => expectFail(deviceUserCodeIsTypeable(v)));
});

describe('cibaResponseMatchesSchema', () => {
  it('passes for the CIBA §7.3 example', () => {
    const f = cibaResponseMatchesSchema(ok(CIBA_73));
    expectPass(f);
    expect(f.citation.id).toBe('CIBA-7.3-response');
  });
  it('fails for a missing expires_in, a short auth_req_id, or an error status', () => {
    expectFail(cibaResponseMatchesSchema(ok({ auth_req_id: CIBA_73.auth_req_id })), /expires_in/);
    expectFail(cibaResponseMatchesSchema(ok({ ...CIBA_73, auth_req_id: 'abc' })), /at least 16 characters/);
    expectFail(cibaResponseMatchesSchema(ok({ error: 'unknown_user_id' }, 400)), /status 400/);
  });
  it.each(HOSTILE)('fails without throwing on hostile json %#', (v) => expectFail(cibaResponseMatchesSchema(ok(v))));
});

describe('cibaErrorMatchesSchema', () => {
  it('passes for the §13 codes with their statuses', () => {
    expectPass(cibaErrorMatchesSchema(ok({ error: 'invalid_request', error_description: 'only one hint may be sent' }, 400)));
    expectPass(cibaErrorMatchesSchema(ok({ error: 'invalid_client' }, 401)));
    expectPass(cibaErrorMatchesSchema(ok({ error: 'access_denied' }, 403)));
  });
  it('fails for a code outside §13, or the wrong status for the code', () => {
    expectFail(cibaErrorMatchesSchema(ok({ error: 'invalid_grant' }, 400)), /ciba-error.schema.json/);
    expectFail(cibaErrorMatchesSchema(ok({ error: 'invalid_client' }, 400)), /expected status 401/);
  });
  it.each(HOSTILE)('fails without throwing on hostile json %#', (v) => expectFail(cibaErrorMatchesSchema(ok(v, 400))));
});

describe('discoveryAdvertisesDevice', () => {
  const doc = { device_authorization_endpoint: 'https://op.example/device_authorization', grant_types_supported: ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'] };
  it('passes when the endpoint and the grant type are advertised', () => expectPass(discoveryAdvertisesDevice(doc)));
  it('fails without the endpoint or without the grant type', () => {
    expectFail(discoveryAdvertisesDevice({ ...doc, device_authorization_endpoint: undefined }), /no device_authorization_endpoint/);
    expectFail(discoveryAdvertisesDevice({ ...doc, grant_types_supported: ['authorization_code'] }), /lacks the device_code grant/);
  });
  it.each(HOSTILE)('fails without throwing on hostile input %#', (v) => expectFail(discoveryAdvertisesDevice(v)));
});

describe('discoveryAdvertisesCiba', () => {
  const doc = { backchannel_authentication_endpoint: 'https://op.example/bc-authorize', backchannel_token_delivery_modes_supported: ['poll', 'ping'], grant_types_supported: ['authorization_code', 'urn:openid:params:grant-type:ciba'] };
  it('passes when the endpoint, poll mode and the grant type are advertised', () => expectPass(discoveryAdvertisesCiba(doc)));
  it('fails without the endpoint, with ping only, or without the grant type', () => {
    expectFail(discoveryAdvertisesCiba({ ...doc, backchannel_authentication_endpoint: undefined }), /no backchannel_authentication_endpoint/);
    expectFail(discoveryAdvertisesCiba({ ...doc, backchannel_token_delivery_modes_supported: ['ping'] }), /without poll/);
    expectFail(discoveryAdvertisesCiba({ ...doc, grant_types_supported: ['authorization_code'] }), /lacks the CIBA grant/);
  });
  it.each(HOSTILE)('fails without throwing on hostile input %#', (v) => expectFail(discoveryAdvertisesCiba(v)));
});

describe('discoveryAdvertisesCibaPing', () => {
  it('passes when ping is among the delivery modes', () => expectPass(discoveryAdvertisesCibaPing({ backchannel_token_delivery_modes_supported: ['poll', 'ping'] })));
  it('fails with poll only, or without the member', () => {
    expectFail(discoveryAdvertisesCibaPing({ backchannel_token_delivery_modes_supported: ['poll'] }), /ping among the CIBA delivery modes/);
    expectFail(discoveryAdvertisesCibaPing({}), /ping among/);
  });
  it.each(HOSTILE)('fails without throwing on hostile input %#', (v) => expectFail(discoveryAdvertisesCibaPing(v)));
});

describe('discoveryFapiCibaDeliveryModes', () => {
  it('passes with poll, or poll and ping (FAPI-CIBA ID1 §5.2.2)', () => {
    expectPass(discoveryFapiCibaDeliveryModes({ backchannel_token_delivery_modes_supported: ['poll'] }));
    expectPass(discoveryFapiCibaDeliveryModes({ backchannel_token_delivery_modes_supported: ['poll', 'ping'] }));
  });
  it('fails when push is listed, or the member is missing', () => {
    expectFail(discoveryFapiCibaDeliveryModes({ backchannel_token_delivery_modes_supported: ['poll', 'ping', 'push'] }), /not to support push/);
    expectFail(discoveryFapiCibaDeliveryModes({}), /to be an array/);
  });
  it.each(HOSTILE)('fails without throwing on hostile input %#', (v) => expectFail(discoveryFapiCibaDeliveryModes(v)));
});

describe('cibaPingMatches', () => {
  // CIBA Core §10.2 example: POST /cb, Authorization: Bearer 8d67dc78-..., {"auth_req_id": "1c266114-..."}
  const expected = { authReqId: '1c266114-a1be-4252-8ad1-04986c5b9ac1', token: '8d67dc78-7faa-4d41-aabd-67707b374255', path: '/cb' };
  const good = { method: 'POST', path: '/cb', contentType: 'application/json', authorization: 'Bearer 8d67dc78-7faa-4d41-aabd-67707b374255', json: { auth_req_id: expected.authReqId } };
  const input = (n: Partial<typeof good> | undefined) => ({ notification: n === undefined ? undefined : { ...good, ...n }, expected, waitedMs: 5000 });
  it('passes for the §10.2 example ping (the scheme name in any case)', () => {
    expectPass(cibaPingMatches(input({})));
    expectPass(cibaPingMatches(input({ authorization: 'bearer 8d67dc78-7faa-4d41-aabd-67707b374255', contentType: 'application/json; charset=utf-8' })));
  });
  it('fails when no ping came', () => expectFail(cibaPingMatches(input(undefined)), /none came within 5 s/));
  it('fails on another token, no Authorization, another auth_req_id, another path, method or media type', () => {
    expectFail(cibaPingMatches(input({ authorization: 'Bearer something-else' })), /not the client_notification_token/);
    expectFail(cibaPingMatches(input({ authorization: undefined })), /Authorization absent/);
    expectFail(cibaPingMatches(input({ json: { auth_req_id: 'other' } })), /auth_req_id "other" is not the request's/);
    expectFail(cibaPingMatches(input({ path: '/elsewhere' })), /not the registered path/);
    expectFail(cibaPingMatches(input({ method: 'PUT' })), /method PUT/);
    expectFail(cibaPingMatches(input({ contentType: 'application/x-www-form-urlencoded' })), /content-type/);
  });
  it.each(HOSTILE)('fails without throwing on a hostile body %#', (v) => expectFail(cibaPingMatches(input({ json: v as never }))));
});
