import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors, generateKeyPair, jwtVerify, SignJWT, UnsecuredJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RecordedResponse } from '../../harness/core/exchange.ts';
import { judgeErrorResponse, shapeHeaders, shapeParams } from '../../harness/engine/module-run.ts';
import { baseOf, decodeInMode, pkcePair, redirectUriVariant, responseParams } from '../../harness/engine/steps/authorize.ts';
import { foreignCopy, unsignedCopy } from '../../harness/engine/steps/logout.ts';
import { oauthMetadataUrl } from '../../harness/engine/steps/metadata.ts';

describe('shapeParams', () => {
  const built = { response_type: 'code', client_id: 'c', state: 's', nonce: 'n', code_challenge: undefined };

  it('drops undefined values from what was built', () => {
    expect(shapeParams(built, {})).toEqual({ response_type: 'code', client_id: 'c', state: 's', nonce: 'n' });
  });
  it('applies `drop`, ignoring header: entries', () => {
    expect(shapeParams(built, { drop: ['state', 'header:state', 'not-there'] })).toEqual({ response_type: 'code', client_id: 'c', nonce: 'n' });
  });
  it('applies `params` last: overrides, additions (stringified), null/undefined removals', () => {
    const out = shapeParams(built, { drop: ['nonce'], params: { client_id: 'other', max_age: 0, prompt: 'none', state: null, response_type: undefined, nonce: 'back' } });
    expect(out).toEqual({ client_id: 'other', max_age: '0', prompt: 'none', nonce: 'back' });
  });
  it('does not mutate what was built', () => {
    const b = { a: '1', b: '2' };
    shapeParams(b, { drop: ['a'], params: { b: null } });
    expect(b).toEqual({ a: '1', b: '2' });
  });
});

describe('shapeHeaders', () => {
  it('lower-cases names, drops undefined values', () => {
    expect(shapeHeaders({ Accept: 'application/json', Authorization: undefined, 'X-A': '1' }, {})).toEqual({ accept: 'application/json', 'x-a': '1' });
  });
  it('applies drop: [header:name] case-insensitively and ignores plain drops', () => {
    expect(shapeHeaders({ accept: 'a', authorization: 'Bearer t' }, { drop: ['header:Authorization', 'accept'] })).toEqual({ accept: 'a' });
  });
  it('applies `headers:` overrides last; null removes', () => {
    const out = shapeHeaders({ accept: 'application/json', authorization: 'Bearer t' }, { drop: ['header:accept'], headers: { Authorization: 'Bearer other', ACCEPT: 'text/html', 'X-N': 5, authorization: null } });
    expect(out).toEqual({ accept: 'text/html', 'x-n': '5' });
  });
});

describe('judgeErrorResponse', () => {
  const res = (status: number, json?: unknown, body = json === undefined ? '' : JSON.stringify(json)): RecordedResponse => ({ status, headers: {}, body, json });

  it('passes on an allowed status and an expected error code', () => {
    const v = judgeErrorResponse({ error: ['invalid_grant', 'invalid_request'] }, res(400, { error: 'invalid_grant' }), [400, 401]);
    expect(v).toEqual({
      ok: true,
      message: 'refused as expected: HTTP 400 error=invalid_grant',
      expected: { status: [400, 401], error: ['invalid_grant', 'invalid_request'] },
      actual: { status: 400, error: 'invalid_grant' },
    });
  });
  it('passes on status alone when no error code is expected', () => {
    const v = judgeErrorResponse({}, res(401), [401]);
    expect(v).toEqual({ ok: true, message: 'refused as expected: HTTP 401', expected: { status: [401] }, actual: { status: 401 } });
  });
  it('expect.status replaces the default statuses', () => {
    expect(judgeErrorResponse({ status: [403] }, res(403), [401]).ok).toBe(true);
    const v = judgeErrorResponse({ status: [403] }, res(401), [401]);
    expect(v.ok).toBe(false);
    expect(v.message).toBe('expected HTTP 403, got 401');
  });
  it('fails on a success status, naming any error member', () => {
    const v = judgeErrorResponse({ error: ['invalid_grant'] }, res(200, { access_token: 'x' }), [400, 401]);
    expect(v).toMatchObject({ ok: false, message: 'expected HTTP 400 or 401, got 200', actual: { status: 200, error: null } });
    expect(judgeErrorResponse({}, res(500, { error: 'server_error' }), [400]).message).toBe('expected HTTP 400, got 500 (error=server_error)');
  });
  it('fails on the wrong error code', () => {
    const v = judgeErrorResponse({ error: ['invalid_grant'] }, res(400, { error: 'invalid_client' }), [400, 401]);
    expect(v).toMatchObject({ ok: false, message: 'expected error invalid_grant, got invalid_client', actual: { status: 400, error: 'invalid_client' } });
  });
  it.each([
    ['no body', res(400)],
    ['garbage JSON', { status: 400, headers: {}, body: '{oops', json: undefined }],
    ['a non-string error', res(400, { error: 42 })],
    ['an array body', res(400, ['invalid_grant'])],
  ] as [string, RecordedResponse][])('fails when an error code is expected and there is %s', (_name, r) => {
    const v = judgeErrorResponse({ error: ['invalid_grant'] }, r, [400]);
    expect(v.ok).toBe(false);
    expect(v.message).toBe('expected error invalid_grant, got no error member');
    expect(v.actual).toEqual({ status: 400, error: null });
  });
});

