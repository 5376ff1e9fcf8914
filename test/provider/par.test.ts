// PAR (RFC 9126) and private_key_jwt under the FAPI 2.0 profile, on the reference provider.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair } from 'jose';
import type { RunningProvider } from '../../provider/server.ts';
import { Browser, errorOf, getJson, header, pageOf, pkce, start } from './helpers.ts';
import { clientKeys, codeOf, fapiCode, fapiConfig, fapiToken, openRequestUri, push, type AssertionEdit } from './fapi-helpers.ts';
import { dpopKey, proof } from './dpop-helpers.ts';

let fapi: RunningProvider;
let plain: RunningProvider;

beforeAll(async () => {
  [fapi, plain] = await Promise.all([
    start({ config: await fapiConfig({ ttl: { par: 5 } }) }),
    // The default profile, with PAR required for every client by configuration (RFC 9126 §6).
    start({ config: await fapiConfig({ require_pushed_authorization_requests: true }, 'default') }),
  ]);
});
afterAll(() => Promise.all([fapi?.close(), plain?.close()]));

describe('the PAR endpoint (RFC 9126 §2)', () => {
  it('answers 201 with a urn request_uri, expires_in from ttl.par, and no-store', async () => {
    const p = await push(fapi);
    expect(p.status).toBe(201);
    expect(p.json.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{40,}$/);
    expect(p.json.expires_in).toBe(5);
    expect(header({ ...p, url: '', text: '' }, 'cache-control')).toBe('no-store');
  });

  it('is advertised in discovery, with require_pushed_authorization_requests and FAPI algorithms only', async () => {
    const doc = (await getJson(`${fapi.issuer}/.well-known/openid-configuration`)).json;
    expect(doc.pushed_authorization_request_endpoint).toBe(`${fapi.issuer}/par`);
    expect(doc.require_pushed_authorization_requests).toBe(true);
    expect(doc.token_endpoint_auth_signing_alg_values_supported).toEqual(['PS256', 'ES256', 'EdDSA']);
    expect(doc.id_token_signing_alg_values_supported).not.toContain('RS256');
    expect(doc.authorization_response_iss_parameter_supported).toBe(true);
  });

  it('validates the pushed request as /authorize would (redirect_uri, PKCE S256, response_type)', async () => {
    expect((await push(fapi, { params: { redirect_uri: 'https://client.example/other' } })).json.error).toBe('invalid_request');
    expect((await push(fapi, { params: { code_challenge: undefined, code_challenge_method: undefined } })).json.error).toBe('invalid_request');
    expect((await push(fapi, { params: { code_challenge_method: 'plain', code_challenge: pkce().verifier } })).json.error).toBe('invalid_request');
    expect((await push(fapi, { params: { response_type: 'token' } })).json.error).toBe('unsupported_response_type');
  });

  it('refuses GET (405), a request_uri parameter, repeated parameters, and an unauthenticated push', async () => {
    const get = await push(fapi, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(header({ ...get, url: '', text: '' }, 'allow')).toBe('POST');
    expect((await push(fapi, { params: { request_uri: 'urn:ietf:params:oauth:request_uri:x' } })).json.error).toBe('invalid_request');
    expect((await push(fapi, { rawSuffix: '&scope=openid' })).json.error).toBe('invalid_request');
    const bare = await push(fapi, { params: { client_assertion: undefined, client_assertion_type: undefined } });
    expect([bare.status, bare.json.error]).toEqual([401, 'invalid_client']);
  });
});

describe('private_key_jwt under the FAPI 2.0 profile', () => {
  it('accepts the issuer as aud, PS256 and ES256, nbf 8 s ahead', async () => {
    const [, second] = await clientKeys();
    expect((await push(fapi)).status).toBe(201);
    expect((await push(fapi, { key: second })).status).toBe(201);
    expect((await push(fapi, { edit: { nbfOffset: 8 } })).status).toBe(201);
  });

  it.each([
    ['an array aud', { aud: 'array' }],
    ['the token endpoint as aud', { aud: 'token' }],
    ['the PAR endpoint as aud', { aud: 'par' }],
    ['another audience', { aud: 'https://other.example/' }],
    ['RS256', { alg: 'RS256' }],
    ['exp 5 minutes ago', { expOffset: -300 }],
    ['nbf 70 s ahead', { nbfOffset: 70 }],
    ['no sub', { omit: ['sub'] }],
    ['no exp', { omit: ['exp'] }],
  ] as [string, AssertionEdit & { aud?: string }][])('refuses %s with invalid_client', async (_name, e) => {
    const aud = e.aud === 'array' ? [fapi.issuer, `${fapi.issuer}/token`] : e.aud === 'token' ? `${fapi.issuer}/token` : e.aud === 'par' ? `${fapi.issuer}/par` : e.aud;
    const p = await push(fapi, { edit: { ...e, aud } });
    expect([p.status, p.json.error]).toEqual([401, 'invalid_client']);
    expect(String(p.json.error_description)).not.toMatch(/["\\]/); // RFC 6749 §5.2 character set
  });

  it('accepts an EdDSA (Ed25519) client assertion', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'ed-key', use: 'sig' };
    const base = await fapiConfig();
    const op = await start({ config: { ...base, clients: [{ client_id: 'fapi-ed', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicJwk] }, redirect_uris: ['https://client.example/cb'], id_token_signed_response_alg: 'ES256' }] } });
    try {
      const key = { clientId: 'fapi-ed', privateKey, publicJwk, alg: 'EdDSA' };
      expect((await push(op, { key })).status).toBe(201);
    } finally {
      await op.close();
    }
  });

  it('refuses a replayed jti', async () => {
    expect((await push(fapi, { edit: { jti: 'jti-once' } })).status).toBe(201);
    expect((await push(fapi, { edit: { jti: 'jti-once' } })).json.error).toBe('invalid_client');
  });

  it('outside the profile, the token and PAR endpoint URLs are accepted audiences (RFC 7523 §3, RFC 9126 §2)', async () => {
    expect((await push(plain, { edit: { aud: `${plain.issuer}/par` } })).status).toBe(201);
    expect((await push(plain, { edit: { aud: `${plain.issuer}/token` } })).status).toBe(201);
    expect((await push(plain, { edit: { alg: 'RS256' } })).status).toBe(201);
  });

  it('a token request needs the client assertion, and a client_id naming the same client', async () => {
    const a = await fapiCode(fapi);
    const form = { grant_type: 'authorization_code', code: a.code, redirect_uri: 'https://client.example/cb', code_verifier: a.verifier };
    expect((await fapiToken(fapi, form, { noAuth: true })).json.error).toBe('invalid_client');
    expect((await fapiToken(fapi, { ...form, client_id: 'fapi-client-2' })).json.error).toBe('invalid_request');
    // FAPI clients get sender-constrained tokens only: no DPoP proof, no token.
    expect((await fapiToken(fapi, form, { noDpop: true })).json.error).toBe('invalid_dpop_proof');
    const b = await fapiCode(fapi);
    const ok = await fapiToken(fapi, { ...form, code: b.code, code_verifier: b.verifier });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    expect(ok.json.token_type).toBe('DPoP');
  });
});

