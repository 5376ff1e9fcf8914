// Response-mode checks (issue 13): where the authorization response reached the redirect_uri,
// against the response_mode asked for (Form Post Response Mode §2, Multiple Response Types §2.1).
import { describe, expect, it } from 'vitest';
import { authzResponseFormPost, authzResponseFragment } from '../../harness/checks/index.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

const got = (p: Partial<{ method: 'GET' | 'POST'; query: string[]; fragment: string[]; form: string[] }>) => ({ method: 'GET' as const, query: [], fragment: [], form: [], ...p });

describe('authzResponseFormPost (Form Post Response Mode §2)', () => {
  it('passes for code, state and iss in a POSTed form body', () => {
    const f = authzResponseFormPost({ mode: 'form_post', advertised: true, ...got({ method: 'POST', form: ['code', 'state', 'iss'] }) });
    expectPass(f);
    expect(f.citation.id).toBe('FORMPOST-2-form-post');
  });
  it('passes for an error in the form body', () => {
    expectPass(authzResponseFormPost({ mode: 'form_post', advertised: true, ...got({ method: 'POST', form: ['error', 'state', 'iss'] }) }));
  });
  it('fails when an advertised form_post comes back in the query', () => {
    expectFail(authzResponseFormPost({ mode: 'form_post', advertised: true, ...got({ query: ['code', 'state', 'iss'] }) }), /expected the authorization response in a form POSTed.*advertised.*came in the query \(code, state, iss\)/);
  });
  it('is information when form_post is not advertised and the OP answered in the default query encoding', () => {
    const f = authzResponseFormPost({ mode: 'form_post', advertised: false, ...got({ query: ['code', 'state'] }) });
    expect([f.ok, f.info]).toEqual([true, true]);
    expect(f.message).toMatch(/not supported: .*not advertised/);
  });
  it('fails on hostile evidence without throwing', () => {
    for (const h of HOSTILE) expectFail(authzResponseFormPost(h as never));
  });
});

describe('authzResponseFragment (Multiple Response Types §2.1)', () => {
  it('passes for code, state and iss in the fragment', () => {
    const f = authzResponseFragment({ mode: 'fragment', advertised: true, ...got({ fragment: ['code', 'state', 'iss'] }) });
    expectPass(f);
    expect(f.citation.id).toBe('OAMRT-2.1-fragment');
  });
  it('fails when an advertised fragment mode comes back in the query, or nowhere', () => {
    expectFail(authzResponseFragment({ mode: 'fragment', advertised: true, ...got({ query: ['code'] }) }), /came in the query/);
    expectFail(authzResponseFragment({ mode: 'fragment', advertised: false, ...got({}) }), /came in no parameters at all/);
  });
});
