// Security-review checks (issue 13, OAuch-class): what the OP's pages and token responses tell a
// browser about framing, caching and referrers, and the shape of JWT access tokens. Pure functions
// over recorded evidence (the browser hops' response headers, token responses, issued tokens).
import { defineCheck, fail, pass } from '../core/finding.ts';
import { evidence, isRecord, preview, typeName } from './util.ts';

/** One OP page as the browser received it: a provider navigation answered 2xx with HTML. */
export interface OpPage {
  url: string;
  status?: number;
  headers: Record<string, string>;
}

/** The sources of CSP frame-ancestors, or undefined when no policy sets it (the first one that does wins). */
export function frameAncestors(csp: string | undefined): string[] | undefined {
  if (!csp) return undefined;
  // Several policies arrive joined by ", "; each is enforced, so any policy with the directive counts.
  for (const policy of csp.split(',')) {
    for (const directive of policy.split(';')) {
      const [name, ...sources] = directive.trim().split(/\s+/);
      if (name?.toLowerCase() === 'frame-ancestors') return sources.map((s) => s.toLowerCase());
    }
  }
  return undefined;
}

/** Why a page may be framed by another origin, or undefined when it may not. */
function framingGap(h: Record<string, string>): string | undefined {
  // CSP Level 2 §7.7: frame-ancestors, when present, governs (browsers then ignore X-Frame-Options).
  const fa = frameAncestors(h['content-security-policy']);
  if (fa) {
    // Any origin: `*`, a bare scheme (`https:`), or a wildcard host alone (`https://*`); a wildcard
    // subdomain of one site (`https://*.rp.example`) names that site only.
    const open = fa.filter((s) => s === '*' || /^[a-z][a-z0-9+.-]*:$/.test(s) || /^([a-z][a-z0-9+.-]*:\/\/)?\*(:[0-9*]+)?\/?$/.test(s));
    if (fa.length === 0) return 'CSP frame-ancestors has no source list';
    return open.length ? `CSP frame-ancestors allows any origin (${open.join(' ')})` : undefined;
  }
  // RFC 7034 §2.1: DENY or SAMEORIGIN; ALLOW-FROM is ignored by current browsers.
  const xfo = h['x-frame-options']?.trim().toLowerCase();
  if (xfo === 'deny' || xfo === 'sameorigin') return undefined;
  return xfo ? `X-Frame-Options ${preview(h['x-frame-options'])} is neither DENY nor SAMEORIGIN, and no CSP frame-ancestors` : 'neither X-Frame-Options nor CSP frame-ancestors';
}

// RFC 9700 §4.16: "Authorization servers MUST prevent clickjacking attacks" (X-Frame-Options, or
// CSP level 2 frame-ancestors, which the AS SHOULD also use). Frame-busting scripts are also named
// there but cannot be seen from headers; a page that relies on them alone is reported here.
export const opPagesRefuseFraming = defineCheck<{ pages: OpPage[] }>('op-pages-refuse-framing', 'RFC9700-4.16-clickjacking', ({ pages }) => {
  const expected = 'every OP page: X-Frame-Options DENY or SAMEORIGIN, or CSP frame-ancestors without a wildcard';
  if (pages.length === 0) return fail('expected at least one OP page, but none was recorded to judge', expected, []);
  const open = pages.flatMap((p) => {
    const gap = framingGap(p.headers);
    return gap ? [{ url: p.url, gap }] : [];
  });
  if (open.length === 0) return pass(`all ${pages.length} OP page(s) refuse framing by other origins`, expected, pages.map((p) => ({ url: p.url, 'x-frame-options': p.headers['x-frame-options'], 'content-security-policy': p.headers['content-security-policy'] })));
  return fail(`expected every OP page to refuse framing, but ${open.length} of ${pages.length} can be framed by any origin: ${open[0].url} has ${open[0].gap}`, expected, evidence(open));
});

/** Referrer policies that send no path or query to another origin (W3C Referrer Policy §3). */
const NON_LEAKING = new Set(['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin', 'origin', 'origin-when-cross-origin']);

