// Security-review checks (issue 13): framing and referrer headers of OP pages, Pragma on token
// responses, and the RFC 9068 JWT access token profile. Tokens are signed with jose for real.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import {
  accessTokenJwtProfile,
  accessTokenShortLived,
  clientSecretLongEnough,
  idTokenMacVerified,
  codeAfterRefusedRequest,
  refreshAfterAccessRevoked,
  userCodeEntropy,
  effectiveReferrerPolicy,
  estimateEntropy,
  tokenEntropyMinimum,
  tokenEntropySuggested,
  frameAncestors,
  opPagesReferrerPolicy,
  opPagesRefuseFraming,
  tokenResponsePragmaNoCache,
  jwksSigningKeysStrong,
  modulusBits,
} from '../../harness/checks/index.ts';
import { generateKeyPairSync } from 'node:crypto';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

const page = (headers: Record<string, string>, url = 'https://op.example/login') => ({ url, status: 200, headers: { 'content-type': 'text/html', ...headers } });

describe('opPagesRefuseFraming (RFC 9700 §4.16)', () => {
  it('passes for X-Frame-Options DENY or SAMEORIGIN, or CSP frame-ancestors without a wildcard', () => {
    const f = opPagesRefuseFraming({ pages: [page({ 'x-frame-options': 'DENY' }), page({ 'x-frame-options': 'sameorigin' }), page({ 'content-security-policy': "default-src 'self'; frame-ancestors 'none'" }), page({ 'content-security-policy': "frame-ancestors 'self' https://rp.example" })] });
    expectPass(f);
    expect(f.citation.id).toBe('RFC9700-4.16-clickjacking');
  });
  it('fails for a page with neither header, naming the page', () => {
    expectFail(opPagesRefuseFraming({ pages: [page({ 'x-frame-options': 'DENY' }), page({}, 'https://op.example/consent')] }), /1 of 2 .*consent.*neither X-Frame-Options nor CSP frame-ancestors/);
  });
  it('fails for frame-ancestors * (which overrides X-Frame-Options), ALLOW-FROM, and no page at all', () => {
    expectFail(opPagesRefuseFraming({ pages: [page({ 'x-frame-options': 'DENY', 'content-security-policy': 'frame-ancestors *' })] }), /allows any origin/);
    expectFail(opPagesRefuseFraming({ pages: [page({ 'x-frame-options': 'ALLOW-FROM https://rp.example' })] }), /neither DENY nor SAMEORIGIN/);
    expectFail(opPagesRefuseFraming({ pages: [page({ 'content-security-policy': 'frame-ancestors https:' })] }), /allows any origin \(https:\)/);
    expectFail(opPagesRefuseFraming({ pages: [page({ 'content-security-policy': 'frame-ancestors https://*' })] }), /allows any origin/);
    expectPass(opPagesRefuseFraming({ pages: [page({ 'content-security-policy': 'frame-ancestors https://*.rp.example' })] }));
    expectFail(opPagesRefuseFraming({ pages: [] }), /at least one OP page/);
  });
  it('reads frame-ancestors from any of several policies', () => {
    expect(frameAncestors("default-src 'none', frame-ancestors 'none'")).toEqual(["'none'"]);
    expect(frameAncestors("default-src 'none'")).toBeUndefined();
  });
  it('never throws on hostile evidence', () => {
    for (const h of HOSTILE) expect(typeof opPagesRefuseFraming(h as never).ok).toBe('boolean');
  });
});

describe('opPagesReferrerPolicy (RFC 9700 §4.2.4, SHOULD)', () => {
  it('passes for policies that send no path or query cross-origin', () => {
    expectPass(opPagesReferrerPolicy({ pages: [page({ 'referrer-policy': 'no-referrer' }), page({ 'referrer-policy': 'strict-origin-when-cross-origin' }), page({ 'referrer-policy': 'unsafe-url, same-origin' })] }));
  });
  it('fails (a warning at SHOULD) without the header, or with unsafe-url', () => {
    const f = opPagesReferrerPolicy({ pages: [page({})] });
    expectFail(f, /no Referrer-Policy/);
    expect(f.citation.level).toBe('SHOULD');
    expectFail(opPagesReferrerPolicy({ pages: [page({ 'referrer-policy': 'unsafe-url' })] }), /sends the full URL/);
  });
  it('takes the last policy the browser knows', () => {
    expect(effectiveReferrerPolicy('no-referrer, made-up')).toBe('no-referrer');
    expect(effectiveReferrerPolicy('no-referrer, unsafe-url')).toBe('unsafe-url');
  });
});

