// Discovery honesty (issue 13): advertised values tried must not be refused as unsupported
// (OIDC Discovery §3 / RFC 8414 §2); unadvertised ones accepted are notes only.
import { describe, expect, it } from 'vitest';
import { discoveryAdvertisedAccepted } from '../../harness/checks/index.ts';
import { classify } from '../../harness/engine/steps/discovery-honesty.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

describe('discoveryAdvertisedAccepted (OIDC Discovery §3, RFC 8414 §2)', () => {
  it('passes when every advertised value tried was accepted, naming what was not tried and unadvertised extras', () => {
    const f = discoveryAdvertisedAccepted({
      member: 'response_modes_supported',
      advertised: [{ value: 'query', outcome: 'accepted', detail: 'HTTP 302 on' }, { value: 'jwt', outcome: 'not-tried', detail: 'JARM' }],
      unadvertised: [{ value: 'form_post', outcome: 'accepted', detail: 'HTTP 302 on' }],
    });
    expectPass(f);
    expect(f.citation.id).toBe('OIDD-3-advertised-supported');
    expect(f.message).toMatch(/1 advertised value\(s\) tried.*not tried: jwt \(JARM\).*accepted but not advertised: form_post/);
  });
  it('fails when an advertised value is refused as unsupported', () => {
    expectFail(discoveryAdvertisedAccepted({
      member: 'response_modes_supported',
      advertised: [{ value: 'query', outcome: 'accepted', detail: '' }, { value: 'form_post', outcome: 'refused', detail: 'HTTP 200: a form to the redirect_uri with error=invalid_request' }],
      unadvertised: [],
    }), /advertises "form_post" \(HTTP 200: a form .*error=invalid_request\), but the server refused it as unsupported/);
  });
  it('fails on hostile evidence without throwing', () => {
    for (const h of HOSTILE) expectFail(discoveryAdvertisedAccepted(h as never));
  });
});

describe('classify (the first answer of an authorization endpoint)', () => {
  const req = 'https://op.example/authorize?x=1';
  const cb = 'https://rp.example/cb';
  it('reads an error redirect (query or fragment), an error page and a form_post error as refusals', () => {
    expect(classify(302, `${cb}?error=invalid_request&state=s`, '', req, cb).kind).toBe('refused');
    expect(classify(303, `${cb}#error=unsupported_response_type`, '', req, cb).detail).toMatch(/error=unsupported_response_type/);
    expect(classify(400, undefined, '<p>oops</p>', req, cb).kind).toBe('refused');
    expect(classify(200, undefined, `<form method="post" action="${cb}"><input type="hidden" name="error" value="invalid_request"></form>`, req, cb).detail).toMatch(/error=invalid_request/);
  });
  it('reads a redirect to the OP\'s login, or a login page, as going on', () => {
    expect(classify(302, '/interaction/abc', '', req, cb).kind).toBe('proceeds');
    expect(classify(200, undefined, '<form id="login"><input name="username"></form>', req, cb).kind).toBe('proceeds');
  });
});
