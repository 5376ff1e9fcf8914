import { createHash, randomBytes } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  hashForAlg,
  idTokenAtHashMatches,
  idTokenAudContainsClient,
  idTokenHasRequiredClaims,
  idTokenIatIsRecent,
  idTokenIatWithinWindow,
  idTokenAzpIsClient,
  idTokenIssMatches,
  idTokenNonceMatches,
  idTokenRefreshHasNoNonce,
  idTokenRefreshNonce,
  idTokenNotExpired,
  idTokenSignatureVerified,
  type IdTokenEvidence,
  type SignatureEvidence,
} from '../../harness/checks/index.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

const ISSUER = 'http://127.0.0.1:4010';
const CLIENT = 'touchstone-rp';
const NOW = 1_750_000_000;

const claims = { iss: ISSUER, sub: '248289761001', aud: CLIENT, exp: NOW + 300, iat: NOW - 5, nonce: 'n-0S6_WzA2Mj', auth_time: NOW - 30 };
const ev = (over: Partial<IdTokenEvidence> = {}, claimOver: Record<string, unknown> = {}): IdTokenEvidence => ({
  claims: { ...claims, ...claimOver },
  header: { alg: 'ES256', kid: 'k1' },
  issuer: ISSUER,
  clientId: CLIENT,
  nonce: claims.nonce,
  now: NOW,
  ...over,
});
/** Hostile evidence objects, hostile claims, and hostile values for the fields a check reads. */
const hostile = (...fields: string[]): unknown[] => [
  ...HOSTILE,
  ...HOSTILE.map((h) => ev({ claims: h })),
  ...fields.flatMap((name) => HOSTILE.filter((h) => (h !== undefined || name !== 'nonce') && (h !== 42 || name !== 'now')).map((h) => ({ ...ev(), [name]: h }))),
];

/** Independent at_hash: left-most half of the hash, base64url (OIDC Core §3.1.3.6/§3.1.3.8). */
function atHash(token: string, hash: 'sha256' | 'sha384' | 'sha512'): string {
  const d = createHash(hash).update(Buffer.from(token, 'ascii')).digest();
  return Buffer.from(d.subarray(0, d.length / 2)).toString('base64url');
}

describe('idTokenHasRequiredClaims', () => {
  it('passes for a complete claims set', () => {
    const f = idTokenHasRequiredClaims(ev());
    expectPass(f);
    expect(f.citation.id).toBe('OIDCC-2-claims');
  });
  it('passes for aud as an array', () => expectPass(idTokenHasRequiredClaims(ev({}, { aud: [CLIENT, 'api'] }))));
  it('fails naming missing and mistyped claims', () => {
    const { iat: _, ...noIat } = claims;
    const f = idTokenHasRequiredClaims(ev({ claims: { ...noIat, exp: '1750000300', aud: [], nonce: 5 } }));
    expectFail(f);
    expect(f.actual).toEqual(
      expect.arrayContaining(["(root) must have required property 'iat'", '/exp must be number', '/nonce must be string', '/aud must match exactly one schema in oneOf']),
    );
  });
  it('fails for a sub over 255 characters', () => expectFail(idTokenHasRequiredClaims(ev({}, { sub: 's'.repeat(256) })), /\/sub must NOT have more than 255 characters/));
  it.each(hostile())('fails without throwing on hostile evidence %#', (v) => expectFail(idTokenHasRequiredClaims(v as never)));
});

describe('idTokenIssMatches', () => {
  it('passes for the exact issuer', () => {
    const f = idTokenIssMatches(ev());
    expectPass(f);
    expect(f.citation.id).toBe('OIDCC-3.1.3.7-iss');
  });
  it('fails for a trailing slash', () => {
    const f = idTokenIssMatches(ev({}, { iss: `${ISSUER}/` }));
    expectFail(f, /expected iss exactly "http:\/\/127\.0\.0\.1:4010", found "http:\/\/127\.0\.0\.1:4010\/"/);
    expect(f.expected).toBe(ISSUER);
    expect(f.actual).toBe(`${ISSUER}/`);
  });
  it('fails without iss', () => expectFail(idTokenIssMatches(ev({ claims: { sub: 'x' } })), /no iss claim/));
  it.each(hostile('issuer'))('fails without throwing on hostile evidence %#', (v) => expectFail(idTokenIssMatches(v as never), undefined, { noExpected: true }));
});