describe('tokenResponsePragmaNoCache (RFC 6749 §5.1, judged SHOULD)', () => {
  it('passes for Pragma: no-cache', () => expectPass(tokenResponsePragmaNoCache({ 'cache-control': 'no-store', pragma: 'no-cache' })));
  it('fails without Pragma, or with another value', () => {
    expectFail(tokenResponsePragmaNoCache({ 'cache-control': 'no-store' }), /no Pragma/);
    expectFail(tokenResponsePragmaNoCache({ pragma: 'x-other' }), /found "x-other"/);
  });
});

describe('accessTokenJwtProfile (RFC 9068 §2.1, §2.2)', async () => {
  const { privateKey } = await generateKeyPair('ES256');
  const issuer = 'https://as.example';
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: issuer, sub: '5ba552d67', aud: 'https://rs.example.com/', client_id: 's6BhdRkqt3', scope: 'openid profile reademail', jti: 'dbe39bf3a3ba4238a513f51d6e1691c4', iat: now, exp: now + 300 };
  const sign = (c: Record<string, unknown>, typ = 'at+jwt') => new SignJWT(c).setProtectedHeader({ alg: 'ES256', typ }).sign(privateKey);
  const input = async (c: Record<string, unknown> = claims, typ?: string) => ({ token: await sign(c, typ), issuer, clientId: 's6BhdRkqt3', scope: 'openid profile reademail' });

  it('passes for the RFC 9068 §2.2 example claims, and for typ application/at+jwt', async () => {
    const f = accessTokenJwtProfile(await input());
    expectPass(f);
    expect(f.citation.id).toBe('RFC9068-2.2-profile');
    expectPass(accessTokenJwtProfile(await input(claims, 'application/at+jwt')));
  });
  it('passes for an opaque access token (outside the profile)', () => {
    expectPass(accessTokenJwtProfile({ token: '2YotnFZFEjr1zCsicMWpAA', issuer, clientId: 'c' }));
  });
  it('fails for typ JWT, a missing jti, another client_id', async () => {
    expectFail(accessTokenJwtProfile(await input(claims, 'JWT')), /typ is "JWT"/);
    const { jti: _jti, ...noJti } = claims;
    expectFail(accessTokenJwtProfile(await input(noJti)), /jti is missing/);
    expectFail(accessTokenJwtProfile(await input({ ...claims, client_id: 'other' })), /client_id "other" is not the requesting client/);
  });
  it('fails when aud is the granted scope list instead of a resource', async () => {
    expectFail(accessTokenJwtProfile(await input({ ...claims, aud: ['openid', 'profile'] })), /aud .* is the granted scope list/);
  });
  it('never throws on hostile tokens', () => {
    for (const h of HOSTILE) if (typeof h === 'string') expect(typeof accessTokenJwtProfile({ token: h, issuer, clientId: 'c' }).ok).toBe('boolean');
  });
});

describe('token entropy (RFC 6749 §10.10: MUST 128 bits, SHOULD 160)', () => {
  const sample = (bytes: number, n = 8, prefix = '') => Array.from({ length: n }, () => prefix + randomBytes(bytes).toString('base64url'));
  it('passes both floors for 32 random bytes in base64url, stating the method', () => {
    // 16 samples: the alphabet is inferred from the characters seen, and 8 samples of 43 lacked
    // both '-' and '_' about once in 550 runs.
    const samples = sample(32, 16);
    const f = tokenEntropyMinimum({ kind: 'code', samples });
    expectPass(f);
    expectPass(tokenEntropySuggested({ kind: 'code', samples }));
    expect(f.actual).toMatchObject({ alphabet: 'base64url', alphabetSize: 64, length: 43 });
    expect(String((f.actual as { method: string }).method)).toMatch(/alphabet × varying positions/);
  });
  it('fails the MUST for 12 random bytes (96 bits), and only the SHOULD for 17 (about 138)', () => {
    // 16 characters of base64url: 96 bits, or 95 when no sample happens to hold '-' or '_' (about
    // 1 run in 60) and the narrower alphanumeric alphabet is inferred; both fail the MUST.
    expectFail(tokenEntropyMinimum({ kind: 'code', samples: sample(12) }), /at least 128 bits .* estimated 9(6|5\.\d) bits/);
    const s17 = sample(17);
    expectPass(tokenEntropyMinimum({ kind: 'code', samples: s17 }));
    const f = tokenEntropySuggested({ kind: 'code', samples: s17 });
    expectFail(f, /at least 160 bits/);
    expect(f.citation.level).toBe('SHOULD');
  });
  it('counts a fixed prefix as no entropy, and fails repeated or too few samples', () => {
    const e = estimateEntropy(sample(16, 8, 'tok_prefix_'));
    expect(e.length - e.varyingPositions).toBeGreaterThanOrEqual(11);
    expect(e.bits).toBeLessThan(140);
    expectFail(tokenEntropyMinimum({ kind: 'code', samples: ['a'.repeat(43), 'a'.repeat(43)] }), /distinct/);
    expectFail(tokenEntropyMinimum({ kind: 'code', samples: ['x'] }), /at least 2/);
  });
  it('infers the narrowest alphabet (hex) and never throws on hostile input', () => {
    expect(estimateEntropy(Array.from({ length: 8 }, () => randomBytes(20).toString('hex'))).alphabetSize).toBe(16);
    for (const h of HOSTILE) expect(typeof tokenEntropyMinimum({ kind: 'x', samples: h as string[] }).ok).toBe('boolean');
  });
});

