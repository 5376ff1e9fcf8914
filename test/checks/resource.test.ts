import { describe, it } from 'vitest';
import { bearerChallengeOnError, bearerStatusMatchesError, protectedResourceMetadataValid, resourceRefusesToken } from '../../harness/checks/index.ts';
import { HOSTILE, expectFail, expectPass } from './helpers.ts';

describe('resourceRefusesToken', () => {
  it('passes for 401 Bearer error="invalid_token"', () => {
    expectPass(resourceRefusesToken({ status: 401, headers: { 'www-authenticate': 'Bearer realm="api", error="invalid_token", error_description="expired"' } }));
  });
  it('passes for 401 with a challenge and no error when no token was sent', () => {
    expectPass(resourceRefusesToken({ status: 401, headers: { 'www-authenticate': 'Bearer realm="api", DPoP algs="ES256"' }, noToken: true }));
  });
  it('fails when the API serves the bad token', () => {
    expectFail(resourceRefusesToken({ status: 200, headers: {} }), /served it/);
  });
  it('accepts the refusal statuses UserInfo accepts (one RFC 6750 §3 policy): 400, 401, 403', () => {
    for (const status of [400, 401, 403]) {
      expectPass(resourceRefusesToken({ status, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }));
      expectPass(bearerChallengeOnError({ status, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }));
    }
    expectFail(resourceRefusesToken({ status: 404, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }));
    expectFail(bearerChallengeOnError({ status: 404, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }));
  });
  it('fails for a 500', () => {
    expectFail(resourceRefusesToken({ status: 500, headers: {} }), /server error/);
  });
  it('fails without error="invalid_token"', () => {
    expectFail(resourceRefusesToken({ status: 401, headers: { 'www-authenticate': 'Bearer realm="api"' } }), /invalid_token/);
  });
  it('fails on hostile headers without throwing', () => {
    for (const h of HOSTILE) expectFail(resourceRefusesToken({ status: 401, headers: h as Record<string, string> }));
  });
});

describe('protectedResourceMetadataValid', () => {
  const resource = 'http://127.0.0.1:9400/api/resource';
  it('passes for metadata naming the resource', () => {
    expectPass(protectedResourceMetadataValid({ status: 200, json: { resource, authorization_servers: ['http://127.0.0.1:9400'], dpop_signing_alg_values_supported: ['ES256'] }, resource }));
  });
  it('fails for metadata naming another resource', () => {
    expectFail(protectedResourceMetadataValid({ status: 200, json: { resource: `${resource}-elsewhere` }, resource }), /resource/);
  });
  it('fails for a document without resource', () => {
    expectFail(protectedResourceMetadataValid({ status: 200, json: { authorization_servers: [] }, resource }), /RFC 9728/);
  });
});

describe('bearerStatusMatchesError (RFC 6750 §3.1, SHOULD)', () => {
  const www = (v: string) => ({ 'www-authenticate': v });
  it.each([
    [400, 'Bearer error="invalid_request"'],
    [401, 'Bearer error="invalid_token"'],
    [403, 'Bearer error="insufficient_scope", scope="openid"'],
    [401, 'Bearer realm="api"'],
    [401, 'DPoP algs="ES256", error="invalid_dpop_proof"'],
  ])('passes for %i with %s', (status, value) => expectPass(bearerStatusMatchesError({ status, headers: www(value) })));
  it.each([
    [400, 'Bearer error="invalid_token"'],
    [401, 'Bearer error="insufficient_scope"'],
    [403, 'Bearer realm="api"'],
  ])('fails for %i with %s', (status, value) => expectFail(bearerStatusMatchesError({ status, headers: www(value) }), /RFC 6750 §3.1/));
  it('is a SHOULD', () => {
    const f = bearerStatusMatchesError({ status: 400, headers: www('Bearer error="invalid_token"') });
    if (f.citation.level !== 'SHOULD') throw new Error(f.citation.level);
  });
  it('fails on hostile input without throwing', () => {
    for (const h of HOSTILE) expectFail(bearerStatusMatchesError({ status: h as number, headers: {} }));
  });
});