describe('idTokenAudContainsClient', () => {
  it('passes for aud equal to the client', () => {
    const f = idTokenAudContainsClient(ev());
    expectPass(f);
    expect(f.citation.id).toBe('OIDCC-3.1.3.7-aud');
  });
  it('passes for an array with azp equal to the client', () => expectPass(idTokenAudContainsClient(ev({}, { aud: ['api', CLIENT], azp: CLIENT }))));
  it('passes for several audiences without azp (azp is judged by its own SHOULD check)', () => expectPass(idTokenAudContainsClient(ev({}, { aud: ['api', CLIENT] }))));
  it('passes when aud holds the client even if azp is another party (the azp SHOULD is a separate check)', () => {
    expectPass(idTokenAudContainsClient(ev({}, { aud: [CLIENT, 'api'], azp: 'api' })));
  });
  it('fails when aud lacks the client', () => {
    const f = idTokenAudContainsClient(ev({}, { aud: ['api', 'other'] }));
    expectFail(f, /expected aud to contain the client_id "touchstone-rp", found \["api","other"\]/);
    expect(f.actual).toEqual(['api', 'other']);
  });
  it('fails for a case-different client id (exact comparison)', () => expectFail(idTokenAudContainsClient(ev({}, { aud: 'Touchstone-RP' }))));
  it.each([42, [], [CLIENT, 7], null, { client: CLIENT }])('fails for aud %j', (aud) => expectFail(idTokenAudContainsClient(ev({}, { aud }))));
  it.each(hostile('clientId'))('fails without throwing on hostile evidence %#', (v) => expectFail(idTokenAudContainsClient(v as never)));
});

describe('idTokenNotExpired', () => {
  it('passes before exp', () => {
    const f = idTokenNotExpired(ev());
    expectPass(f);
    expect(f.citation.id).toBe('OIDCC-3.1.3.7-exp');
    expect(f.message).toContain('expires in 300s');
  });
  it('passes just after exp, within the default 60s skew', () => expectPass(idTokenNotExpired(ev({}, { exp: NOW - 59 }))));
  it('fails beyond the skew', () => {
    const f = idTokenNotExpired(ev({}, { exp: NOW - 61 }));
    expectFail(f, /found exp 1749999939 which is 61s before now \(1750000000\), beyond the 60s skew/);
    expect(f.actual).toBe(NOW - 61);
  });
  it('honours skewSeconds', () => {
    expectFail(idTokenNotExpired(ev({ skewSeconds: 0 }, { exp: NOW })));
    expectPass(idTokenNotExpired(ev({ skewSeconds: 600 }, { exp: NOW - 300 })));
  });
  it.each(['1750000300', null, Number.POSITIVE_INFINITY, undefined])('fails for exp %j', (exp) => expectFail(idTokenNotExpired(ev({}, { exp })), /expected exp to be a number/));
  it.each(hostile('now'))('fails without throwing on hostile evidence %#', (v) => expectFail(idTokenNotExpired(v as never)));
});

describe('idTokenAzpIsClient', () => {
  it('passes without azp and with a single audience', () => {
    const f = idTokenAzpIsClient(ev());
    expectPass(f);
    expect(f.citation.id).toBe('OIDCC-3.1.3.7-azp');
    expect(f.citation.level).toBe('SHOULD');
  });
  it('passes for azp equal to the client', () => expectPass(idTokenAzpIsClient(ev({}, { aud: ['api', CLIENT], azp: CLIENT }))));
  it('fails (SHOULD) when azp is another party', () => {
    expectFail(idTokenAzpIsClient(ev({}, { aud: [CLIENT, 'api'], azp: 'api' })), /expected azp to be the client_id "touchstone-rp", found "api"/);
  });
  it('fails (SHOULD) for several audiences without azp', () => expectFail(idTokenAzpIsClient(ev({}, { aud: ['api', CLIENT] })), /expected azp with 2 audiences/));
  it.each(HOSTILE)('fails without throwing on hostile evidence %#', (v) => expectFail(idTokenAzpIsClient(v as never)));
  it.each([null, 42, { a: 1 }])('fails for a non-string client_id %j', (clientId) => expectFail(idTokenAzpIsClient({ ...ev(), clientId } as never)));
});