/** The policy a browser applies: the last token it recognises (Referrer Policy §11.1). */
export function effectiveReferrerPolicy(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const known = new Set([...NON_LEAKING, 'unsafe-url', 'no-referrer-when-downgrade']);
  return header.split(',').map((t) => t.trim().toLowerCase()).filter((t) => known.has(t)).pop();
}

// RFC 9700 §4.2.4: the authorization endpoint's pages SHOULD NOT leak their URL (request
// parameters) to third parties; a Referrer Policy is the countermeasure it names. A SHOULD-level
// judgement: without the header the browser's own default applies, which the OP does not control.
export const opPagesReferrerPolicy = defineCheck<{ pages: OpPage[] }>('op-pages-referrer-policy', 'RFC9700-4.2.4-referrer-policy', ({ pages }) => {
  const expected = `every OP page: Referrer-Policy one of ${[...NON_LEAKING].join(', ')}`;
  if (pages.length === 0) return fail('expected at least one OP page, but none was recorded to judge', expected, []);
  const bad = pages.flatMap((p) => {
    const policy = effectiveReferrerPolicy(p.headers['referrer-policy']);
    return policy && NON_LEAKING.has(policy) ? [] : [{ url: p.url, 'referrer-policy': p.headers['referrer-policy'] ?? null }];
  });
  if (bad.length === 0) return pass(`all ${pages.length} OP page(s) set a Referrer-Policy that keeps their URL from other origins`, expected, pages.map((p) => ({ url: p.url, 'referrer-policy': p.headers['referrer-policy'] })));
  const first = bad[0];
  return fail(`expected a non-leaking Referrer-Policy on every OP page, but ${bad.length} of ${pages.length} ${first['referrer-policy'] === null ? 'set no Referrer-Policy (the browser default decides what leaks)' : `set Referrer-Policy ${preview(first['referrer-policy'])}, which sends the full URL elsewhere`}, e.g. ${first.url}`, expected, evidence(bad));
});

// RFC 6749 §5.1 asks for Pragma: no-cache beside Cache-Control: no-store; RFC 9111 §5.4 deprecates
// Pragma (HTTP/1.0 caches only), so this is judged at SHOULD: its absence is a warning.
export const tokenResponsePragmaNoCache = defineCheck<Record<string, string>>('token-response-pragma-no-cache', 'RFC6749-5.1-pragma', (headers) => {
  const expected = 'Pragma: no-cache';
  const p = headers.pragma;
  if (p === undefined) return fail('expected Pragma: no-cache, found no Pragma header', expected, undefined);
  if (p.split(',').some((d) => d.trim().toLowerCase() === 'no-cache')) return pass(`Pragma ${preview(p)}`, expected, p);
  return fail(`expected Pragma: no-cache, found ${preview(p)}`, expected, evidence(p));
});

/** A compact JWS's header and claims, or undefined when the token is not one (an opaque handle). */
export function decodeJwtParts(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (!isRecord(header) || typeof header.alg !== 'string' || !isRecord(claims)) return undefined;
    return { header, claims };
  } catch {
    return undefined;
  }
}

