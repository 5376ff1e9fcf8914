// Probes for the security-review fault switches (issue 13): each passes only with its switch on.
import { expect } from 'vitest';
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { compactVerify, decodeJwt, UnsecuredJWT } from 'jose';
import type { FaultId } from '../../provider/faults.ts';
import { Browser, authorize, exchange, header, pageOf, pkce, tokenRequest } from './helpers.ts';
import { authOf, CC_CONFIG, ccToken, SERVICE } from './backchannel-helpers.ts';
import type { RunningProvider } from '../../provider/server.ts';
import { rule, type Probe } from './probe.ts';
import * as dc from './device-ciba-helpers.ts';
import { assertion, clientKeys, fapiConfig, push } from './fapi-helpers.ts';

/** The FAPI config (private_key_jwt clients), made once (key generation is async). */
const FAPI_CONFIG = await fapiConfig();

/** A push whose client assertion is `edit` of a valid one, expected to be served (201). */
const pushWithAssertion = (edit: (jwt: string) => string): Probe => ({
  config: FAPI_CONFIG,
  run: async (op) => {
    const jwt = edit(await assertion(op, (await clientKeys())[0]));
    const p = await push(op, { params: { client_assertion: jwt } });
    rule(p.status, JSON.stringify(p.json)).toBe(201);
  },
});

/** A secret of 32+ octets, as RFC 7518 §3.2 asks of an HS256 key. */
const HMAC_SECRET = 'touchstone-hmac-secret-0123456789abcdef';

const OPAQUE = { client_id: 'touchstone-opaque', client_secret: 'touchstone-opaque-secret' };
/** The default clients plus a client_credentials client with opaque access tokens. */
const OPAQUE_CONFIG: Record<string, unknown> = {
  clients: [...(CC_CONFIG.clients as unknown[]), { ...OPAQUE, token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['https://service3.example/cb'], grant_types: ['client_credentials'], scope: 'api:read', access_token_format: 'opaque' }],
};

const POST_CLIENT = { client_id: 'touchstone-service-post', client_secret: 'touchstone-service-post-secret' };
/** The default clients plus a client_credentials client registered for client_secret_post. */
const POST_CONFIG: Record<string, unknown> = {
  clients: [...(CC_CONFIG.clients as unknown[]), { ...POST_CLIENT, token_endpoint_auth_method: 'client_secret_post', redirect_uris: ['https://service4.example/cb'], grant_types: ['client_credentials'], scope: 'api:read' }],
};

/** The login page the authorization request leads to. */
async function loginPage(issuer: string) {
  const b = new Browser(issuer);
  const q = new URLSearchParams({ response_type: 'code', client_id: 'touchstone-client', redirect_uri: 'https://client.example/cb', scope: 'openid', code_challenge: pkce().challenge, code_challenge_method: 'S256' });
  const r = await b.follow(await b.get(`/authorize?${q}`));
  expect([r.status, pageOf(r.text)]).toEqual([200, 'login']);
  return r;
}

/**
 * An authorization request with response_mode=mode in a browser that has logged in and consented
 * already: the OP answers it at once (a 302, or the form_post page).
 */
async function inMode(op: { issuer: string }, mode: string) {
  const first = await authorize(op as never);
  const q = new URLSearchParams({ response_type: 'code', client_id: 'touchstone-client', redirect_uri: 'https://client.example/cb', scope: 'openid profile email', state: 'st-mode', code_challenge: pkce().challenge, code_challenge_method: 'S256', response_mode: mode });
  return first.browser.follow(await first.browser.get(`/authorize?${q}`));
}

/** Whether a response is a redirect with a code in its query. */
const codeInQuery = (r: { status: number; location?: string }) => r.status === 302 && !!r.location && new URL(r.location).searchParams.has('code');

