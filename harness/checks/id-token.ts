// Checks on a decoded ID Token (OpenID Connect Core §2, §3.1.3.7, §3.1.3.8). Signature
// verification itself is done by the engine with jose; idTokenSignatureVerified judges its result.
import { createHash } from 'node:crypto';
import { defineCheck, fail, pass } from '../core/finding.ts';
import { validateAgainst } from '../schemas/validate.ts';
import { evidence, field, has, isFiniteNumber, isRecord, preview, summarizeErrors, typeName } from './util.ts';

export interface IdTokenEvidence {
  /** The decoded JWT claims set. */
  claims: unknown;
  /** The decoded protected header. */
  header: unknown;
  /** The issuer identifier from discovery. */
  issuer: string;
  clientId: string;
  /** The nonce sent in the authentication request, if any. */
  nonce?: string;
  /** Current time, seconds since the epoch. */
  now: number;
  /** The access token issued with this ID Token, for at_hash. */
  accessToken?: string;
  /** Allowed clock skew in seconds (default 60). */
  skewSeconds?: number;
}

export interface SignatureEvidence {
  verified: boolean;
  error?: string;
  kid?: string;
  alg?: string;
  expectedAlg?: string;
  jwksKids?: string[];
}

export const DEFAULT_SKEW_SECONDS = 60;
/** The client's acceptable iat age (before skew) when the plan gives none: OIDC Core §3.1.3.7 (10) leaves it to the client. */
export const MAX_IAT_AGE_SECONDS = 600;

function skewOf(input: unknown): number {
  const s = field(input, 'skewSeconds');
  return isFiniteNumber(s) && s >= 0 ? s : DEFAULT_SKEW_SECONDS;
}

function claimsOf(input: unknown): Record<string, unknown> | undefined {
  const c = field(input, 'claims');
  return isRecord(c) ? c : undefined;
}

const notAnObject = (input: unknown) => `expected the ID Token claims to be a JSON object, found a ${typeName(field(input, 'claims'))}`;

export const idTokenHasRequiredClaims = defineCheck<IdTokenEvidence>('id-token-has-required-claims', 'OIDCC-2-claims', (input) => {
  const expected = 'iss, sub, aud (string or array), exp and iat (numbers), optional claims correctly typed';
  const claims = field(input, 'claims');
  const r = validateAgainst('id-token-claims', claims);
  if (r.ok) return pass('ID Token carries iss, sub, aud, exp and iat with the right types', expected);
  return fail(`ID Token claims do not match id-token-claims.schema.json: ${summarizeErrors(r.errors)}`, expected, r.errors);
});

export const idTokenIssMatches = defineCheck<IdTokenEvidence>('id-token-iss-matches', 'OIDCC-3.1.3.7-iss', (input) => {
  const issuer = field(input, 'issuer');
  const claims = claimsOf(input);
  if (!claims) return fail(notAnObject(input), issuer, evidence(field(input, 'claims')));
  if (!has(claims, 'iss')) return fail(`expected iss ${preview(issuer)}, found no iss claim`, issuer, undefined);
  if (typeof issuer === 'string' && claims.iss === issuer) return pass(`iss is exactly the issuer ${preview(issuer)}`, issuer, claims.iss);
  return fail(`expected iss exactly ${preview(issuer)}, found ${preview(claims.iss)}`, issuer, evidence(claims.iss));
});

export const idTokenAudContainsClient = defineCheck<IdTokenEvidence>('id-token-aud-contains-client', 'OIDCC-3.1.3.7-aud', (input) => {
  const clientId = field(input, 'clientId');
  const expected = { aud: `contains ${preview(clientId)}`, azp: `${preview(clientId)} when present` };
  const claims = claimsOf(input);
  if (!claims) return fail(notAnObject(input), expected, evidence(field(input, 'claims')));
  if (typeof clientId !== 'string') return fail(`expected a client_id string to compare aud with, found a ${typeName(clientId)}`, expected, undefined);
  const aud = claims.aud;
  let audiences: string[];
  if (typeof aud === 'string') audiences = [aud];
  else if (Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === 'string')) audiences = aud as string[];
  else return fail(`expected aud to be a string or non-empty array of strings containing ${preview(clientId)}, found ${has(claims, 'aud') ? preview(aud) : 'no aud claim'}`, expected, evidence(aud));
  if (!audiences.includes(clientId)) return fail(`expected aud to contain the client_id ${preview(clientId)}, found ${preview(aud)}`, expected, evidence(aud));
  // azp is judged by idTokenAzpIsClient (OIDC Core §3.1.3.7 (4), (5) are SHOULDs): not part of this MUST.
  return pass(`aud ${preview(aud)} contains the client_id`, expected, evidence({ aud }));
});

