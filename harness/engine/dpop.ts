// DPoP on the client side (RFC 9449): one key pair per module run (ES256 by default, a second one
// for "another key"), proofs built with jose, declared mutations for the negative modules, and the
// nonce dance (§8, §9): on a use_dpop_nonce challenge the request is sent once more with the
// server's DPoP-Nonce, unless the step says `nonce: omit` (then the challenge is the judged answer).
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { dpopErrorMatchesSchema, dpopNonceChallenge, dpopTokenBound } from '../checks/index.ts';
import type { HttpExchange, RecordedResponse } from '../core/exchange.ts';
import type { StepDef } from '../core/types.ts';
import { StepAbort, type ModuleRun } from './module-run.ts';

/** What a step may declare under `with.dpop` (true = a valid proof). */
export interface DpopOptions {
  key?: 'main' | 'other';
  /** Signing alg of the proof (default ES256 for main, ES256 for other). none / HS256 / RS256 forge. */
  alg?: string;
  htm?: string;
  /** A literal htu, or a variant of the real one: `case` (upper-case scheme and host), `port` (explicit default port), `query`, `fragment`, `other` (another path). */
  htu?: string;
  htu_variant?: 'case' | 'port' | 'query' | 'fragment' | 'other';
  /** Seconds added to iat (e.g. -3600 stale, 3600 future). */
  iat_offset?: number;
  /** `replay`: send the previous proof of this module again, unchanged. */
  jti?: 'replay' | string;
  typ?: string;
  /** Header parameters or claims left out: typ, alg, jwk, jti, htm, htu, iat, ath. */
  omit?: string[];
  private_key_in_jwk?: boolean;
  bad_signature?: boolean;
  /** `wrong`: the hash of another token; `omit` same as omit: [ath]. Default: hash of the token sent. */
  ath?: 'wrong' | 'omit';
  /** `omit`: never send a nonce, and judge the use_dpop_nonce challenge itself. */
  nonce?: 'omit' | 'stale';
  multiple_headers?: boolean;
  malformed?: boolean;
  /** Claims added to the proof (extensibility, §4.2). */
  extra_claims?: Record<string, unknown>;
}

interface KeyPair { privateKey: CryptoKey; publicJwk: JWK; alg: string; jkt?: string }

interface DpopState {
  keys: Map<string, Promise<KeyPair>>;
  /** The last DPoP-Nonce each origin sent (§8: the client uses it in subsequent proofs). */
  nonces: Map<string, string>;
  lastProof?: string;
  /** Thumbprint of the key of the last proof sent. */
  lastJkt?: string;
}

const states = new WeakMap<ModuleRun, DpopState>();

function state(run: ModuleRun): DpopState {
  let s = states.get(run);
  if (!s) {
    s = { keys: new Map(), nonces: new Map() };
    states.set(run, s);
  }
  return s;
}

async function makeKey(alg: string): Promise<KeyPair> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const full = await exportJWK(privateKey);
  const publicJwk = Object.fromEntries(Object.entries(full).filter(([k]) => !['d', 'p', 'q', 'dp', 'dq', 'qi'].includes(k))) as JWK;
  return { privateKey, publicJwk, alg };
}

/** The module's key pair: `main` (the one tokens are bound to), `other`, or one for a forged alg. */
function keyFor(run: ModuleRun, name: string, alg: string): Promise<KeyPair> {
  const s = state(run);
  const id = `${name}:${alg}`;
  let k = s.keys.get(id);
  if (!k) {
    k = makeKey(alg);
    s.keys.set(id, k);
  }
  return k;
}

/** JWK SHA-256 thumbprint (RFC 7638) of the module's DPoP key, for dpop_jkt (§10) and cnf.jkt checks. */
export async function dpopJkt(run: ModuleRun, key: 'main' | 'other' = 'main'): Promise<string> {
  const k = await keyFor(run, key, 'ES256');
  k.jkt ??= await calculateJwkThumbprint(k.publicJwk, 'sha256');
  return k.jkt;
}

/** The thumbprint of the key that signed the last proof this module sent (undefined: none sent). */
export function lastDpopJkt(run: ModuleRun): string | undefined {
  return states.get(run)?.lastJkt;
}

