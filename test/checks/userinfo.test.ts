import { describe, expect, it } from 'vitest';
import { bearerChallengeOnError, parseWwwAuthenticate, userinfoMatchesSchema, userinfoSubMatchesIdToken } from '../../harness/checks/index.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

/** OIDC Core §5.3.2 example UserInfo response. */
const USERINFO = {
  sub: '248289761001',
  name: 'Jane Doe',
  given_name: 'Jane',
  family_name: 'Doe',
  preferred_username: 'j.doe',
  email: 'janedoe@example.com',
  picture: 'http://example.com/janedoe/me.jpg',
};
const ok = (json: unknown, extra: Record<string, unknown> = {}) => ({ status: 200, contentType: 'application/json', json, ...extra });

describe('userinfoMatchesSchema', () => {
  it('passes for the OIDC Core §5.3.2 example', () => {
    const f = userinfoMatchesSchema(ok(USERINFO));
    expectPass(f);
    expect(f.citation.id).toBe('OIDCC-5.3.2-userinfo-response');
    expect(f.message).toContain('6 other claims');
  });
  it('passes for typed standard claims', () => {
    expectPass(userinfoMatchesSchema(ok({ sub: 'x', email_verified: true, birthdate: '0000-03-22', updated_at: 1311280970, address: { country: 'US' } })));
  });
  it('fails without sub', () => {
    const { sub: _, ...rest } = USERINFO;
    const f = userinfoMatchesSchema(ok(rest));
    expectFail(f, /\(root\) must have required property 'sub'/);
    expect(f.actual).toEqual(["(root) must have required property 'sub'"]);
  });
  it('fails for mistyped claims', () => {
    const f = userinfoMatchesSchema(ok({ ...USERINFO, email_verified: 'true', updated_at: '2011-07-21', birthdate: '21/07/1990', address: 'Main St', sub: 248289761001 }));
    expectFail(f);
    expect(f.actual).toEqual(
      expect.arrayContaining(['/sub must be string', '/email_verified must be boolean', '/updated_at must be number', '/address must be object', expect.stringMatching(/^\/birthdate must match pattern/)]),
    );
  });
  it('fails for a signed (application/jwt) response or a 401', () => {
    expectFail(userinfoMatchesSchema(ok('eyJ.x.y', { contentType: 'application/jwt' })), /found Content-Type "application\/jwt"/);
    expectFail(userinfoMatchesSchema(ok(undefined, { status: 401 })), /found status 401/);
  });
  it.each(HOSTILE)('fails without throwing on hostile json %#', (v) => expectFail(userinfoMatchesSchema(ok(v))));
  it.each(HOSTILE)('fails without throwing on a hostile input object %#', (v) => expectFail(userinfoMatchesSchema(v as never)));
});

describe('userinfoSubMatchesIdToken', () => {
  it('passes for equal subs', () => {
    const f = userinfoSubMatchesIdToken({ userinfoSub: '248289761001', idTokenSub: '248289761001' });
    expectPass(f);
    expect(f.citation.id).toBe('OIDCC-5.3.2-userinfo-sub');
  });
  it('fails for a different sub (token substitution)', () => {
    const f = userinfoSubMatchesIdToken({ userinfoSub: '90342.ASDFJWFA', idTokenSub: '248289761001' });
    expectFail(f, /expected UserInfo sub exactly "248289761001" \(the ID Token sub\), found "90342.ASDFJWFA"/);
    expect(f.expected).toBe('248289761001');
    expect(f.actual).toBe('90342.ASDFJWFA');
  });
  it('fails for a numeric sub with the same digits', () => expectFail(userinfoSubMatchesIdToken({ userinfoSub: 248289761001, idTokenSub: '248289761001' }), /a number/));
  it.each(HOSTILE)('fails without throwing on hostile subs %#', (v) => {
    expectFail(userinfoSubMatchesIdToken({ userinfoSub: v, idTokenSub: '248289761001' }));
    expectFail(userinfoSubMatchesIdToken({ userinfoSub: '248289761001', idTokenSub: v }));
    expectFail(userinfoSubMatchesIdToken(v as never));
  });
});

