// Helpers for the DPoP and protected-resource tests: a provider config with a client_credentials
// client, DPoP proofs built with jose, token requests and resource calls over undici.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { request } from 'undici';
import { calculateJwkThumbprint, CompactSign, exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { RunningProvider } from '../../provider/server.ts';
import { basic, DEFAULT_API_CLIENTS } from './dpop-clients.ts';

export { basic };

export const API_CONFIG: Record<string, unknown> = {
  clients: DEFAULT_API_CLIENTS,
  resource: { leeway: 10, jwks_refresh: 2 },
};

export interface DpopKey { privateKey: CryptoKey; jwk: JWK; privateJwk: JWK; jkt: string }

export async function dpopKey(alg: 'ES256' | 'RS256' = 'ES256'): Promise<DpopKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...jwk } = privateJwk;
  return { privateKey, jwk, privateJwk, jkt: await calculateJwkThumbprint(jwk) };
}

export const athOf = (token: string): string => createHash('sha256').update(token).digest('base64url');

export interface ProofSpec {
  htm?: string; htu: string; accessToken?: string; nonce?: string; iat?: number; jti?: string;
  header?: Record<string, unknown>; claims?: Record<string, unknown>; omit?: string[]; alg?: string;
}

/** A DPoP proof (RFC 9449 §4.2) signed by `key`, with overrides. */
export async function proof(key: DpopKey, s: ProofSpec): Promise<string> {
  const header: Record<string, unknown> = { typ: 'dpop+jwt', alg: s.alg ?? 'ES256', jwk: key.jwk, ...s.header };
  const claims: Record<string, unknown> = {
    jti: s.jti ?? randomUUID(), htm: s.htm ?? 'POST', htu: s.htu, iat: s.iat ?? Math.floor(Date.now() / 1000),
    ...(s.accessToken ? { ath: athOf(s.accessToken) } : {}), ...(s.nonce ? { nonce: s.nonce } : {}), ...s.claims,
  };
  for (const o of s.omit ?? []) { delete header[o]; delete claims[o]; }
  if (header.alg === 'none' || header.alg === 'HS256') {
    const h = Buffer.from(JSON.stringify(header)).toString('base64url');
    const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${h}.${p}.${header.alg === 'none' ? '' : createHmac('sha256', 'k').update(`${h}.${p}`).digest('base64url')}`;
  }
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims))).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
}

export interface HttpRes { status: number; headers: Record<string, string>; json: Record<string, unknown>; text: string }

async function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<HttpRes> {
  const r = await request(url, { method: method as 'GET', headers, body });
  const text = await r.body.text();
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
  let json: Record<string, unknown> = {};
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.statusCode, headers: h, json, text };
}

/** client_credentials at /token with an optional DPoP proof and RFC 8707 resource. */
export async function ccToken(op: RunningProvider, o: { dpop?: string; resource?: string; clientId?: string; secret?: string } = {}): Promise<HttpRes> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', resource: o.resource ?? `${op.issuer}/api/resource` });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(o.clientId ?? 'touchstone-api', o.secret ?? 'touchstone-api-secret') };
  if (o.dpop) headers.dpop = o.dpop;
  return send(`${op.issuer}/token`, 'POST', headers, form.toString());
}

export async function tokenPost(op: RunningProvider, form: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpRes> {
  return send(`${op.issuer}/token`, 'POST', { 'content-type': 'application/x-www-form-urlencoded', ...headers }, new URLSearchParams(form).toString());
}

/** A DPoP-bound token for /api/resource (nonce dance done when the provider asks for one). */
export async function boundToken(op: RunningProvider, key: DpopKey): Promise<string> {
  const htu = `${op.issuer}/token`;
  let r = await ccToken(op, { dpop: await proof(key, { htu }) });
  if (r.json.error === 'use_dpop_nonce') r = await ccToken(op, { dpop: await proof(key, { htu, nonce: r.headers['dpop-nonce'] }) });
  if (r.status !== 200) throw new Error(`token: ${r.status} ${r.text}`);
  return r.json.access_token as string;
}

export async function bearerToken(op: RunningProvider, resource?: string): Promise<string> {
  const r = await ccToken(op, { resource });
  if (r.status !== 200) throw new Error(`token: ${r.status} ${r.text}`);
  return r.json.access_token as string;
}

export async function callResource(op: RunningProvider, o: { token?: string; scheme?: string; dpop?: string; method?: string; path?: string; authorization?: string } = {}): Promise<HttpRes> {
  const headers: Record<string, string> = {};
  if (o.authorization !== undefined) headers.authorization = o.authorization;
  else if (o.token !== undefined) headers.authorization = `${o.scheme ?? 'Bearer'} ${o.token}`;
  if (o.dpop !== undefined) headers.dpop = o.dpop;
  return send(`${op.issuer}${o.path ?? '/api/resource'}`, o.method ?? 'GET', headers);
}

/** Call /api/resource with a DPoP-bound token and a proof built from `spec` (htu/htm default to the call). */
export async function dpopCall(op: RunningProvider, key: DpopKey, token: string, spec: Partial<ProofSpec> = {}, o: { method?: string; proofKey?: DpopKey } = {}): Promise<HttpRes> {
  const method = o.method ?? 'GET';
  const htu = `${op.issuer}/api/resource`;
  return callResource(op, { token, scheme: 'DPoP', method, dpop: await proof(o.proofKey ?? key, { htm: method, htu, accessToken: token, ...spec }) });
}

/** Forge an access token like ours but with changes, signed by `key` (or the provider's key). */
export async function forgeToken(op: RunningProvider, o: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: CryptoKey; alg?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: op.issuer, sub: 'touchstone-api', aud: `${op.issuer}/api/resource`, client_id: 'touchstone-api', scope: 'read', iat: now, exp: now + 300, jti: randomUUID(), ...o.claims };
  const alg = o.alg ?? 'ES256';
  const key = o.key ?? (await dpopKey()).privateKey;
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'at+jwt', ...o.header }).sign(key);
}

/** The provider's published RS256 key and its PEM (for the HS256 alg-confusion forgery). */
export async function publishedRsa(op: RunningProvider): Promise<{ jwk: JWK; pem: string }> {
  const r = await send(`${op.issuer}/jwks`, 'GET', {});
  const jwk = (r.json.keys as JWK[]).find((k) => k.alg === 'RS256') as JWK;
  return { jwk, pem: await exportSPKI((await importJWK(jwk, 'RS256')) as CryptoKey) };
}

export function hs256(claims: Record<string, unknown>, header: Record<string, unknown>, secret: string): string {
  const h = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', ...header })).toString('base64url');
  const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${h}.${p}.${createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`;
}
