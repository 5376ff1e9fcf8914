import { describe, expect, it } from 'vitest';
import { authzResponseAtRedirectUri, authzResponseHasCode, authzResponseHasIss, authzResponseStateEchoed, type AuthzResponseEvidence } from '../../harness/checks/index.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

const ISSUER = 'https://server.example.com';
/** RFC 6749 §4.1.2 / RFC 9207 §2.4 example: code=SplxlOBeZQQYbYS6WxSbIA&state=xyz&iss=https%3A%2F%2Fserver.example.com */
const params = { code: 'SplxlOBeZQQYbYS6WxSbIA', state: 'xyz', iss: ISSUER };
const ev = (p: Record<string, string> = params, over: Partial<AuthzResponseEvidence> = {}): AuthzResponseEvidence => ({ params: p, sentState: 'xyz', issuer: ISSUER, ...over });
const hostile: unknown[] = [...HOSTILE, ...HOSTILE.map((h) => ({ ...ev(), params: h }))];

describe('authzResponseHasIss', () => {
  it('passes for the exact issuer (RFC 9207 §2.4 example)', () => {
    const f = authzResponseHasIss(ev());
    expectPass(f);
    expect(f.citation.id).toBe('RFC9207-2-iss');
  });
  it('fails without iss', () => {
    const f = authzResponseHasIss(ev({ code: 'c', state: 'xyz' }));
    expectFail(f, /expected iss="https:\/\/server\.example\.com" .* found no iss parameter/);
    expect(f.expected).toBe(ISSUER);
  });
  it('fails for a mix-up attacker issuer', () => {
    const f = authzResponseHasIss(ev({ ...params, iss: 'https://attacker.example.org' }));
    expectFail(f, /found "https:\/\/attacker\.example\.org"/);
    expect(f.actual).toBe('https://attacker.example.org');
  });
  it('fails for a trailing slash', () => expectFail(authzResponseHasIss(ev({ ...params, iss: `${ISSUER}/` }))));
  it.each([...hostile, ...HOSTILE.map((h) => ({ ...ev(), issuer: h }))])('fails without throwing on hostile evidence %#', (v) => expectFail(authzResponseHasIss(v as never), undefined, { noExpected: true }));
});

describe('authzResponseStateEchoed', () => {
  it('passes for an exact echo', () => {
    const f = authzResponseStateEchoed(ev());
    expectPass(f);
    expect(f.citation.id).toBe('RFC6749-4.1.2-state');
  });
  it('passes when none was sent and none came back', () => expectPass(authzResponseStateEchoed(ev({ code: 'c' }, { sentState: undefined }))));
  it('fails for a modified state', () => {
    const f = authzResponseStateEchoed(ev({ ...params, state: 'XYZ' }));
    expectFail(f, /expected state exactly "xyz", found "XYZ"/);
    expect(f.expected).toBe('xyz');
    expect(f.actual).toBe('XYZ');
  });
  it('fails for a dropped state', () => expectFail(authzResponseStateEchoed(ev({ code: 'c' })), /found no state parameter/));
  it('fails for an invented state', () => expectFail(authzResponseStateEchoed(ev(params, { sentState: undefined })), /none was sent/));
  it('keeps a huge state out of the message', () => {
    const big = 's'.repeat(100_000);
    const f = authzResponseStateEchoed(ev({ state: `${big}x` }, { sentState: big }));
    expectFail(f);
    expect(f.message.length).toBeLessThan(400);
  });
  it.each(hostile)('fails without throwing on hostile evidence %#', (v) => expectFail(authzResponseStateEchoed(v as never), undefined, { noExpected: true }));
});

describe('authzResponseHasCode', () => {
  it('passes for a code', () => {
    const f = authzResponseHasCode(params);
    expectPass(f);
    expect(f.citation.id).toBe('RFC6749-4.1.2-code');
    expect(f.actual).toBe('22 chars');
  });
  it('fails for an error response (RFC 6749 §4.1.2.1 example)', () => {
    const f = authzResponseHasCode({ error: 'access_denied', error_description: 'The user denied the request', state: 'xyz' });
    expectFail(f, /found error="access_denied" \("The user denied the request"\)/);
    expect(f.actual).toEqual({ error: 'access_denied', error_description: 'The user denied the request' });
  });
  it('fails without code, listing what came back', () => expectFail(authzResponseHasCode({ state: 'xyz' }), /found none \(parameters: \["state"\]\)/));
  it('fails for an empty code', () => expectFail(authzResponseHasCode({ code: '' }), /non-empty code/));
  it.each(HOSTILE)('fails without throwing on hostile params %#', (v) => expectFail(authzResponseHasCode(v as never)));
  it('fails for a non-string code', () => expectFail(authzResponseHasCode({ code: ['a'] } as never)));
});

describe('authzResponseAtRedirectUri', () => {
  const sentTo = 'https://client.example.org/cb';
  it('passes when the response lands on the redirect_uri sent (its query aside)', () => {
    const f = authzResponseAtRedirectUri({ sentTo, landedAt: 'https://client.example.org/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz', params: ['code', 'state'] });
    expectPass(f);
    expect(f.citation.id).toBe('RFC6749-3.1.2.4');
  });
  it('fails when the response goes to another host, naming it and the parameters', () => {
    const f = authzResponseAtRedirectUri({ sentTo, landedAt: 'https://attacker.example/steal?code=abc&state=xyz', params: ['code', 'state'] });
    expectFail(f, /to "https:\/\/attacker\.example\/steal", which is not that redirect_uri/);
    expect(f.message).toContain('(code, state)');
  });
  it('fails for another path on the client host', () => expectFail(authzResponseAtRedirectUri({ sentTo, landedAt: 'https://client.example.org/other?error=access_denied', params: ['error'] })));
  it.each(HOSTILE)('fails without throwing on hostile input %#', (v) => expectFail(authzResponseAtRedirectUri(v as never)));
});
