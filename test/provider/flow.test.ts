// The authorization code flow over real HTTP: authorization endpoint, interaction pages, token
// endpoint with every client authentication method, ID Token, UserInfo.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import type { RunningProvider } from '../../provider/server.ts';
import { Browser, authorize, basic, client, csrfOf, errorOf, exchange, header, pageOf, pkce, start, tokenRequest, userinfo } from './helpers.ts';

let op: RunningProvider;
let jwtOp: RunningProvider;
let clientKey: CryptoKey;

beforeAll(async () => {
  op = await start();
  const pair = await generateKeyPair('ES256', { extractable: true });
  clientKey = pair.privateKey;
  const pub = { ...(await exportJWK(pair.publicKey)), kid: 'client-key-1', alg: 'ES256' };
  jwtOp = await start({
    config: {
      clients: [
        { client_id: 'jwt-client', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [pub] }, redirect_uris: ['https://jwt.example/cb'], id_token_signed_response_alg: 'ES256' },
      ],
    },
  });
});
afterAll(async () => { await op.close(); await jwtOp.close(); });

function authorizeUrl(params: Record<string, string>): string {
  return `/authorize?${new URLSearchParams(params)}`;
}

const base = () => ({ response_type: 'code', client_id: 'touchstone-client', redirect_uri: 'https://client.example/cb', scope: 'openid', state: 'xyz', code_challenge: pkce().challenge, code_challenge_method: 'S256' });

