// Every fault switch breaks exactly its rule: each probe below passes with the fault on and fails
// against an otherwise identical provider without it, on the rule's own assertion (`rule(...)`,
// probe.ts): a failing setup step, a crash or a timeout on the clean provider fails the test.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { UnsecuredJWT, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { FAULTS, type FaultId } from '../../provider/faults.ts';
import type { RunningProvider } from '../../provider/server.ts';
import { Browser, authorize, basic, client, csrfOf, errorOf, exchange, getJson, pageOf, pkce, start, tokenRequest, userinfo } from './helpers.ts';
import * as bc from './backchannel-helpers.ts';
import { DPOP_PROBES } from './dpop-probes.ts';
import { RULE_MARK, rule, ruleAssertions, type Probe } from './probe.ts';
import { FAPI_PROBES } from './fapi-probes.ts';
import { JAR_PROBES } from './jar-probes.ts';
import { STORE_PROBES, codeServedTwice } from './instance-probes.ts';
import { SECURITY_PROBES } from './security-probes.ts';
import { TLS_PROBES } from './tls-probes.ts';
import { CIBA_PING_PROBES } from './ciba-ping-probes.ts';
import { RAR_PROBES } from './rar-probes.ts';
import { MTLS_PROBES } from './mtls-probes.ts';
import { JARM_PROBES } from './jarm-probes.ts';
import { FAPI_CIBA_PROBES } from './fapi-ciba-probes.ts';
import * as dc from './device-ciba-helpers.ts';


const ok = async (op: RunningProvider, opts: Parameters<typeof authorize>[1] = {}, form?: Record<string, string | undefined>) => {
  const out = await authorize(op, opts);
  return { out, t: await exchange(op, out, { clientId: opts.clientId, form }) };
};
const idClaims = async (op: RunningProvider, params: Record<string, string> = {}) => {
  const { t } = await ok(op, { params });
  expect(t.status).toBe(200);
  return { claims: decodeJwt(t.json.id_token as string), at: t.json.access_token as string, idToken: t.json.id_token as string };
};
const jwks = (op: RunningProvider) => createRemoteJWKSet(new URL(`${op.issuer}/jwks`));
const atHash = (at: string) => createHash('sha256').update(at).digest().subarray(0, 16).toString('base64url');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function logoutPage(op: RunningProvider, b: Browser, p: Record<string, string>) {
  return b.get(`/logout?${new URLSearchParams(p)}`);
}
async function confirmLogout(b: Browser, text: string) {
  const id = /name="logout_request" value="([^"]+)"/.exec(text)?.[1] as string;
  return b.post('/logout/confirm', { csrf: csrfOf(text), logout_request: id, logout: 'yes' });
}

const ADMIN = 'admin-token-0123456789';
const authzUrl = (p: Record<string, string>) => `/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'touchstone-client', redirect_uri: 'https://client.example/cb', scope: 'openid profile email', code_challenge: pkce().challenge, code_challenge_method: 'S256', ...p })}`;
const codeOf = (r: { location?: string }) => (r.location ? new URL(r.location).searchParams.get('code') : null);
async function offline(op: RunningProvider) {
  const out = await authorize(op, { params: { scope: 'openid email offline_access' } });
  const t = await exchange(op, out);
  return { out, t, rt: t.json.refresh_token as string };
}
async function refresh(op: RunningProvider, rt: string, opts: { clientId?: string; noAuth?: boolean } = {}) {
  const c = client(opts.clientId ?? 'touchstone-client');
  const form = { grant_type: 'refresh_token', refresh_token: rt };
  if (opts.noAuth) return tokenRequest(op, { ...form, client_id: c.client_id });
  return tokenRequest(op, form, { authorization: basic(c.client_id, c.client_secret as string) });
}