describe('idTokenIatIsRecent', () => {
  it('passes for a fresh iat', () => {
    const f = idTokenIatIsRecent(ev());
    expectPass(f);
    expect(f.citation.id).toBe('OIDCC-3.1.3.7-iat');
  });
  it('passes slightly in the future within skew', () => expectPass(idTokenIatIsRecent(ev({}, { iat: NOW + 30 }))));
  it('passes for an old iat: the acceptable age is the client\'s choice (OIDC Core §3.1.3.7 (10))', () => expectPass(idTokenIatIsRecent(ev({}, { iat: NOW - 3600 }))));
  it('fails in the future beyond skew', () => {
    const f = idTokenIatIsRecent(ev({}, { iat: NOW + 3600 }));
    expectFail(f, /not in the future, found iat 1750003600, 3600s after now/);
    expect(f.expected).toBe(`iat <= ${NOW + 60}`);
  });
  it('fails for a string iat', () => expectFail(idTokenIatIsRecent(ev({}, { iat: String(NOW) })), /a string/));
  it.each(hostile('now'))('fails without throwing on hostile evidence %#', (v) => expectFail(idTokenIatIsRecent(v as never)));
});

describe('idTokenIatWithinWindow', () => {
  it('passes within the default 600 s window', () => {
    const f = idTokenIatWithinWindow(ev({}, { iat: NOW - 300 }));
    expectPass(f);
    expect(f.citation.level).toBe('SHOULD');
  });
  it('fails (SHOULD) when older than the window plus skew', () => expectFail(idTokenIatWithinWindow(ev({}, { iat: NOW - 661 })), /window of 600s/));
  it('honours the client\'s maxIatAgeSeconds', () => {
    expectPass(idTokenIatWithinWindow({ ...ev({}, { iat: NOW - 3000 }), maxIatAgeSeconds: 3600 }));
    expectFail(idTokenIatWithinWindow({ ...ev({}, { iat: NOW - 100 }), maxIatAgeSeconds: 10 }));
  });
  it.each(hostile('now'))('fails without throwing on hostile evidence %#', (v) => expectFail(idTokenIatWithinWindow(v as never)));
});

describe('idTokenNonceMatches', () => {
  it('passes when the nonce equals the one sent', () => {
    const f = idTokenNonceMatches(ev());
    expectPass(f);
    expect(f.citation.id).toBe('OIDCC-3.1.3.7-nonce');
  });
  it('passes when none was sent and none came back, saying so', () => {
    const { nonce: _, ...noNonce } = claims;
    const f = idTokenNonceMatches(ev({ nonce: undefined, claims: noNonce }));
    expectPass(f);
    expect(f.message).toBe('no nonce was sent and the ID Token has no nonce claim');
  });
  it('fails for a different nonce', () => {
    const f = idTokenNonceMatches(ev({ nonce: 'sent-one' }));
    expectFail(f, /expected nonce "sent-one", found "n-0S6_WzA2Mj"/);
    expect(f.expected).toBe('sent-one');
    expect(f.actual).toBe(claims.nonce);
  });
  it('fails when the nonce was sent but is missing', () => {
    const { nonce: _, ...noNonce } = claims;
    expectFail(idTokenNonceMatches(ev({ claims: noNonce })), /found no nonce claim/);
  });
  it('fails when a nonce appears that was never sent', () => expectFail(idTokenNonceMatches(ev({ nonce: undefined })), /none was sent/));
  it.each(hostile('nonce'))('fails without throwing on hostile evidence %#', (v) => expectFail(idTokenNonceMatches(v as never)));
});

