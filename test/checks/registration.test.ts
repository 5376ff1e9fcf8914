import { describe, expect, it } from 'vitest';
import { registrationEchoesMetadata, registrationResponseMatchesSchema } from '../../harness/checks/index.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

/** RFC 7591 §3.2.1 / RFC 7592 §3 example response. */
const RFC7592_3 = {
  registration_access_token: 'reg-23410913-abewfq.123483', registration_client_uri: 'https://server.example.com/register/s6BhdRkqt3',
  client_id: 's6BhdRkqt3', client_secret: 'cf136dc3c1fc93f31185e5885805d', client_id_issued_at: 2893256800, client_secret_expires_at: 2893276800,
  client_name: 'My Example Client', redirect_uris: ['https://client.example.org/callback', 'https://client.example.org/callback2'],
  grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'client_secret_basic', logo_uri: 'https://client.example.org/logo.png',
  jwks_uri: 'https://client.example.org/my_public_keys.jwks',
};
const created = (json: unknown, extra = {}) => ({ status: 201, expectedStatus: 201, contentType: 'application/json', json, created: true, ...extra });

describe('registrationResponseMatchesSchema', () => {
  it('passes for the RFC 7592 §3 example, and never echoes the secrets', () => {
    const f = registrationResponseMatchesSchema(created(RFC7592_3));
    expectPass(f);
    expect(f.citation.id).toBe('RFC7591-3.2.1-response');
    expect(JSON.stringify(f)).not.toContain(RFC7592_3.client_secret);
    expect(JSON.stringify(f)).not.toContain(RFC7592_3.registration_access_token);
    const { registration_access_token: _t, registration_client_uri: _u, ...read } = RFC7592_3;
    expectPass(registrationResponseMatchesSchema({ status: 200, expectedStatus: 200, contentType: 'application/json', json: read }));
  });
  it('fails without client_id, a secret without its expiry, a token without its URI, no token on create, or the wrong status', () => {
    const { client_id: _c, ...noId } = RFC7592_3;
    expectFail(registrationResponseMatchesSchema(created(noId)));
    const { client_secret_expires_at: _e, ...noExpiry } = RFC7592_3;
    expectFail(registrationResponseMatchesSchema(created(noExpiry)));
    const { registration_client_uri: _u, ...noUri } = RFC7592_3;
    expectFail(registrationResponseMatchesSchema(created(noUri)));
    const { registration_access_token: _t, registration_client_uri: _u2, ...noToken } = RFC7592_3;
    expectFail(registrationResponseMatchesSchema(created(noToken)));
    expectFail(registrationResponseMatchesSchema(created(RFC7592_3, { status: 200 })));
    for (const h of HOSTILE) expectFail(registrationResponseMatchesSchema(created(h)));
  });
});

describe('registrationEchoesMetadata', () => {
  it('passes when every member sent comes back as sent', () => {
    expectPass(registrationEchoesMetadata({ sent: { client_name: 'My Example Client', redirect_uris: RFC7592_3.redirect_uris }, json: RFC7592_3 }));
  });
  it('fails when a member comes back changed or missing', () => {
    const f = registrationEchoesMetadata({ sent: { client_name: 'Other', scope: 'read' }, json: RFC7592_3 });
    expectFail(f);
    expect(f.message).toContain('client_name');
    for (const h of HOSTILE) expectFail(registrationEchoesMetadata({ sent: { client_name: 'x' }, json: h }));
  });
});