/** base64url(SHA-256(access token)), the ath claim (§4.2). */
export function ath(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

export function dpopOptions(step: StepDef): DpopOptions | undefined {
  const v = step.with?.dpop;
  if (v === undefined || v === false || v === null) return undefined;
  if (v === true) return {};
  return v as DpopOptions;
}

function htuFor(url: string, o: DpopOptions): string {
  if (o.htu !== undefined) return o.htu;
  const u = new URL(url);
  const base = `${u.origin}${u.pathname}`;
  switch (o.htu_variant) {
    case 'case': return `${u.protocol.toUpperCase()}//${u.host.toUpperCase()}${u.pathname}`;
    case 'port': return u.port ? base : `${u.protocol}//${u.hostname}:${u.protocol === 'https:' ? 443 : 80}${u.pathname}`;
    case 'query': return `${base}?touchstone=1`;
    case 'fragment': return `${base}#touchstone`;
    case 'other': return `${u.origin}${u.pathname.replace(/\/?$/, '')}/other`;
    default: return base;
  }
}

/** Build one proof for `req` as the options declare. */
export async function buildProof(run: ModuleRun, o: DpopOptions, req: { method: string; url: string; accessToken?: string }, nonce?: string): Promise<{ proof: string; jkt: string }> {
  const s = state(run);
  const keyName = o.key ?? 'main';
  const alg = o.alg ?? 'ES256';
  const omit = new Set(o.omit ?? []);
  if (o.ath === 'omit') omit.add('ath');
  // none and HS256 are forged with the main key's jwk in the header; RS256 with an RSA key.
  const signer = await keyFor(run, keyName, alg === 'RS256' || alg === 'PS256' || alg === 'EdDSA' ? alg : 'ES256');
  let jwk: JWK = signer.publicJwk;
  if (o.private_key_in_jwk) jwk = await exportJWK(signer.privateKey);
  // An alg off the allow-list (RS256) is sent with the bound key's jwk, so only the alg is wrong.
  if (alg === 'RS256' && !o.key) jwk = (await keyFor(run, keyName, 'ES256')).publicJwk;
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  const header: Record<string, unknown> = { typ: o.typ ?? 'dpop+jwt', alg, jwk };
  const claims: Record<string, unknown> = {
    jti: randomUUID(),
    htm: o.htm ?? req.method.toUpperCase(),
    htu: htuFor(req.url, o),
    iat: Math.floor(Date.now() / 1000) + (o.iat_offset ?? 0),
    ...(req.accessToken !== undefined ? { ath: ath(o.ath === 'wrong' ? `${req.accessToken}x` : req.accessToken) } : {}),
    ...(nonce !== undefined ? { nonce } : {}),
    ...(o.extra_claims ?? {}),
  };
  for (const name of omit) {
    delete header[name];
    delete claims[name];
  }
  const payload = new TextEncoder().encode(JSON.stringify(claims));
  let proof: string;
  if (alg === 'none' || alg === 'HS256') {
    const h = Buffer.from(JSON.stringify(header)).toString('base64url');
    const p = Buffer.from(payload).toString('base64url');
    const sig = alg === 'none' ? '' : createHmac('sha256', randomUUID()).update(`${h}.${p}`).digest('base64url');
    proof = `${h}.${p}.${sig}`;
  } else if (omit.has('alg')) {
    // jose requires alg: sign with it, then swap in the header without alg (signature then breaks too).
    const signed = await new CompactSign(payload).setProtectedHeader({ ...header, alg } as { alg: string }).sign(signer.privateKey);
    const [, p, sig] = signed.split('.');
    proof = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${p}.${sig}`;
  } else {
    proof = await new CompactSign(payload).setProtectedHeader(header as { alg: string }).sign(signer.privateKey);
  }
  if (o.bad_signature) {
    const [h, p, sig] = proof.split('.');
    const bytes = Buffer.from(sig, 'base64url');
    bytes[0] ^= 0xff;
    proof = `${h}.${p}.${bytes.toString('base64url')}`;
  }
  if (o.malformed) proof = `${proof.split('.').slice(0, 2).join('.')}!not-a-jws`;
  s.lastJkt = jkt;
  return { proof, jkt };
}

/** A proof with the private members of its header jwk replaced by *** (for the recorded exchange). */
export function redactProof(proof: string): string {
  return proof.split(', ').map((one) => {
    const [h, ...rest] = one.split('.');
    try {
      const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { jwk?: Record<string, unknown> };
      if (!header.jwk) return one;
      for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) if (m in header.jwk) header.jwk[m] = '***';
      return [Buffer.from(JSON.stringify(header)).toString('base64url'), ...rest].join('.');
    } catch {
      return one;
    }
  }).join(', ');
}

/** Did the response ask for a DPoP nonce (§8: 400 use_dpop_nonce; §9: 401 WWW-Authenticate error="use_dpop_nonce")? */
export function nonceChallenge(ex: HttpExchange): string | undefined {
  const res = ex.response;
  if (!res) return undefined;
  const nonce = res.headers['dpop-nonce'];
  const jsonError = (res.json as { error?: unknown } | undefined)?.error;
  const challenged = jsonError === 'use_dpop_nonce' || /error="?use_dpop_nonce/.test(res.headers['www-authenticate'] ?? '');
  return challenged && nonce ? nonce : undefined;
}

/**
 * Send a request with the step's DPoP proof (none when the step has no `with.dpop`), retrying
 * once with the server's nonce on a use_dpop_nonce challenge unless the step omits nonces.
 */
export async function sendWithDpop(
  run: ModuleRun,
  step: StepDef,
  req: { method: string; url: string; accessToken?: string },
  /** `retry`: the request is sent again after a nonce challenge (rebuild one-time values, e.g. a client assertion's jti). */
  send: (headers: Record<string, string>, retry: boolean) => Promise<HttpExchange>,
): Promise<HttpExchange> {
  const o = dpopOptions(step);
  if (!o) return send({}, false);
  const s = state(run);
  const origin = new URL(req.url).origin;
  if (o.jti === 'replay') {
    if (!s.lastProof) throw new StepAbort('with.dpop.jti: replay needs an earlier DPoP request in the module');
    return send({ dpop: s.lastProof }, false);
  }
  const headerFor = async (nonce?: string): Promise<Record<string, string>> => {
    const { proof } = await buildProof(run, o, req, nonce);
    s.lastProof = proof;
    if (o.multiple_headers) {
      const { proof: second } = await buildProof(run, o, req, nonce);
      // Two field lines and one comma-joined line are the same field (RFC 9110 §5.3).
      return { dpop: `${proof}, ${second}` };
    }
    return { dpop: proof };
  };
  // private_key_in_jwk: the recorded proof shows the private members as *** (the key never reaches a report).
  if (o.private_key_in_jwk) {
    const raw = send;
    send = async (headers, retry) => {
      const ex = await raw(headers, retry);
      if (ex.request.headers.dpop) ex.request.headers.dpop = redactProof(ex.request.headers.dpop);
      return ex;
    };
  }
  const known = o.nonce === 'omit' ? undefined : o.nonce === 'stale' ? 'touchstone-stale-nonce' : s.nonces.get(origin);
  const first = await send(await headerFor(known), false);
  const fresh = first.response?.headers['dpop-nonce'];
  if (fresh) s.nonces.set(origin, fresh);
  const challenge = nonceChallenge(first);
  if (!challenge || o.nonce === 'omit' || o.malformed) return first;
  return send(await headerFor(challenge), true);
}

/**
 * DPoP checks on a token endpoint answer: a successful request with a valid proof is bound
 * (token_type DPoP, cnf.jkt = the proof key, RFC 9449 §5, §6); a DPoP refusal is a DPoP error
 * body (§5), and a nonce challenge carries DPoP-Nonce (§8).
 */
export function judgeDpopTokenResponse(run: ModuleRun, step: StepDef, res: RecordedResponse, exId: string, refused: boolean): void {
  const o = dpopOptions(step);
  if (!o) return;
  const error = (res.json as { error?: unknown } | undefined)?.error;
  if (refused) {
    // A use_dpop_nonce answer is judged as a nonce challenge (§8: 400 with DPoP-Nonce); a step that
    // also allows invalid_dpop_proof (e.g. a stale iat, §4.3 (11)) leaves that answer to the schema check.
    const nonceJudged = o.nonce === 'omit' && step.expect?.error?.includes('use_dpop_nonce') && (error === 'use_dpop_nonce' || !step.expect.error.includes('invalid_dpop_proof'));
    if (nonceJudged) run.add(dpopNonceChallenge({ status: res.status, json: res.json ?? res.body, headers: res.headers }, exId));
    else if (error === 'invalid_dpop_proof' || error === 'use_dpop_nonce') run.add(dpopErrorMatchesSchema({ status: res.status, json: res.json ?? res.body }, exId));
    return;
  }
  const jkt = lastDpopJkt(run);
  if (jkt) run.add(dpopTokenBound({ json: res.json, expectedJkt: jkt }, exId));
}
