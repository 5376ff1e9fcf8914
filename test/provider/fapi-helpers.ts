// Test helpers for PAR (RFC 9126) and private_key_jwt under the FAPI 2.0 profile: a provider
// config with two private_key_jwt clients, client assertions (with deliberate mistakes), pushes
// and the browser leg of a pushed authorization request.
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { RunningProvider } from '../../provider/server.ts';
import { Browser, csrfOf, pageOf, pkce, type JsonRes, type Res } from './helpers.ts';
import { dpopKey, proof } from './dpop-helpers.ts';

export interface ClientKey { clientId: string; privateKey: CryptoKey; publicJwk: JWK; alg: string }

let keys: Promise<ClientKey[]> | undefined;

/** Two client key pairs (RSA for PS256 / RS256, EC for ES256), made once per test file. */
export function clientKeys(): Promise<ClientKey[]> {
  keys ??= Promise.all(
    ([['fapi-client', 'PS256'], ['fapi-client-2', 'ES256']] as const).map(async ([clientId, alg]) => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      return { clientId, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid: `${clientId}-key`, use: 'sig' }, alg };
    }),
  );
  return keys;
}

/** Provider config: the fapi2 profile (unless `profile` says otherwise), two private_key_jwt clients. */
export async function fapiConfig(extra: Record<string, unknown> = {}, profile: 'fapi2' | 'default' = 'fapi2'): Promise<Record<string, unknown>> {
  const [a, b] = await clientKeys();
  return {
    profile,
    clients: [a, b].map((k) => ({
      client_id: k.clientId, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [k.publicJwk] },
      redirect_uris: ['https://client.example/cb'], id_token_signed_response_alg: 'PS256',
    })),
    ...extra,
  };
}

export interface AssertionEdit { alg?: string; aud?: unknown; expOffset?: number; nbfOffset?: number; omit?: string[]; jti?: string; sub?: string }

/** A client assertion for `key` (aud: the issuer unless edited). */
export async function assertion(op: RunningProvider, key: ClientKey, edit: AssertionEdit = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: key.clientId, sub: edit.sub ?? key.clientId, aud: edit.aud ?? op.issuer, jti: edit.jti ?? randomUUID(),
    iat: now + Math.max(0, edit.nbfOffset ?? 0), exp: now + (edit.expOffset ?? 60),
    ...(edit.nbfOffset !== undefined ? { nbf: now + edit.nbfOffset } : {}),
  };
  if ((claims.exp as number) <= (claims.iat as number)) claims.iat = (claims.exp as number) - 60;
  for (const c of edit.omit ?? []) delete claims[c];
  const alg = edit.alg ?? key.alg;
  // Another alg with the same key (e.g. RS256 with the PS256 RSA key) needs the key imported for it.
  const signer = alg === key.alg ? key.privateKey : await importJWK(await exportJWK(key.privateKey), alg);
  return new SignJWT(claims).setProtectedHeader({ alg, kid: key.publicJwk.kid as string }).sign(signer);
}

export function authForm(jwt: string): Record<string, string> {
  return { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt };
}

export interface Pushed extends JsonRes { verifier: string; params: Record<string, string> }

/** POST /par (or a raw body / another method) with the client's assertion. */
export async function push(
  op: RunningProvider,
  opts: { key?: ClientKey; params?: Record<string, string | undefined>; edit?: AssertionEdit; method?: 'GET' | 'POST'; rawSuffix?: string; headers?: Record<string, string> } = {},
): Promise<Pushed> {
  const key = opts.key ?? (await clientKeys())[0];
  const { verifier, challenge } = pkce();
  const params: Record<string, string> = {};
  const all = {
    response_type: 'code', client_id: key.clientId, redirect_uri: 'https://client.example/cb', scope: 'openid profile',
    state: `st-${randomUUID()}`, nonce: `n-${randomUUID()}`, code_challenge: challenge, code_challenge_method: 'S256',
    ...authForm(await assertion(op, key, opts.edit)), ...opts.params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) params[k] = v;
  const body = new URLSearchParams(params).toString() + (opts.rawSuffix ?? '');
  const method = opts.method ?? 'POST';
  const r = method === 'GET'
    ? await request(`${op.issuer}/par?${body}`, { method: 'GET', headers: opts.headers })
    : await request(`${op.issuer}/par`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...opts.headers }, body });
  const text = await r.body.text();
  let json: Record<string, unknown> = {};
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.statusCode, headers: r.headers, json, verifier, params };
}