describe('idTokenAtHashMatches', () => {
  it('passes for the OIDC Core Appendix A.4 vector (RS256)', () => {
    const f = idTokenAtHashMatches(ev({ header: { alg: 'RS256', kid: '1e9gdk7' }, accessToken: 'jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y' }, { at_hash: '77QmUPtjPfzWtF2AnpK9RQ' }));
    expectPass(f);
    expect(f.citation.id).toBe('OIDCC-3.1.3.8-at-hash');
    expect(f.message).toContain('sha256');
  });
  it('passes when at_hash is absent', () => {
    const f = idTokenAtHashMatches(ev({ accessToken: 'anything' }));
    expectPass(f);
    expect(f.message).toBe('at_hash absent (optional in code flow)');
  });
  it('fails for a wrong at_hash, giving the computed value', () => {
    const f = idTokenAtHashMatches(ev({ header: { alg: 'RS256' }, accessToken: 'jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y' }, { at_hash: 'LDktKdoQak3Pk0cnXxCltA' }));
    expectFail(f, /expected at_hash "77QmUPtjPfzWtF2AnpK9RQ" .* found "LDktKdoQak3Pk0cnXxCltA"/);
    expect(f.expected).toBe('77QmUPtjPfzWtF2AnpK9RQ');
  });
  it('fails when the hash of the wrong size is used (sha256 under ES384)', () => {
    const token = 'jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y';
    expectFail(idTokenAtHashMatches(ev({ header: { alg: 'ES384' }, accessToken: token }, { at_hash: atHash(token, 'sha256') })));
  });
  it('fails for alg none or an unknown alg', () => {
    expectFail(idTokenAtHashMatches(ev({ header: { alg: 'none' }, accessToken: 't' }, { at_hash: 'abc' })), /found alg "none"/);
    expectFail(idTokenAtHashMatches(ev({ header: { alg: 'XYZ' }, accessToken: 't' }, { at_hash: 'abc' })), /found alg "XYZ"/);
    expectFail(idTokenAtHashMatches(ev({ header: null, accessToken: 't' }, { at_hash: 'abc' })), /found alg undefined/);
  });
  it('fails when there is no access token to compare with, or it is not ASCII', () => {
    expectFail(idTokenAtHashMatches(ev({}, { at_hash: 'abc' })), /expected an access token .* found none/);
    expectFail(idTokenAtHashMatches(ev({ accessToken: 'tök' }, { at_hash: 'abc' })), /ASCII/);
  });
  it('maps algs to hashes', () => {
    expect(['HS256', 'RS256', 'PS256', 'ES256', 'ES256K', 'ES384', 'PS512', 'EdDSA', 'Ed25519'].map((a) => hashForAlg(a)?.name)).toEqual([
      'sha256', 'sha256', 'sha256', 'sha256', 'sha256', 'sha384', 'sha512', 'sha512', 'sha512',
    ]);
    expect(hashForAlg('none')).toBeUndefined();
    expect(hashForAlg(256)).toBeUndefined();
  });
  // Claims objects without at_hash legitimately pass ("absent"), so only non-object claims here.
  it.each(hostile().filter((v) => !(v && typeof (v as IdTokenEvidence).claims === 'object' && !Array.isArray((v as IdTokenEvidence).claims) && (v as IdTokenEvidence).claims !== null)))(
    'fails without throwing on hostile evidence %#',
    (v) => expectFail(idTokenAtHashMatches(v as never)),
  );
  it('fails without throwing for a hostile at_hash', () => {
    for (const h of HOSTILE) expectFail(idTokenAtHashMatches(ev({ accessToken: 'x', header: { alg: 'RS256' } }, { at_hash: h })));
  });

  // The engine's path: a real signed ID Token, decoded with jose, at_hash computed independently.
  describe.each([
    ['ES384', 'sha384'],
    ['EdDSA', 'sha512'],
    ['PS256', 'sha256'],
  ] as const)('with a jose-signed %s ID Token', (alg, hash) => {
    let token: string;
    const accessToken = randomBytes(32).toString('base64url');
    beforeAll(async () => {
      const { privateKey } = await generateKeyPair(alg, alg === 'PS256' ? { modulusLength: 2048 } : undefined);
      token = await new SignJWT({ ...claims, at_hash: atHash(accessToken, hash) }).setProtectedHeader({ alg, kid: 'k1' }).sign(privateKey);
    });
    it('passes for the matching access token', () => {
      expectPass(idTokenAtHashMatches(ev({ claims: decodeJwt(token), header: decodeProtectedHeader(token), accessToken })));
    });
    it('fails for another access token', () => {
      const f = idTokenAtHashMatches(ev({ claims: decodeJwt(token), header: decodeProtectedHeader(token), accessToken: `${accessToken}x` }));
      expectFail(f, new RegExp(`left half of ${hash}`));
      expect(f.actual).toBe(atHash(accessToken, hash));
    });
  });
});

