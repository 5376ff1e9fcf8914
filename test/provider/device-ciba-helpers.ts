// Test helpers for the device authorization grant (RFC 8628) and CIBA poll mode: a provider
// config with device and CIBA clients, and the client side of both flows over plain HTTP.
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type { RunningProvider } from '../../provider/server.ts';
import { basic, Browser, csrfOf, pageOf, tokenRequest, type JsonRes } from './helpers.ts';
import { request } from 'undici';

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
export const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';
export const ADMIN_TOKEN = 'ciba-admin-token-0123456789';

/** Test-only client keys (also in plans/ciba.yaml); private halves stay in tests and plans. */
export const CIBA_KEYS = [
  { kty: 'EC', crv: 'P-256', kid: 'ciba-client-key-1', alg: 'ES256', x: 'lPiW_6SaUW1lwUUcgzOJs_BDMNoiqIUCdVMX-ihGd3w', y: 'tSjQO-cyy4rCEIRYWo6KpU6Vcq4AYxPVAdapL0cqLI0', d: 'MUf59jyBud3wXKACPxvcw6LsJU3ZBz4L2Dro1Yo4uQY' },
  { kty: 'EC', crv: 'P-256', kid: 'ciba-client-key-2', alg: 'ES256', x: '97QDjYIeuZH-mDq1SAbP8CPfvS9f1lZR0IGAV2OM7-U', y: '3z54SaaANBVI5c44zFljn4GcYPW_Iv_QdOq4W9UYMkw', d: 'a4VnDiMM6ZRmy9aQ5tA85AUYmqaJtNViDkyOWmpRA8Y' },
];
const publicOf = ({ d: _d, ...pub }: Record<string, string>) => pub;

/** Clients: a public and a confidential device client, two private_key_jwt CIBA clients. */
export function deviceCibaConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    admin_token: ADMIN_TOKEN,
    polling_interval: 1,
    clients: [
      { client_id: 'tv', token_endpoint_auth_method: 'none', redirect_uris: ['https://client.example/cb'], grant_types: [DEVICE_GRANT] },
      { client_id: 'tv-2', client_secret: 'tv-2-secret-value', token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['https://client.example/cb'], grant_types: [DEVICE_GRANT] },
      { client_id: 'bank', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicOf(CIBA_KEYS[0])] }, redirect_uris: ['https://client.example/cb'], grant_types: [CIBA_GRANT] },
      { client_id: 'bank-2', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicOf(CIBA_KEYS[1])] }, redirect_uris: ['https://client.example/cb'], grant_types: [CIBA_GRANT] },
    ],
    ...extra,
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function postForm(url: string, form: Record<string, string | undefined>, headers: Record<string, string> = {}): Promise<JsonRes> {
  const body = new URLSearchParams(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  const r = await request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
  const text = await r.body.text();
  let json: Record<string, unknown> = {};
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.statusCode, headers: r.headers, json };
}

/** The client's own authentication: tv = public (client_id), tv-2 = Basic. */
function deviceAuth(clientId: string): { form: Record<string, string>; headers: Record<string, string> } {
  return clientId === 'tv-2' ? { form: {}, headers: { authorization: basic('tv-2', 'tv-2-secret-value') } } : { form: { client_id: clientId }, headers: {} };
}

export async function deviceAuthorize(op: RunningProvider, clientId = 'tv', scope = 'openid profile'): Promise<JsonRes> {
  const a = deviceAuth(clientId);
  return postForm(`${op.issuer}/device_authorization`, { ...a.form, scope }, a.headers);
}

export async function devicePoll(op: RunningProvider, deviceCode: string, clientId = 'tv'): Promise<JsonRes> {
  const a = deviceAuth(clientId);
  return tokenRequest(op, { grant_type: DEVICE_GRANT, device_code: deviceCode, ...a.form }, a.headers);
}

