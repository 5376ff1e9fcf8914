// RP-Initiated Logout 1.0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT, generateKeyPair, importJWK, type JWK } from 'jose';
import type { RunningProvider } from '../../provider/server.ts';
import { Browser, authorize, csrfOf, errorOf, exchange, pageOf, start, testKeys } from './helpers.ts';

let op: RunningProvider;
beforeAll(async () => { op = await start(); });
afterAll(async () => { await op.close(); });

async function loggedIn(): Promise<{ browser: Browser; idToken: string }> {
  const out = await authorize(op, { params: { scope: 'openid' } });
  const t = await exchange(op, out);
  return { browser: out.browser, idToken: t.json.id_token as string };
}

function logoutUrl(p: Record<string, string>): string {
  return `/logout?${new URLSearchParams(p)}`;
}

async function confirm(b: Browser, page: { text: string }, extra: Record<string, string> = {}) {
  const id = /name="logout_request" value="([^"]+)"/.exec(page.text)?.[1] as string;
  return b.post('/logout/confirm', { csrf: csrfOf(page.text), logout_request: id, logout: 'yes', ...extra });
}

async function promptNone(b: Browser): Promise<string | null> {
  const r = await b.get(`/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'touchstone-client', redirect_uri: 'https://client.example/cb', scope: 'openid', prompt: 'none', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`);
  const loc = new URL(r.location as string);
  return loc.searchParams.get('error') ?? (loc.searchParams.get('code') ? 'code' : null);
}

describe('RP-initiated logout', () => {
  it('confirms, ends the session and redirects to the registered URI with exact state', async () => {
    const { browser, idToken } = await loggedIn();
    expect(await promptNone(browser)).toBe('code');
    const page = await browser.get(logoutUrl({ id_token_hint: idToken, post_logout_redirect_uri: 'https://client.example/logged-out', state: 's t&1' }));
    expect(page.status).toBe(200);
    expect(pageOf(page.text)).toBe('logout-confirm');
    expect(page.text).toContain('<form id="logout" method="post" action="/logout/confirm">');
    expect(page.text).toContain('<button id="confirm-logout" type="submit" name="logout" value="yes">');
    const r = await confirm(browser, page);
    expect(r.status).toBe(302);
    const loc = new URL(r.location as string);
    expect(`${loc.origin}${loc.pathname}`).toBe('https://client.example/logged-out');
    expect(loc.searchParams.get('state')).toBe('s t&1');
    expect(browser.cookies.has('ts_session')).toBe(false);
    expect(await promptNone(browser)).toBe('login_required');
  });

  it('without a redirect URI shows the logged-out page; the old session id is gone server-side', async () => {
    const { browser } = await loggedIn();
    const sessionId = browser.cookies.get('ts_session') as string;
    const page = await browser.get('/logout');
    const r = await confirm(browser, page);
    expect(pageOf(r.text)).toBe('logged-out');
    expect(r.text).toContain('<h1>You are logged out</h1>');
    browser.cookies.set('ts_session', sessionId); // replaying the old cookie does not help
    expect(await promptNone(browser)).toBe('login_required');
  });

  it('accepts an expired id_token_hint and client_id instead of a hint', async () => {
    const keys = await testKeys();
    const rs = keys.find((k) => k.alg === 'RS256') as JWK;
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: rs.kid as string }).setIssuer(op.issuer).setAudience('touchstone-client').setSubject('user-alice').setIssuedAt(1_000_000).setExpirationTime(1_000_600).sign(await importJWK(rs, 'RS256'));
    const b = new Browser(op.issuer);
    expect(pageOf((await b.get(logoutUrl({ id_token_hint: expired, post_logout_redirect_uri: 'https://client.example/logged-out' }))).text)).toBe('logout-confirm');
    expect(pageOf((await b.get(logoutUrl({ client_id: 'touchstone-client', post_logout_redirect_uri: 'https://client.example/logged-out' }))).text)).toBe('logout-confirm');
  });

  it.each([
    ['an alg=none hint', async () => ({ id_token_hint: new UnsecuredJWT({ aud: 'touchstone-client', sub: 'user-alice' }).setIssuer('x').encode() })],
    ['a hint signed by a foreign key', async (issuer: string) => {
      const { privateKey } = await generateKeyPair('ES256');
      return { id_token_hint: await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'foreign' }).setIssuer(issuer).setAudience('touchstone-client').setSubject('user-alice').setExpirationTime('5m').sign(privateKey) };
    }],
    ['garbage as hint', async () => ({ id_token_hint: 'garbage' })],
    ['an unregistered post_logout_redirect_uri', async () => ({ client_id: 'touchstone-client', post_logout_redirect_uri: 'https://evil.example/' })],
    ['a registered URI with an added query', async () => ({ client_id: 'touchstone-client', post_logout_redirect_uri: 'https://client.example/logged-out?x=1' })],
    ['another client\'s URI', async () => ({ client_id: 'touchstone-client', post_logout_redirect_uri: 'https://client2.example/logged-out' })],
    ['a post_logout_redirect_uri with no client', async () => ({ post_logout_redirect_uri: 'https://client.example/logged-out' })],
    ['an unknown client_id', async () => ({ client_id: 'nobody' })],
  ])('error page (never a redirect) for %s', async (_n, make) => {
    const b = new Browser(op.issuer);
    const r = await b.get(logoutUrl(await make(op.issuer)));
    expect(r.status).toBe(400);
    expect(r.location).toBeUndefined();
    expect(pageOf(r.text)).toBe('error');
    expect(errorOf(r.text)).toBe('invalid_request');
  });

  it('refuses client_id disagreeing with the id_token_hint', async () => {
    const { browser, idToken } = await loggedIn();
    const r = await browser.get(logoutUrl({ id_token_hint: idToken, client_id: 'touchstone-client-2' }));
    expect(errorOf(r.text)).toBe('invalid_request');
  });

  it('refuses a confirmation without the CSRF token (403) and keeps the session', async () => {
    const { browser, idToken } = await loggedIn();
    const page = await browser.get(logoutUrl({ id_token_hint: idToken }));
    const id = /name="logout_request" value="([^"]+)"/.exec(page.text)?.[1] as string;
    const r = await browser.post('/logout/confirm', { logout_request: id, logout: 'yes' });
    expect(r.status).toBe(403);
    expect(pageOf(r.text)).toBe('error');
    expect(await promptNone(browser)).toBe('code');
  });

  it('accepts POST to the end_session_endpoint', async () => {
    const { browser, idToken } = await loggedIn();
    const page = await browser.post('/logout', { id_token_hint: idToken, post_logout_redirect_uri: 'https://client.example/logged-out' });
    expect(pageOf(page.text)).toBe('logout-confirm');
  });
});
