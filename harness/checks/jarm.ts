// JARM (JWT Secured Authorization Response Mode for OAuth 2.0, final): the authorization response
// as a JWT in the `response` parameter, judged as a client following §2.4 would process it, and
// the FAPI 2.0 Message Signing §5.4.1 rules on top. The engine decodes and verifies the JWT (jose,
// against the OP's JWKS from discovery); these checks read that evidence only.
import { defineCheck, fail, notSupported, pass, type Check, type Verdict } from '../core/finding.ts';
import { evidence, isFiniteNumber, isRecord, preview, typeName } from './util.ts';

export const JARM_MODES = ['jwt', 'query.jwt', 'fragment.jwt', 'form_post.jwt'] as const;
export type JarmMode = (typeof JARM_MODES)[number];

export function isJarmMode(m: unknown): m is JarmMode {
  return typeof m === 'string' && (JARM_MODES as readonly string[]).includes(m);
}

/** Where a JARM mode puts the response JWT: JARM §2.3.4, "jwt" is query.jwt for response_type=code. */
export function jarmChannel(mode: JarmMode, responseType = 'code'): 'query' | 'fragment' | 'form' {
  if (mode === 'form_post.jwt') return 'form';
  if (mode === 'fragment.jwt') return 'fragment';
  if (mode === 'query.jwt') return 'query';
  return responseType === 'code' ? 'query' : 'fragment';
}

export interface JarmEvidence {
  /** The response_mode the request asked for. */
  mode: JarmMode;
  /** Whether discovery lists the mode in response_modes_supported. */
  advertised: boolean;
  /** How the browser reached the redirect_uri and the parameter names of each part. */
  method: 'GET' | 'POST';
  query: string[];
  fragment: string[];
  form: string[];
  /** The decoded JWS header and claims of the `response` value found in the mode's channel. */
  header?: Record<string, unknown> | null;
  claims?: Record<string, unknown> | null;
  /** Whether the signature verified against the OP's JWKS (jose compactVerify), and why not. */
  verified?: boolean;
  error?: string;
  issuer: string;
  clientId: string;
  /** The state the request sent (absent: none sent). */
  sentState?: string;
  /** Seconds since the epoch when the response arrived. */
  now: number;
}

const channelName = { query: 'the query', fragment: 'the fragment', form: 'a form POSTed to the redirect_uri' } as const;
/** Authorization response parameters (RFC 6749 §2.1.2, §2.1.2.1; RFC 9207). */
const RESPONSE_PARAMS = ['code', 'error', 'error_description', 'error_uri', 'state', 'iss', 'id_token', 'access_token'];
/** Seconds of clock difference allowed between the OP and the harness. */
const SKEW = 30;

function partOf(e: JarmEvidence, channel: 'query' | 'fragment' | 'form'): string[] {
  const list = (e as unknown as Record<string, unknown>)[channel];
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
}

function shape(input: unknown): JarmEvidence | Verdict {
  if (!isRecord(input) || typeof input.mode !== 'string') return fail(`expected JARM evidence as an object with a mode, found a ${typeName(input)}`, 'mode, header, claims, verified', evidence(input));
  return input as unknown as JarmEvidence;
}

/** The decoded claims, or a failing verdict when there is no JWT to judge. */
function claimsOf(input: unknown, expected: unknown): { e: JarmEvidence; claims: Record<string, unknown> } | Verdict {
  const e = shape(input);
  if ('ok' in e) return e;
  if (!isRecord(e.claims) || !isRecord(e.header)) return fail(`expected a JWT in the response parameter (response_mode=${e.mode}), found none that decodes`, expected, null);
  return { e, claims: e.claims };
}

/** The response JWT's numeric exp (JARM §2.1: always there) with the evidence, or the failing verdict. */
function expOf(input: unknown, expected: unknown): { e: JarmEvidence; exp: number } | Verdict {
  const c = claimsOf(input, expected);
  if ('ok' in c) return c;
  const exp = c.claims.exp;
  if (!isFiniteNumber(exp)) return fail(`expected a numeric exp claim, found ${exp === undefined ? 'none' : preview(exp)}`, expected, evidence(exp));
  return { e: c.e, exp };
}

