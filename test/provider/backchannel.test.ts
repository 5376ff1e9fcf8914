// The reference provider's back-channel grants and token management: client credentials, the
// password grant (off by default), revocation (RFC 7009), introspection (RFC 7662, RFC 9701) and
// opaque access tokens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import type { RunningProvider } from '../../provider/server.ts';
import { authorize, basic, exchange, getJson, start, tokenRequest, userinfo } from './helpers.ts';
import { CC_CONFIG, SERVICE, SERVICE_2, authOf, ccToken, introspect, registration, revoke } from './backchannel-helpers.ts';

let op: RunningProvider;
let opaque: RunningProvider;
beforeAll(async () => {
  op = await start({ config: CC_CONFIG });
  opaque = await start({ config: { ...CC_CONFIG, access_token_format: 'opaque', password_grant: true, clients: [...(CC_CONFIG.clients as object[]), { client_id: 'ropc', client_secret: 'ropc-secret-1', redirect_uris: ['https://ropc.example/cb'], grant_types: ['password'] }] } });
});
afterAll(async () => {
  await Promise.all([op?.close(), opaque?.close()]);
});

describe('client credentials grant', () => {
  it('issues an RFC 9068 access token whose sub is the client, with no refresh token or id_token', async () => {
    const t = await ccToken(op, SERVICE, { scope: 'api:read' });
    expect(t.status).toBe(200);
    expect(t.json).toMatchObject({ token_type: 'Bearer', scope: 'api:read' });
    expect(t.json.refresh_token).toBeUndefined();
    expect(t.json.id_token).toBeUndefined();
    const { payload, protectedHeader } = await jwtVerify(t.json.access_token as string, createRemoteJWKSet(new URL(`${op.issuer}/jwks`)), { issuer: op.issuer });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ sub: SERVICE.client_id, client_id: SERVICE.client_id, scope: 'api:read' });
  });
  it('grants the registered scope when none is asked, refuses more, and never openid', async () => {
    expect((await ccToken(op)).json.scope).toBe('api:read api:write');
    expect((await ccToken(op, SERVICE, { scope: 'api:read admin' })).json.error).toBe('invalid_scope');
    expect((await ccToken(op, SERVICE, { scope: 'openid' })).json.error).toBe('invalid_scope');
  });
  it('refuses public clients, unregistered clients and wrong secrets', async () => {
    expect((await tokenRequest(op, { grant_type: 'client_credentials', client_id: 'touchstone-public-service' })).json.error).toBe('unauthorized_client');
    expect((await tokenRequest(op, { grant_type: 'client_credentials' }, { authorization: basic('touchstone-client', 'touchstone-secret-1') })).json.error).toBe('unauthorized_client');
    const bad = await tokenRequest(op, { grant_type: 'client_credentials' }, { authorization: basic(SERVICE.client_id, 'wrong-secret') });
    expect([bad.status, bad.json.error]).toEqual([401, 'invalid_client']);
  });
  it('userinfo refuses a client credentials token (no End-User, no openid)', async () => {
    const t = await ccToken(op);
    expect((await userinfo(op, 'get', t.json.access_token as string)).status).toBe(403);
  });
});

describe('password grant', () => {
  it('is refused with unsupported_grant_type by default and left out of discovery', async () => {
    const r = await tokenRequest(op, { grant_type: 'password', username: 'alice', password: 'wonderland' }, authOf(SERVICE));
    expect(r.json.error).toBe('unsupported_grant_type');
    expect((await getJson(`${op.issuer}/.well-known/openid-configuration`)).json.grant_types_supported).not.toContain('password');
  });
  it('works when enabled, for a client registered for it, and checks the password', async () => {
    const auth = { authorization: basic('ropc', 'ropc-secret-1') };
    const good = await tokenRequest(opaque, { grant_type: 'password', username: 'alice', password: 'wonderland', scope: 'openid email' }, auth);
    expect(good.status).toBe(200);
    expect(decodeJwt(good.json.id_token as string).sub).toBe('user-alice');
    expect((await tokenRequest(opaque, { grant_type: 'password', username: 'alice', password: 'nope' }, auth)).json.error).toBe('invalid_grant');
    expect((await tokenRequest(opaque, { grant_type: 'password', username: 'alice', password: 'wonderland' }, authOf(SERVICE))).json.error).toBe('unauthorized_client');
    expect((await getJson(`${opaque.issuer}/.well-known/openid-configuration`)).json.grant_types_supported).toContain('password');
  });
});