const PROBES: Record<FaultId, Probe> = {
  ...DPOP_PROBES,
  ...FAPI_PROBES,
  ...JAR_PROBES,
  ...STORE_PROBES,
  ...SECURITY_PROBES,
  ...TLS_PROBES,
  ...CIBA_PING_PROBES,
  ...RAR_PROBES,
  ...MTLS_PROBES,
  ...JARM_PROBES,
  ...FAPI_CIBA_PROBES,
  // ---- response schemas: a REQUIRED member left out
  'token-response-omit-token-type': { run: async (op) => {
    const { t } = await ok(op);
    expect([t.status, typeof t.json.access_token]).toEqual([200, 'string']);
    rule(t.json.token_type).toBeUndefined();
  } },
  'discovery-omit-subject-types': { run: async (op) => {
    const d = await getJson(`${op.issuer}/.well-known/openid-configuration`);
    expect(d.json.issuer).toBe(op.issuer);
    rule(d.json.subject_types_supported).toBeUndefined();
  } },
  'jwks-key-without-kty': { run: async (op) => {
    const keys = (await getJson(`${op.issuer}/jwks`)).json.keys as Record<string, unknown>[];
    expect(keys.length).toBeGreaterThan(0);
    rule(keys.filter((k) => k.kty === undefined).length).toBe(1);
    await idClaims(op); // issued ID Tokens still verify: their key has kty
  } },
  'ciba-response-omit-expires-in': { config: dc.deviceCibaConfig(), run: async (op) => {
    const r = await dc.cibaRequest(op);
    expect([r.status, typeof r.json.auth_req_id]).toEqual([200, 'string']);
    rule(r.json.expires_in).toBeUndefined();
  } },
  'device-response-omit-expires-in': { config: dc.deviceCibaConfig(), run: async (op) => {
    const a = await dc.deviceAuthorize(op);
    expect([a.status, typeof a.json.device_code]).toEqual([200, 'string']);
    rule(a.json.expires_in).toBeUndefined();
  } },
  'userinfo-omit-sub': { run: async (op) => {
    const { at } = await idClaims(op);
    const u = await userinfo(op, 'get', at);
    expect([u.status, u.json?.email]).toEqual([200, expect.any(String)]);
    rule(u.json?.sub).toBeUndefined();
  } },
  'id-token-omit-iat': { run: async (op) => {
    const { claims, idToken } = await idClaims(op);
    await jwtVerify(idToken, jwks(op), { issuer: op.issuer, audience: 'touchstone-client' });
    rule(claims.iat).toBeUndefined();
  } },
  'id-token-future-iat': { run: async (op) => {
    const { claims } = await idClaims(op);
    const now = Math.floor(Date.now() / 1000);
    expect(claims.exp).toBeGreaterThan(now);
    rule(claims.iat).toBeGreaterThan(now + 600);
  } },
  // Device authorization grant and CIBA (device-ciba-helpers.ts): polling waits the provider's 1 s interval.
  'device-user-code-unfriendly': { config: dc.deviceCibaConfig(), run: async (op) => {
    rule((await dc.deviceAuthorize(op)).json.user_code).not.toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
  } },
  'device-auto-approve': { config: dc.deviceCibaConfig(), run: async (op) => {
    const a = await dc.deviceAuthorize(op);
    await dc.sleep(1020);
    rule((await dc.devicePoll(op, a.json.device_code as string)).status).toBe(200);
  } },
  'device-too-fast-denied': { config: dc.deviceCibaConfig(), run: async (op) => {
    const a = await dc.deviceAuthorize(op);
    rule((await dc.devicePoll(op, a.json.device_code as string)).json.error).toBe('access_denied');
  } },
  'device-accept-expired': { config: dc.deviceCibaConfig({ ttl: { device_code: 1 } }), run: async (op) => {
    const a = await dc.deviceAuthorize(op);
    await dc.sleep(1100);
    rule((await dc.devicePoll(op, a.json.device_code as string)).json.error).toBe('authorization_pending');
  } },
  'device-denied-issues-token': { config: dc.deviceCibaConfig(), run: async (op) => {
    const a = await dc.deviceAuthorize(op);
    expect(await dc.deviceDecide(op, a.json.user_code as string, 'deny')).toBe('deny');
    await dc.sleep(1020);
    rule((await dc.devicePoll(op, a.json.device_code as string)).status).toBe(200);
  } },
  'device-code-reuse': { config: dc.deviceCibaConfig(), run: async (op) => {
    const a = await dc.deviceAuthorize(op);
    await dc.deviceDecide(op, a.json.user_code as string, 'allow');
    expect((await dc.devicePollUntil(op, a.json.device_code as string, 1)).status).toBe(200);
    await dc.sleep(1020);
    rule((await dc.devicePoll(op, a.json.device_code as string)).status).toBe(200);
  } },
  'device-code-other-client': { config: dc.deviceCibaConfig(), run: async (op) => {
    const a = await dc.deviceAuthorize(op);
    await dc.sleep(1020);
    rule((await dc.devicePoll(op, a.json.device_code as string, 'tv-2')).json.error).toBe('authorization_pending');
  } },
  'ciba-auto-approve': { config: dc.deviceCibaConfig(), run: async (op) => {
    const r = await dc.cibaRequest(op);
    await dc.sleep(1020);
    rule((await dc.cibaPoll(op, r.json.auth_req_id as string)).status).toBe(200);
  } },
  'ciba-too-fast-denied': { config: dc.deviceCibaConfig(), run: async (op) => {
    const r = await dc.cibaRequest(op);
    rule((await dc.cibaPoll(op, r.json.auth_req_id as string)).json.error).toBe('access_denied');
  } },
  'ciba-ignore-expiry': { config: dc.deviceCibaConfig(), run: async (op) => {
    const r = await dc.cibaRequest(op, { requested_expiry: '1' });
    await dc.sleep(1100);
    rule((await dc.cibaPoll(op, r.json.auth_req_id as string)).json.error).toBe('authorization_pending');
  } },
  'ciba-denied-issues-token': { config: dc.deviceCibaConfig(), run: async (op) => {
    const r = await dc.cibaRequest(op);
    expect((await dc.cibaDecide(op, r.json.auth_req_id as string, 'deny')).status).toBe(200);
    await dc.sleep(1020);
    rule((await dc.cibaPoll(op, r.json.auth_req_id as string)).status).toBe(200);
  } },
  'ciba-auth-req-id-reuse': { config: dc.deviceCibaConfig(), run: async (op) => {
    const r = await dc.cibaRequest(op);
    await dc.cibaDecide(op, r.json.auth_req_id as string, 'approve');
    await dc.sleep(1020);
    expect((await dc.cibaPoll(op, r.json.auth_req_id as string)).status).toBe(200);
    await dc.sleep(1020);
    rule((await dc.cibaPoll(op, r.json.auth_req_id as string)).status).toBe(200);
  } },
  'ciba-unknown-auth-req-id-pending': { config: dc.deviceCibaConfig(), run: async (op) => {
    rule((await dc.cibaPoll(op, 'never-issued-auth-req-id')).json.error).toBe('authorization_pending');
  } },
  'ciba-auth-req-id-other-client': { config: dc.deviceCibaConfig(), run: async (op) => {
    const r = await dc.cibaRequest(op);
    await dc.sleep(1020);
    rule((await dc.cibaPoll(op, r.json.auth_req_id as string, 'bank-2')).json.error).toBe('authorization_pending');
  } },
  'ciba-accept-multiple-hints': { config: dc.deviceCibaConfig(), run: async (op) => {
    rule((await dc.cibaRequest(op, { login_hint_token: 'opaque-hint-token' })).status).toBe(200);
  } },
  'ciba-skip-client-auth': { config: dc.deviceCibaConfig(), run: async (op) => {
    rule((await dc.cibaRequest(op, {}, 'bank', true)).status).toBe(200);
  } },
  'ciba-refuse-binding-message': { config: dc.deviceCibaConfig(), run: async (op) => {
    rule((await dc.cibaRequest(op, { binding_message: 'W4SCT' })).json.error).toBe('invalid_binding_message');
  } },
  'ciba-request-object-skip-signature': { config: dc.deviceCibaConfig(), run: async (op) => {
    const other = await dc.requestObject(op, {}, { signer: 'bank-2' });
    rule((await dc.cibaRequest(op, { scope: undefined, login_hint: undefined, request: other })).status).toBe(200);
  } },
  'ciba-request-object-ignore-aud-iss': { config: dc.deviceCibaConfig(), run: async (op) => {
    const jwt = await dc.requestObject(op, {}, { edit: { aud: 'https://someone-else.example', iss: 'bank-2' } });
    rule((await dc.cibaRequest(op, { scope: undefined, login_hint: undefined, request: jwt })).status).toBe(200);
  } },
  'ciba-request-object-ignore-claims': { config: dc.deviceCibaConfig(), run: async (op) => {
    const jwt = await dc.requestObject(op, {}, { edit: { exp: Math.floor(Date.now() / 1000) - 600, jti: null } });
    rule((await dc.cibaRequest(op, { scope: undefined, login_hint: undefined, request: jwt })).status).toBe(200);
  } },
  'discovery-omit-device-endpoint': { config: dc.deviceCibaConfig(), run: async (op) => {
    const d = await getJson(`${op.issuer}/.well-known/openid-configuration`);
    rule(d.json.device_authorization_endpoint).toBeUndefined();
    expect(d.json.token_endpoint).toBeDefined();
  } },
  'discovery-omit-ciba': { config: dc.deviceCibaConfig(), run: async (op) => {
    const d = await getJson(`${op.issuer}/.well-known/openid-configuration`);
    rule(d.json.backchannel_authentication_endpoint).toBeUndefined();
    expect(d.json.backchannel_token_delivery_modes_supported).toBeUndefined();
  } },
  // ---- back-channel grants and token management
  'cc-issues-refresh-token': { config: bc.CC_CONFIG, run: async (op) => {
    const t = await bc.ccToken(op);
    expect(t.status).toBe(200);
    rule(typeof t.json.refresh_token).toBe('string');
  } },
  'cc-grant-refused': { config: bc.CC_CONFIG, run: async (op) => {
    const t = await bc.ccToken(op);
    rule([t.status, t.json.error]).toEqual([400, 'unauthorized_client']);
  } },
  'cc-allows-public-client': { config: bc.CC_CONFIG, run: async (op) => {
    rule((await tokenRequest(op, { grant_type: 'client_credentials', client_id: 'touchstone-public-service' })).status).toBe(200);
  } },
  'cc-ignores-grant-types': { config: bc.CC_CONFIG, run: async (op) => {
    rule((await tokenRequest(op, { grant_type: 'client_credentials' }, { authorization: basic('touchstone-client', 'touchstone-secret-1') })).status).toBe(200);
  } },
  'cc-scope-not-limited': { config: bc.CC_CONFIG, run: async (op) => {
    const t = await bc.ccToken(op, bc.SERVICE_2, { scope: 'api:read api:write' });
    rule(t.status).toBe(200);
    expect(t.json.scope).toBe('api:read api:write');
  } },
  'password-grant-on-by-default': { config: { clients: [{ client_id: 'ropc', client_secret: 'ropc-secret-1', redirect_uris: ['https://ropc.example/cb'], grant_types: ['password'] }] }, run: async (op) => {
    rule((await tokenRequest(op, { grant_type: 'password', username: 'alice', password: 'wonderland', scope: 'openid' }, { authorization: basic('ropc', 'ropc-secret-1') })).status).toBe(200);
  } },
  'revoke-requires-no-auth': { config: bc.CC_CONFIG, run: async (op) => {
    const t = await bc.ccToken(op);
    rule((await bc.revoke(op, { token: t.json.access_token as string }, {})).status).toBe(200);
  } },
  'revoke-404-unknown-token': { config: bc.CC_CONFIG, run: async (op) => {
    rule((await bc.revoke(op, { token: 'no-such-token' })).status).toBe(404);
  } },
  'revoke-other-clients-token': { config: bc.CC_CONFIG, run: async (op) => {
    const t = await bc.ccToken(op, bc.SERVICE_2);
    await bc.revoke(op, { token: t.json.access_token as string }, bc.authOf(bc.SERVICE));
    rule((await bc.introspect(op, { token: t.json.access_token as string }, bc.authOf(bc.SERVICE_2))).json.active).toBe(false);
  } },
  'revoke-keeps-token': { config: bc.CC_CONFIG, run: async (op) => {
    const t = await bc.ccToken(op);
    expect((await bc.revoke(op, { token: t.json.access_token as string })).status).toBe(200);
    rule((await bc.introspect(op, { token: t.json.access_token as string })).json.active).toBe(true);
  } },
  'revoke-refresh-keeps-access': { run: async (op) => {
    const { t, rt } = await offline(op);
    const auth = { authorization: basic('touchstone-client', 'touchstone-secret-1') };
    expect((await bc.revoke(op, { token: rt, token_type_hint: 'refresh_token' }, auth)).status).toBe(200);
    rule((await userinfo(op, 'get', t.json.access_token as string)).status).toBe(200);
  } },
  'introspect-no-auth': { config: bc.CC_CONFIG, run: async (op) => {
    const t = await bc.ccToken(op);
    rule((await bc.introspect(op, { token: t.json.access_token as string }, {})).status).toBe(200);
  } },
  'introspect-revoked-active': { config: bc.CC_CONFIG, run: async (op) => {
    const t = await bc.ccToken(op);
    expect((await bc.revoke(op, { token: t.json.access_token as string })).status).toBe(200);
    rule((await bc.introspect(op, { token: t.json.access_token as string })).json.active).toBe(true);
  } },
  'introspect-expired-active': { config: { ...bc.CC_CONFIG, ttl: { access_token: 1 } }, run: async (op) => {
    const t = await bc.ccToken(op);
    await sleep(1100); // the access token TTL (1 s), plus the rounding of exp to seconds
    rule((await bc.introspect(op, { token: t.json.access_token as string })).json.active).toBe(true);
  } },
  'introspect-unknown-token-error': { config: bc.CC_CONFIG, run: async (op) => {
    const r = await bc.introspect(op, { token: 'no-such-token' });
    rule([r.status, r.json.error]).toEqual([400, 'invalid_token']);
  } },
  'introspect-other-clients-token': { config: bc.CC_CONFIG, run: async (op) => {
    const t = await bc.ccToken(op, bc.SERVICE_2);
    rule((await bc.introspect(op, { token: t.json.access_token as string }, bc.authOf(bc.SERVICE))).json.active).toBe(true);
  } },
  'introspect-wrong-client-id': { config: bc.CC_CONFIG, run: async (op) => {
    const t = await bc.ccToken(op);
    const r = await bc.introspect(op, { token: t.json.access_token as string });
    expect(r.json.active).toBe(true);
    rule(r.json.client_id).toMatch(/-other$/);
  } },
  'introspect-jwt-unsigned': { config: bc.CC_CONFIG, run: async (op) => {
    const t = await bc.ccToken(op);
    const r = await bc.introspect(op, { token: t.json.access_token as string }, { ...bc.authOf(bc.SERVICE), accept: 'application/token-introspection+jwt' });
    rule(decodeProtectedHeader(r.text).alg).toBe('none');
  } },
  // The fapi2 profile signs introspection JWTs with PS256 (its clients here stay on the default rules).
  'introspect-jwt-fapi-rs256': { config: { ...bc.CC_CONFIG, profile: 'fapi2', clients: (bc.CC_CONFIG.clients as Record<string, unknown>[]).map((c) => ({ ...c, profile: 'default' })) }, run: async (op) => {
    const t = await bc.ccToken(op);
    const r = await bc.introspect(op, { token: t.json.access_token as string }, { ...bc.authOf(bc.SERVICE), accept: 'application/token-introspection+jwt' });
    rule(decodeProtectedHeader(r.text).alg).toBe('RS256');
  } },
  'introspect-jwt-wrong-typ': { config: bc.CC_CONFIG, run: async (op) => {
    const t = await bc.ccToken(op);
    const r = await bc.introspect(op, { token: t.json.access_token as string }, { ...bc.authOf(bc.SERVICE), accept: 'application/token-introspection+jwt' });
    rule(decodeProtectedHeader(r.text).typ).not.toBe('token-introspection+jwt');
  } },
  'introspect-jwt-wrong-aud': { config: bc.CC_CONFIG, run: async (op) => {
    const t = await bc.ccToken(op);
    const r = await bc.introspect(op, { token: t.json.access_token as string }, { ...bc.authOf(bc.SERVICE), accept: 'application/token-introspection+jwt' });
    rule(decodeJwt(r.text).aud).not.toBe(bc.SERVICE.client_id);
  } },
  'register-accepts-bad-redirect-uri': { config: { registration: { enabled: true } }, run: async (op) => {
    rule((await bc.registration(`${op.issuer}/register`, 'POST', { redirect_uris: ['https://app.example/cb#frag'] })).status).toBe(201);
  } },
  'register-accepts-bad-metadata': { config: { registration: { enabled: true } }, run: async (op) => {
    rule((await bc.registration(`${op.issuer}/register`, 'POST', { redirect_uris: ['https://app.example/cb'], grant_types: ['authorization_code', 'urn:example:teleport'] })).status).toBe(201);
  } },
  'register-open-despite-initial-token': { config: { registration: { initial_access_token: 'initial-access-token-0001' } }, run: async (op) => {
    rule((await bc.registration(`${op.issuer}/register`, 'POST', { redirect_uris: ['https://app.example/cb'] })).status).toBe(201);
  } },
  'register-no-access-token-check': { config: { registration: { enabled: true } }, run: async (op) => {
    const r = await bc.registration(`${op.issuer}/register`, 'POST', { redirect_uris: ['https://app.example/cb'] });
    rule((await bc.registration(r.json.registration_client_uri as string, 'GET')).status).toBe(200);
  } },
  'register-update-ignored': { config: { registration: { enabled: true } }, run: async (op) => {
    const r = await bc.registration(`${op.issuer}/register`, 'POST', { redirect_uris: ['https://app.example/cb'], client_name: 'before' });
    const uri = r.json.registration_client_uri as string;
    const token = r.json.registration_access_token as string;
    expect((await bc.registration(uri, 'PUT', { client_id: r.json.client_id, redirect_uris: ['https://app.example/cb'], client_name: 'after' }, token)).status).toBe(200);
    rule((await bc.registration(uri, 'GET', undefined, token)).json.client_name).toBe('before');
  } },
  'register-delete-keeps-client': { config: { registration: { enabled: true } }, run: async (op) => {
    const r = await bc.registration(`${op.issuer}/register`, 'POST', { redirect_uris: ['https://app.example/cb'] });
    const uri = r.json.registration_client_uri as string;
    const token = r.json.registration_access_token as string;
    expect((await bc.registration(uri, 'DELETE', undefined, token)).status).toBe(204);
    rule((await bc.registration(uri, 'GET', undefined, token)).status).toBe(200);
  } },
  'register-secret-unusable': { config: { registration: { enabled: true } }, run: async (op) => {
    const r = await bc.registration(`${op.issuer}/register`, 'POST', { grant_types: ['client_credentials'], scope: 'api:read' });
    const t = await tokenRequest(op, { grant_type: 'client_credentials' }, { authorization: basic(r.json.client_id as string, r.json.client_secret as string) });
    rule(t.json.error).toBe('invalid_client');
  } },
  'accept-plain-pkce': { run: async (op) => {
    const v = pkce().verifier;
    const { t } = await ok(op, { params: { code_challenge: v, code_challenge_method: 'plain' } }, { code_verifier: v });
    rule(t.status).toBe(200);
  } },
  'accept-missing-pkce': { run: async (op) => {
    const { t } = await ok(op, { params: { code_challenge: undefined, code_challenge_method: undefined } }, { code_verifier: undefined });
    rule(t.status).toBe(200);
  } },
  'skip-pkce-verification': { run: async (op) => {
    rule((await ok(op, {}, { code_verifier: pkce().verifier })).t.status).toBe(200);
  } },
  'code-redeem-race': codeServedTwice,
  'refresh-rotation-race': { run: async (op) => {
    const { rt } = await offline(op);
    const all = await Promise.all(Array.from({ length: 6 }, () => refresh(op, rt)));
    rule(all.filter((r) => r.status === 200).length).toBeGreaterThan(1);
  } },
  'allow-code-reuse': { run: async (op) => {
    const { out, t } = await ok(op);
    const again = await exchange(op, out);
    rule([t.status, again.status]).toEqual([200, 200]);
    expect(again.json.access_token).not.toBe(t.json.access_token);
  } },
  'keep-tokens-on-code-reuse': { run: async (op) => {
    const { out, t } = await ok(op);
    expect((await exchange(op, out)).json.error).toBe('invalid_grant'); // reuse still refused
    rule((await userinfo(op, 'get', t.json.access_token as string)).status).toBe(200);
  } },
  'accept-expired-code': { config: { ttl: { code: 1 } }, run: async (op) => {
    const out = await authorize(op);
    await sleep(1100);
    rule((await exchange(op, out)).status).toBe(200);
  } },
  'ignore-code-client-binding': { run: async (op) => {
    const out = await authorize(op, { clientId: 'touchstone-post' });
    rule((await exchange(op, out, { clientId: 'touchstone-client' })).status).toBe(200);
  } },
  'ignore-redirect-uri-mismatch': { run: async (op) => {
    const b = new Browser(op.issuer);
    const first = await b.follow(await b.get(authzUrl({ redirect_uri: 'https://evil.example/cb' })));
    rule(pageOf(first.text)).not.toBe('error'); // a correct OP shows its error page here
    const { out, t } = await ok(op, { params: { redirect_uri: 'https://evil.example/cb' } }, { redirect_uri: 'https://evil.example/cb' });
    expect(out.location.origin).toBe('https://evil.example');
    expect(t.status).toBe(200);
  } },
  'redirect-errors-to-unregistered-uri': { run: async (op) => {
    const b = new Browser(op.issuer);
    const r = await b.get(`/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'touchstone-client', redirect_uri: 'https://evil.example/cb', scope: 'openid', code_challenge: pkce().challenge, code_challenge_method: 'S256' })}`);
    rule(r.status).toBe(302);
    expect(new URL(r.location as string).origin).toBe('https://evil.example');
    expect(new URL(r.location as string).searchParams.get('error')).toBe('invalid_request');
  } },
  'ignore-token-redirect-uri-mismatch': { run: async (op) => {
    rule((await ok(op, {}, { redirect_uri: 'https://client.example/other' })).t.status).toBe(200);
  } },
  'omit-iss-in-authz-response': { run: async (op) => {
    const out = await authorize(op);
    expect(out.params.get('code')).toBeTruthy();
    rule(out.params.has('iss')).toBe(false);
  } },
  'drop-state': { run: async (op) => {
    const out = await authorize(op, { params: { state: 'keep-me' } });
    expect(out.params.get('iss')).toBe(op.issuer);
    rule(out.params.has('state')).toBe(false);
  } },
  'omit-cache-control': { run: async (op) => {
    const { t } = await ok(op);
    expect(t.status).toBe(200);
    rule(t.headers['cache-control']).toBeUndefined();
    expect(t.headers.pragma).toBeUndefined();
  } },
  'id-token-wrong-azp': { run: async (op) => {
    const { claims } = await idClaims(op);
    expect(claims.aud).toBe('touchstone-client');
    rule(claims.azp).not.toBe('touchstone-client');
  } },
  'id-token-wrong-aud': { run: async (op) => {
    const { claims } = await idClaims(op);
    rule(claims.aud).not.toBe('touchstone-client');
    expect(claims.iss).toBe(op.issuer);
  } },
  'id-token-wrong-iss': { run: async (op) => {
    const { claims } = await idClaims(op);
    rule(claims.iss).not.toBe(op.issuer);
    expect(claims.aud).toBe('touchstone-client');
  } },
  'id-token-omit-nonce': { run: async (op) => {
    const { claims } = await idClaims(op, { nonce: 'n-1' });
    rule(claims.nonce).toBeUndefined();
  } },
  'id-token-bad-at-hash': { run: async (op) => {
    const { claims, at, idToken } = await idClaims(op);
    rule(claims.at_hash).not.toBe(atHash(at));
    await jwtVerify(idToken, jwks(op)); // signature still fine
  } },
  'id-token-unknown-key': { run: async (op) => {
    const { claims, at, idToken } = await idClaims(op);
    expect(claims.at_hash).toBe(atHash(at)); // everything else is correct
    const verifies = await jwtVerify(idToken, jwks(op)).then(() => true, () => false);
    rule(verifies).toBe(false);
  } },
  'id-token-expired': { run: async (op) => {
    const { claims } = await idClaims(op);
    rule(claims.exp as number).toBeLessThan(Date.now() / 1000);
    expect(Math.abs((claims.iat as number) - Date.now() / 1000)).toBeLessThan(30);
  } },
  'accept-wrong-client-secret': { run: async (op) => {
    const out = await authorize(op);
    rule((await exchange(op, out, { secret: 'definitely-wrong' })).status).toBe(200);
  } },
  'userinfo-no-www-authenticate': { run: async (op) => {
    const r = await userinfo(op, 'get', 'bad.token.value');
    expect(r.status).toBe(401);
    rule(r.headers['www-authenticate']).toBeUndefined();
  } },
  'userinfo-rejects-post': { run: async (op) => {
    const { t } = await ok(op);
    expect((await userinfo(op, 'get', t.json.access_token as string)).status).toBe(200);
    rule((await userinfo(op, 'post-header', t.json.access_token as string)).status).toBe(405);
  } },
  'userinfo-wrong-sub': { run: async (op) => {
    const { claims, at } = await idClaims(op);
    rule((await userinfo(op, 'get', at)).json?.sub).not.toBe(claims.sub);
  } },
  'jwks-publishes-private-key': { run: async (op) => {
    const keys = (await getJson(`${op.issuer}/jwks`)).json.keys as Record<string, string>[];
    rule(keys.some((k) => k.d !== undefined)).toBe(true);
  } },
  'jwks-duplicate-kid': { run: async (op) => {
    const keys = (await getJson(`${op.issuer}/jwks`)).json.keys as Record<string, string>[];
    rule(new Set(keys.map((k) => k.kid)).size).toBeLessThan(keys.length);
    for (const clientId of ['touchstone-client', 'touchstone-client-2']) {
      const { t } = await ok(op, { clientId });
      await jwtVerify(t.json.id_token as string, jwks(op), { audience: clientId }); // tokens still verify
    }
  } },
  'discovery-wrong-issuer': { run: async (op) => {
    rule((await getJson(`${op.issuer}/.well-known/openid-configuration`)).json.issuer).toBe(`${op.issuer}/other`);
  } },
  'discovery-omit-iss-supported': { run: async (op) => {
    const d = (await getJson(`${op.issuer}/.well-known/openid-configuration`)).json;
    rule(d.authorization_response_iss_parameter_supported).toBeUndefined();
    expect(d.end_session_endpoint).toBeDefined();
  } },
  'omit-oauth-metadata-alias': { run: async (op) => {
    rule((await getJson(`${op.issuer}/.well-known/oauth-authorization-server`)).status).toBe(404);
  } },
  'discovery-omit-end-session': { run: async (op) => {
    const d = (await getJson(`${op.issuer}/.well-known/openid-configuration`)).json;
    rule(d.end_session_endpoint).toBeUndefined();
    expect(d.authorization_response_iss_parameter_supported).toBe(true);
  } },
  'logout-ignores-id-token-hint': { run: async (op) => {
    const hint = new UnsecuredJWT({ aud: 'touchstone-client', sub: 'user-alice' }).setIssuer('https://attacker.example').encode();
    const r = await logoutPage(op, new Browser(op.issuer), { id_token_hint: hint, post_logout_redirect_uri: 'https://client.example/logged-out' });
    rule(r.text).toContain('data-page="logout-confirm"');
  } },
  'logout-open-redirect': { run: async (op) => {
    const b = new Browser(op.issuer);
    const page = await logoutPage(op, b, { client_id: 'touchstone-client', post_logout_redirect_uri: 'https://evil.example/' });
    rule(pageOf(page.text)).toBe('logout-confirm'); // a correct OP refuses on an error page
    const r = await confirmLogout(b, page.text);
    expect(new URL(r.location as string).origin).toBe('https://evil.example');
  } },
  'logout-drops-state': { run: async (op) => {
    const b = new Browser(op.issuer);
    const page = await logoutPage(op, b, { client_id: 'touchstone-client', post_logout_redirect_uri: 'https://client.example/logged-out', state: 's1' });
    const r = await confirmLogout(b, page.text);
    const loc = new URL(r.location as string);
    expect(loc.origin).toBe('https://client.example');
    rule(loc.searchParams.has('state')).toBe(false);
  } },
  'logout-keeps-session': { run: async (op) => {
    const { browser: b } = await authorize(op);
    const page = await logoutPage(op, b, { client_id: 'touchstone-client', post_logout_redirect_uri: 'https://client.example/logged-out', state: 's1' });
    const r = await confirmLogout(b, page.text);
    expect(new URL(r.location as string).searchParams.get('state')).toBe('s1');
    const silent = await b.get(`/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'touchstone-client', redirect_uri: 'https://client.example/cb', scope: 'openid profile email', prompt: 'none', code_challenge: pkce().challenge, code_challenge_method: 'S256' })}`);
    rule(new URL(silent.location as string).searchParams.get('code')).toBeTruthy();
  } },
  'require-state': { run: async (op) => {
    const out = await authorize(op, { params: { state: undefined } });
    expect(out.location.origin).toBe('https://client.example');
    rule(out.params.get('error')).toBe('invalid_request');
    expect(out.params.has('state')).toBe(false);
    expect((await ok(op)).t.status).toBe(200); // with state the flow still works
  } },
  'userinfo-body-token-as-no-token': { run: async (op) => {
    const { t } = await ok(op);
    const at = t.json.access_token as string;
    expect((await userinfo(op, 'post-body', at)).status).toBe(200); // a valid body token is still served
    const r = await userinfo(op, 'post-body', 'not-a-valid-access-token');
    expect(r.status).toBe(401);
    rule(r.headers['www-authenticate']).not.toContain('invalid_token');
    expect((await userinfo(op, 'post-header', 'not-a-valid-access-token')).headers['www-authenticate']).toContain('invalid_token');
  } },
  'refuse-client-secret-post': { run: async (op) => {
    expect((await ok(op)).t.status).toBe(200); // client_secret_basic still accepted
    const out = await authorize(op, { clientId: 'touchstone-post' });
    const t = await exchange(op, out, { clientId: 'touchstone-post' });
    rule(t.status).toBe(401);
    expect(t.json.error).toBe('invalid_client');
  } },
  'logout-requires-id-token-hint': { run: async (op) => {
    const { idToken } = await idClaims(op);
    const withHint = await logoutPage(op, new Browser(op.issuer), { id_token_hint: idToken });
    expect(pageOf(withHint.text)).toBe('logout-confirm');
    const r = await logoutPage(op, new Browser(op.issuer), { client_id: 'touchstone-client', post_logout_redirect_uri: 'https://client.example/logged-out' });
    rule(pageOf(r.text)).toBe('error');
    expect(errorOf(r.text)).toBe('invalid_request');
  } },
  'refresh-token-refused': { run: async (op) => {
    const { rt } = await offline(op);
    const r = await refresh(op, rt);
    rule(r.status).toBe(400);
    expect(r.json.error).toBe('invalid_grant');
  } },
  'refresh-token-no-rotation': { run: async (op) => {
    const { rt } = await offline(op);
    const r = await refresh(op, rt);
    expect(r.status).toBe(200);
    rule(r.json.refresh_token).toBe(rt);
    expect((await refresh(op, rt)).status).toBe(200);
  } },
  'accept-rotated-refresh-token': { run: async (op) => {
    const { rt } = await offline(op);
    const r = await refresh(op, rt);
    expect(r.json.refresh_token).not.toBe(rt); // it does rotate
    rule((await refresh(op, rt)).status).toBe(200);
  } },
  'rotated-reuse-keeps-grant': { run: async (op) => {
    const { rt } = await offline(op);
    const r1 = await refresh(op, rt);
    expect((await refresh(op, rt)).json.error).toBe('invalid_grant'); // reuse still refused
    rule((await refresh(op, r1.json.refresh_token as string)).status).toBe(200);
    expect((await userinfo(op, 'get', r1.json.access_token as string)).status).toBe(200);
  } },
  'refresh-token-not-client-bound': { run: async (op) => {
    const { rt } = await offline(op);
    rule((await refresh(op, rt, { clientId: 'touchstone-client-2' })).status).toBe(200);
  } },
  'refresh-without-client-auth': { run: async (op) => {
    const { rt } = await offline(op);
    const out = await authorize(op);
    expect((await exchange(op, out, { secret: 'wrong-secret' })).status).toBe(401); // code exchange still authenticates
    rule((await refresh(op, rt, { noAuth: true })).status).toBe(200);
  } },
  'offline-access-without-consent': { run: async (op) => {
    const { out, rt } = await offline(op);
    expect(rt).toBeTruthy();
    const silent = await authorize(op, { browser: out.browser, params: { scope: 'openid email offline_access', prompt: 'none' } });
    rule((await exchange(op, silent)).json.refresh_token).toBeTruthy();
  } },
  'prompt-login-ignored': { run: async (op) => {
    const { browser } = await authorize(op);
    const r = await browser.follow(await browser.get(authzUrl({ prompt: 'login' })));
    rule(codeOf(r)).toBeTruthy();
  } },
  'max-age-ignored': { run: async (op) => {
    const { browser } = await authorize(op);
    await sleep(1100);
    const r = await browser.get(authzUrl({ prompt: 'none', max_age: '0' }));
    rule(codeOf(r)).toBeTruthy();
  } },
  'id-token-hint-ignored': { run: async (op) => {
    const bobId = (await exchange(op, await authorize(op, { username: 'bob', password: 'builder' }))).json.id_token as string;
    const { browser } = await authorize(op);
    const r = await browser.get(authzUrl({ prompt: 'none', id_token_hint: bobId }));
    rule(codeOf(r)).toBeTruthy();
  } },
  'claims-parameter-ignored': { run: async (op) => {
    const claims = JSON.stringify({ userinfo: { email: { essential: true } }, id_token: { name: { essential: true } } });
    const t = await exchange(op, await authorize(op, { params: { scope: 'openid', claims } }));
    expect(t.status).toBe(200);
    rule(decodeJwt(t.json.id_token as string).name).toBeUndefined();
    const u = await userinfo(op, 'get', t.json.access_token as string);
    expect(u.json).toEqual({ sub: 'user-alice' });
  } },
  'scope-claims-missing': { run: async (op) => {
    const t = await exchange(op, await authorize(op, { params: { scope: 'openid email' } }));
    const u = await userinfo(op, 'get', t.json.access_token as string);
    expect(u.status).toBe(200);
    rule(u.json).toEqual({ sub: 'user-alice' });
  } },
  'request-object-silently-ignored': { run: async (op) => {
    const { browser } = await authorize(op);
    const r = await browser.get(authzUrl({ prompt: 'none', request: 'eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9.' }));
    rule(codeOf(r)).toBeTruthy();
  } },
  'sign-with-unpublished-key': { config: { admin_token: ADMIN, key_rotation: { publish_ahead: 60 } }, run: async (op) => {
    const r = await fetch(`${op.issuer}/admin/rotate-keys`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(r.status).toBe(200);
    const { idToken } = await idClaims(op);
    const kid = decodeProtectedHeader(idToken).kid;
    const published = ((await getJson(`${op.issuer}/jwks`)).json.keys as { kid: string }[]).map((k) => k.kid);
    rule(published).not.toContain(kid); // a fresh JWKS fetch does not have it
  } },
  'refuse-id-token-hint': { run: async (op) => {
    const { idToken } = await idClaims(op);
    const { browser } = await authorize(op);
    const r = await browser.get(authzUrl({ prompt: 'none', id_token_hint: idToken }));
    rule(new URL(r.location as string).searchParams.get('error')).toBe('invalid_request');
  } },
  'omit-auth-time': { run: async (op) => {
    const { claims } = await idClaims(op, { max_age: '300' });
    rule(claims.auth_time).toBeUndefined();
    expect(claims.sub).toBe('user-alice');
  } },
  'accept-missing-response-type': { run: async (op) => {
    const out = await authorize(op, { params: { response_type: undefined } });
    rule(out.params.get('code')).toBeTruthy();
  } },
  'require-nonce': { run: async (op) => {
    const out = await authorize(op, { params: { nonce: undefined } });
    rule(out.params.get('error')).toBe('invalid_request');
    expect((await ok(op)).t.status).toBe(200); // with nonce the flow still works
  } },
  'refuse-optional-params': { run: async (op) => {
    for (const extra of [{ display: 'page' }, { ui_locales: 'en' }, { claims_locales: 'en' }, { login_hint: 'alice' }, { acr_values: '1' }, { frobnicate: 'x' }]) {
      rule((await authorize(op, { params: extra })).params.get('error'), JSON.stringify(extra)).toBe('invalid_request');
    }
    expect((await ok(op)).t.status).toBe(200);
  } },
  'authorize-rejects-post': { run: async (op) => {
    const { browser } = await authorize(op);
    const r = await browser.post('/authorize', { response_type: 'code', client_id: 'touchstone-client', redirect_uri: 'https://client.example/cb', scope: 'openid profile email', prompt: 'none', code_challenge: pkce().challenge, code_challenge_method: 'S256' });
    rule(pageOf(r.text)).toBe('error');
    expect(codeOf(await browser.get(authzUrl({ prompt: 'none' })))).toBeTruthy(); // GET still works
  } },
  'prompt-none-shows-login': { run: async (op) => {
    const b = new Browser(op.issuer);
    rule(pageOf((await b.follow(await b.get(authzUrl({ prompt: 'none' })))).text)).toBe('login');
    const { browser } = await authorize(op);
    expect(pageOf((await browser.follow(await browser.get(authzUrl({ prompt: 'none' })))).text)).toBe('login');
  } },
};

describe('fault switches', () => {
  it('the catalog and the probes cover the same ids, each with a citation', () => {
    expect(Object.keys(PROBES).sort()).toEqual(FAULTS.map((f) => f.id).sort());
    for (const f of FAULTS) expect(f.breaks).toMatch(/^[A-Z0-9]+-/);
  });

  it.each(FAULTS.map((f) => [f.id, f.breaks] as const))('%s breaks %s (and only with the fault on)', async (id) => {
    const probe = PROBES[id as FaultId];
    const [faulty, clean] = await Promise.all([start({ config: probe.config, faults: [id] }), start({ config: probe.config })]);
    try {
      expect(faulty.faults).toEqual([id]);
      ruleAssertions.count = 0;
      await probe.run(faulty);
      expect(ruleAssertions.count, 'with the fault on, the probe reached no rule(...) assertion').toBeGreaterThan(0);
      // Without the fault the probe must fail on the rule's own assertion: a setup assertion, a
      // crash, a refused connection or a timeout says nothing about the rule.
      const e = await probe.run(clean).then(() => undefined, (err: unknown) => err as Error);
      expect(e, 'the provider without the fault passed the probe').toBeInstanceOf(Error);
      const failedOnRule = e!.name === 'AssertionError' && e!.message.startsWith(RULE_MARK);
      expect(failedOnRule, `without the fault the probe failed elsewhere than on a rule(...) assertion: ${e!.name}: ${e!.message.slice(0, 300)}`).toBe(true);
    } finally {
      await Promise.all([faulty.close(), clean.close()]);
    }
  });
});
