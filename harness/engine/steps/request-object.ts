// Signed request objects as a client builds them, for every step that sends one: CIBA's signed
// authentication request (CIBA Core §7.1.1), and the authorization request by value at /authorize
// and inside a pushed request (JAR, RFC 9101 §4; RFC 9126 §3). `with.request_object` edits them as
// data: claims set or dropped, another plan client's key, alg none, a broken signature, and
// parameters sent outside the object beside it.
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import type { PlanClient } from '../../core/types.ts';
import { StepAbort } from '../module-run.ts';
import { CLIENT, enumOf, STRINGS } from './options.ts';

/** `with.request_object`: claims to set (null removes) or drop, another plan client's key, alg none, a broken signature, parameters outside. */
export interface RequestObjectEdit { set?: Record<string, unknown>; drop?: string[]; sign_with?: string; alg?: 'none' | 'RS256' | 'PS256' | 'ES256' | 'EdDSA'; corrupt_signature?: boolean; outside?: Record<string, string> }

/** The edit of `with.request_object` (true: none), or undefined when no request object is sent. */
export function requestObjectEdit(v: unknown): RequestObjectEdit | undefined {
  if (v === undefined || v === false) return undefined;
  return typeof v === 'object' && v !== null ? (v as RequestObjectEdit) : {};
}

/**
 * The request object's claims: iss = the client, aud = the OP's issuer, exp 5 minutes ahead,
 * iat = nbf = now, a fresh jti (RFC 9101 §4, FAPI 2.0 Message Signing §5.3.1, CIBA §7.1.1), the
 * request's parameters, then the edits.
 */
export function requestObjectClaims(client: PlanClient, issuer: string, params: Record<string, string>, ro: RequestObjectEdit): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { iss: client.client_id, aud: issuer, exp: now + 300, iat: now, nbf: now, jti: randomUUID(), ...params };
  for (const [k, v] of Object.entries(ro.set ?? {})) {
    // Relative times: { exp: "+600" } or { nbf: "-4200" } are seconds from now.
    const rel = typeof v === 'string' && /^[+-]\d+$/.test(v) && ['exp', 'iat', 'nbf'].includes(k);
    if (v === null) delete claims[k];
    else claims[k] = rel ? now + Number(v) : v;
  }
  for (const k of ro.drop ?? []) delete claims[k];
  return claims;
}

/** Sign `claims` with `signer`'s private jwk (`ro.alg`, else its alg, else PS256 / ES256 / EdDSA by key type), or leave them unsigned (alg none). */
export async function signRequestObject(signer: PlanClient, claims: Record<string, unknown>, ro: RequestObjectEdit): Promise<string> {
  if (ro.alg === 'none') {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return `${enc({ alg: 'none' })}.${enc(claims)}.`;
  }
  if (!signer.jwk) throw new StepAbort(`client ${signer.client_id} has no private jwk to sign the request object with`);
  const { alg: keyAlg, ...jwk } = signer.jwk as JWK;
  // ro.alg: another alg for the same key (RS256 with an RSA key registered for PS256).
  const alg = ro.alg ?? keyAlg ?? (jwk.kty === 'EC' ? 'ES256' : jwk.kty === 'OKP' ? 'EdDSA' : 'PS256');
  const jwt = await new SignJWT(claims).setProtectedHeader({ alg, ...(jwk.kid ? { kid: jwk.kid } : {}) }).sign(await importJWK(jwk, alg));
  if (!ro.corrupt_signature) return jwt;
  const [h, p, sig] = jwt.split('.');
  // Flip the first signature byte: the same length and alg, a signature that cannot verify.
  const bytes = Buffer.from(sig, 'base64url');
  bytes[0] ^= 0xff;
  return `${h}.${p}.${bytes.toString('base64url')}`;
}

/** The parameters a request object carried (its claims that are strings), as the OP reads them. */
export function paramsOf(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(claims)) {
    if (['iss', 'aud', 'exp', 'iat', 'nbf', 'jti'].includes(k)) continue;
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number') out[k] = String(v);
  }
  return out;
}

/** The `with.request_object` option (CIBA takes it without `outside`). */
export function requestObjectOption(outside: boolean): Record<string, unknown> {
  return {
    type: ['boolean', 'object'],
    additionalProperties: false,
    properties: {
      set: { type: 'object', description: 'claims to set (null removes; "+N" / "-N" for exp, iat, nbf are seconds from now)' },
      drop: STRINGS,
      sign_with: CLIENT,
      alg: { ...enumOf('none', 'RS256', 'PS256', 'ES256', 'EdDSA'), description: 'none: unsigned; another alg: the same key signs with it' },
      corrupt_signature: { type: 'boolean' },
      ...(outside ? { outside: { type: 'object', additionalProperties: { type: 'string' }, description: 'parameters also sent outside the request object (RFC 9101 §6.3: the OP ignores them)' } } : {}),
    },
  };
}

/** What a request was sent with: the parameters inside its request object and those beside it. */
export interface SentRequestObject { inside: Record<string, string>; outside: Record<string, string> }

const sentWith = new WeakMap<object, SentRequestObject>();

/** Remember that the par or authorize step output `out` came of a request object. */
export function rememberRequestObject(out: object, sent: SentRequestObject): void {
  sentWith.set(out, sent);
}

/** The request object a par or authorize step output came of, if any. */
export function requestObjectOf(out: object | undefined): SentRequestObject | undefined {
  return out ? sentWith.get(out) : undefined;
}
