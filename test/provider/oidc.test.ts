// OIDC Core basic-profile behaviour over real HTTP: refresh tokens (rotation, reuse detection,
// client binding and authentication), prompt / max_age / hints / acr, scope claims and the claims
// parameter, request objects refused, and signing-key rotation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import type { RunningProvider } from '../../provider/server.ts';
import { Browser, authorize, basic, client, exchange, getJson, pageOf, pkce, start, tokenRequest, userinfo, type JsonRes } from './helpers.ts';

const ADMIN = 'admin-token-0123456789';
let op: RunningProvider;

beforeAll(async () => {
  op = await start({
    config: {
      admin_token: ADMIN,
      users: [
        { sub: 'user-alice', username: 'alice', password: 'wonderland', claims: { name: 'Alice', email: 'alice@example.com', email_verified: true, address: { country: 'GB' }, phone_number: '+44 1', phone_number_verified: false } },
        { sub: 'user-bob', username: 'bob', password: 'builder', claims: { name: 'Bob' } },
      ],
    },
  });
});
afterAll(() => op.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const authzUrl = (p: Record<string, string>) => `/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'touchstone-client', redirect_uri: 'https://client.example/cb', scope: 'openid', code_challenge: pkce().challenge, code_challenge_method: 'S256', ...p })}`;

/** Refresh with the client's registered authentication (or none: `secret: null`). */
export async function refresh(p: RunningProvider, refreshToken: string, opts: { clientId?: string; secret?: string | null; scope?: string } = {}): Promise<JsonRes> {
  const c = client(opts.clientId ?? 'touchstone-client');
  const form: Record<string, string | undefined> = { grant_type: 'refresh_token', refresh_token: refreshToken, scope: opts.scope };
  if (opts.secret === null || c.token_endpoint_auth_method === 'none') return tokenRequest(p, { ...form, client_id: c.client_id });
  const secret = opts.secret ?? c.client_secret ?? '';
  if (c.token_endpoint_auth_method === 'client_secret_post') return tokenRequest(p, { ...form, client_id: c.client_id, client_secret: secret });
  return tokenRequest(p, form, { authorization: basic(c.client_id, secret) });
}

async function offline(p: RunningProvider, clientId = 'touchstone-client') {
  const out = await authorize(p, { clientId, params: { scope: 'openid email offline_access' } });
  const t = await exchange(p, out, { clientId });
  expect(t.status).toBe(200);
  return { out, t, rt: t.json.refresh_token as string };
}

describe('refresh_token grant', () => {
  it('offline_access with consent yields a refresh token; a refresh rotates it and returns new tokens and a new ID Token', async () => {
    const { t, rt } = await offline(op);
    expect(rt).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const first = decodeJwt(t.json.id_token as string);
    await sleep(1000);
    const r = await refresh(op, rt);
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.json.refresh_token).toBeTruthy();
    expect(r.json.refresh_token).not.toBe(rt);
    expect(r.json.access_token).not.toBe(t.json.access_token);
    expect(r.json.scope).toBe('openid email offline_access');
    const id = await jwtVerify(r.json.id_token as string, createRemoteJWKSet(new URL(`${op.issuer}/jwks`)), { issuer: op.issuer, audience: 'touchstone-client' });
    expect(id.payload).toMatchObject({ sub: first.sub, auth_time: first.auth_time, azp: 'touchstone-client' });
    expect(id.payload.nonce).toBeUndefined();
    expect(id.payload.iat as number).toBeGreaterThan(first.iat as number);
    expect((await userinfo(op, 'get', r.json.access_token as string)).status).toBe(200);
    // the new refresh token works in turn
    expect((await refresh(op, r.json.refresh_token as string)).status).toBe(200);
  });

  it('no refresh token without offline_access', async () => {
    const plain = await exchange(op, await authorize(op));
    expect(plain.status).toBe(200);
    expect(plain.json.refresh_token).toBeUndefined();
  });

  it('prompt=none with offline_access: code issued, offline_access ignored (no refresh token)', async () => {
    const { out } = await offline(op);
    const again = await authorize(op, { browser: out.browser, params: { scope: 'openid email offline_access', prompt: 'none' } });
    const t = await exchange(op, again);
    expect(t.status).toBe(200);
    expect(t.json.refresh_token).toBeUndefined();
    expect(t.json.scope).toBe('openid email');
  });

  it('offline_access always shows the consent page, even after a remembered consent', async () => {
    const { out } = await offline(op);
    const r = await out.browser.follow(await out.browser.get(authzUrl({ scope: 'openid email offline_access' })));
    expect(pageOf(r.text)).toBe('consent');
  });

  it('a rotated-out token is refused and its reuse revokes the whole grant', async () => {
    const { t, rt } = await offline(op);
    const r1 = await refresh(op, rt);
    expect(r1.status).toBe(200);
    const reuse = await refresh(op, rt);
    expect(reuse.status).toBe(400);
    expect(reuse.json.error).toBe('invalid_grant');
    // every token of the grant is gone: the active refresh token, the new and the first access tokens
    expect((await refresh(op, r1.json.refresh_token as string)).json.error).toBe('invalid_grant');
    expect((await userinfo(op, 'get', r1.json.access_token as string)).status).toBe(401);
    expect((await userinfo(op, 'get', t.json.access_token as string)).status).toBe(401);
  });

  it('is bound to its client and needs client authentication', async () => {
    const { rt } = await offline(op);
    const other = await refresh(op, rt, { clientId: 'touchstone-client-2' });
    expect([other.status, other.json.error]).toEqual([400, 'invalid_grant']);
    const bare = await refresh(op, rt, { secret: null });
    expect([bare.status, bare.json.error]).toEqual([401, 'invalid_client']);
    const wrong = await refresh(op, rt, { secret: 'wrong-secret' });
    expect([wrong.status, wrong.json.error]).toEqual([401, 'invalid_client']);
    expect((await refresh(op, rt)).status).toBe(200); // failed attempts did not use it up
  });

  it('a public client refreshes with its client_id (rotation protects it)', async () => {
    const { rt } = await offline(op, 'touchstone-public');
    const r = await refresh(op, rt, { clientId: 'touchstone-public' });
    expect(r.status).toBe(200);
    expect((await refresh(op, rt, { clientId: 'touchstone-public' })).json.error).toBe('invalid_grant');
  });

  it('may narrow the scope, never widen it; unknown tokens are invalid_grant', async () => {
    const { rt } = await offline(op);
    const wide = await refresh(op, rt, { scope: 'openid email profile' });
    expect(wide.json.error).toBe('invalid_scope');
    const narrow = await refresh(op, rt, { scope: 'openid' });
    expect(narrow.status).toBe(200);
    expect(narrow.json.scope).toBe('openid');
    expect((await userinfo(op, 'get', narrow.json.access_token as string)).json?.email).toBeUndefined();
    expect((await refresh(op, narrow.json.refresh_token as string)).json.scope).toBe('openid email offline_access');
    expect((await refresh(op, 'no-such-token')).json.error).toBe('invalid_grant');
    expect((await tokenRequest(op, { grant_type: 'refresh_token' }, { authorization: basic('touchstone-client', 'touchstone-secret-1') })).json.error).toBe('invalid_request');
  });

  it('discovery lists refresh_token and offline_access', async () => {
    const d = (await getJson(`${op.issuer}/.well-known/openid-configuration`)).json;
    expect(d.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
    expect(d.scopes_supported).toContain('offline_access');
    expect(d).toMatchObject({ claims_parameter_supported: true, request_parameter_supported: true, request_uri_parameter_supported: false, acr_values_supported: ['1'] });
  });
});

describe('authorization request parameters', () => {
  it('prompt=login shows the login page again and auth_time moves forward', async () => {
    const first = await authorize(op);
    const t1 = decodeJwt((await exchange(op, first)).json.id_token as string);
    await sleep(1100);
    const page = await first.browser.follow(await first.browser.get(authzUrl({ prompt: 'login', scope: 'openid profile email' })));
    expect(pageOf(page.text)).toBe('login');
    const again = await authorize(op, { browser: first.browser, params: { prompt: 'login' } });
    const t2 = decodeJwt((await exchange(op, again)).json.id_token as string);
    expect(t2.auth_time as number).toBeGreaterThan(t1.auth_time as number);
  });

  it('prompt=consent shows the consent page again', async () => {
    const first = await authorize(op);
    const r = await first.browser.follow(await first.browser.get(authzUrl({ prompt: 'consent', scope: 'openid profile email' })));
    expect(pageOf(r.text)).toBe('consent');
  });

  it('max_age: a fresh session is reused, an older one re-authenticates; auth_time always present', async () => {
    const first = await authorize(op);
    const fresh = await first.browser.get(authzUrl({ max_age: '300', scope: 'openid profile email' }));
    expect(new URL(fresh.location as string).searchParams.get('code')).toBeTruthy();
    const t = decodeJwt((await exchange(op, await authorize(op, { browser: first.browser, params: { max_age: '300' } }))).json.id_token as string);
    expect(typeof t.auth_time).toBe('number');
    await sleep(1100);
    const stale = await first.browser.follow(await first.browser.get(authzUrl({ max_age: '0', scope: 'openid profile email' })));
    expect(pageOf(stale.text)).toBe('login');
    const none = await first.browser.get(authzUrl({ max_age: '0', prompt: 'none', scope: 'openid profile email' }));
    expect(new URL(none.location as string).searchParams.get('error')).toBe('login_required');
  });

  it('login_hint prefills the username', async () => {
    const b = new Browser(op.issuer);
    const r = await b.follow(await b.get(authzUrl({ login_hint: 'bob' })));
    expect(pageOf(r.text)).toBe('login');
    expect(r.text).toContain('id="username" name="username" autocomplete="username" value="bob"');
  });

  it('id_token_hint: prompt=none succeeds for the same End-User, login_required for another; invalid hints refused', async () => {
    const alice = await authorize(op);
    const aliceId = (await exchange(op, alice)).json.id_token as string;
    const bob = await authorize(op, { username: 'bob', password: 'builder' });
    const bobId = (await exchange(op, bob)).json.id_token as string;
    const same = await alice.browser.get(authzUrl({ prompt: 'none', id_token_hint: aliceId, scope: 'openid profile email' }));
    expect(new URL(same.location as string).searchParams.get('code')).toBeTruthy();
    const other = await alice.browser.get(authzUrl({ prompt: 'none', id_token_hint: bobId, scope: 'openid profile email' }));
    expect(new URL(other.location as string).searchParams.get('error')).toBe('login_required');
    const interactive = await alice.browser.follow(await alice.browser.get(authzUrl({ id_token_hint: bobId, scope: 'openid profile email' })));
    expect(pageOf(interactive.text)).toBe('login');
    const forged = await alice.browser.get(authzUrl({ prompt: 'none', id_token_hint: `${aliceId.slice(0, -4)}AAAA` }));
    expect(new URL(forged.location as string).searchParams.get('error')).toBe('invalid_request');
  });

  it('acr_values, display, ui_locales, claims_locales and unknown parameters are accepted; acr in the ID Token', async () => {
    const out = await authorize(op, { params: { acr_values: '1 2', display: 'popup', ui_locales: 'fr-CA en', claims_locales: 'de', frobnicate: 'yes' } });
    const t = await exchange(op, out);
    expect(t.status).toBe(200);
    expect(decodeJwt(t.json.id_token as string).acr).toBe('1');
    expect(decodeJwt((await exchange(op, await authorize(op))).json.id_token as string).acr).toBeUndefined();
  });

  it('an unsigned request object from a client not registered for alg none is invalid, request_uri by reference unsupported, on the redirect_uri', async () => {
    const b = new Browser(op.issuer);
    const byValue = await b.get(authzUrl({ request: 'eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9.', state: 's' }));
    expect(Object.fromEntries(new URL(byValue.location as string).searchParams)).toMatchObject({ error: 'invalid_request_object', state: 's' });
    const byRef = await b.get(authzUrl({ request_uri: 'https://client.example/req.jwt' }));
    expect(new URL(byRef.location as string).searchParams.get('error')).toBe('request_uri_not_supported');
  });

  it('POST (form) to the authorization endpoint runs the same flow', async () => {
    const first = await authorize(op);
    const r = await first.browser.post('/authorize', { response_type: 'code', client_id: 'touchstone-client', redirect_uri: 'https://client.example/cb', scope: 'openid profile email', prompt: 'none', code_challenge: pkce().challenge, code_challenge_method: 'S256' });
    expect(new URL(r.location as string).searchParams.get('code')).toBeTruthy();
  });
});

describe('claims', () => {
  it('address and phone scopes release their standard claims at UserInfo', async () => {
    const t = await exchange(op, await authorize(op, { params: { scope: 'openid address phone' } }));
    const u = await userinfo(op, 'get', t.json.access_token as string);
    expect(u.json).toEqual({ sub: 'user-alice', address: { country: 'GB' }, phone_number: '+44 1', phone_number_verified: false });
  });

  it('the claims parameter: essential and voluntary claims for userinfo and the ID Token', async () => {
    const claims = JSON.stringify({ userinfo: { email: { essential: true }, phone_number: null, nickname: null }, id_token: { name: { essential: true }, acr: null, auth_time: { essential: true } } });
    const t = await exchange(op, await authorize(op, { params: { scope: 'openid', claims } }));
    const id = decodeJwt(t.json.id_token as string);
    expect(id).toMatchObject({ name: 'Alice', acr: '1' });
    expect(typeof id.auth_time).toBe('number');
    expect(id.email).toBeUndefined();
    const u = await userinfo(op, 'get', t.json.access_token as string);
    expect(u.json).toEqual({ sub: 'user-alice', email: 'alice@example.com', phone_number: '+44 1' });
  });

  it('a malformed claims parameter is invalid_request', async () => {
    for (const claims of ['not json', '[]', '{"userinfo":[]}', '{"id_token":{"name":true}}']) {
      const r = await new Browser(op.issuer).get(authzUrl({ claims }));
      expect(new URL(r.location as string).searchParams.get('error'), claims).toBe('invalid_request');
    }
  });

  it('the default user alice has every standard claim', async () => {
    const plain = await start();
    try {
      const t = await exchange(plain, await authorize(plain, { params: { scope: 'openid profile email address phone' } }));
      const u = (await userinfo(plain, 'get', t.json.access_token as string)).json as Record<string, unknown>;
      for (const c of ['name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at', 'email', 'email_verified', 'address', 'phone_number', 'phone_number_verified']) {
        expect(u[c], c).toBeDefined();
      }
    } finally {
      await plain.close();
    }
  });
});

describe('signing-key rotation', () => {
  const rotate = (p: RunningProvider, form: Record<string, string> = {}, token = ADMIN) =>
    fetch(`${p.issuer}/admin/rotate-keys`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  const kids = async (p: RunningProvider) => ((await getJson(`${p.issuer}/jwks`)).json.keys as { kid: string; alg: string }[]);
  const idKid = async (p: RunningProvider) => decodeProtectedHeader((await exchange(p, await authorize(p))).json.id_token as string).kid as string;

  it('the admin endpoint is absent without admin_token and refuses a wrong token', async () => {
    const plain = await start();
    try {
      expect((await rotate(plain)).status).toBe(404);
    } finally {
      await plain.close();
    }
    const r = await rotate(op, {}, 'wrong-token-0123456789');
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('publishes the new key first, signs with it only after publish_ahead, keeps the old key published', async () => {
    const p = await start({ config: { admin_token: ADMIN, key_rotation: { publish_ahead: 1, retire_after: 2 } } });
    try {
      const before = await idKid(p);
      const r = await rotate(p);
      expect(r.status).toBe(200);
      const added = ((await r.json()) as { keys: { kid: string; alg: string; active_at: number; published_at: number }[] }).keys;
      expect(added.map((k) => k.alg).sort()).toEqual(['ES256', 'PS256', 'RS256']);
      const newRs = added.find((k) => k.alg === 'RS256')?.kid as string;
      expect((await kids(p)).map((k) => k.kid)).toContain(newRs); // published at once
      expect(await idKid(p)).toBe(before); // but not used yet
      await sleep(1100);
      expect(await idKid(p)).toBe(newRs); // now it signs
      const published = (await kids(p)).map((k) => k.kid);
      expect(published).toEqual(expect.arrayContaining([before, newRs])); // old one still verifiable
      await sleep(2100);
      expect((await kids(p)).map((k) => k.kid)).not.toContain(before); // retired and removed
      // access tokens signed by the new key work at UserInfo
      const t = await exchange(p, await authorize(p));
      expect((await userinfo(p, 'get', t.json.access_token as string)).status).toBe(200);
    } finally {
      await p.close();
    }
  });

  it('publish_ahead=0 in the admin request switches at once; key_rotation.every rotates on a timer', async () => {
    const before = await idKid(op);
    const r = await rotate(op, { publish_ahead: '0' });
    expect(r.status).toBe(200);
    const after = await idKid(op);
    expect(after).not.toBe(before);
    expect((await kids(op)).map((k) => k.kid)).toEqual(expect.arrayContaining([before, after]));
    expect((await rotate(op, { publish_ahead: '-1' })).status).toBe(400);
    const timed = await start({ config: { key_rotation: { every: 1, publish_ahead: 0, retire_after: 5 } } });
    try {
      const k0 = await idKid(timed);
      // The timer fires every second; key generation under load can take longer, so poll (bounded).
      let k1 = k0;
      for (let i = 0; i < 40 && k1 === k0; i++) {
        await sleep(250);
        k1 = await idKid(timed);
      }
      expect(k1).not.toBe(k0);
    } finally {
      await timed.close();
    }
  });
});