// JARM §2.3: the `response` parameter in the mode's channel. An OP that does not advertise the
// mode and answers in the plain default encoding ignored an unknown value (RFC 6749 §3.1): not supported.
export const jarmResponseInMode = defineCheck<JarmEvidence>('jarm-response-in-mode', 'JARM-2.3-response-mode', (input) => {
  const e = shape(input);
  if ('ok' in e) return e;
  if (!isJarmMode(e.mode)) return fail(`expected a JARM response_mode, found ${preview(e.mode)}`, JARM_MODES, evidence(e.mode));
  const channel = jarmChannel(e.mode);
  const expected = `response=<JWT> in ${channelName[channel]}`;
  const got = { method: e.method, query: partOf(e, 'query'), fragment: partOf(e, 'fragment'), form: partOf(e, 'form') };
  const inChannel = channel === 'form' ? (e.method === 'POST' ? got.form : []) : got[channel];
  if (inChannel.includes('response')) return pass(`the response JWT came in ${channelName[channel]}, as response_mode=${e.mode} asks`, expected, got);
  const plain = ['code', 'error'].some((k) => got.query.includes(k) || got.fragment.includes(k) || got.form.includes(k));
  if (!e.advertised && plain) return notSupported(`response_mode=${e.mode} is not advertised in response_modes_supported, and the OP answered in a plain encoding (RFC 6749 §3.1: unrecognised values are ignored)`, expected, got);
  const seen = ['query', 'fragment', 'form'].map((k) => [k, got[k as 'query']] as const).filter(([, v]) => v.length).map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ') || 'no parameters at all';
  return fail(`expected the response parameter in ${channelName[channel]}${e.advertised ? ` (${e.mode} is advertised)` : ''}, found ${seen}`, expected, got);
});

// JARM §2.2: the JWT is signed (or signed then encrypted); §2.4 step 5: the client checks the
// signature and never accepts alg none. Verified against the keys the OP publishes (jwks_uri).
export const jarmResponseSigned = defineCheck<JarmEvidence>('jarm-response-signed', 'JARM-2.2-signed', (input) => {
  const expected = 'a JWS (not alg none) that verifies with a key from the OP\'s JWKS';
  const c = claimsOf(input, expected);
  if ('ok' in c) return c;
  const { e } = c;
  const alg = e.header!.alg;
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none') return fail(`expected a signed response JWT, found alg ${preview(alg)}`, expected, { alg: evidence(alg) });
  if (e.verified !== true) return fail(`expected the signature to verify with a key from the OP's JWKS, found: ${preview(e.error ?? 'not verified')}`, expected, { alg, kid: evidence(e.header!.kid) });
  return pass(`the response JWT is signed with ${alg} and verifies with the OP's JWKS`, expected, { alg, kid: evidence(e.header!.kid) });
});

// JARM §2.1: iss, the issuer URL of the AS that created the response (§2.4 step 2: the client
// compares it with the issuer it sent the request to).
export const jarmResponseIss = defineCheck<JarmEvidence>('jarm-response-iss', 'JARM-2.1-iss', (input) => {
  const issuer = isRecord(input) ? input.issuer : undefined;
  const c = claimsOf(input, issuer);
  if ('ok' in c) return c;
  if (!Object.hasOwn(c.claims, 'iss')) return fail(`expected iss ${preview(issuer)} in the response JWT, found no iss claim`, issuer, null);
  if (c.claims.iss === issuer) return pass(`iss is exactly the issuer ${preview(issuer)}`, issuer, c.claims.iss);
  return fail(`expected iss exactly ${preview(issuer)}, found ${preview(c.claims.iss)}`, issuer, evidence(c.claims.iss));
});

// JARM §2.1: aud, the client_id of the client the response is intended for (§2.4 step 3). A JWT
// aud may be one string or an array (RFC 7519 §2.1.3); the client's id must be in it.
export const jarmResponseAud = defineCheck<JarmEvidence>('jarm-response-aud', 'JARM-2.1-aud', (input) => {
  const clientId = isRecord(input) ? input.clientId : undefined;
  const c = claimsOf(input, clientId);
  if ('ok' in c) return c;
  const aud = c.claims.aud;
  const list = Array.isArray(aud) ? aud : [aud];
  if (aud === undefined) return fail(`expected aud ${preview(clientId)} in the response JWT, found no aud claim`, clientId, null);
  if (list.includes(clientId)) return pass(`aud names the client ${preview(clientId)}`, clientId, evidence(aud));
  return fail(`expected aud to be the client_id ${preview(clientId)}, found ${preview(aud)}`, clientId, evidence(aud));
});

// JARM §2.1: exp is always there; §2.4 step 4: a client refuses an expired JWT, so it must still
// be valid on arrival (SKEW seconds of clock difference allowed).
export const jarmResponseExp = defineCheck<JarmEvidence>('jarm-response-exp', 'JARM-2.1-exp', (input) => {
  const expected = 'a numeric exp still in the future on arrival';
  const c = expOf(input, expected);
  if ('ok' in c) return c;
  const { exp } = c;
  if (exp + SKEW < c.e.now) return fail(`expected a JWT still valid on arrival; it had expired: exp ${exp} is ${c.e.now - exp} s before now (${c.e.now})`, expected, { exp, now: c.e.now });
  return pass(`exp ${exp} is ${exp - c.e.now} s after arrival`, expected, { exp, now: c.e.now });
});