describe('opaque access tokens', () => {
  it('are not JWTs, and work at userinfo and introspection; revoked they stop', async () => {
    const t = await tokenRequest(opaque, { grant_type: 'password', username: 'alice', password: 'wonderland', scope: 'openid email' }, { authorization: basic('ropc', 'ropc-secret-1') });
    const at = t.json.access_token as string;
    expect(at.split('.').length).toBe(1);
    const u = await userinfo(opaque, 'get', at);
    expect([u.status, u.json?.email]).toEqual([200, 'alice@example.com']);
    const auth = { authorization: basic('ropc', 'ropc-secret-1') };
    expect((await introspect(opaque, { token: at }, auth)).json).toMatchObject({ active: true, client_id: 'ropc', sub: 'user-alice', username: 'alice', scope: 'openid email' });
    expect((await revoke(opaque, { token: at }, auth)).status).toBe(200);
    expect((await userinfo(opaque, 'get', at)).status).toBe(401);
    expect((await introspect(opaque, { token: at }, auth)).json).toEqual({ active: false });
  });
  it('can be chosen per client', async () => {
    const p = await start({ config: { clients: [{ ...SERVICE, redirect_uris: ['https://s.example/cb'], grant_types: ['client_credentials'], access_token_format: 'opaque' }, { ...SERVICE_2, redirect_uris: ['https://s.example/cb'], grant_types: ['client_credentials'] }] } });
    try {
      expect(((await ccToken(p)).json.access_token as string).split('.').length).toBe(1);
      expect(((await ccToken(p, SERVICE_2)).json.access_token as string).split('.').length).toBe(3);
    } finally {
      await p.close();
    }
  });
});

describe('revocation (RFC 7009)', () => {
  it('revokes an access token for its own client; unknown tokens get 200; other clients are refused', async () => {
    const t = await ccToken(op);
    const at = t.json.access_token as string;
    expect((await revoke(op, { token: 'unknown' })).status).toBe(200);
    const other = await revoke(op, { token: at }, authOf(SERVICE_2));
    expect([other.status, other.json.error]).toEqual([400, 'unauthorized_client']);
    expect((await introspect(op, { token: at })).json.active).toBe(true);
    const r = await revoke(op, { token: at, token_type_hint: 'refresh_token' });
    expect([r.status, r.headers['cache-control']]).toEqual([200, 'no-store']);
    expect((await introspect(op, { token: at })).json).toEqual({ active: false });
    expect((await revoke(op, { token: at })).status).toBe(200); // already revoked: still 200
  });
  it('requires client authentication and a form body', async () => {
    const t = await ccToken(op);
    const r = await revoke(op, { token: t.json.access_token as string }, {});
    expect([r.status, r.json.error]).toEqual([401, 'invalid_client']);
    expect((await revoke(op, { token: t.json.access_token as string, client_id: SERVICE.client_id }, {})).json.error).toBe('invalid_client');
    expect((await revoke(op, {}, authOf(SERVICE))).json.error).toBe('invalid_request');
  });
  it('revoking a refresh token revokes its grant; an ID Token is an unsupported_token_type', async () => {
    const out = await authorize(op, { params: { scope: 'openid offline_access' } });
    const t = await exchange(op, out);
    const auth = { authorization: basic('touchstone-client', 'touchstone-secret-1') };
    const idt = await revoke(op, { token: t.json.id_token as string }, auth);
    expect([idt.status, idt.json.error]).toEqual([400, 'unsupported_token_type']);
    expect((await introspect(op, { token: t.json.refresh_token as string }, auth)).json).toMatchObject({ active: true, token_type: 'refresh_token' });
    expect((await revoke(op, { token: t.json.refresh_token as string }, auth)).status).toBe(200);
    expect((await userinfo(op, 'get', t.json.access_token as string)).status).toBe(401);
    expect((await introspect(op, { token: t.json.refresh_token as string }, auth)).json).toEqual({ active: false });
  });
});

