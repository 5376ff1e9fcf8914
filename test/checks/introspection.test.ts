import { describe, expect, it } from 'vitest';
import {
  introspectionDescribesToken,
  introspectionJwtFapiAlg,
  introspectionJwtResponseValid,
  introspectionResponseMatchesSchema,
  revocationErrorMatchesSchema,
} from '../../harness/checks/index.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

/** RFC 7662 §2.2 example response. */
const RFC7662_22 = {
  active: true, client_id: 'l238j323ds-23ij4', username: 'jdoe', scope: 'read write dolphin', sub: 'Z5O3upPC88QrAjx00dis',
  aud: 'https://protected.example.net/resource', iss: 'https://server.example.com/', exp: 1419356238, iat: 1419350238, extension_field: 'twenty-seven',
};
const json = (body: unknown, extra = {}) => ({ status: 200, contentType: 'application/json', json: body, ...extra });

describe('introspectionResponseMatchesSchema', () => {
  it('passes for the RFC 7662 §2.2 example and for {"active": false}', () => {
    const f = introspectionResponseMatchesSchema(json(RFC7662_22));
    expectPass(f);
    expect(f.citation.id).toBe('RFC7662-2.2-active');
    expectPass(introspectionResponseMatchesSchema(json({ active: false })));
  });
  it('fails without active, with a string active, a numeric scope, a non-200 or a non-JSON type', () => {
    expectFail(introspectionResponseMatchesSchema(json({ client_id: 'x' })));
    expectFail(introspectionResponseMatchesSchema(json({ active: 'true' })));
    expectFail(introspectionResponseMatchesSchema(json({ active: true, scope: 1 })));
    expectFail(introspectionResponseMatchesSchema(json({ active: false }, { status: 401 })));
    expectFail(introspectionResponseMatchesSchema(json({ active: false }, { contentType: 'text/html' })));
    for (const h of HOSTILE) expectFail(introspectionResponseMatchesSchema(json(h)));
  });
});

describe('introspectionDescribesToken', () => {
  it('passes for an active answer with the required members and values', () => {
    expectPass(introspectionDescribesToken({ json: RFC7662_22, members: ['scope', 'client_id'], values: { client_id: 'l238j323ds-23ij4' } }));
  });
  it('passes for {"active": true} alone: RFC 7662 §2.2 requires only active, the absence of OPTIONAL members is noted', () => {
    const f = introspectionDescribesToken({ json: { active: true }, members: ['scope', 'client_id', 'exp'], values: { client_id: 'l238j323ds-23ij4' } });
    expectPass(f);
    expect(f.message).toMatch(/optional members absent: scope, client_id, exp/);
  });
  it('fails for inactive or another client', () => {
    expectFail(introspectionDescribesToken({ json: { active: false }, members: [] }));
    expectFail(introspectionDescribesToken({ json: RFC7662_22, values: { client_id: 'someone-else' } }));
    for (const h of HOSTILE) expectFail(introspectionDescribesToken({ json: h }));
  });
});

describe('introspectionJwtResponseValid', () => {
  const good = {
    status: 200, contentType: 'application/token-introspection+jwt', verified: true, issuer: 'https://as.example.com', clientId: 'app', now: 1700000000,
    header: { alg: 'RS256', kid: 'k1', typ: 'token-introspection+jwt' },
    claims: { iss: 'https://as.example.com', aud: 'app', iat: 1700000000, token_introspection: { active: true, scope: 'read' } },
  };
  it('passes for a verified RFC 9701 response (typ with or without application/)', () => {
    const f = introspectionJwtResponseValid(good);
    expectPass(f);
    expect(f.citation.id).toBe('RFC9701-5-jwt-response');
    expectPass(introspectionJwtResponseValid({ ...good, header: { ...good.header, typ: 'application/token-introspection+jwt' } }));
  });
  it('fails for alg none, an unverified signature, a wrong typ, aud, iss, content type or missing token_introspection', () => {
    expectFail(introspectionJwtResponseValid({ ...good, header: { alg: 'none', typ: 'token-introspection+jwt' }, verified: false }));
    expectFail(introspectionJwtResponseValid({ ...good, verified: false, error: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' }));
    expectFail(introspectionJwtResponseValid({ ...good, header: { ...good.header, typ: 'JWT' } }));
    expectFail(introspectionJwtResponseValid({ ...good, claims: { ...good.claims, aud: 'other' } }));
    expectFail(introspectionJwtResponseValid({ ...good, claims: { ...good.claims, iss: 'https://evil.example' } }));
    expectFail(introspectionJwtResponseValid({ ...good, contentType: 'application/json' }));
    const { token_introspection: _t, ...noClaim } = good.claims;
    expectFail(introspectionJwtResponseValid({ ...good, claims: noClaim }));
    for (const h of HOSTILE) expectFail(introspectionJwtResponseValid(h as never));
  });
});

describe('revocationErrorMatchesSchema', () => {
  it('passes for unsupported_token_type (400) and invalid_client (401)', () => {
    expectPass(revocationErrorMatchesSchema({ status: 400, contentType: 'application/json', json: { error: 'unsupported_token_type' } }));
    expectPass(revocationErrorMatchesSchema({ status: 401, contentType: 'application/json', json: { error: 'invalid_client', error_description: 'no credentials' } }));
  });
  it('fails for an unregistered code, 401 without invalid_client, or a 200', () => {
    expectFail(revocationErrorMatchesSchema({ status: 400, contentType: 'application/json', json: { error: 'token_not_found' } }));
    expectFail(revocationErrorMatchesSchema({ status: 401, contentType: 'application/json', json: { error: 'invalid_request' } }));
    expectFail(revocationErrorMatchesSchema({ status: 200, contentType: 'application/json', json: {} }));
    for (const h of HOSTILE) expectFail(revocationErrorMatchesSchema({ status: 400, contentType: 'application/json', json: h }));
  });
});

describe('introspectionJwtFapiAlg (FAPI 2.0 SP §5.4.1)', () => {
  const jwt = { status: 200, contentType: 'application/token-introspection+jwt', verified: true, issuer: 'https://as.example.com', clientId: 'app', now: 1700000000, claims: { iss: 'https://as.example.com', aud: 'app', iat: 1700000000, token_introspection: { active: true } } };
  it('passes PS256, ES256 and EdDSA', () => {
    for (const alg of ['PS256', 'ES256', 'EdDSA']) expectPass(introspectionJwtFapiAlg({ ...jwt, header: { alg, typ: 'token-introspection+jwt' } }));
  });
  it('fails RS256, none and a body that is no JWS', () => {
    expectFail(introspectionJwtFapiAlg({ ...jwt, header: { alg: 'RS256' } }), /PS256/);
    expectFail(introspectionJwtFapiAlg({ ...jwt, header: { alg: 'none' } }));
    expectFail(introspectionJwtFapiAlg({ ...jwt, header: null, claims: null }));
    for (const h of HOSTILE) expectFail(introspectionJwtFapiAlg(h as never));
  });
});