describe('refreshAfterAccessRevoked (RFC 7009 §2.1 leaves it) and codeAfterRefusedRequest (RFC 6749 silent): both answers pass, reported', () => {
  it('passes a served request and a refused one, saying which', () => {
    expectPass(refreshAfterAccessRevoked({ status: 200, tokens: true }));
    expect(refreshAfterAccessRevoked({ status: 200, tokens: true }).message).toMatch(/kept/);
    expect(refreshAfterAccessRevoked({ status: 400, error: 'invalid_grant', tokens: false }).message).toMatch(/revoked with it/);
    expectPass(codeAfterRefusedRequest({ status: 400, error: 'invalid_grant', tokens: false }));
    expect(codeAfterRefusedRequest({ status: 200, tokens: true }).message).toMatch(/still redeemable/);
  });
  it('fails an answer that is neither (a server error, a 200 without tokens, a 400 without an error code)', () => {
    expectFail(refreshAfterAccessRevoked({ status: 500, tokens: false }), /served with tokens or refused with a token error, got HTTP 500/);
    expectFail(codeAfterRefusedRequest({ status: 200, tokens: false }), /without an access token/);
    expectFail(codeAfterRefusedRequest({ status: 400, tokens: false }), /got HTTP 400/);
  });
});

describe('userCodeEntropy (RFC 8628 §5.1, SHOULD): judged by the 2^-32 brute-force yardstick, not 128 bits', () => {
  const CHARS = 'BCDFGHJKLMNPQRSTVWXZ';
  const code = (n: number) => Array.from(randomBytes(n), (b) => CHARS[b % 20]).join('');
  it('passes 8-character base-20 codes (about 34.5 bits), dashes ignored, naming the guesses the AS may allow', () => {
    const f = userCodeEntropy({ samples: Array.from({ length: 8 }, () => `${code(4)}-${code(4)}`) });
    expectPass(f);
    expect(f.message).toMatch(/base-20 consonants.*at most \d+ guess/);
  });
  it('fails 4-character codes (about 17 bits) and repeated codes', () => {
    expectFail(userCodeEntropy({ samples: Array.from({ length: 8 }, () => code(4)) }), /at least 32 bits .* even one guess/);
    expectFail(userCodeEntropy({ samples: ['BCDF-GHJK', 'bcdfghjk'] }), /distinct/);
  });
});