describe('request_uri at /authorize (RFC 9126 §4)', () => {
  it('is bound to its client, and a plain request is refused when PAR is required', async () => {
    const p = await push(plain);
    const other = await openRequestUri(plain, p.json.request_uri as string, 'fapi-client-2');
    expect(errorOf(other.res.text)).toBe('invalid_request');
    const b = new Browser(plain.issuer);
    const q = { response_type: 'code', client_id: 'fapi-client', redirect_uri: 'https://client.example/cb', scope: 'openid', code_challenge: pkce().challenge, code_challenge_method: 'S256' };
    const r = await b.get(`/authorize?${new URLSearchParams(q)}`);
    expect(new URL(r.location!).searchParams.get('error')).toBe('invalid_request');
  });

  it('require_pushed_authorization_requests per client: only that client must push', async () => {
    const cfg = await fapiConfig({}, 'default');
    const clients = (cfg.clients as Record<string, unknown>[]).map((c, i) => (i === 0 ? { ...c, require_pushed_authorization_requests: true } : c));
    const op = await start({ config: { ...cfg, clients } });
    try {
      const q = (clientId: string) => `/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: 'https://client.example/cb', scope: 'openid', code_challenge: pkce().challenge, code_challenge_method: 'S256' })}`;
      const b = new Browser(op.issuer);
      expect(new URL((await b.get(q('fapi-client'))).location!).searchParams.get('error')).toBe('invalid_request');
      expect(pageOf((await b.follow(await b.get(q('fapi-client-2')))).text)).toBe('login');
      expect((await getJson(`${op.issuer}/.well-known/openid-configuration`)).json.require_pushed_authorization_requests).toBe(false);
    } finally {
      await op.close();
    }
  });

  it('survives a reload before the login completes, and is spent once a code is issued', async () => {
    const p = await push(fapi);
    const uri = p.json.request_uri as string;
    const b = new Browser(fapi.issuer);
    const first = await b.get(`/authorize?${new URLSearchParams({ client_id: 'fapi-client', request_uri: uri })}`);
    expect(first.status).toBe(302);
    const { res } = await openRequestUri(fapi, uri, 'fapi-client', b);
    expect(codeOf(res)).toBeTruthy();
    expect(new URL(res.location!).searchParams.get('iss')).toBe(fapi.issuer);
    const again = await openRequestUri(fapi, uri, 'fapi-client', b);
    expect([pageOf(again.res.text), errorOf(again.res.text)]).toEqual(['error', 'invalid_request_uri']);
  });

  it('an unknown request_uri is refused on the error page', async () => {
    const { res } = await openRequestUri(fapi, 'urn:ietf:params:oauth:request_uri:unknown');
    expect(errorOf(res.text)).toBe('invalid_request_uri');
  });
});