describe('pkcePair', () => {
  const UNRESERVED = /^[A-Za-z0-9\-._~]{43,128}$/; // RFC 7636 §4.1

  it('S256: challenge is BASE64URL(SHA256(verifier)) (RFC 7636 §4.2)', () => {
    const p = pkcePair('S256');
    expect(p.method).toBe('S256');
    expect(p.verifier).toMatch(UNRESERVED);
    const expected = createHash('sha256').update(p.verifier!, 'ascii').digest('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(p.challenge).toBe(expected);
    expect(p.challenge).toHaveLength(43);
    expect(p.challenge).not.toBe(p.verifier);
  });
  it('a fresh verifier every time', () => {
    const seen = new Set(Array.from({ length: 20 }, () => pkcePair('S256').verifier));
    expect(seen.size).toBe(20);
  });
  it('any other method name gets S256', () => {
    const p = pkcePair('whatever');
    expect(p.method).toBe('S256');
    expect(p.challenge).toBe(createHash('sha256').update(p.verifier!).digest('base64url'));
  });
  it('plain: challenge equals the verifier', () => {
    const p = pkcePair('plain');
    expect(p).toEqual({ verifier: p.verifier, challenge: p.verifier, method: 'plain' });
    expect(p.verifier).toMatch(UNRESERVED);
  });
  it('none: no PKCE at all', () => {
    expect(pkcePair('none')).toEqual({});
  });
});

describe('responseParams and baseOf', () => {
  it('reads query parameters, decoding them', () => {
    expect(responseParams('https://client.example/cb?code=Spl%2Bx&state=a+b&iss=https%3A%2F%2Fop.example')).toEqual({ code: 'Spl+x', state: 'a b', iss: 'https://op.example' });
  });
  it('reads fragment parameters (other response modes)', () => {
    expect(responseParams('https://client.example/cb#error=access_denied&state=xyz')).toEqual({ error: 'access_denied', state: 'xyz' });
  });
  it('merges both, the query winning on a clash', () => {
    expect(responseParams('https://client.example/cb?state=q&code=c#state=f&extra=1')).toEqual({ state: 'q', code: 'c', extra: '1' });
  });
  it('is empty with neither', () => {
    expect(responseParams('https://client.example/cb')).toEqual({});
  });
  it('baseOf strips query and fragment, keeping origin and path', () => {
    expect(baseOf('https://client.example:8443/cb/x?code=1&state=2#frag')).toBe('https://client.example:8443/cb/x');
    expect(baseOf('https://client.example:443/cb?x=1')).toBe('https://client.example/cb');
    expect(baseOf('https://client.example')).toBe('https://client.example/');
    expect(() => baseOf('/relative')).toThrow();
  });
});

describe('decodeInMode (a client in one response mode reads one part only)', () => {
  const url = 'https://rp.example/cb?code=q&iss=qi#code=f&state=fs';
  it('reads the query, the fragment, or the form body, never the others', () => {
    expect(decodeInMode(url, { code: 'p', state: 'ps' }, 'query')).toEqual({ code: 'q', iss: 'qi' });
    expect(decodeInMode(url, { code: 'p', state: 'ps' }, 'fragment')).toEqual({ code: 'f', state: 'fs' });
    expect(decodeInMode(url, { code: 'p', state: 'ps' }, 'form_post')).toEqual({ code: 'p', state: 'ps' });
    expect(decodeInMode(url, undefined, 'form_post')).toEqual({});
  });
});

describe('redirectUriVariant (RFC 9700 §4.1.3)', () => {
  it('alters the registered URI the way a lax matcher would still accept', () => {
    const r = 'https://rp.example/cb';
    expect(['extra-path', 'path-prefix', 'subdomain', 'extra-query', 'fragment', 'percent-encoded', 'userinfo', 'port', 'http'].map((v) => redirectUriVariant(r, v))).toEqual([
      'https://rp.example/cb/touchstone', 'https://rp.example/cbx', 'https://touchstone.rp.example/cb', 'https://rp.example/cb?touchstone=1', 'https://rp.example/cb#touchstone',
      'https://rp.example/c%62', 'https://rp.example@touchstone.invalid/cb', 'https://rp.example:8443/cb', 'http://rp.example/cb',
    ]);
    expect(redirectUriVariant('https://rp.example:8443/cb?a=1', 'extra-query')).toBe('https://rp.example:8443/cb?a=1&touchstone=1');
    expect(new URL(redirectUriVariant(r, 'userinfo')).hostname).toBe('touchstone.invalid');
  });
  it('makes a verifier of the asked length', () => {
    expect(pkcePair('S256', 42).verifier).toHaveLength(42);
  });
});

describe('ID token copies for the logout modules', () => {
  let privateKey: CryptoKey;
  let publicKey: CryptoKey;
  let idToken: string;
  const claims = { iss: 'http://127.0.0.1:9000', sub: 'alice', aud: 'touchstone-client', nonce: 'n-0S6_WzA2Mj', sid: 'sess-1' };

  beforeAll(async () => {
    ({ privateKey, publicKey } = await generateKeyPair('RS256'));
    idToken = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'op-key-1', typ: 'JWT' }).setIssuedAt().setExpirationTime('5m').sign(privateKey);
    await jwtVerify(idToken, publicKey); // the original is sound
  });

  it('unsignedCopy: alg none, empty signature, same claims', () => {
    const copy = unsignedCopy(idToken);
    expect(copy).not.toBe(idToken);
    expect(decodeProtectedHeader(copy)).toEqual({ alg: 'none' });
    expect(copy.split('.')).toHaveLength(3);
    expect(copy.endsWith('.')).toBe(true);
    expect(decodeJwt(copy)).toEqual(decodeJwt(idToken));
    expect(UnsecuredJWT.decode(copy).payload).toEqual(decodeJwt(idToken));
  });

  it('unsignedCopy does not verify with the original key', async () => {
    await expect(jwtVerify(unsignedCopy(idToken), publicKey)).rejects.toThrow();
  });

  it('foreignCopy: same kid and claims, signed by a key that is not the OP\'s', async () => {
    const copy = await foreignCopy(idToken);
    const header = decodeProtectedHeader(copy);
    expect(header.kid).toBe('op-key-1');
    expect(header.alg).toBe('RS256');
    expect(decodeJwt(copy)).toEqual(decodeJwt(idToken));
    expect(copy.split('.')[2]).not.toBe(idToken.split('.')[2]);
    await expect(jwtVerify(copy, publicKey)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    await expect(jwtVerify(idToken, publicKey)).resolves.toMatchObject({ payload: { sub: 'alice' } });
  });

  it('foreignCopy of a token without a kid has no kid', async () => {
    const noKid = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    const copy = await foreignCopy(noKid);
    expect(decodeProtectedHeader(copy)).toEqual({ alg: 'RS256' });
    expect(decodeJwt(copy)).toEqual({ sub: 'alice' });
    await expect(jwtVerify(copy, publicKey)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
  });
});

describe('oauthMetadataUrl (RFC 8414 §3.1)', () => {
  it('appends the well-known segment to an issuer without a path', () => {
    expect(oauthMetadataUrl('https://h.example')).toBe('https://h.example/.well-known/oauth-authorization-server');
    expect(oauthMetadataUrl('https://h.example/')).toBe('https://h.example/.well-known/oauth-authorization-server');
  });
  it('inserts it before the issuer path, dropping a terminating slash', () => {
    expect(oauthMetadataUrl('https://h.example/tenant')).toBe('https://h.example/.well-known/oauth-authorization-server/tenant');
    expect(oauthMetadataUrl('http://127.0.0.1:9400/realms/a/')).toBe('http://127.0.0.1:9400/.well-known/oauth-authorization-server/realms/a');
  });
});