// RFC 9068 §2.1: typ "at+jwt" (application/at+jwt); §2.2: iss, exp, aud, sub, client_id, iat, jti
// are REQUIRED; §3: aud names the resource(s) the token is for (RFC 8707), so a token whose aud is
// just its granted scope values does not follow the profile. An opaque token is outside the profile.
export const accessTokenJwtProfile = defineCheck<{ token: string; issuer: string; clientId: string; scope?: string }>('access-token-jwt-profile', 'RFC9068-2.2-profile', ({ token, issuer, clientId, scope }) => {
  const expected = { typ: 'at+jwt', claims: ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'], iss: issuer, client_id: clientId, aud: 'resource identifier(s), not the scope values' };
  const jwt = decodeJwtParts(token);
  if (!jwt) return pass('the access token is opaque (not a JWT): the RFC 9068 profile applies to JWT access tokens only', expected, { format: 'opaque', length: token.length });
  const { header, claims } = jwt;
  const problems: string[] = [];
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : undefined;
  if (typ !== 'at+jwt' && typ !== 'application/at+jwt') problems.push(`typ is ${preview(header.typ)}, not at+jwt`);
  for (const c of ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']) if (claims[c] === undefined) problems.push(`${c} is missing`);
  if (claims.iss !== undefined && claims.iss !== issuer) problems.push(`iss ${preview(claims.iss)} is not the issuer ${preview(issuer)}`);
  if (claims.client_id !== undefined && claims.client_id !== clientId) problems.push(`client_id ${preview(claims.client_id)} is not the requesting client ${preview(clientId)}`);
  for (const c of ['exp', 'iat']) if (claims[c] !== undefined && typeof claims[c] !== 'number') problems.push(`${c} is not a NumericDate`);
  const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : undefined;
  if (claims.aud !== undefined && (!aud || aud.length === 0 || aud.some((a) => typeof a !== 'string'))) problems.push(`aud ${preview(claims.aud)} is not a string or a non-empty array of strings`);
  const scopes = new Set((scope ?? (typeof claims.scope === 'string' ? claims.scope : '')).split(' ').filter(Boolean));
  if (aud && aud.length > 0 && scopes.size > 0 && aud.every((a) => typeof a === 'string' && scopes.has(a))) problems.push(`aud ${preview(claims.aud)} is the granted scope list, not a resource`);
  const actual = evidence({ header: { typ: header.typ, alg: header.alg }, claims: Object.fromEntries(['iss', 'aud', 'sub', 'client_id', 'exp', 'iat', 'jti', 'scope'].map((c) => [c, claims[c]])) });
  if (problems.length) return fail(`expected a JWT access token following RFC 9068, but ${problems.join('; ')}`, expected, actual);
  return pass('the JWT access token follows RFC 9068 (typ at+jwt; iss, exp, aud, sub, client_id, iat, jti present; aud names a resource)', expected, actual);
});

/** Symbol sets a token's characters are drawn from, smallest first (the estimate takes the first that covers every sample). */
const ALPHABETS: { name: string; size: number; test: RegExp }[] = [
  { name: 'decimal digits', size: 10, test: /^[0-9]*$/ },
  // RFC 8628 §6.1's user code charset: the 20 consonants without vowels or look-alikes.
  { name: 'RFC 8628 base-20 consonants', size: 20, test: /^[BCDFGHJKLMNPQRSTVWXZ]*$/ },
  { name: 'lower-case hex', size: 16, test: /^[0-9a-f]*$/ },
  { name: 'upper-case hex', size: 16, test: /^[0-9A-F]*$/ },
  { name: 'base32 (RFC 4648)', size: 32, test: /^[A-Z2-7=]*$/ },
  { name: 'letters and digits', size: 62, test: /^[A-Za-z0-9]*$/ },
  { name: 'base64url', size: 64, test: /^[A-Za-z0-9_-]*$/ },
  { name: 'base64', size: 64, test: /^[A-Za-z0-9+/=]*$/ },
  { name: 'printable ASCII', size: 95, test: /^[\x20-\x7e]*$/ },
];

export interface EntropyEstimate {
  method: string;
  samples: number;
  distinct: number;
  alphabet: string;
  alphabetSize: number;
  /** Length of the shortest sample: positions compared across samples. */
  length: number;
  /** Positions (within `length`) whose symbol differs between at least two samples. */
  varyingPositions: number;
  /** The estimate judged: varyingPositions × log2(alphabetSize). */
  bits: number;
  /** Sum over positions of -log2(frequency of the most common symbol): a min-entropy estimate, at most length × log2(samples) with this many samples. */
  minEntropyBits: number;
}

/**
 * Estimate the bits of guessing work in a sample of tokens: the smallest standard alphabet that
 * covers every sample, times the number of character positions that vary between samples (a
 * position that never changes is a fixed prefix or structure and adds nothing). An upper bound:
 * a weak generator behind a wide alphabet is not seen. Beside it, a per-position min-entropy from
 * the most frequent symbol at each position, which a small sample caps at log2(N) per position.
 */
export function estimateEntropy(samples: string[]): EntropyEstimate {
  const strings = samples.filter((s): s is string => typeof s === 'string');
  const alpha = ALPHABETS.find((a) => strings.every((s) => a.test.test(s))) ?? { name: 'any characters', size: 256 };
  const length = strings.length ? Math.min(...strings.map((s) => s.length)) : 0;
  let varying = 0;
  let minEntropy = 0;
  for (let i = 0; i < length; i++) {
    const counts = new Map<string, number>();
    for (const s of strings) counts.set(s[i], (counts.get(s[i]) ?? 0) + 1);
    if (counts.size > 1) varying++;
    minEntropy += -Math.log2(Math.max(...counts.values()) / strings.length);
  }
  const bitsPer = Math.log2(alpha.size);
  return {
    method: 'alphabet × varying positions: bits = (positions that differ between samples) × log2(alphabet size); min-entropy per position from the most frequent symbol (capped at log2(samples) per position by the sample size)',
    samples: strings.length,
    distinct: new Set(strings).size,
    alphabet: alpha.name,
    alphabetSize: alpha.size,
    length,
    varyingPositions: varying,
    bits: Math.round(varying * bitsPer * 10) / 10,
    minEntropyBits: Math.round(minEntropy * 10) / 10,
  };
}

function judgeEntropy(kind: string, samples: string[], floor: number, level: string) {
  const expected = `a guessing probability of at most 2^-${floor} (${floor} bits or more, ${level}), every sample distinct`;
  if (!Array.isArray(samples) || samples.length < 2) return fail(`expected at least 2 ${kind} samples to estimate from, got ${Array.isArray(samples) ? samples.length : 0}`, expected, undefined);
  const e = estimateEntropy(samples);
  if (e.distinct < e.samples) return fail(`expected every ${kind} to be distinct, but ${e.samples - e.distinct} of ${e.samples} repeat an earlier one`, expected, e);
  if (e.bits < floor) return fail(`expected at least ${floor} bits in each ${kind}, estimated ${e.bits} bits (${e.varyingPositions} varying positions of ${e.alphabet}, ${e.length} characters)`, expected, e);
  return pass(`about ${e.bits} bits per ${kind} (${e.varyingPositions} varying positions of ${e.alphabet}, from ${e.samples} samples), at least ${floor}`, expected, e);
}

// RFC 6749 §10.10 (and RFC 6819 §5.1.4.2.2): "The probability of an attacker guessing generated
// tokens (and other credentials not intended for handling by end-users) MUST be less than or equal
// to 2^(-128) and SHOULD be less than or equal to 2^(-160)." Judged on each kind of value alone.
export const tokenEntropyMinimum = defineCheck<{ kind: string; samples: string[] }>('token-entropy-128', 'RFC6749-10.10-entropy-128', ({ kind, samples }) => judgeEntropy(kind, samples, 128, 'MUST'));
export const tokenEntropySuggested = defineCheck<{ kind: string; samples: string[] }>('token-entropy-160', 'RFC6749-10.10-entropy-160', ({ kind, samples }) => judgeEntropy(kind, samples, 160, 'SHOULD'));

/** One token request whose answer the specs leave open: its status, error code, and whether tokens came. */
export interface OutcomeInput {
  status: number;
  error?: string;
  tokens: boolean;
}

/** Which of the allowed answers came: `served` (tokens), `refused` (a 4xx token error), or neither. */
function reportOutcome(input: OutcomeInput, what: string, served: string, refused: string) {
  const expected = `either answer: ${served}, or ${refused} (a 400/401 token error)`;
  const actual = { status: input?.status, error: input?.error ?? null, tokens: input?.tokens === true };
  if (actual.status >= 200 && actual.status < 300 && actual.tokens) return pass(`${what}: ${served} (HTTP ${actual.status})`, expected, actual);
  if ((actual.status === 400 || actual.status === 401) && typeof input?.error === 'string') return pass(`${what}: ${refused} (HTTP ${actual.status} error=${input.error})`, expected, actual);
  return fail(`expected ${what} to be served with tokens or refused with a token error, got HTTP ${String(actual.status)}${actual.error ? ` error=${actual.error}` : ''}${actual.status < 300 ? ' without an access token' : ''}`, expected, actual);
}

// RFC 7009 §2.1: "If the token passed to the request is an access token, the server MAY revoke the
// respective refresh token as well." A MAY: a kept and a revoked refresh token both pass; which one
// the AS chose is the finding's message (OAuch Revocation/AccessRevokesRefresh). Only an answer that
// is neither tokens (RFC 6749 §5.1) nor a token error (§5.2) fails.
export const refreshAfterAccessRevoked = defineCheck<OutcomeInput>('refresh-after-access-revoked', 'RFC7009-2.1-access-revokes-refresh', (input) =>
  reportOutcome(input, 'the refresh token of a revoked access token', 'kept (the refresh request is served)', 'revoked with it (the refresh request is refused)'));

// RFC 6749 §4.1.3 and §10.5 say a code is single-use but not what a refused token request (e.g. a
// wrong code_verifier) does to it: the AS may keep the code for a correct request or spend it. Both
// pass; the message says which (information for a reviewer: a spent code blocks a retry, a kept
// one lets an attacker who guessed wrong try again until the code expires).
export const codeAfterRefusedRequest = defineCheck<OutcomeInput>('code-after-refused-request', 'RFC6749-4.1.3-code-after-refusal', (input) =>
  reportOutcome(input, 'the code after a refused token request for it', 'still redeemable (the correct request is served)', 'spent by the refused request (the correct request is refused)'));

// RFC 8628 §5.1 (user code brute forcing): a user code is typed by hand, so it carries far less
// than 128 bits; "The user code SHOULD have enough entropy that when combined with rate limiting
// and other mitigations makes a brute-force attack infeasible", with a 2^-32 chance of a correct
// guess as the RFC's yardstick (an 8-character base-20 code, about 34.5 bits, allows about 5
// attempts). With b bits, an AS may allow at most 2^(b-32) guesses per code; below 32 bits not even
// one guess keeps the chance under 2^-32. Separators (dashes, spaces) and case are ignored (§6.1).
export const userCodeEntropy = defineCheck<{ samples: string[] }>('user-code-entropy', 'RFC8628-5.1-user-code-entropy', ({ samples }) => {
  const expected = 'at least 32 bits per user code (RFC 8628 §5.1: a guess succeeds with at most 2^-32 chance once rate limiting allows a few attempts), every sample distinct';
  if (!Array.isArray(samples) || samples.length < 2) return fail(`expected at least 2 user_code samples to estimate from, got ${Array.isArray(samples) ? samples.length : 0}`, expected, undefined);
  const codes = samples.map((s) => (typeof s === 'string' ? s.replace(/[-\s]/g, '').toUpperCase() : s));
  const e = estimateEntropy(codes);
  if (e.distinct < e.samples) return fail(`expected every user_code to be distinct, but ${e.samples - e.distinct} of ${e.samples} repeat an earlier one`, expected, e);
  const attempts = Math.floor(2 ** (e.bits - 32));
  if (e.bits < 32) return fail(`expected at least 32 bits in each user_code, estimated ${e.bits} bits (${e.varyingPositions} varying positions of ${e.alphabet}): even one guess succeeds with more than 2^-32 chance`, expected, e);
  return pass(`about ${e.bits} bits per user_code (${e.varyingPositions} varying positions of ${e.alphabet}, from ${e.samples} samples): brute force stays at 2^-32 if the AS allows at most ${attempts} guess${attempts === 1 ? '' : 'es'} per code`, expected, { ...e, maxAttemptsAt2pow32: attempts });
});

/** Bits of a base64url big-endian unsigned integer (an RSA modulus), leading zeros not counted. */
export function modulusBits(n: string): number {
  const bytes = Buffer.from(n, 'base64url');
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]));
}