/** OIDC Core §3.1.3.7 (4), (5): with several audiences azp SHOULD be present; when present it SHOULD be the client_id. */
export const idTokenAzpIsClient = defineCheck<IdTokenEvidence>('id-token-azp-is-client', 'OIDCC-3.1.3.7-azp', (input) => {
  const clientId = field(input, 'clientId');
  const expected = { azp: `${preview(clientId)} when present (and present with several audiences)` };
  const claims = claimsOf(input);
  if (!claims) return fail(notAnObject(input), expected, evidence(field(input, 'claims')));
  if (typeof clientId !== 'string') return fail(`expected a client_id string to compare azp with, found a ${typeName(clientId)}`, expected, undefined);
  const { aud, azp } = claims;
  if (has(claims, 'azp')) {
    if (azp !== clientId) return fail(`expected azp to be the client_id ${preview(clientId)}, found ${preview(azp)} (aud ${preview(aud)})`, expected, evidence({ aud, azp }));
    return pass(`azp is the client_id ${preview(clientId)}`, expected, evidence({ azp }));
  }
  if (Array.isArray(aud) && aud.length > 1) return fail(`expected azp with ${aud.length} audiences, found none (aud ${preview(aud)})`, expected, evidence({ aud }));
  return pass('no azp, and a single audience: nothing to verify', expected, evidence({ aud }));
});

function nowOf(input: unknown): number | undefined {
  const now = field(input, 'now');
  return isFiniteNumber(now) ? now : undefined;
}

export const idTokenNotExpired = defineCheck<IdTokenEvidence>('id-token-not-expired', 'OIDCC-3.1.3.7-exp', (input) => {
  const claims = claimsOf(input);
  const now = nowOf(input);
  const skew = skewOf(input);
  const expected = `now (${now ?? '?'}) < exp + ${skew}s skew`;
  if (!claims) return fail(notAnObject(input), expected, evidence(field(input, 'claims')));
  if (now === undefined) return fail(`expected the current time in seconds to compare exp with, found ${preview(field(input, 'now'))}`, expected, undefined);
  const exp = claims.exp;
  if (!isFiniteNumber(exp)) return fail(`expected exp to be a number of seconds, found ${has(claims, 'exp') ? `a ${typeName(exp)} (${preview(exp)})` : 'no exp claim'}`, expected, evidence(exp));
  if (now < exp + skew) return pass(`ID Token expires in ${Math.round(exp - now)}s (exp ${exp}, now ${now})`, expected, exp);
  return fail(`expected the ID Token to be unexpired, found exp ${exp} which is ${Math.round(now - exp)}s before now (${now}), beyond the ${skew}s skew`, expected, exp);
});

/** OIDC Core §2: iat is the time the ID Token was issued: a number, not in the future (beyond the clock skew). */
export const idTokenIatIsRecent = defineCheck<IdTokenEvidence>('id-token-iat-is-recent', 'OIDCC-3.1.3.7-iat', (input) => {
  const claims = claimsOf(input);
  const now = nowOf(input);
  const skew = skewOf(input);
  const expected = now === undefined ? 'iat a number, not in the future' : `iat <= ${now + skew}`;
  if (!claims) return fail(notAnObject(input), expected, evidence(field(input, 'claims')));
  if (now === undefined) return fail(`expected the current time in seconds to compare iat with, found ${preview(field(input, 'now'))}`, expected, undefined);
  const iat = claims.iat;
  if (!isFiniteNumber(iat)) return fail(`expected iat to be a number of seconds, found ${has(claims, 'iat') ? `a ${typeName(iat)} (${preview(iat)})` : 'no iat claim'}`, expected, evidence(iat));
  if (iat > now + skew) return fail(`expected iat not in the future, found iat ${iat}, ${Math.round(iat - now)}s after now (${now}), beyond the ${skew}s skew`, expected, iat);
  return pass(`iat ${iat} is ${Math.round(now - iat)}s before now`, expected, iat);
});

/**
 * OIDC Core §3.1.3.7 (10): a client MAY reject ID Tokens issued too far from the current time; the
 * acceptable range is client specific, so an old iat is a warning at most (range: `maxIatAgeSeconds`,
 * default MAX_IAT_AGE_SECONDS).
 */