describe('introspection (RFC 7662, RFC 9701)', () => {
  it('describes an active token to its own client, and says nothing to others', async () => {
    const at = (await ccToken(op)).json.access_token as string;
    const r = await introspect(op, { token: at });
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.json).toMatchObject({ active: true, client_id: SERVICE.client_id, scope: 'api:read api:write', token_type: 'Bearer', sub: SERVICE.client_id, iss: op.issuer });
    expect((await introspect(op, { token: at }, authOf(SERVICE_2))).json).toEqual({ active: false });
    expect((await introspect(op, { token: 'nope' })).json).toEqual({ active: false });
  });
  it('requires authorization: client authentication or a bearer token with the introspect scope', async () => {
    const at = (await ccToken(op)).json.access_token as string;
    expect((await introspect(op, { token: at }, {})).status).toBe(401);
    expect((await introspect(op, { token: at, client_id: 'touchstone-public' }, {})).status).toBe(401);
    expect((await introspect(op, { token: at }, { authorization: `Bearer ${at}` })).json.error).toBe('invalid_token');
    const p = await start({ config: { clients: [{ ...SERVICE, redirect_uris: ['https://s.example/cb'], grant_types: ['client_credentials'], scope: 'api:read introspect' }] } });
    try {
      const caller = (await ccToken(p, SERVICE, { scope: 'introspect' })).json.access_token as string;
      const target = (await ccToken(p, SERVICE, { scope: 'api:read' })).json.access_token as string;
      expect((await introspect(p, { token: target }, { authorization: `Bearer ${caller}` })).json).toMatchObject({ active: true, scope: 'api:read' });
    } finally {
      await p.close();
    }
  });
  it('answers a signed token-introspection+jwt when asked', async () => {
    const at = (await ccToken(op)).json.access_token as string;
    const r = await introspect(op, { token: at }, { ...authOf(SERVICE), accept: 'application/token-introspection+jwt' });
    expect(r.headers['content-type']).toBe('application/token-introspection+jwt');
    const { payload, protectedHeader } = await jwtVerify(r.text, createRemoteJWKSet(new URL(`${op.issuer}/jwks`)), { issuer: op.issuer, audience: SERVICE.client_id, typ: 'token-introspection+jwt' });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.token_introspection).toMatchObject({ active: true, client_id: SERVICE.client_id });
  });
  it('expired tokens are inactive', async () => {
    const p = await start({ config: { ...CC_CONFIG, ttl: { access_token: 1 } } });
    try {
      const at = (await ccToken(p)).json.access_token as string;
      await new Promise((r) => setTimeout(r, 1100));
      expect((await introspect(p, { token: at })).json).toEqual({ active: false });
    } finally {
      await p.close();
    }
  });
  it('discovery advertises the endpoints', async () => {
    const d = (await getJson(`${op.issuer}/.well-known/openid-configuration`)).json;
    expect(d).toMatchObject({ revocation_endpoint: `${op.issuer}/revoke`, introspection_endpoint: `${op.issuer}/introspect` });
    expect(d.grant_types_supported).toContain('client_credentials');
  });
});