/** The curves registered for JWS with EC keys (RFC 7518 §3.4, §6.2.1.1; RFC 8812 §3.1 secp256k1). */
const JWS_EC_CURVES = ['P-256', 'P-384', 'P-521', 'secp256k1'];

// OAuch IdTokens/SigningKeySecure. RFC 7518 §3.3 / §3.5: "A key of size 2048 bits or larger MUST be
// used" with RSA signatures; §3.4: ES256/384/512 use P-256/384/521, all at least 128-bit secure.
// Keys marked use=enc are not signing keys and are left out (RSA-OAEP has the same floor, §4.3).
export const jwksSigningKeysStrong = defineCheck<unknown>('jwks-signing-keys-strong', 'RFC7518-3.3-key-size', (jwks) => {
  const expected = 'RSA signing keys of 2048 bits or more; EC keys on P-256, P-384, P-521 (or secp256k1)';
  const keys = isRecord(jwks) && Array.isArray(jwks.keys) ? jwks.keys : undefined;
  if (!keys) return fail('expected a JWK Set with a keys array', expected, evidence(jwks));
  const weak: string[] = [];
  const seen: string[] = [];
  keys.forEach((k, i) => {
    if (!isRecord(k) || k.use === 'enc') return;
    const label = typeof k.kid === 'string' ? `kid ${JSON.stringify(k.kid.slice(0, 60))}` : `keys[${i}]`;
    if (k.kty === 'RSA') {
      const bits = typeof k.n === 'string' ? modulusBits(k.n) : 0;
      seen.push(`${label}: RSA ${bits} bits`);
      if (bits < 2048) weak.push(`${label}: RSA ${bits} bits`);
    } else if (k.kty === 'EC') {
      seen.push(`${label}: EC ${String(k.crv)}`);
      if (!JWS_EC_CURVES.includes(k.crv as string)) weak.push(`${label}: EC curve ${preview(k.crv)}`);
    } else if (k.kty === 'OKP') {
      seen.push(`${label}: OKP ${String(k.crv)}`);
    }
  });
  if (seen.length === 0) return fail('expected an RSA, EC or OKP signing key in the JWK Set, found none to judge', expected, []);
  if (weak.length) return fail(`expected strong signing keys, ${weak.length} of ${seen.length} are too weak: ${weak.join('; ')}`, expected, weak);
  return pass(`${seen.length} signing key${seen.length === 1 ? '' : 's'}, all strong enough: ${seen.join('; ')}`, expected, seen);
});