export const idTokenIatWithinWindow = defineCheck<IdTokenEvidence & { maxIatAgeSeconds?: number }>('id-token-iat-within-window', 'OIDCC-3.1.3.7-iat-window', (input) => {
  const claims = claimsOf(input);
  const now = nowOf(input);
  const skew = skewOf(input);
  const m = field(input, 'maxIatAgeSeconds');
  const maxAge = isFiniteNumber(m) && m >= 0 ? m : MAX_IAT_AGE_SECONDS;
  const expected = now === undefined ? `iat within the last ${maxAge}s` : `iat >= ${now - maxAge - skew}`;
  if (!claims) return fail(notAnObject(input), expected, evidence(field(input, 'claims')));
  if (now === undefined) return fail(`expected the current time in seconds to compare iat with, found ${preview(field(input, 'now'))}`, expected, undefined);
  const iat = claims.iat;
  if (!isFiniteNumber(iat)) return fail(`expected iat to be a number of seconds, found ${has(claims, 'iat') ? `a ${typeName(iat)} (${preview(iat)})` : 'no iat claim'}`, expected, evidence(iat));
  if (iat < now - maxAge - skew) return fail(`expected iat within the client's window of ${maxAge}s (+${skew}s skew), found iat ${iat}, ${Math.round(now - iat)}s before now (${now})`, expected, iat);
  return pass(`iat ${iat} is within ${maxAge}s of now`, expected, iat);
});

export const idTokenNonceMatches = defineCheck<IdTokenEvidence>('id-token-nonce-matches', 'OIDCC-3.1.3.7-nonce', (input) => {
  const claims = claimsOf(input);
  const sent = has(input, 'nonce') && field(input, 'nonce') !== undefined;
  const nonce = field(input, 'nonce');
  const expected = sent ? nonce : '(no nonce claim: none was sent)';
  if (!claims) return fail(notAnObject(input), expected, evidence(field(input, 'claims')));
  const present = has(claims, 'nonce');
  if (!sent) {
    if (!present) return pass('no nonce was sent and the ID Token has no nonce claim', expected, undefined);
    return fail(`expected no nonce claim (none was sent in the authentication request), found ${preview(claims.nonce)}`, expected, evidence(claims.nonce));
  }
  if (!present) return fail(`expected nonce ${preview(nonce)} (sent in the authentication request), found no nonce claim`, expected, undefined);
  if (typeof nonce === 'string' && claims.nonce === nonce) return pass(`nonce equals the value sent (${preview(nonce)})`, expected, claims.nonce);
  return fail(`expected nonce ${preview(nonce)}, found ${preview(claims.nonce)}`, expected, evidence(claims.nonce));
});

/** The hash OIDC Core §3.1.3.8 pairs with a JWS alg, or undefined when there is none. */
export function hashForAlg(alg: unknown): { name: string; outputLength?: number } | undefined {
  if (typeof alg !== 'string') return undefined;
  if (alg === 'EdDSA' || alg === 'Ed25519') return { name: 'sha512' };
  if (alg === 'Ed448') return { name: 'shake256', outputLength: 114 };
  if (alg === 'none') return undefined;
  if (/^[A-Z]{2}256K?$/.test(alg)) return { name: 'sha256' };
  if (/^[A-Z]{2}384$/.test(alg)) return { name: 'sha384' };
  if (/^[A-Z]{2}512$/.test(alg)) return { name: 'sha512' };
  return undefined;
}