describe('bearerChallengeOnError', () => {
  /** RFC 6750 §3 example. */
  const RFC6750 = 'Bearer realm="example", error="invalid_token", error_description="The access token expired"';
  it('passes for the RFC 6750 §3 example with the expected error', () => {
    const f = bearerChallengeOnError({ status: 401, headers: { 'www-authenticate': RFC6750 }, expectError: 'invalid_token' });
    expectPass(f);
    expect(f.citation.id).toBe('RFC6750-3-www-authenticate');
    expect(f.message).toBe('401 with a Bearer challenge with error="invalid_token"');
  });
  it('passes for a bare Bearer challenge (no token sent), any case, any header name case', () => {
    expectPass(bearerChallengeOnError({ status: 401, headers: { 'WWW-Authenticate': 'bearer realm="example"' } }));
    expectPass(bearerChallengeOnError({ status: 401, headers: { 'www-authenticate': 'Bearer' } }));
  });
  it('passes for insufficient_scope on 403 and a token error among several challenges (RFC 9449 §7.1 style)', () => {
    expectPass(bearerChallengeOnError({ status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="openid profile"' }, expectError: 'insufficient_scope' }));
    expectPass(bearerChallengeOnError({ status: 401, headers: { 'www-authenticate': 'DPoP algs="ES256 PS256", Bearer error=invalid_token' }, expectError: 'invalid_token' }));
  });
  it('fails for 200 or 500', () => {
    const f = bearerChallengeOnError({ status: 200, headers: { 'www-authenticate': RFC6750 } });
    expectFail(f, /found status 200/);
    expect(f.actual).toEqual({ status: 200 });
    expectFail(bearerChallengeOnError({ status: 500, headers: {} }), /found status 500/);
  });
  it('fails without WWW-Authenticate', () => expectFail(bearerChallengeOnError({ status: 401, headers: { 'content-type': 'application/json' } }), /found none \(status 401\)/));
  it('fails for another scheme', () => {
    expectFail(bearerChallengeOnError({ status: 401, headers: { 'www-authenticate': 'Basic realm="api"' } }), /found scheme Basic/);
    expectFail(bearerChallengeOnError({ status: 401, headers: { 'www-authenticate': 'Bearerx realm="api"' } }), /found scheme Bearerx/);
  });
  it('fails for the wrong or a missing error code', () => {
    const f = bearerChallengeOnError({ status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_request"' }, expectError: 'invalid_token' });
    expectFail(f, /expected error="invalid_token" in the Bearer challenge, found error="invalid_request"/);
    expect(f.expected).toEqual({ status: [400, 401, 403], 'www-authenticate': 'Bearer error="invalid_token"' });
    expectFail(bearerChallengeOnError({ status: 401, headers: { 'www-authenticate': 'Bearer realm="x"' }, expectError: 'invalid_token' }), /found no error parameter/);
  });
  it('does not take error text inside another parameter for the error', () => {
    expectFail(
      bearerChallengeOnError({ status: 401, headers: { 'www-authenticate': 'Bearer error_description="error=\\"invalid_token\\""' }, expectError: 'invalid_token' }),
      /found no error parameter/,
    );
  });
  it('fails for a malformed value', () => expectFail(bearerChallengeOnError({ status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token' } }), /unterminated quoted-string/));
  it.each(HOSTILE)('fails without throwing on hostile headers %#', (v) => expectFail(bearerChallengeOnError({ status: 401, headers: v as never })));
  it.each(HOSTILE)('fails without throwing on a hostile header value %#', (v) => expectFail(bearerChallengeOnError({ status: 401, headers: { 'www-authenticate': v } as never })));
  it.each(HOSTILE)('fails without throwing on a hostile input object %#', (v) => expectFail(bearerChallengeOnError(v as never)));
});

describe('parseWwwAuthenticate', () => {
  it('parses several challenges, token68 and escapes', () => {
    expect(parseWwwAuthenticate('Basic dXNlcjpwYXNz==, Bearer realm="a\\"b", error=invalid_token, DPoP algs="ES256"')).toEqual({
      challenges: [
        { scheme: 'Basic', params: {}, token68: 'dXNlcjpwYXNz==' },
        { scheme: 'Bearer', params: { realm: 'a"b', error: 'invalid_token' } },
        { scheme: 'DPoP', params: { algs: 'ES256' } },
      ],
    });
  });
  it('tolerates empty list elements and BWS around =', () => {
    expect(parseWwwAuthenticate(', Bearer  Error = "x" ,').challenges).toEqual([{ scheme: 'Bearer', params: { error: 'x' } }]);
  });
  it('reports errors', () => {
    expect(parseWwwAuthenticate('Bearer realm="x", realm="y"').error).toMatch(/repeated/);
    expect(parseWwwAuthenticate('"Bearer"').error).toMatch(/auth-scheme was expected/);
  });
  it('handles a megabyte value (bounded by the test timeout, no wall-clock assertion)', () => {
    parseWwwAuthenticate(`Bearer realm="${'a'.repeat(1_000_000)}"`);
    parseWwwAuthenticate(`Bearer realm="${"\\a".repeat(300_000)}"`);
    for (let k = 0; k < 20_000; k++) parseWwwAuthenticate(`Bearer p${k}=v`);
    expect(parseWwwAuthenticate(Array.from({ length: 20_000 }, (_, k) => `p${k}=v`).join(", ").replace(/^/, "Bearer ")).challenges[0].params.p19999).toBe("v");
  });
});