/** The access token's lifetime in seconds: expires_in (RFC 6749 §5.1), else a JWT's exp - iat. */
export function accessTokenLifetime(expiresIn: unknown, token: string | undefined): { seconds: number; from: string } | undefined {
  if (typeof expiresIn === 'number' && Number.isFinite(expiresIn)) return { seconds: expiresIn, from: 'expires_in' };
  const claims = token ? decodeJwtParts(token)?.claims : undefined;
  if (typeof claims?.exp === 'number' && typeof claims.iat === 'number') return { seconds: claims.exp - claims.iat, from: 'the JWT exp - iat' };
  return undefined;
}

// OAuch Tokens/TokenTimeout, ShortTokenTimeout. RFC 6750 §5.3: "Token servers SHOULD issue
// short-lived (one hour or less) bearer tokens": longer warns. The 10-minute mark OAuch also asks
// for is FAPI 1.0 Advanced §5.2.2 (13) (tokens that are not sender-constrained), a profile no plan
// runs: the message reports it, the verdict does not. RFC 6749 §5.1 lets the AS leave expires_in
// out (documenting the default instead): an unstated lifetime cannot be judged and passes, said so.
export const accessTokenShortLived = defineCheck<{ expiresIn?: unknown; token?: string }>('access-token-short-lived', 'RFC6750-5.3-short-lived', (input) => {
  const expected = 'an access token lifetime of one hour (3600 s) or less';
  const expiresIn = isRecord(input) ? input.expiresIn : undefined;
  const life = accessTokenLifetime(expiresIn, isRecord(input) && typeof input.token === 'string' ? input.token : undefined);
  if (!life) return pass('the token response states no lifetime (no expires_in, not a JWT with exp and iat): RFC 6749 §5.1 lets the AS document it elsewhere, so it is not judged', expected, { expires_in: expiresIn ?? null });
  const actual = { seconds: life.seconds, from: life.from };
  if (life.seconds > 3600) return fail(`expected a bearer token that lives one hour or less, but ${life.from} gives ${life.seconds} s`, expected, actual);
  const tenMinutes = life.seconds <= 600 ? 'within 10 minutes as well' : 'longer than 10 minutes (the FAPI 1.0 Advanced mark for tokens that are not sender-constrained)';
  return pass(`the access token lives ${life.seconds} s (${life.from}): one hour or less, ${tenMinutes}`, expected, actual);
});

