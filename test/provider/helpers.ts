// Test helpers: an in-process provider on port 0 and a minimal cookie-keeping browser over undici.
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'undici';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { startProvider, type RunningProvider, type StartOptions } from '../../provider/server.ts';
import { DEFAULT_CLIENTS } from '../../provider/config.ts';

let sharedKeys: Promise<Record<string, unknown>[]> | undefined;

/** Pre-generated signing keys, shared by the providers of one test file (RSA keygen is slow). */
export function testKeys(): Promise<Record<string, unknown>[]> {
  sharedKeys ??= Promise.all(
    (['RS256', 'PS256', 'ES256'] as const).map(async (alg) => {
      const { privateKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = await exportJWK(privateKey);
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
      return { ...jwk, kid: await calculateJwkThumbprint(pub), alg };
    }),
  );
  return sharedKeys;
}

export async function start(opts: StartOptions & { config?: Record<string, unknown> } = {}): Promise<RunningProvider> {
  const config = { keys: await testKeys(), ...(opts.config ?? {}) };
  return startProvider({ ...opts, config });
}

export interface Res { url: string; status: number; headers: Record<string, string | string[] | undefined>; text: string; location?: string }

export function header(res: Res, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** A browser: keeps cookies (by name), never follows redirects on its own. */
export class Browser {
  readonly base: string;
  readonly cookies = new Map<string, string>();
  constructor(base: string) {
    this.base = base;
  }
  async get(url: string): Promise<Res> {
    return this.send('GET', url);
  }
  async post(url: string, form: Record<string, string>): Promise<Res> {
    return this.send('POST', url, new URLSearchParams(form).toString());
  }
  async send(method: 'GET' | 'POST', url: string, body?: string): Promise<Res> {
    const headers: Record<string, string> = {};
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const abs = new URL(url, this.base).href;
    const r = await request(abs, { method, headers, body });
    const text = await r.body.text();
    const set = r.headers['set-cookie'];
    for (const c of Array.isArray(set) ? set : set ? [set] : []) {
      const [pair, ...attrs] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*(max-age=0|expires=Thu, 01 Jan 1970)/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const loc = r.headers.location;
    return { url: abs, status: r.statusCode, headers: r.headers, text, location: typeof loc === 'string' ? new URL(loc, abs).href : undefined };
  }
  /** Follow redirects while they stay on the provider; stop at the first one leaving it. */
  async follow(res: Res): Promise<Res> {
    let r = res;
    while (r.status === 302 && r.location && r.location.startsWith(this.base)) r = await this.get(r.location);
    return r;
  }
}

export function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error(`no csrf in page: ${html.slice(0, 300)}`);
  return m[1];
}

export function pageOf(html: string): string | undefined {
  return /data-page="([^"]+)"/.exec(html)?.[1];
}

export function errorOf(html: string): string | undefined {
  return /data-error="([^"]+)"/.exec(html)?.[1];
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthzOutcome { location: URL; params: URLSearchParams; verifier: string; browser: Browser }

export function client(id = 'touchstone-client') {
  const c = DEFAULT_CLIENTS.find((x) => x.client_id === id);
  if (!c) throw new Error(id);
  return c;
}

/** Drive a full code flow in `browser` (login + consent when asked) until the redirect to the client. */
export async function authorize(
  op: RunningProvider,
  opts: { browser?: Browser; params?: Record<string, string | undefined>; clientId?: string; username?: string; password?: string } = {},
): Promise<AuthzOutcome> {
  const browser = opts.browser ?? new Browser(op.issuer);
  const { verifier, challenge } = pkce();
  const clientId = opts.clientId ?? 'touchstone-client';
  const q: Record<string, string> = {};
  const all = {
    response_type: 'code', client_id: clientId, redirect_uri: client(clientId).redirect_uris[0], scope: 'openid profile email',
    state: 'st-' + randomBytes(4).toString('hex'), nonce: 'n-' + randomBytes(4).toString('hex'), code_challenge: challenge, code_challenge_method: 'S256',
    ...opts.params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) q[k] = v;
  let r = await browser.follow(await browser.get(`/authorize?${new URLSearchParams(q)}`));
  for (let i = 0; i < 4 && r.status === 200; i++) {
    const page = pageOf(r.text);
    if (page === 'login') r = await browser.post(r.url, { csrf: csrfOf(r.text), username: opts.username ?? 'alice', password: opts.password ?? 'wonderland' });
    else if (page === 'consent') r = await browser.post(r.url, { csrf: csrfOf(r.text), decision: 'allow' });
    else break;
    r = await browser.follow(r);
  }
  if (r.status !== 302 || !r.location) throw new Error(`flow did not end in a redirect: ${r.status} ${r.text.slice(0, 400)}`);
  const location = new URL(r.location);
  return { location, params: location.searchParams, verifier, browser };
}


export interface JsonRes { status: number; headers: Record<string, string | string[] | undefined>; json: Record<string, unknown> }

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export async function tokenRequest(op: RunningProvider, form: Record<string, string | undefined>, headers: Record<string, string> = {}): Promise<JsonRes> {
  const body = new URLSearchParams(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  const r = await request(`${op.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
  const text = await r.body.text();
  return { status: r.statusCode, headers: r.headers, json: text ? JSON.parse(text) : {} };
}

/** Redeem a code with the client's registered secret-based / none method. */
export async function exchange(op: RunningProvider, out: AuthzOutcome, opts: { clientId?: string; form?: Record<string, string | undefined>; secret?: string } = {}): Promise<JsonRes> {
  const c = client(opts.clientId ?? 'touchstone-client');
  const form: Record<string, string | undefined> = {
    grant_type: 'authorization_code', code: out.params.get('code') ?? '', redirect_uri: c.redirect_uris[0], code_verifier: out.verifier, ...opts.form,
  };
  const secret = opts.secret ?? c.client_secret ?? '';
  if (c.token_endpoint_auth_method === 'client_secret_basic') return tokenRequest(op, form, { authorization: basic(c.client_id, secret) });
  if (c.token_endpoint_auth_method === 'client_secret_post') return tokenRequest(op, { ...form, client_id: c.client_id, client_secret: secret });
  return tokenRequest(op, { ...form, client_id: c.client_id });
}

export async function userinfo(op: RunningProvider, how: 'get' | 'post-header' | 'post-body', token?: string): Promise<Res & { json?: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (token && how !== 'post-body') headers.authorization = `Bearer ${token}`;
  if (how === 'post-body') {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = token ? new URLSearchParams({ access_token: token }).toString() : '';
  }
  const r = await request(`${op.issuer}/userinfo`, { method: how === 'get' ? 'GET' : 'POST', headers, body });
  const text = await r.body.text();
  let json: Record<string, unknown> | undefined;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { url: `${op.issuer}/userinfo`, status: r.statusCode, headers: r.headers, text, json };
}

export async function getJson(url: string): Promise<JsonRes> {
  const r = await request(url);
  const text = await r.body.text();
  let json: Record<string, unknown> = {};
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.statusCode, headers: r.headers, json };
}
