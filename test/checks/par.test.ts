import { describe, expect, it } from 'vitest';
import { discoveryMatchesFapi2Profile, parResponseMatchesSchema } from '../../harness/checks/index.ts';
import { expectFail, expectPass } from './helpers.ts';

/** RFC 9126 §2.2 example response. */
const RFC9126_22 = { request_uri: 'urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c', expires_in: 60 };
const res = (json: unknown, extra: Partial<{ status: number; contentType: string }> = {}) => ({ status: 201, contentType: 'application/json', json, ...extra });

describe('parResponseMatchesSchema', () => {
  it('passes for the RFC 9126 §2.2 example', () => {
    const f = parResponseMatchesSchema(res(RFC9126_22));
    expectPass(f);
    expect(f.citation.id).toBe('RFC9126-2.2-response');
  });
  it('fails on 200 instead of 201', () => expectFail(parResponseMatchesSchema(res(RFC9126_22, { status: 200 })), /201/));
  it('fails without expires_in, or with a non-positive one', () => {
    expectFail(parResponseMatchesSchema(res({ request_uri: RFC9126_22.request_uri })), /expires_in/);
    expectFail(parResponseMatchesSchema(res({ ...RFC9126_22, expires_in: 0 })), /expires_in/);
  });
  it('fails when request_uri is missing or not a URI', () => {
    expectFail(parResponseMatchesSchema(res({ expires_in: 60 })), /request_uri/);
    expectFail(parResponseMatchesSchema(res({ ...RFC9126_22, request_uri: 'not a uri' })), /request_uri/);
  });
  it('fails on a non-JSON content type', () => expectFail(parResponseMatchesSchema(res(RFC9126_22, { contentType: 'text/html' })), /Content-Type/));
});

describe('discoveryMatchesFapi2Profile', () => {
  const FAPI = {
    issuer: 'https://op.example', pushed_authorization_request_endpoint: 'https://op.example/par', require_pushed_authorization_requests: true,
    authorization_response_iss_parameter_supported: true, response_types_supported: ['code'], code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_signing_alg_values_supported: ['PS256', 'ES256', 'EdDSA'], id_token_signing_alg_values_supported: ['PS256'],
  };
  it('passes for a FAPI 2.0 metadata document', () => {
    const f = discoveryMatchesFapi2Profile(FAPI);
    expectPass(f);
    expect(f.citation.id).toBe('FAPI2SP-5.3.2.1-metadata');
  });
  it('fails when RS256 is offered for client assertions', () => expectFail(discoveryMatchesFapi2Profile({ ...FAPI, token_endpoint_auth_signing_alg_values_supported: ['RS256', 'PS256'] }), /token_endpoint_auth_signing_alg_values_supported/));
  it('fails when PAR is not required, or code id_token is offered', () => {
    expectFail(discoveryMatchesFapi2Profile({ ...FAPI, require_pushed_authorization_requests: false }), /require_pushed_authorization_requests/);
    expectFail(discoveryMatchesFapi2Profile({ ...FAPI, response_types_supported: ['code', 'code id_token'] }), /response_types_supported/);
  });
  it('fails on a non-object', () => expectFail(discoveryMatchesFapi2Profile('nope')));
});