/** Octets a MAC key needs for each HMAC alg: the hash output size (RFC 7518 §3.2). */
const MAC_KEY_OCTETS: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };

// OAuch IdTokens/HasCorrectMac. OIDC Core §3.1.3.7 (8): with a MAC alg "the octets of the UTF-8
// representation of the client_secret ... are used as the key to validate the signature" (§10.1).
// The step verifies (jose, with the registered alg only) and passes the outcome here.
export const idTokenMacVerified = defineCheck<{ verified: unknown; error?: unknown; alg: unknown; expectedAlg: unknown }>('id-token-mac-verified', 'OIDCC-3.1.3.7-mac', (input) => {
  const expectedAlg = isRecord(input) ? input.expectedAlg : undefined;
  const alg = isRecord(input) ? input.alg : undefined;
  const expected = { alg: expectedAlg, key: 'the UTF-8 octets of the client_secret' };
  const actual = evidence({ alg, verified: isRecord(input) ? input.verified : undefined, error: isRecord(input) ? input.error : undefined });
  if (typeof expectedAlg !== 'string' || !(expectedAlg in MAC_KEY_OCTETS)) return fail(`expected the client's registered MAC alg (HS256, HS384 or HS512), found ${preview(expectedAlg)}`, expected, actual);
  if (alg !== expectedAlg) return fail(`expected an ID Token MACed with the registered alg ${expectedAlg}, found alg ${preview(alg)}`, expected, actual);
  if (!isRecord(input) || input.verified !== true) return fail(`expected the ${expectedAlg} MAC to verify with the client secret's UTF-8 octets, found it did not${typeof input?.error === 'string' ? `: ${preview(input.error)}` : ''}`, expected, actual);
  return pass(`the ${expectedAlg} MAC verifies with the client secret's UTF-8 octets`, expected, actual);
});