describe('jwksSigningKeysStrong (RFC 7518 §3.3)', () => {
  const rsa = (bits: number, kid: string) => ({ ...(generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid, use: 'sig' });
  const ec = (crv: string, kid: string) => ({ kty: 'EC', crv, x: 'AA', y: 'AA', kid });
  it('counts modulus bits without leading zero bytes', () => {
    expect(modulusBits(Buffer.from([0, 0x80, 0]).toString('base64url'))).toBe(16);
    expect(modulusBits(Buffer.from([0x01, 0]).toString('base64url'))).toBe(9);
  });
  it('passes for RSA 2048 and 3072, EC P-256 / P-384 and Ed25519; enc keys are not judged', () => {
    const f = jwksSigningKeysStrong({ keys: [rsa(2048, 'r1'), rsa(3072, 'r2'), ec('P-256', 'e1'), ec('P-384', 'e2'), { kty: 'OKP', crv: 'Ed25519', x: 'AA', kid: 'o1' }, { ...rsa(1024, 'enc'), use: 'enc' }] });
    expectPass(f);
    expect(f.citation.id).toBe('RFC7518-3.3-key-size');
  });
  it('fails for a 1024-bit RSA key or an unregistered curve, naming the key', () => {
    expectFail(jwksSigningKeysStrong({ keys: [rsa(2048, 'good'), rsa(1024, 'weak')] }), /1 of 2 .*kid "weak": RSA 1024 bits/);
    expectFail(jwksSigningKeysStrong({ keys: [ec('P-192', 'old')] }), /EC curve "P-192"/);
  });
  it('fails for no keys array, or no signing key to judge', () => {
    for (const v of HOSTILE) expectFail(jwksSigningKeysStrong(v), /keys array/);
    expectFail(jwksSigningKeysStrong({ keys: [{ kty: 'oct', k: 'AA' }] }), /RSA, EC or OKP signing key .*found none/);
  });
});

describe('accessTokenShortLived (RFC 6750 §5.3: one hour or less, SHOULD)', async () => {
  const { privateKey } = await generateKeyPair('ES256');
  const jwt = (life: number) => new SignJWT({}).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' }).setIssuedAt(1_700_000_000).setExpirationTime(1_700_000_000 + life).sign(privateKey);

  it('passes for expires_in of an hour or less, and says whether it is within 10 minutes', () => {
    const f = accessTokenShortLived({ expiresIn: 600 });
    expectPass(f);
    expect(f.citation.id).toBe('RFC6750-5.3-short-lived');
    expect(f.citation.level).toBe('SHOULD');
    expect(f.message).toMatch(/600 s \(expires_in\).*within 10 minutes/);
    expect(accessTokenShortLived({ expiresIn: 3600 }).message).toMatch(/longer than 10 minutes/);
  });

  it('reads a JWT exp - iat when expires_in is missing; an unstated lifetime is not judged', async () => {
    expectPass(accessTokenShortLived({ token: await jwt(300) }));
    const f = accessTokenShortLived({ token: 'opaque-handle' });
    expectPass(f);
    expect(f.message).toMatch(/states no lifetime/);
  });

  it('fails for a token that lives longer than an hour (expires_in first, then the JWT)', async () => {
    expectFail(accessTokenShortLived({ expiresIn: 86400 }), /one hour or less, but expires_in gives 86400 s/);
    expectFail(accessTokenShortLived({ token: await jwt(7200) }), /exp - iat gives 7200 s/);
  });

  it('never throws on hostile input', () => {
    for (const h of HOSTILE) expect(typeof accessTokenShortLived(h as never).ok).toBe('boolean');
    for (const h of HOSTILE) expect(typeof accessTokenShortLived({ expiresIn: h, token: h as never }).ok).toBe('boolean');
  });
});

describe('idTokenMacVerified (OIDC Core §3.1.3.7 (8): the client secret\'s UTF-8 octets)', () => {
  it('passes when the registered MAC alg verified', () => {
    const f = idTokenMacVerified({ verified: true, alg: 'HS256', expectedAlg: 'HS256' });
    expectPass(f);
    expect(f.citation.id).toBe('OIDCC-3.1.3.7-mac');
  });
  it('fails when the MAC does not verify, the alg is another, or the client has no MAC alg', () => {
    expectFail(idTokenMacVerified({ verified: false, error: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED: signature verification failed', alg: 'HS256', expectedAlg: 'HS256' }), /did not: "ERR_JWS_SIGNATURE/);
    expectFail(idTokenMacVerified({ verified: true, alg: 'HS512', expectedAlg: 'HS256' }), /registered alg HS256, found alg "HS512"/);
    expectFail(idTokenMacVerified({ verified: true, alg: 'RS256', expectedAlg: 'RS256' }), /registered MAC alg/);
  });
  it('never throws on hostile input', () => {
    for (const h of HOSTILE) expect(typeof idTokenMacVerified(h as never).ok).toBe('boolean');
  });
});

describe('clientSecretLongEnough (OIDC Core §16.19, RFC 7518 §3.2)', () => {
  it('passes for a secret of at least the hash size, and keeps the secret out of the evidence', () => {
    const f = clientSecretLongEnough({ alg: 'HS256', secret: 'x'.repeat(32) });
    expectPass(f);
    expect(f.citation.id).toBe('OIDCC-16.19-secret-length');
    expect(JSON.stringify(f)).not.toContain('x'.repeat(32));
    expectPass(clientSecretLongEnough({ alg: 'HS512', secret: 'é'.repeat(32) }));
  });
  it('fails for a short secret, a missing one, or no MAC alg', () => {
    expectFail(clientSecretLongEnough({ alg: 'HS256', secret: 'touchstone-secret-1' }), /at least 32 octets as the HS256 key, found 19/);
    expectFail(clientSecretLongEnough({ alg: 'HS512', secret: 'y'.repeat(63) }), /at least 64 octets/);
    expectFail(clientSecretLongEnough({ alg: 'HS256', secret: undefined }), /expected a client_secret/);
    expectFail(clientSecretLongEnough({ alg: 'RS256', secret: 'z'.repeat(64) }), /MAC alg/);
  });
  it('never throws on hostile input', () => {
    for (const h of HOSTILE) expect(typeof clientSecretLongEnough(h as never).ok).toBe('boolean');
    for (const h of HOSTILE) expect(typeof clientSecretLongEnough({ alg: 'HS256', secret: h }).ok).toBe('boolean');
  });
});