describe('DPoP at the PAR endpoint (RFC 9449 §10.1)', () => {
  it('binds the request to the proof key, and refuses a dpop_jkt that differs from the proof', async () => {
    const k = await dpopKey();
    const other = await dpopKey();
    const htu = `${fapi.issuer}/par`;
    const bound = await push(fapi, { headers: { dpop: await proof(k, { htu }) } });
    expect(bound.status, JSON.stringify(bound.json)).toBe(201);
    const mismatch = await push(fapi, { params: { dpop_jkt: other.jkt }, headers: { dpop: await proof(k, { htu }) } });
    expect([mismatch.status, mismatch.json.error]).toEqual([400, 'invalid_dpop_proof']);
    const bad = await push(fapi, { headers: { dpop: await proof(k, { htu, htm: 'GET' }) } });
    expect(bad.json.error).toBe('invalid_dpop_proof');
  });
});

describe('FAPI profile configuration', () => {
  it('refuses an RS256 ID Token alg for a fapi2 client, naming the field', async () => {
    const { loadConfig } = await import('../../provider/config.ts');
    const cfg = await fapiConfig();
    const clients = (cfg.clients as Record<string, unknown>[]).map((c, i) => (i === 1 ? { ...c, id_token_signed_response_alg: 'RS256' } : c));
    expect(() => loadConfig({ ...cfg, clients })).toThrow('config: /clients/1/id_token_signed_response_alg RS256 is not allowed for a fapi2 client');
    expect(() => loadConfig({ ...cfg, profile: 'fapi3' })).toThrow(/\/profile must be one of/);
    expect(loadConfig({ ...cfg, clients, profile: 'default' }).profile).toBe('default');
  });
});