describe('idTokenSignatureVerified', () => {
  let jwks: { keys: Record<string, unknown>[] };
  let good: string;
  let foreign: string;
  let unsigned: string;
  /** What the engine would pass: jwtVerify against the JWKS. */
  async function engineEvidence(token: string, expectedAlg?: string): Promise<SignatureEvidence> {
    const header = decodeProtectedHeader(token);
    const base = { kid: header.kid, alg: header.alg, expectedAlg, jwksKids: jwks.keys.map((k) => k.kid as string) };
    try {
      await jwtVerify(token, createLocalJWKSet(jwks as never), { currentDate: new Date(NOW * 1000) });
      return { verified: true, ...base };
    } catch (e) {
      return { verified: false, error: (e as Error).message, ...base };
    }
  }
  beforeAll(async () => {
    const k = await generateKeyPair('ES256');
    const other = await generateKeyPair('ES256');
    jwks = { keys: [{ ...(await exportJWK(k.publicKey)), kid: 'op-key-1', alg: 'ES256', use: 'sig' }] };
    good = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'op-key-1' }).sign(k.privateKey);
    foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'attacker' }).sign(other.privateKey);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    unsigned = `${b64({ alg: 'none', kid: 'op-key-1' })}.${b64(claims)}.`;
  });
  it('passes for a token signed by a JWKS key with the expected alg', async () => {
    const f = idTokenSignatureVerified(await engineEvidence(good, 'ES256'));
    expectPass(f);
    expect(f.citation.id).toBe('OIDCC-3.1.3.7-signature');
    expect(f.message).toBe('signature verifies (alg "ES256", kid "op-key-1" is in the JWKS)');
  });
  it('fails for a key not in the JWKS, saying so', async () => {
    const f = idTokenSignatureVerified(await engineEvidence(foreign));
    expectFail(f, /did not: .* kid "attacker" is not in the JWKS/);
    expect(f.actual).toMatchObject({ verified: false, kid: 'attacker', alg: 'ES256' });
  });
  it('fails for a tampered payload', async () => {
    const [h, , s] = good.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url')}.${s}`;
    expectFail(idTokenSignatureVerified(await engineEvidence(tampered)), /kid "op-key-1" is in the JWKS/);
  });
  it('fails for alg none even if reported verified', async () => {
    const e = await engineEvidence(unsigned);
    expect(e.verified).toBe(false);
    expectFail(idTokenSignatureVerified(e), /found alg "none"/);
    expectFail(idTokenSignatureVerified({ ...e, verified: true }), /found alg "none"/);
  });
  it('fails for an alg other than the registered one', async () => {
    const f = idTokenSignatureVerified(await engineEvidence(good, 'PS256'));
    expectFail(f, /expected alg "PS256", found "ES256"/);
    expect(f.expected).toEqual({ verified: true, alg: 'PS256' });
  });
  it('names a JWKS key jose cannot import as a public key, not an opaque crypto error', async () => {
    // A JWKS whose key carries its private member d: jose refuses the whole set.
    const k = await generateKeyPair('ES256', { extractable: true });
    const priv = { ...(await exportJWK(k.privateKey)), kid: 'op-key-1', alg: 'ES256' };
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'op-key-1' }).sign(k.privateKey);
    const saved = jwks;
    jwks = { keys: [priv] };
    const e = await engineEvidence(token);
    jwks = saved;
    expectFail(idTokenSignatureVerified(e), /the JWKS key \(kid "op-key-1" is in the JWKS\) could not be imported as a public verification key: .*public keys/);
  });
  it('names a missing kid', () => expectFail(idTokenSignatureVerified({ verified: false, alg: 'RS256' }), /no kid in the header/));
  it.each(HOSTILE)('fails without throwing on hostile evidence %#', (v) => expectFail(idTokenSignatureVerified(v as never)));
  it('fails for a truthy non-boolean verified', () => expectFail(idTokenSignatureVerified({ verified: 'yes' } as never)));
});

describe('idTokenRefreshNonce and idTokenRefreshHasNoNonce (OIDC Core §12.2)', () => {
  it('pass when the refreshed ID Token has no nonce', () => {
    const { nonce: _, ...noNonce } = claims;
    expectPass(idTokenRefreshNonce({ claims: noNonce, originalNonce: 'n-0S6_WzA2Mj' }));
    expectPass(idTokenRefreshHasNoNonce({ claims: noNonce }));
  });
  it('accept the original nonce repeated (MUST holds), with the SHOULD NOT failing', () => {
    const f = idTokenRefreshNonce({ claims, originalNonce: 'n-0S6_WzA2Mj' });
    expectPass(f);
    expect(f.citation.id).toBe('OIDCC-12.2-refresh-nonce');
    const g = idTokenRefreshHasNoNonce({ claims });
    expectFail(g, /SHOULD NOT/);
    expect(g.citation.level).toBe('SHOULD');
  });
  it('fail for a nonce other than the original', () => {
    expectFail(idTokenRefreshNonce({ claims, originalNonce: 'another' }), /expected no nonce or the original one \("another"\), found "n-0S6_WzA2Mj"/);
    expectFail(idTokenRefreshNonce({ claims, originalNonce: undefined }), /the original ID Token had none/);
  });
  it('fail on hostile input', () => {
    for (const h of HOSTILE.filter((x) => typeof x !== 'object' || x === null || Array.isArray(x))) {
      expect(idTokenRefreshNonce({ claims: h }).ok).toBe(false);
      expect(idTokenRefreshHasNoNonce({ claims: h }).ok).toBe(false);
    }
  });
});
