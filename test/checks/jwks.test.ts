import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwksHasNoPrivateMembers, jwksKidsAreUnique, jwksMatchesSchema } from '../../harness/checks/index.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

/** RFC 7517 Appendix A.1 / RFC 7638 §3.1 example RSA public key. */
const RFC7638_RSA = {
  kty: 'RSA',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};
/** RFC 9449 §4.1 example DPoP proof key (P-256). */
const RFC9449_EC = { kty: 'EC', crv: 'P-256', x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs', y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA' };

let edPublic: Record<string, unknown>;
let edPrivate: Record<string, unknown>;
let rsaPrivate: Record<string, unknown>;

beforeAll(async () => {
  const ed = await generateKeyPair('EdDSA', { extractable: true });
  edPublic = { ...(await exportJWK(ed.publicKey)), kid: 'ed-1', alg: 'EdDSA', use: 'sig' };
  edPrivate = { ...(await exportJWK(ed.privateKey)), kid: 'ed-1' };
  const rsa = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  rsaPrivate = { ...(await exportJWK(rsa.privateKey)), kid: 'rsa-1' };
});

describe('fixtures', () => {
  it('the RFC 7638 key is the real vector (its thumbprint matches the RFC)', async () => {
    expect(await calculateJwkThumbprint(RFC7638_RSA)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });
  it('the RFC 9449 key is a real P-256 point with the RFC\'s jkt', async () => {
    await expect(importJWK(RFC9449_EC, 'ES256')).resolves.toBeDefined();
    expect(await calculateJwkThumbprint(RFC9449_EC)).toBe('0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I');
  });
});

describe('jwksMatchesSchema', () => {
  it('passes for RSA, EC and OKP public keys', () => {
    const f = jwksMatchesSchema({ keys: [RFC7638_RSA, { ...RFC9449_EC, kid: 'ec-1' }, edPublic] });
    expectPass(f);
    expect(f.citation.id).toBe('RFC7517-5-jwks');
    expect(f.message).toContain('3 well-formed JWKs');
  });
  it('passes for an empty key set', () => expectPass(jwksMatchesSchema({ keys: [] })));
  it('fails for keys missing their kty members', () => {
    const f = jwksMatchesSchema({ keys: [{ kty: 'RSA', e: 'AQAB' }, { kty: 'EC', crv: 'P-256', x: RFC9449_EC.x }, { use: 'sig' }] });
    expectFail(f);
    expect(f.actual).toEqual(
      expect.arrayContaining(["/keys/0 must have required property 'n'", "/keys/1 must have required property 'y'", "/keys/2 must have required property 'kty'"]),
    );
  });
  it('fails for padded or non-base64url members', () => {
    expectFail(jwksMatchesSchema({ keys: [{ ...RFC9449_EC, x: `${RFC9449_EC.x}=` }] }), /\/keys\/0\/x must match pattern/);
    expectFail(jwksMatchesSchema({ keys: [{ ...RFC7638_RSA, n: 'a+b/' }] }), /\/keys\/0\/n must match pattern/);
  });
  it('fails for a bare key or an array instead of a set', () => {
    expectFail(jwksMatchesSchema(RFC7638_RSA), /must have required property 'keys'/);
    expectFail(jwksMatchesSchema([RFC7638_RSA]), /\(root\) must be object/);
    expectFail(jwksMatchesSchema({ keys: RFC7638_RSA }), /\/keys must be array/);
  });
  it.each(HOSTILE)('fails without throwing on hostile input %#', (v) => expectFail(jwksMatchesSchema(v)));
  it('fails without throwing on a huge key list of junk, with a bounded message', () => {
    const f = jwksMatchesSchema({ keys: Array.from({ length: 5000 }, (_, i) => i) });
    expectFail(f, /and \d+ more/);
    expect((f.actual as string[]).length).toBeLessThanOrEqual(51);
  });
});

describe('jwksHasNoPrivateMembers', () => {
  it('passes for public keys', () => {
    const f = jwksHasNoPrivateMembers({ keys: [RFC7638_RSA, RFC9449_EC, edPublic] });
    expectPass(f);
    expect(f.citation.id).toBe('RFC7517-9.2-no-private');
  });
  it('fails naming each offending kid and member (jose-exported private keys)', () => {
    const f = jwksHasNoPrivateMembers({ keys: [RFC7638_RSA, rsaPrivate, edPrivate] });
    expectFail(f, /kid "rsa-1": d, p, q, dp, dq, qi/);
    expect(f.message).toMatch(/kid "ed-1": d/);
    expect(f.actual).toEqual(['kid "rsa-1": d, p, q, dp, dq, qi', 'kid "ed-1": d']);
  });
  it('fails for a published symmetric key, naming its index when it has no kid', () => {
    expectFail(jwksHasNoPrivateMembers({ keys: [{ kty: 'oct', k: 'GawgguFyGrWKav7AX4VKUg' }] }), /keys\[0\] \(no kid\): k/);
  });
  it.each(HOSTILE)('fails without throwing on hostile input %#', (v) => expectFail(jwksHasNoPrivateMembers(v)));
  it('fails when keys is not an array', () => expectFail(jwksHasNoPrivateMembers({ keys: 'd' }), /keys member to be an array, found a string/));
});

describe('jwksKidsAreUnique', () => {
  it('passes for distinct kids', () => {
    const f = jwksKidsAreUnique({ keys: [RFC7638_RSA, { ...RFC9449_EC, kid: 'ec-1' }, edPublic] });
    expectPass(f);
    expect(f.actual).toEqual(['2011-04-29', 'ec-1', 'ed-1']);
  });
  it('passes for one kid on keys of different kty (RFC 7517 §4.5 example), noting kid-less keys', () => {
    const f = jwksKidsAreUnique({ keys: [{ ...RFC7638_RSA, kid: 'k' }, { ...RFC9449_EC, kid: 'k' }, RFC9449_EC] });
    expectPass(f);
    expect(f.message).toContain('1 key has no kid');
  });
  it('fails for a repeated kid on keys of the same kty', () => {
    const f = jwksKidsAreUnique({ keys: [RFC7638_RSA, { ...RFC7638_RSA, e: 'AQAC' }] });
    expectFail(f, /kid "2011-04-29" on 2 RSA keys/);
    expect(f.actual).toEqual(['kid "2011-04-29" on 2 RSA keys']);
  });
  it.each(HOSTILE)('fails without throwing on hostile input %#', (v) => expectFail(jwksKidsAreUnique(v)));
});