// OAuch IdTokens/ClientSecretLongEnough. OIDC Core §16.19: "client_secret values MUST also contain
// at least the minimum of number of octets required for MAC keys for the particular algorithm
// used ... for HS256, the client_secret value MUST contain at least 32 octets" (RFC 7518 §3.2).
// The secret is never put in the evidence, only its length.
export const clientSecretLongEnough = defineCheck<{ alg: unknown; secret: unknown }>('client-secret-long-enough', 'OIDCC-16.19-secret-length', (input) => {
  const alg = isRecord(input) ? input.alg : undefined;
  const secret = isRecord(input) ? input.secret : undefined;
  const need = typeof alg === 'string' ? MAC_KEY_OCTETS[alg] : undefined;
  const expected = need ? `a client_secret of at least ${need} octets (UTF-8) for ${String(alg)}` : 'a MAC alg (HS256, HS384, HS512) and a client_secret';
  if (!need) return fail(`expected a MAC alg to size the secret for, found ${preview(alg)}`, expected, undefined);
  if (typeof secret !== 'string') return fail(`expected a client_secret for the ${String(alg)} MAC key, found ${typeName(secret)}`, expected, undefined);
  const octets = Buffer.byteLength(secret, 'utf8');
  if (octets < need) return fail(`expected a client_secret of at least ${need} octets as the ${String(alg)} key, found ${octets}`, expected, { octets });
  return pass(`the client_secret has ${octets} octets, at least the ${need} ${String(alg)} needs`, expected, { octets });
});