describe('authorization endpoint', () => {
  it('returns code, exact state and iss to the registered redirect_uri', async () => {
    const state = 'a b+c/d=é';
    const out = await authorize(op, { params: { state } });
    expect(`${out.location.origin}${out.location.pathname}`).toBe('https://client.example/cb');
    expect(out.params.get('state')).toBe(state);
    expect(out.params.get('iss')).toBe(op.issuer);
    expect(out.params.get('code')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  });

  it('omits state when none was sent', async () => {
    const out = await authorize(op, { params: { state: undefined } });
    expect(out.params.has('state')).toBe(false);
  });

  it.each([
    ['unknown client', { client_id: 'nobody' }, 'invalid_client'],
    ['missing client_id', { client_id: '' }, 'invalid_request'],
    ['unregistered redirect_uri', { redirect_uri: 'https://evil.example/cb' }, 'invalid_request'],
    ['redirect_uri with extra query', { redirect_uri: 'https://client.example/cb?x=1' }, 'invalid_request'],
    ['missing redirect_uri', { redirect_uri: '' }, 'invalid_request'],
  ])('shows an error page, never a redirect, for %s', async (_n, change, code) => {
    const b = new Browser(op.issuer);
    const q = Object.fromEntries(Object.entries({ ...base(), ...change }).filter(([, v]) => v !== ''));
    const r = await b.get(authorizeUrl(q));
    expect(r.status).toBe(400);
    expect(r.location).toBeUndefined();
    expect(pageOf(r.text)).toBe('error');
    expect(errorOf(r.text)).toBe(code);
  });

  it('rejects a repeated parameter on the error page', async () => {
    const b = new Browser(op.issuer);
    const r = await b.get(`${authorizeUrl(base())}&client_id=touchstone-client`);
    expect(r.status).toBe(400);
    expect(errorOf(r.text)).toBe('invalid_request');
  });

  it.each([
    ['unsupported response_type', { response_type: 'token' }, 'unsupported_response_type'],
    ['missing response_type', { response_type: '' }, 'invalid_request'],
    ['missing code_challenge', { code_challenge: '', code_challenge_method: '' }, 'invalid_request'],
    ['plain PKCE', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['PKCE without method (= plain)', { code_challenge_method: '' }, 'invalid_request'],
    ['unknown scope', { scope: 'openid admin' }, 'invalid_scope'],
    ['prompt=none without a session', { prompt: 'none' }, 'login_required'],
    ['a request object that is not a JWT', { request: 'eyJ.x.y' }, 'invalid_request_object'],
  ])('redirects %s back to the client with error, state and iss', async (_n, change, code) => {
    const b = new Browser(op.issuer);
    const q = Object.fromEntries(Object.entries({ ...base(), ...change }).filter(([, v]) => v !== ''));
    const r = await b.get(authorizeUrl(q));
    expect(r.status).toBe(302);
    const loc = new URL(r.location as string);
    expect(`${loc.origin}${loc.pathname}`).toBe('https://client.example/cb');
    expect(loc.searchParams.get('error')).toBe(code);
    expect(loc.searchParams.get('error_description')).toBeTruthy();
    expect(loc.searchParams.get('state')).toBe('xyz');
    expect(loc.searchParams.get('iss')).toBe(op.issuer);
  });

  it('accepts POST to the authorization endpoint', async () => {
    const b = new Browser(op.issuer);
    const r = await b.post('/authorize', base());
    expect(r.status).toBe(302);
    expect(r.location).toMatch(/\/interaction\//);
  });

  it('prompt=none succeeds with a session and consent, consent_required without consent, prompt=login asks again', async () => {
    const first = await authorize(op, { params: { scope: 'openid' } });
    const b = first.browser;
    const silent = await b.get(authorizeUrl({ ...base(), prompt: 'none' }));
    expect(new URL(silent.location as string).searchParams.get('code')).toBeTruthy();
    const noConsent = await b.get(authorizeUrl({ ...base(), scope: 'openid email', prompt: 'none' }));
    expect(new URL(noConsent.location as string).searchParams.get('error')).toBe('consent_required');
    const other = await b.get(authorizeUrl({ ...base(), client_id: 'touchstone-client-2', redirect_uri: 'https://client2.example/cb', prompt: 'none' }));
    expect(new URL(other.location as string).searchParams.get('error')).toBe('consent_required');
    const relogin = await b.follow(await b.get(authorizeUrl({ ...base(), prompt: 'login' })));
    expect(pageOf(relogin.text)).toBe('login');
  });

  it('re-shows the login page with a message on a wrong password', async () => {
    const b = new Browser(op.issuer);
    const page = await b.follow(await b.get(authorizeUrl(base())));
    expect(pageOf(page.text)).toBe('login');
    expect(page.text).toContain('<form id="login" method="post">');
    const again = await b.post(page.url, { csrf: csrfOf(page.text), username: 'alice', password: 'nope' });
    expect(again.status).toBe(200);
    expect(pageOf(again.text)).toBe('login');
    expect(again.text).toContain('id="login-error"');
    expect(b.cookies.has('ts_session')).toBe(false);
  });

  it('refuses a POST without or with a wrong CSRF token (403)', async () => {
    const b = new Browser(op.issuer);
    const page = await b.follow(await b.get(authorizeUrl(base())));
    const none = await b.post(page.url, { username: 'alice', password: 'wonderland' });
    expect(none.status).toBe(403);
    expect(pageOf(none.text)).toBe('error');
    const wrong = await b.post(page.url, { csrf: 'x'.repeat(32), username: 'alice', password: 'wonderland' });
    expect(wrong.status).toBe(403);
    const otherBrowser = new Browser(op.issuer);
    const stolen = await otherBrowser.post(page.url, { csrf: csrfOf(page.text), username: 'alice', password: 'wonderland' });
    expect(stolen.status).toBe(403);
  });

  it('deny on the consent page sends access_denied to the client', async () => {
    const b = new Browser(op.issuer);
    const login = await b.follow(await b.get(authorizeUrl(base())));
    const consent = await b.follow(await b.post(login.url, { csrf: csrfOf(login.text), username: 'alice', password: 'wonderland' }));
    expect(pageOf(consent.text)).toBe('consent');
    const r = await b.post(consent.url, { csrf: csrfOf(consent.text), decision: 'deny' });
    const loc = new URL(r.location as string);
    expect(loc.searchParams.get('error')).toBe('access_denied');
    expect(loc.searchParams.get('state')).toBe('xyz');
  });

  it('sets an HttpOnly SameSite=Lax session cookie', async () => {
    const b = new Browser(op.issuer);
    const login = await b.follow(await b.get(authorizeUrl(base())));
    const r = await b.post(login.url, { csrf: csrfOf(login.text), username: 'alice', password: 'wonderland' });
    const cookie = [r.headers['set-cookie']].flat().find((c) => c?.startsWith('ts_session='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });
});

describe('token endpoint', () => {
  it('client_secret_basic: JWT access token (RFC 9068), ID Token, no-store', async () => {
    const out = await authorize(op, { params: { nonce: 'n-123' } });
    const t = await exchange(op, out);
    expect(t.status).toBe(200);
    expect(header({ ...t, url: '', text: '' }, 'cache-control')).toBe('no-store');
    expect(t.headers.pragma).toBe('no-cache');
    expect(t.json).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'openid profile email' });
    const at = t.json.access_token as string;
    const jwks = createRemoteJWKSet(new URL(`${op.issuer}/jwks`));
    const { payload: atc, protectedHeader } = await jwtVerify(at, jwks, { issuer: op.issuer, typ: 'at+jwt' });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(atc).toMatchObject({ sub: 'user-alice', client_id: 'touchstone-client', scope: 'openid profile email' });
    for (const c of ['aud', 'exp', 'iat', 'jti']) expect(atc[c]).toBeDefined();
    const { payload: idc, protectedHeader: idh } = await jwtVerify(t.json.id_token as string, jwks, { issuer: op.issuer, audience: 'touchstone-client', algorithms: ['RS256'] });
    expect(idh.kid).toBeTruthy();
    expect(idc).toMatchObject({ sub: 'user-alice', nonce: 'n-123', azp: 'touchstone-client' });
    expect(typeof idc.auth_time).toBe('number');
    expect(idc.at_hash).toBe(createHash('sha256').update(at).digest().subarray(0, 16).toString('base64url'));
  });

  it('client_secret_basic with PS256 ID Tokens (touchstone-client-2)', async () => {
    const out = await authorize(op, { clientId: 'touchstone-client-2' });
    const t = await exchange(op, out, { clientId: 'touchstone-client-2' });
    expect(t.status).toBe(200);
    const { protectedHeader } = await jwtVerify(t.json.id_token as string, createRemoteJWKSet(new URL(`${op.issuer}/jwks`)), { audience: 'touchstone-client-2' });
    expect(protectedHeader.alg).toBe('PS256');
  });

  it('client_secret_post with ES256 ID Tokens', async () => {
    const out = await authorize(op, { clientId: 'touchstone-post' });
    const t = await exchange(op, out, { clientId: 'touchstone-post' });
    expect(t.status).toBe(200);
    expect(decodeProtectedHeader(t.json.id_token as string).alg).toBe('ES256');
  });

  it('none (public client) with PKCE', async () => {
    const out = await authorize(op, { clientId: 'touchstone-public' });
    const t = await exchange(op, out, { clientId: 'touchstone-public' });
    expect(t.status).toBe(200);
    expect(decodeJwt(t.json.id_token as string).aud).toBe('touchstone-public');
  });

  it('private_key_jwt (RFC 7523): valid assertion accepted once, replay and bad audience refused', async () => {
    const assertion = (aud: string, jti = randomUUID()) =>
      new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'client-key-1' }).setIssuer('jwt-client').setSubject('jwt-client').setAudience(aud).setJti(jti).setIssuedAt().setExpirationTime('1m').sign(clientKey);
    const form = async (out: { params: URLSearchParams; verifier: string }, a: string) => ({
      grant_type: 'authorization_code', code: out.params.get('code') as string, redirect_uri: 'https://jwt.example/cb', code_verifier: out.verifier,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: a,
    });
    const authz = (o = {}) => authorize(jwtOp, { params: { client_id: 'jwt-client', redirect_uri: 'https://jwt.example/cb', ...o } });
    const a1 = await assertion(`${jwtOp.issuer}/token`);
    const ok = await tokenRequest(jwtOp, await form(await authz(), a1));
    expect(ok.status).toBe(200);
    expect(decodeJwt(ok.json.id_token as string).aud).toBe('jwt-client');
    const replay = await tokenRequest(jwtOp, await form(await authz(), a1));
    expect(replay.status).toBe(401);
    expect(replay.json.error).toBe('invalid_client');
    const wrongAud = await tokenRequest(jwtOp, await form(await authz(), await assertion('https://elsewhere.example')));
    expect(wrongAud.json.error).toBe('invalid_client');
    const issuerAud = await tokenRequest(jwtOp, await form(await authz(), await assertion(jwtOp.issuer)));
    expect(issuerAud.status).toBe(200);
  });

  it('refuses a wrong secret with 401 invalid_client and WWW-Authenticate: Basic', async () => {
    const out = await authorize(op);
    const t = await exchange(op, out, { secret: 'wrong-secret' });
    expect(t.status).toBe(401);
    expect(t.json.error).toBe('invalid_client');
    expect(String(t.headers['www-authenticate'])).toMatch(/^Basic /);
    expect(t.headers['cache-control']).toBe('no-store');
  });

  it('refuses a method the client did not register, and two methods at once', async () => {
    const out = await authorize(op);
    const post = await tokenRequest(op, { grant_type: 'authorization_code', code: out.params.get('code') as string, redirect_uri: 'https://client.example/cb', code_verifier: out.verifier, client_id: 'touchstone-client', client_secret: 'touchstone-secret-1' });
    expect(post.status).toBe(401);
    expect(post.json.error).toBe('invalid_client');
    const both = await tokenRequest(op, { grant_type: 'authorization_code', code: 'x', client_id: 'touchstone-client', client_secret: 'touchstone-secret-1' }, { authorization: basic('touchstone-client', 'touchstone-secret-1') });
    expect(both.json.error).toBe('invalid_request');
    const pub = await tokenRequest(op, { grant_type: 'authorization_code', code: 'x', client_id: 'touchstone-client' });
    expect(pub.json.error).toBe('invalid_client');
  });

  it('answers bad requests with JSON OAuth errors and no-store', async () => {
    const auth = { authorization: basic('touchstone-client', 'touchstone-secret-1') };
    expect((await tokenRequest(op, {}, auth)).json.error).toBe('invalid_request');
    expect((await tokenRequest(op, { grant_type: 'password' }, auth)).json.error).toBe('unsupported_grant_type');
    const bogus = await tokenRequest(op, { grant_type: 'authorization_code', code: 'bogus', redirect_uri: 'https://client.example/cb' }, auth);
    expect(bogus.status).toBe(400);
    expect(bogus.json.error).toBe('invalid_grant');
    expect(bogus.headers['cache-control']).toBe('no-store');
    expect(bogus.headers.pragma).toBe('no-cache');
    const { request } = await import('undici');
    const json = await request(`${op.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":' });
    expect(json.statusCode).toBe(400);
    expect(((await json.body.json()) as { error: string }).error).toBe('invalid_request');
    expect(json.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['missing code_verifier', { code_verifier: undefined }],
    ['wrong code_verifier', { code_verifier: pkce().verifier }],
    ['redirect_uri differs', { redirect_uri: 'https://client.example/other' }],
    ['redirect_uri missing', { redirect_uri: undefined }],
  ])('invalid_grant on %s', async (_n, form) => {
    const out = await authorize(op);
    const t = await exchange(op, out, { form });
    expect(t.status).toBe(400);
    expect(t.json.error).toBe('invalid_grant');
  });

  it('a code is bound to its client', async () => {
    const out = await authorize(op, { clientId: 'touchstone-post' });
    const t = await exchange(op, out, { clientId: 'touchstone-client' });
    expect(t.json.error).toBe('invalid_grant');
  });

  it('code reuse is refused and revokes the tokens of the first use', async () => {
    const out = await authorize(op);
    const first = await exchange(op, out);
    expect(first.status).toBe(200);
    expect((await userinfo(op, 'get', first.json.access_token as string)).status).toBe(200);
    const second = await exchange(op, out);
    expect(second.status).toBe(400);
    expect(second.json.error).toBe('invalid_grant');
    const after = await userinfo(op, 'get', first.json.access_token as string);
    expect(after.status).toBe(401);
    expect(String(after.headers['www-authenticate'])).toContain('error="invalid_token"');
  });

  it('a code expires after ttl.code', async () => {
    const short = await start({ config: { ttl: { code: 1 } } });
    try {
      const out = await authorize(short);
      await new Promise((r) => setTimeout(r, 1100));
      const t = await exchange(short, out);
      expect(t.status).toBe(400);
      expect(t.json.error).toBe('invalid_grant');
      expect(t.json.error_description).toMatch(/expired/);
    } finally {
      await short.close();
    }
  });

  it('no ID Token without the openid scope', async () => {
    const out = await authorize(op, { params: { scope: 'profile' } });
    const t = await exchange(op, out);
    expect(t.status).toBe(200);
    expect(t.json.id_token).toBeUndefined();
  });
});

describe('userinfo', () => {
  it('answers GET with a Bearer header, POST with a header and POST with a form body', async () => {
    const t = await exchange(op, await authorize(op));
    const at = t.json.access_token as string;
    for (const how of ['get', 'post-header', 'post-body'] as const) {
      const u = await userinfo(op, how, at);
      expect(u.status, how).toBe(200);
      expect(u.json).toMatchObject({ sub: 'user-alice', name: 'Alice Liddell', given_name: 'Alice', family_name: 'Liddell', email: 'alice@example.com', email_verified: true });
      expect(u.json?.address).toBeUndefined(); // not asked for (scope openid profile email)
    }
  });

  it('missing token: 401 with a bare Bearer challenge; bad token: invalid_token', async () => {
    const none = await userinfo(op, 'get');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    const bad = await userinfo(op, 'get', 'not.a.token');
    expect(bad.status).toBe(401);
    expect(String(bad.headers['www-authenticate'])).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
    expect(bad.json?.error).toBe('invalid_token');
  });

  it('insufficient_scope for a token without openid', async () => {
    const t = await exchange(op, await authorize(op, { params: { scope: 'email' } }));
    const u = await userinfo(op, 'get', t.json.access_token as string);
    expect(u.status).toBe(403);
    expect(u.json?.error).toBe('insufficient_scope');
  });

  it('refuses an expired access token', async () => {
    const short = await start({ config: { ttl: { access_token: 1 } } });
    try {
      const t = await exchange(short, await authorize(short));
      await new Promise((r) => setTimeout(r, 1100));
      const u = await userinfo(short, 'get', t.json.access_token as string);
      expect(u.status).toBe(401);
      expect(u.json?.error).toBe('invalid_token');
    } finally {
      await short.close();
    }
  });
});