type Ours = 'token-client-id-optional' | 'jwks-weak-rsa-key' | 'device-accept-duplicate-params' | 'device-refuse-unknown-params' | 'refuse-client-secret-basic' | 'token-accept-get' | 'token-accept-credentials-in-query' | 'accept-assertion-without-iss' | 'accept-unsigned-assertion' | 'skip-assertion-signature-check' | 'pkce-accept-short-verifier' | 'redirect-uri-prefix-match' | 'form-post-as-query' | 'fragment-as-query' | 'advertise-unsupported-response-mode' | 'authorize-accept-duplicate-params' | 'pages-allow-framing' | 'pages-omit-referrer-policy' | 'token-omit-pragma' | 'token-accept-duplicate-params' | 'token-refuse-unknown-params' | 'access-token-scope-aud' | 'long-lived-access-tokens' | 'id-token-wrong-mac' | 'par-without-client-auth' | 'short-tokens' | 'tokens-below-160-bits'
  | 'device-code-redeem-race' | 'ciba-auth-req-id-redeem-race' | 'device-user-code-short';

/**
 * 4 concurrent polls of one handle that `approve` got approved: more than one gets tokens (the clean
 * provider serves one). The polls wait out the poll interval first.
 */
const pollRace = (approve: (op: RunningProvider) => Promise<string>, poll: (op: RunningProvider, handle: string) => Promise<{ status: number }>): Probe => ({
  config: dc.deviceCibaConfig(),
  run: async (op) => {
    const handle = await approve(op);
    await dc.sleep(1020);
    const polls = await Promise.all([1, 2, 3, 4].map(() => poll(op, handle)));
    rule(polls.filter((p) => p.status === 200).length > 1).toBe(true);
  },
});

/** A code and an opaque access token of `n` characters each (base64url of the generator's bytes). */
const tokenLengths = (n: number): Probe => ({
  config: OPAQUE_CONFIG,
  run: async (op) => {
    const t = await ccToken(op, OPAQUE, { scope: 'api:read' });
    rule([(await authorize(op)).params.get('code')?.length, (t.json.access_token as string).length]).toEqual([n, n]);
  },
});

