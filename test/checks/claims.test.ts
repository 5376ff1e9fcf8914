import { describe, expect, it } from 'vitest';
import { claimsForScope, essentialClaimsReturned, idTokenHasAuthTime, refreshTokenRotated, refreshTokenRotatedOptional, scopeClaimsReturned } from '../../harness/checks/index.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

describe('claimsForScope', () => {
  it('maps scopes to their standard claims (OIDC Core §5.4)', () => {
    expect(claimsForScope('openid email phone')).toEqual(['email', 'email_verified', 'phone_number', 'phone_number_verified']);
    expect(claimsForScope('openid')).toEqual([]);
  });
});

describe.each([
  ['scopeClaimsReturned', scopeClaimsReturned, 'OIDCC-5.4-scope-claims'],
  ['essentialClaimsReturned', essentialClaimsReturned, 'OIDCC-5.5.1-essential'],
] as const)('%s', (_name, check, citation) => {
  it('passes when every expected claim is present', () => {
    const f = check({ claims: { sub: 'a', email: 'a@example.com', email_verified: true }, expected: ['email', 'email_verified'] });
    expectPass(f);
    expect(f.citation.id).toBe(citation);
  });
  it('fails naming the missing claims', () => {
    expectFail(check({ claims: { sub: 'a', email: 'a@example.com' }, expected: ['email', 'email_verified'] }), /missing email_verified/);
  });
  it('fails for a null claim', () => expectFail(check({ claims: { sub: 'a', name: null }, expected: ['name'] }), /missing name/));
  it('fails for an empty expectation', () => expectFail(check({ claims: { sub: 'a' }, expected: [] }), /non-empty list/));
  it.each(HOSTILE)('fails without throwing on hostile claims %#', (h) => expectFail(check({ claims: h, expected: ['name'] } as never)));
});

describe('idTokenHasAuthTime', () => {
  it('passes for a numeric auth_time', () => expectPass(idTokenHasAuthTime({ auth_time: 1700000000 })));
  it('fails when auth_time is missing', () => expectFail(idTokenHasAuthTime({ sub: 'a' }), /auth_time as a number/));
  it('fails for a string auth_time', () => expectFail(idTokenHasAuthTime({ auth_time: '1700000000' }), /auth_time as a number/));
  it.each(HOSTILE)('fails without throwing on hostile input %#', (h) => expectFail(idTokenHasAuthTime(h)));
});

describe('refreshTokenRotated', () => {
  it('passes when a different refresh token comes back', () => expectPass(refreshTokenRotated({ previous: 'rt-1', json: { refresh_token: 'rt-2' } })));
  it('fails when the same refresh token comes back', () => expectFail(refreshTokenRotated({ previous: 'rt-1', json: { refresh_token: 'rt-1' } }), /no rotation/));
  it('fails when no refresh token comes back', () => expectFail(refreshTokenRotated({ previous: 'rt-1', json: { access_token: 'x' } }), /no new refresh_token/));
  it('fails for a malformed refresh_token', () => expectFail(refreshTokenRotated({ previous: 'rt-1', json: { refresh_token: 42 } }), /non-empty string/));
  it('cites the MUST for public clients', () => expect(refreshTokenRotated({ previous: 'a', json: {} }).citation.level).toBe('MUST'));
  it.each(HOSTILE)('fails without throwing on hostile input %#', (h) => expectFail(refreshTokenRotated({ previous: 'rt-1', json: h })));
});

describe('refreshTokenRotatedOptional (confidential client or sender-constrained refresh token)', () => {
  it('passes when a different refresh token comes back', () => expectPass(refreshTokenRotatedOptional({ previous: 'rt-1', json: { refresh_token: 'rt-2' } })));
  it('is information, not a failure, when the same refresh token comes back (RFC 9700 §4.14.2)', () => {
    const f = refreshTokenRotatedOptional({ previous: 'rt-1', json: { refresh_token: 'rt-1' } });
    expect(f.ok).toBe(true);
    expect(f.info).toBe(true);
    expect(f.message).toMatch(/^not supported: .*not rotated/);
  });
  it('is information when no refresh token comes back (RFC 6749 §6: the client keeps the old one)', () => expect(refreshTokenRotatedOptional({ previous: 'rt-1', json: { access_token: 'x' } }).info).toBe(true));
  it('fails, under its own MAY citation, only as information (asInformation)', () => expect(refreshTokenRotatedOptional({ previous: 'rt-1', json: { refresh_token: 42 } }).info).toBe(true));
});