/** The End-User at the verification URI: enter the code, log in as alice, allow or deny. Returns the last page. */
export async function deviceDecide(op: RunningProvider, userCode: string, decision: 'allow' | 'deny'): Promise<string | undefined> {
  const b = new Browser(op.issuer);
  let r = await b.get('/device');
  const action = /action="([^"]+)"/.exec(r.text)?.[1] as string;
  r = await b.follow(await b.post(action, { csrf: csrfOf(r.text), user_code: userCode.toLowerCase() }));
  if (pageOf(r.text) === 'login') r = await b.follow(await b.post(action, { csrf: csrfOf(r.text), username: 'alice', password: 'wonderland' }));
  if (pageOf(r.text) !== 'device-consent') return pageOf(r.text);
  r = await b.post(action, { csrf: csrfOf(r.text), decision });
  return /data-decision="(allow|deny)"/.exec(r.text)?.[1];
}

/** Poll once per interval (never faster) until something other than authorization_pending comes back. */
export async function devicePollUntil(op: RunningProvider, deviceCode: string, interval: number, clientId = 'tv'): Promise<JsonRes> {
  for (;;) {
    await sleep(interval * 1000 + 20);
    const r = await devicePoll(op, deviceCode, clientId);
    if (r.json.error !== 'authorization_pending') return r;
  }
}

export async function assertion(op: RunningProvider, clientId = 'bank'): Promise<string> {
  const jwk = CIBA_KEYS[clientId === 'bank-2' ? 1 : 0];
  const key = await importJWK(jwk, 'ES256');
  return new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: jwk.kid }).setIssuer(clientId).setSubject(clientId).setAudience(op.issuer).setJti(randomUUID()).setIssuedAt().setExpirationTime('1m').sign(key);
}

async function cibaClientAuth(op: RunningProvider, clientId: string): Promise<Record<string, string>> {
  return { client_id: clientId, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion(op, clientId) };
}

export async function cibaRequest(op: RunningProvider, params: Record<string, string | undefined> = {}, clientId = 'bank', noAuth = false): Promise<JsonRes> {
  const auth = noAuth ? { client_id: clientId } : await cibaClientAuth(op, clientId);
  return postForm(`${op.issuer}/bc-authorize`, { ...auth, scope: 'openid email', login_hint: 'alice', ...params });
}

export async function cibaDecide(op: RunningProvider, authReqId: string, decision: 'approve' | 'deny'): Promise<JsonRes> {
  return postForm(`${op.issuer}/admin/ciba/${decision}`, { auth_req_id: authReqId }, { authorization: `Bearer ${ADMIN_TOKEN}` });
}

export async function cibaPoll(op: RunningProvider, authReqId: string, clientId = 'bank'): Promise<JsonRes> {
  return tokenRequest(op, { grant_type: CIBA_GRANT, auth_req_id: authReqId, ...(await cibaClientAuth(op, clientId)) });
}

/** A signed authentication request (CIBA §7.1.1) from `clientId`, signed with `signer`'s key; `edit` changes claims (null removes). */
export async function requestObject(op: RunningProvider, claims: Record<string, unknown>, opts: { clientId?: string; signer?: string; edit?: Record<string, unknown> } = {}): Promise<string> {
  const clientId = opts.clientId ?? 'bank';
  const jwk = CIBA_KEYS[(opts.signer ?? clientId) === 'bank-2' ? 1 : 0];
  const now = Math.floor(Date.now() / 1000);
  const all: Record<string, unknown> = { iss: clientId, aud: op.issuer, exp: now + 300, iat: now, nbf: now, jti: randomUUID(), scope: 'openid email', login_hint: 'alice', ...claims, ...opts.edit };
  for (const [k, v] of Object.entries(all)) if (v === null) delete all[k];
  return new SignJWT(all).setProtectedHeader({ alg: 'ES256', kid: jwk.kid }).sign(await importJWK(jwk, 'ES256'));
}
