import { describe, expect, it } from 'vitest';
import { clientCredentialsNoRefreshToken, grantedScopeWithinRequest, unavailableScopeNotGranted } from '../../harness/checks/index.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

/** RFC 6749 §4.4.3 example response (token_type made Bearer). */
const CC = { access_token: '2YotnFZFEjr1zCsicMWpAA', token_type: 'Bearer', expires_in: 3600, example_parameter: 'example_value' };

describe('clientCredentialsNoRefreshToken', () => {
  it('passes for the RFC 6749 §4.4.3 example (no refresh_token)', () => {
    const f = clientCredentialsNoRefreshToken(CC);
    expectPass(f);
    expect(f.citation.id).toBe('RFC6749-4.4.3-no-refresh');
  });
  it('fails when a refresh_token is included, without echoing it', () => {
    const f = clientCredentialsNoRefreshToken({ ...CC, refresh_token: 'tGzv3JOkF0XG5Qx2TlKWIA' });
    expectFail(f);
    expect(JSON.stringify(f)).not.toContain('tGzv3JOkF0XG5Qx2TlKWIA');
  });
  it.each(HOSTILE.filter((h) => typeof h !== 'object' || h === null || Array.isArray(h)))('fails on hostile input %#', (h) => expectFail(clientCredentialsNoRefreshToken(h)));
});

describe('grantedScopeWithinRequest', () => {
  it('passes when the granted scope is the request or a subset of it', () => {
    expectPass(grantedScopeWithinRequest({ requested: 'api:read api:write', json: { ...CC, scope: 'api:read' } }));
    expectPass(grantedScopeWithinRequest({ requested: 'api:read', json: CC }));
    expectPass(grantedScopeWithinRequest({ json: { ...CC, scope: 'api:read' } }));
  });
  it('fails when more than the request is granted', () => {
    const f = grantedScopeWithinRequest({ requested: 'api:read', json: { ...CC, scope: 'api:read admin' } });
    expectFail(f);
    expect(f.message).toContain('admin');
  });
  it('fails on a non-string scope and on hostile input', () => {
    expectFail(grantedScopeWithinRequest({ requested: 'a', json: { ...CC, scope: ['a'] } }));
    for (const h of HOSTILE) expectFail(grantedScopeWithinRequest(h as never));
  });
});

describe('unavailableScopeNotGranted (RFC 6749 §3.3: narrowing is allowed, then scope is REQUIRED)', () => {
  const requested = 'api:read admin';
  it('passes for a narrowed grant that names its scope', () => {
    expectPass(unavailableScopeNotGranted({ requested, notGranted: ['admin'], json: { access_token: 'a', token_type: 'Bearer', scope: 'api:read' } }));
  });
  it('passes for a grant narrowed to nothing named', () => expectPass(unavailableScopeNotGranted({ requested, notGranted: ['admin'], json: { access_token: 'a', scope: '' } })));
  it('fails when the unavailable scope is granted', () => {
    expectFail(unavailableScopeNotGranted({ requested, notGranted: ['admin'], json: { access_token: 'a', scope: 'api:read admin' } }), /admin not to be granted/);
  });
  it('fails when the response omits scope (it then claims the whole request was granted)', () => {
    expectFail(unavailableScopeNotGranted({ requested, notGranted: ['admin'], json: { access_token: 'a' } }), /scope member/);
  });
  it('fails on hostile input without throwing', () => {
    for (const h of HOSTILE) expectFail(unavailableScopeNotGranted({ requested, notGranted: ['admin'], json: h }));
    expectFail(unavailableScopeNotGranted({ requested, notGranted: [], json: { scope: 'x' } }));
  });
});