describe('dynamic client registration (RFC 7591, RFC 7592)', () => {
  it('registers a client that works at the token endpoint, then reads, updates and deletes it', async () => {
    const r = await registration(`${op.issuer}/register`, 'POST', { grant_types: ['client_credentials'], scope: 'api:read', client_name: 'svc', frobnicate: true });
    expect(r.status).toBe(201);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.json).toMatchObject({ grant_types: ['client_credentials'], scope: 'api:read', client_name: 'svc', token_endpoint_auth_method: 'client_secret_basic', client_secret_expires_at: 0 });
    expect(r.json.frobnicate).toBeUndefined();
    const id = r.json.client_id as string;
    const secret = r.json.client_secret as string;
    const uri = r.json.registration_client_uri as string;
    const token = r.json.registration_access_token as string;
    expect(uri).toBe(`${op.issuer}/register/${id}`);
    expect((await ccToken(op, { client_id: id, client_secret: secret })).status).toBe(200);
    const read = await registration(uri, 'GET', undefined, token);
    expect([read.status, read.json.client_id, read.json.client_secret, read.json.registration_access_token]).toEqual([200, id, secret, token]);
    expect((await registration(uri, 'GET', undefined, 'wrong')).status).toBe(401);
    expect((await registration(uri, 'GET')).status).toBe(401);
    const up = await registration(uri, 'PUT', { client_id: id, grant_types: ['client_credentials'], scope: 'api:read api:write', client_name: 'svc2' }, token);
    expect([up.status, up.json.client_name, up.json.client_secret]).toEqual([200, 'svc2', secret]);
    expect((await ccToken(op, { client_id: id, client_secret: secret }, { scope: 'api:write' })).status).toBe(200);
    expect((await registration(uri, 'PUT', { client_id: 'someone-else', grant_types: ['client_credentials'] }, token)).json.error).toBe('invalid_client_metadata');
    expect((await registration(uri, 'DELETE', undefined, token)).status).toBe(204);
    expect((await registration(uri, 'GET', undefined, token)).status).toBe(401);
    expect((await ccToken(op, { client_id: id, client_secret: secret })).json.error).toBe('invalid_client');
  });
  it('refuses bad redirect URIs and inconsistent metadata', async () => {
    for (const u of ['https://a.example/cb#x', 'http://a.example/cb', 'javascript:alert(1)', 'not a uri']) {
      expect((await registration(`${op.issuer}/register`, 'POST', { redirect_uris: [u] })).json.error, u).toBe('invalid_redirect_uri');
    }
    expect((await registration(`${op.issuer}/register`, 'POST', {})).json.error).toBe('invalid_redirect_uri');
    for (const m of [{ grant_types: ['urn:x'] }, { token_endpoint_auth_method: 'magic' }, { response_types: ['token'] }, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' }, { token_endpoint_auth_method: 'private_key_jwt' }, { redirect_uris: 'https://a.example/cb' }]) {
      const r = await registration(`${op.issuer}/register`, 'POST', { redirect_uris: ['https://a.example/cb'], ...m });
      expect([r.status, r.json.error], JSON.stringify(m)).toEqual([400, 'invalid_client_metadata']);
    }
    expect((await registration(`${op.issuer}/register`, 'POST', { redirect_uris: ['http://127.0.0.1:8080/cb'], token_endpoint_auth_method: 'none' })).status).toBe(201);
  });
  it('needs the initial access token when one is configured', async () => {
    const p = await start({ config: { registration: { initial_access_token: 'initial-access-token-0001' } } });
    try {
      expect((await registration(`${p.issuer}/register`, 'POST', { redirect_uris: ['https://a.example/cb'] })).status).toBe(401);
      expect((await registration(`${p.issuer}/register`, 'POST', { redirect_uris: ['https://a.example/cb'] }, 'wrong-token')).status).toBe(401);
      expect((await registration(`${p.issuer}/register`, 'POST', { redirect_uris: ['https://a.example/cb'] }, 'initial-access-token-0001')).status).toBe(201);
      const d = (await getJson(`${p.issuer}/.well-known/openid-configuration`)).json;
      expect(d.registration_endpoint).toBe(`${p.issuer}/register`);
    } finally {
      await p.close();
    }
  });
});