/** /authorize with `params` in `browser`, logging in and consenting as alice, up to the redirect leaving the provider. */
export async function authorizeThrough(op: RunningProvider, params: Record<string, string>, browser = new Browser(op.issuer)): Promise<Res> {
  let r = await browser.follow(await browser.get(`/authorize?${new URLSearchParams(params)}`));
  for (let i = 0; i < 4 && r.status === 200; i++) {
    const page = pageOf(r.text);
    if (page === 'login') r = await browser.post(r.url, { csrf: csrfOf(r.text), username: 'alice', password: 'wonderland' });
    else if (page === 'consent') r = await browser.post(r.url, { csrf: csrfOf(r.text), decision: 'allow' });
    else break;
    r = await browser.follow(r);
  }
  return r;
}

/** The browser leg: /authorize with client_id + request_uri, logging in and consenting as alice. */
export async function openRequestUri(op: RunningProvider, requestUri: string, clientId = 'fapi-client', browser = new Browser(op.issuer)): Promise<{ res: Res; browser: Browser }> {
  return { res: await authorizeThrough(op, { client_id: clientId, request_uri: requestUri }, browser), browser };
}

/** push() options for a pushed request carrying only a request object (the usual parameters left out), `outside` beside it. */
export function pushRequestObject(jwt: string, outside: Record<string, string> = {}): { params: Record<string, string | undefined> } {
  const none = Object.fromEntries(['response_type', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method'].map((k) => [k, undefined]));
  return { params: { ...none, request: jwt, ...outside } };
}

export function codeOf(res: Res): string | null {
  return res.location ? new URL(res.location).searchParams.get('code') : null;
}

/**
 * POST /token with the client's assertion (or extra form fields), and a DPoP proof of a fresh key
 * (FAPI clients get sender-constrained tokens only) unless `noDpop`.
 */
export async function fapiToken(op: RunningProvider, form: Record<string, string | undefined>, opts: { key?: ClientKey; edit?: AssertionEdit; noAuth?: boolean; noDpop?: boolean } = {}): Promise<JsonRes> {
  const key = opts.key ?? (await clientKeys())[0];
  const auth = opts.noAuth ? { client_id: key.clientId } : authForm(await assertion(op, key, opts.edit));
  const body = new URLSearchParams(Object.entries({ ...auth, ...form }).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  const dpop = opts.noDpop ? {} : { dpop: await proof(await dpopKey(), { htu: `${op.issuer}/token` }) };
  const r = await request(`${op.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...dpop }, body });
  const text = await r.body.text();
  return { status: r.statusCode, headers: r.headers, json: text ? JSON.parse(text) : {} };
}

/** PAR, browser, code: a full FAPI authorization, returning the code and the PKCE verifier. */
export async function fapiCode(op: RunningProvider, params: Record<string, string | undefined> = {}): Promise<{ code: string; verifier: string; requestUri: string }> {
  const p = await push(op, { params });
  if (p.status !== 201) throw new Error(`PAR failed: ${p.status} ${JSON.stringify(p.json)}`);
  const { res } = await openRequestUri(op, p.json.request_uri as string);
  const code = codeOf(res);
  if (!code) throw new Error(`no code: ${res.status} ${res.location ?? res.text.slice(0, 200)}`);
  return { code, verifier: p.verifier, requestUri: p.json.request_uri as string };
}
