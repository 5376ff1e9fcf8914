// One real-browser run of the login and consent pages (playwright-core + Debian chromium).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import type { RunningProvider } from '../../provider/server.ts';
import { pkce, start } from './helpers.ts';

let op: RunningProvider;
let browser: Browser;
beforeAll(async () => {
  op = await start();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
  await op?.close();
});

describe('login and consent in chromium', () => {
  it('signs in, consents and lands on the client with code, state and iss', async () => {
    const page = await browser.newPage();
    let landed: URL | undefined;
    await page.route('https://client.example/**', async (route) => {
      landed = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>client</p>' });
    });
    const q = new URLSearchParams({ response_type: 'code', client_id: 'touchstone-client', redirect_uri: 'https://client.example/cb', scope: 'openid email', state: 'pw-state', code_challenge: pkce().challenge, code_challenge_method: 'S256' });
    await page.goto(`${op.issuer}/authorize?${q}`);
    await page.locator('#username').fill('alice');
    await page.locator('#password').fill('wrong');
    await page.locator('form#login button[type=submit]').click();
    await page.locator('#login-error').waitFor();
    await page.locator('#password').fill('wonderland');
    await page.locator('form#login button[type=submit]').click();
    await page.locator('main[data-page="consent"]').waitFor();
    await page.locator('form#consent button[name=decision][value=allow]').click();
    await page.waitForURL('https://client.example/**', { timeout: 15_000 });
    expect(landed?.searchParams.get('code')).toBeTruthy();
    expect(landed?.searchParams.get('state')).toBe('pw-state');
    expect(landed?.searchParams.get('iss')).toBe(op.issuer);
  });
});