// JARM §2.1: "A maximum JWT lifetime of 10 minutes is RECOMMENDED" (a SHOULD: a longer one warns).
export const jarmResponseLifetime = defineCheck<JarmEvidence>('jarm-response-lifetime', 'JARM-2.1-lifetime', (input) => {
  const expected = 'exp at most 10 minutes after arrival';
  const c = expOf(input, expected);
  if ('ok' in c) return c;
  const { exp } = c;
  const left = exp - c.e.now;
  if (left > 600 + SKEW) return fail(`expected at most 600 s of life; the response JWT lives ${left} s more, beyond the RECOMMENDED 10 minutes`, expected, { exp, now: c.e.now });
  return pass(`the response JWT lives ${left} s more (at most 600 RECOMMENDED)`, expected, { exp, now: c.e.now });
});

// JARM §2.1: the JWT carries the response parameters of the response type, errors included:
// code or error, and state exactly as sent (RFC 6749 §2.1.2) when the request had one.
export const jarmResponseParams = defineCheck<JarmEvidence>('jarm-response-params', 'JARM-2.1-params', (input) => {
  const sent = isRecord(input) ? input.sentState : undefined;
  const expected = `code or error${sent !== undefined ? `, and state ${preview(sent)}` : ''} as claims of the JWT`;
  const c = claimsOf(input, expected);
  if ('ok' in c) return c;
  const present = RESPONSE_PARAMS.filter((k) => Object.hasOwn(c.claims, k));
  if (typeof c.claims.code !== 'string' && typeof c.claims.error !== 'string') return fail(`expected a code or an error claim in the response JWT, found ${present.join(', ') || 'neither'}`, expected, present);
  if (sent !== undefined && c.claims.state !== sent) return fail(`expected state ${preview(sent)} in the response JWT, found ${c.claims.state === undefined ? 'no state claim' : preview(c.claims.state)}`, expected, present);
  return pass(`the response JWT carries ${present.join(', ')}`, expected, present);
});

// FAPI 2.0 Message Signing §5.4.1 note: iss (RFC 9207) only inside the JWT, as JARM §2.1 puts
// every response parameter there; a should: plain parameters beside the JWT warn.
export const jarmParamsOnlyInJwt = defineCheck<JarmEvidence>('jarm-params-only-in-jwt', 'FAPI2MS-5.4.1-iss-inside', (input) => {
  const e = shape(input);
  if ('ok' in e) return e;
  const outside = [...new Set([...partOf(e, 'query'), ...partOf(e, 'fragment'), ...partOf(e, 'form')])].filter((k) => RESPONSE_PARAMS.includes(k));
  const expected = 'only the response parameter at the redirect_uri';
  if (outside.length) return fail(`expected only the response parameter; response parameters also travel beside the JWT, unsigned: ${outside.join(', ')}`, expected, outside);
  return pass('no response parameter travels beside the JWT', expected, []);
});

/** FAPI 2.0 Security Profile §5.4.1: the only JWS algorithms. */
export const FAPI_JWS_ALGS = ['PS256', 'ES256', 'EdDSA'];

// FAPI 2.0 SP §5.4.1: authorization servers creating JWTs use PS256, ES256 or EdDSA only.
export const jarmFapiAlg = defineCheck<JarmEvidence>('jarm-fapi-alg', 'FAPI2SP-5.4.1-jarm-alg', (input) => {
  const c = claimsOf(input, FAPI_JWS_ALGS);
  if ('ok' in c) return c;
  const alg = c.e.header!.alg;
  if (typeof alg === 'string' && FAPI_JWS_ALGS.includes(alg)) return pass(`the response JWT is signed with ${alg}`, FAPI_JWS_ALGS, alg);
  return fail(`expected the response JWT signed with ${FAPI_JWS_ALGS.join(', ')}, found alg ${preview(alg)}`, FAPI_JWS_ALGS, evidence(alg));
});

/** The checks a JARM response is judged by; `fapi` adds the FAPI 2.0 ones. */
export function jarmChecks(fapi: boolean): Check<JarmEvidence>[] {
  const base = [jarmResponseInMode, jarmResponseSigned, jarmResponseIss, jarmResponseAud, jarmResponseExp, jarmResponseLifetime, jarmResponseParams];
  return fapi ? [...base, jarmParamsOnlyInJwt, jarmFapiAlg] : base;
}