export const SECURITY_PROBES: Record<Ours & FaultId, Probe> = {
  'pkce-accept-short-verifier': { run: async (op) => {
    const verifier = 'v'.repeat(42);
    const out = await authorize(op, { params: { code_challenge: createHash('sha256').update(verifier).digest('base64url') } });
    rule((await exchange(op, out, { form: { code_verifier: verifier } })).status).toBe(200);
  } },
  'redirect-uri-prefix-match': { run: async (op) => {
    const b = new Browser(op.issuer);
    const q = new URLSearchParams({ response_type: 'code', client_id: 'touchstone-client', redirect_uri: 'https://client.example/cbx', scope: 'openid', code_challenge: pkce().challenge, code_challenge_method: 'S256' });
    const r = await b.follow(await b.get(`/authorize?${q}`));
    rule([r.status, pageOf(r.text)]).toEqual([200, 'login']);
  } },
  'form-post-as-query': { run: async (op) => {
    rule(codeInQuery(await inMode(op, 'form_post'))).toBe(true);
  } },
  'fragment-as-query': { run: async (op) => {
    rule(codeInQuery(await inMode(op, 'fragment'))).toBe(true);
  } },
  'advertise-unsupported-response-mode': { run: async (op) => {
    const meta = (await (await request(`${op.issuer}/.well-known/openid-configuration`)).body.json()) as { response_modes_supported: string[] };
    expect(meta.response_modes_supported).toContain('form_post');
    const r = await inMode(op, 'form_post');
    rule(/name="error" value="invalid_request"/.test(r.text)).toBe(true);
  } },
  'pages-allow-framing': { run: async (op) => {
    const r = await loginPage(op.issuer);
    rule([header(r, 'x-frame-options'), /frame-ancestors/.test(header(r, 'content-security-policy') ?? '')]).toEqual([undefined, false]);
  } },
  'pages-omit-referrer-policy': { run: async (op) => {
    rule(header(await loginPage(op.issuer), 'referrer-policy')).toBeUndefined();
  } },
  'token-omit-pragma': { run: async (op) => {
    const t = await exchange(op, await authorize(op));
    expect([t.status, t.headers['cache-control']]).toEqual([200, 'no-store']);
    rule(t.headers.pragma).toBeUndefined();
  } },
  'authorize-accept-duplicate-params': { run: async (op) => {
    const out = await authorize(op, { params: { scope: 'openid' } }).catch(() => undefined);
    expect(out).toBeDefined();
    const b = out!.browser;
    const q = new URLSearchParams({ response_type: 'code', client_id: 'touchstone-client', redirect_uri: 'https://client.example/cb', scope: 'openid', code_challenge: pkce().challenge, code_challenge_method: 'S256' });
    q.append('scope', 'openid-again');
    const r = await b.follow(await b.get(`/authorize?${q}`));
    rule(r.location ? new URL(r.location).searchParams.has('code') : false).toBe(true);
  } },
  'token-accept-duplicate-params': { config: CC_CONFIG, run: async (op) => {
    const r = await request(`${op.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...authOf(SERVICE) }, body: 'grant_type=client_credentials&scope=api%3Aread&scope=api%3Awrite' });
    await r.body.text();
    rule(r.statusCode).toBe(200);
  } },
  'token-refuse-unknown-params': { config: CC_CONFIG, run: async (op) => {
    rule((await ccToken(op, SERVICE, { scope: 'api:read', frobnicate: 'x' })).status).toBe(400);
  } },
  // 12 and 17 random bytes, base64url: 16 and 23 characters (the clean provider's are 43).
  'short-tokens': tokenLengths(16),
  'tokens-below-160-bits': tokenLengths(23),
  'device-code-redeem-race': pollRace(async (op) => {
    const a = await dc.deviceAuthorize(op);
    await dc.deviceDecide(op, a.json.user_code as string, 'allow');
    return a.json.device_code as string;
  }, dc.devicePoll),
  'ciba-auth-req-id-redeem-race': pollRace(async (op) => {
    const r = await dc.cibaRequest(op);
    await dc.cibaDecide(op, r.json.auth_req_id as string, 'approve');
    return r.json.auth_req_id as string;
  }, dc.cibaPoll),
  // 4 base-20 characters, no dash (the clean provider's are BCDF-GHJK: 8 and a dash).
  'device-user-code-short': { config: dc.deviceCibaConfig(), run: async (op) => {
    rule(((await dc.deviceAuthorize(op)).json.user_code as string).length).toBe(4);
  } },
  // OIDC Core §3.1.3.7 (8): an HS256 client's ID Token is MACed with its secret's UTF-8 octets.
  'id-token-wrong-mac': { config: { clients: [{ client_id: 'touchstone-client', client_secret: HMAC_SECRET, token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['https://client.example/cb'], id_token_signed_response_alg: 'HS256' }] }, run: async (op) => {
    const out = await authorize(op);
    const t = await exchange(op, out, { secret: HMAC_SECRET });
    expect(t.status).toBe(200);
    let verified = true;
    try {
      await compactVerify(t.json.id_token as string, new TextEncoder().encode(HMAC_SECRET), { algorithms: ['HS256'] });
    } catch {
      verified = false;
    }
    rule(verified).toBe(false);
  } },
  // RFC 6750 §5.3: one hour or less (the clean provider's default is 600 s).
  'long-lived-access-tokens': { config: CC_CONFIG, run: async (op) => {
    const t = await ccToken(op, SERVICE, { scope: 'api:read' });
    expect(t.status).toBe(200);
    rule(t.json.expires_in).toBe(86400);
  } },
  // RFC 9126 §2.1: a client_secret_basic client pushes with its client_id only.
  'par-without-client-auth': { run: async (op) => {
    const form = new URLSearchParams({ response_type: 'code', client_id: 'touchstone-client', redirect_uri: 'https://client.example/cb', scope: 'openid', code_challenge: pkce().challenge, code_challenge_method: 'S256' });
    const r = await request(`${op.issuer}/par`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    await r.body.text();
    rule(r.statusCode).toBe(201);
  } },
  'access-token-scope-aud': { config: CC_CONFIG, run: async (op) => {
    const t = await ccToken(op, SERVICE, { scope: 'api:read' });
    expect(t.status).toBe(200);
    rule(decodeJwt(t.json.access_token as string).aud).toEqual(['api:read']);
  } },
  // RFC 7523 §3 items 1 and 9: iss, a signature, and a signature that verifies.
  'accept-assertion-without-iss': { config: FAPI_CONFIG, run: async (op) => {
    const jwt = await assertion(op, (await clientKeys())[0], { omit: ['iss'] });
    rule((await push(op, { params: { client_assertion: jwt } })).status).toBe(201);
  } },
  'accept-unsigned-assertion': pushWithAssertion((jwt) => new UnsecuredJWT(decodeJwt(jwt)).encode()),
  'skip-assertion-signature-check': pushWithAssertion((jwt) => {
    const [h, p, sig] = jwt.split('.');
    const bytes = Buffer.from(sig, 'base64url');
    bytes[0] ^= 0x01;
    return `${h}.${p}.${bytes.toString('base64url')}`;
  }),
  // RFC 6749 §3.2 (POST) and §2.3.1 (no client credentials in the request URI).
  'token-accept-get': { config: CC_CONFIG, run: async (op) => {
    const q = new URLSearchParams({ grant_type: 'client_credentials', scope: 'api:read' });
    const r = await request(`${op.issuer}/token?${q}`, { method: 'GET', headers: authOf(SERVICE) });
    await r.body.text();
    rule(r.statusCode).toBe(200);
  } },
  'token-accept-credentials-in-query': { config: POST_CONFIG, run: async (op) => {
    const r = await request(`${op.issuer}/token?${new URLSearchParams(POST_CLIENT)}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=api%3Aread' });
    await r.body.text();
    rule(r.statusCode).toBe(200);
  } },
  'refuse-client-secret-basic': { config: CC_CONFIG, run: async (op) => {
    rule((await ccToken(op, SERVICE, { scope: 'api:read' })).status).toBe(401);
  } },
  // The device authorization endpoint: a repeated parameter refused, an unknown one ignored.
  'device-accept-duplicate-params': { config: dc.deviceCibaConfig(), run: async (op) => {
    const r = await request(`${op.issuer}/device_authorization`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'client_id=tv&scope=openid&scope=openid%20profile' });
    await r.body.text();
    rule(r.statusCode).toBe(200);
  } },
  'device-refuse-unknown-params': { config: dc.deviceCibaConfig(), run: async (op) => {
    const r = await request(`${op.issuer}/device_authorization`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'client_id=tv&scope=openid&frobnicate=x' });
    await r.body.text();
    expect((await dc.deviceAuthorize(op)).status).toBe(200);
    rule(r.statusCode).toBe(400);
  } },
  'jwks-weak-rsa-key': { run: async (op) => {
    const r = await request(`${op.issuer}/jwks`);
    const keys = ((await r.body.json()) as { keys: { kty: string; n?: string }[] }).keys;
    rule(keys.some((k) => k.kty === 'RSA' && Buffer.from(k.n ?? '', 'base64url').length < 256)).toBe(true);
  } },
  'token-client-id-optional': { run: async (op) => {
    const out = await authorize(op, { clientId: 'touchstone-public' });
    const t = await tokenRequest(op, { grant_type: 'authorization_code', code: out.params.get('code') ?? '', redirect_uri: 'https://client.example/cb', code_verifier: out.verifier });
    rule(t.status).toBe(200);
  } },
};
