import { describe, expect, it } from 'vitest';
import { logoutRedirectIsRegistered, logoutStateEchoed, withoutStateParam } from '../../harness/checks/index.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

const REGISTERED = ['http://127.0.0.1:4020/logged-out', 'http://127.0.0.1:4020/bye?lang=en'];

describe('logoutStateEchoed', () => {
  it('passes for an exact echo', () => {
    const f = logoutStateEchoed({ params: { state: 'af0ifjsldkj' }, sentState: 'af0ifjsldkj' });
    expectPass(f);
    expect(f.citation.id).toBe('RPIL-3-state');
  });
  it('passes when none was sent and none came back', () => expectPass(logoutStateEchoed({ params: {} })));
  it('fails for a dropped state', () => {
    const f = logoutStateEchoed({ params: {}, sentState: 'af0ifjsldkj' });
    expectFail(f, /expected state "af0ifjsldkj" echoed in the post-logout redirect, found no state parameter/);
  });
  it('fails for an altered state', () => {
    const f = logoutStateEchoed({ params: { state: 'af0ifjsldkj ' }, sentState: 'af0ifjsldkj' });
    expectFail(f, /found "af0ifjsldkj "/);
    expect(f.actual).toBe('af0ifjsldkj ');
  });
  it.each([...HOSTILE, ...HOSTILE.map((h) => ({ params: h, sentState: 's' }))])('fails without throwing on hostile evidence %#', (v) =>
    expectFail(logoutStateEchoed(v as never), undefined, { noExpected: true }),
  );
});

describe('logoutRedirectIsRegistered', () => {
  it('passes for a registered URI plus state', () => {
    const f = logoutRedirectIsRegistered({ redirectedTo: `${REGISTERED[0]}?state=abc`, registered: REGISTERED });
    expectPass(f);
    expect(f.citation.id).toBe('RPIL-3-registered-redirect');
    expect(f.message).toContain(REGISTERED[0]);
  });
  it('passes keeping the registered query', () => {
    expectPass(logoutRedirectIsRegistered({ redirectedTo: 'http://127.0.0.1:4020/bye?lang=en&state=abc', registered: REGISTERED }));
    expectPass(logoutRedirectIsRegistered({ redirectedTo: 'http://127.0.0.1:4020/bye?lang=en', registered: REGISTERED }));
  });
  it.each([
    'http://127.0.0.1:4020/logged-out/',
    'http://127.0.0.1:4020/logged-out/../evil',
    'http://127.0.0.1:4021/logged-out?state=abc',
    'http://127.0.0.1:4020/LOGGED-OUT',
    'http://127.0.0.1:4020/logged-out?next=https://evil.example&state=abc',
    'http://127.0.0.1:4020/bye?state=abc',
    'http://127.0.0.1:4020/bye?lang=fr',
    'http://evil.example/?x=http://127.0.0.1:4020/logged-out',
  ])('fails for %s', (u) => {
    const f = logoutRedirectIsRegistered({ redirectedTo: u, registered: REGISTERED });
    expectFail(f, /expected a redirect to exactly a registered post_logout_redirect_uri/);
    expect(f.actual).toBe(u);
  });
  it('fails when nothing is registered', () => expectFail(logoutRedirectIsRegistered({ redirectedTo: REGISTERED[0], registered: [] }), /no post_logout_redirect_uri is registered/));
  it('strips only state parameters', () => {
    expect(withoutStateParam('https://rp/cb?a=1&state=x&b=2#frag')).toBe('https://rp/cb?a=1&b=2#frag');
    expect(withoutStateParam('https://rp/cb?state=x')).toBe('https://rp/cb');
    expect(withoutStateParam('https://rp/cb?states=x')).toBe('https://rp/cb?states=x');
    expect(withoutStateParam('https://rp/cb?%E0%A4%A=1&state=x')).toBe('https://rp/cb?%E0%A4%A=1');
  });
  it.each([...HOSTILE, ...HOSTILE.map((h) => ({ redirectedTo: h, registered: REGISTERED })), ...HOSTILE.map((h) => ({ redirectedTo: REGISTERED[0], registered: h }))])(
    'fails without throwing on hostile evidence %#',
    (v) => expectFail(logoutRedirectIsRegistered(v as never)),
  );
});
