import { describe, it } from 'vitest';
import { protectedResourceMetadataValid, resourceRefusesToken } from '../../harness/checks/index.ts';
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