/** base64url of the left-most half of the hash of the ASCII token (at_hash, c_hash, s_hash). */
export function leftHalfHash(token: string, alg: string): string | undefined {
  const h = hashForAlg(alg);
  if (!h) return undefined;
  const digest = createHash(h.name, h.outputLength === undefined ? undefined : { outputLength: h.outputLength }).update(token, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

export const idTokenAtHashMatches = defineCheck<IdTokenEvidence>('id-token-at-hash-matches', 'OIDCC-3.1.3.8-at-hash', (input) => {
  const claims = claimsOf(input);
  if (!claims) return fail(notAnObject(input), 'at_hash absent, or the hash of the access token', evidence(field(input, 'claims')));
  if (!has(claims, 'at_hash')) return pass('at_hash absent (optional in code flow)');
  const atHash = claims.at_hash;
  const alg = field(field(input, 'header'), 'alg');
  const accessToken = field(input, 'accessToken');
  if (typeof atHash !== 'string') return fail(`expected at_hash to be a base64url string, found a ${typeName(atHash)}`, 'a base64url string', evidence(atHash));
  if (typeof accessToken !== 'string') return fail(`expected an access token to compare at_hash ${preview(atHash)} with, found ${accessToken === undefined ? 'none' : `a ${typeName(accessToken)}`}`, 'an access token to hash', evidence(accessToken));
  if (/[^\x00-\x7f]/.test(accessToken)) return fail('expected an ASCII access token to hash, found non-ASCII characters', 'an ASCII access token', evidence(accessToken));
  const want = typeof alg === 'string' ? leftHalfHash(accessToken, alg) : undefined;
  if (want === undefined) return fail(`expected a JWS alg with a known hash (e.g. RS256, ES384, PS512, EdDSA) to compute at_hash with, found alg ${preview(alg)}`, 'a JWS alg with a hash', evidence(alg));
  const hashName = hashForAlg(alg)!.name;
  if (atHash === want) return pass(`at_hash ${preview(atHash)} is the left half of ${hashName} of the access token (alg ${alg})`, want, atHash);
  return fail(`expected at_hash ${JSON.stringify(want)} (left half of ${hashName} of the access token, alg ${alg}), found ${preview(atHash)}`, want, evidence(atHash));
});

/** jose / WebCrypto errors raised while importing a JWK rather than while checking the signature. */
const KEY_IMPORT_ERROR = /ERR_JWKS_INVALID|ERR_JWK_INVALID|Invalid keyData|must be public keys|requires key modulusLength|Invalid key|key import/i;

export const idTokenSignatureVerified = defineCheck<SignatureEvidence>('id-token-signature-verified', 'OIDCC-3.1.3.7-signature', (input) => {
  const verified = field(input, 'verified');
  const error = field(input, 'error');
  const kid = field(input, 'kid');
  const alg = field(input, 'alg');
  const expectedAlg = field(input, 'expectedAlg');
  const jwksKids = field(input, 'jwksKids');
  const expected = { verified: true, alg: typeof expectedAlg === 'string' ? expectedAlg : '(not none)' };
  const actual = evidence({ verified, alg, kid, ...(error === undefined ? {} : { error }) });
  let kidNote: string;
  if (typeof kid !== 'string') kidNote = 'no kid in the header';
  else if (Array.isArray(jwksKids)) kidNote = `kid ${preview(kid, 60)} ${jwksKids.includes(kid) ? 'is' : 'is not'} in the JWKS`;
  else kidNote = `kid ${preview(kid, 60)}`;
  if (alg === 'none' || (typeof alg === 'string' && alg.toLowerCase() === 'none')) {
    return fail(`expected a signed ID Token, found alg "none" (${kidNote})`, expected, actual);
  }
  if (verified !== true && typeof error === 'string' && KEY_IMPORT_ERROR.test(error)) {
    // The JWKS key itself could not be used (a private or malformed member, a short RSA modulus):
    // OIDC Core §10.1.1 has the OP publish its public verification keys there.
    return fail(`expected the ID Token signature to verify with the issuer's JWKS, found the JWKS key (${kidNote}) could not be imported as a public verification key: ${preview(error)} (alg ${preview(alg)})`, expected, actual);
  }
  if (verified !== true) {
    return fail(`expected the ID Token signature to verify with the issuer's JWKS, found it did not${typeof error === 'string' ? `: ${preview(error)}` : ''} (alg ${preview(alg)}, ${kidNote})`, expected, actual);
  }
  if (typeof expectedAlg === 'string' && alg !== expectedAlg) {
    return fail(`expected alg ${preview(expectedAlg)}, found ${preview(alg)} (${kidNote})`, expected, actual);
  }
  return pass(`signature verifies (alg ${preview(alg)}, ${kidNote})`, expected, actual);
});

/** A refreshed ID Token (OIDC Core §12.2) and the nonce of the ID Token from the original authentication. */
export interface RefreshNonceEvidence {
  claims: unknown;
  /** The nonce claim of the ID Token issued at the original authentication (undefined: it had none). */
  originalNonce?: unknown;
}

/** OIDC Core §12.2: a refreshed ID Token's nonce, if it has one, MUST be the original one (never the refresh request's: it has none). */
export const idTokenRefreshNonce = defineCheck<RefreshNonceEvidence>('id-token-refresh-nonce', 'OIDCC-12.2-refresh-nonce', (input) => {
  const claims = field(input, 'claims');
  if (!isRecord(claims)) return fail(`expected the refreshed ID Token's claims, found ${typeName(claims)}`);
  const original = field(input, 'originalNonce');
  if (!has(claims, 'nonce')) return pass('the refreshed ID Token has no nonce claim', original ?? '(none)', undefined);
  if (original !== undefined && claims.nonce === original) return pass(`the refreshed ID Token repeats the original nonce (${preview(original)})`, original, claims.nonce);
  return fail(`expected no nonce or the original one (${original === undefined ? 'the original ID Token had none' : preview(original)}), found ${preview(claims.nonce)}`, original ?? '(no nonce claim)', evidence(claims.nonce));
});

/** OIDC Core §12.2: a refreshed ID Token SHOULD NOT have a nonce claim. */
export const idTokenRefreshHasNoNonce = defineCheck<RefreshNonceEvidence>('id-token-refresh-no-nonce', 'OIDCC-12.2-refresh-no-nonce', (input) => {
  const claims = field(input, 'claims');
  if (!isRecord(claims)) return fail(`expected the refreshed ID Token's claims, found ${typeName(claims)}`);
  if (!has(claims, 'nonce')) return pass('the refreshed ID Token has no nonce claim', '(no nonce claim)', undefined);
  return fail(`expected no nonce claim in a refreshed ID Token (§12.2: SHOULD NOT), found ${preview(claims.nonce)}`, '(no nonce claim)', evidence(claims.nonce));
});
