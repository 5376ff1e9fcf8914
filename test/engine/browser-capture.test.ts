// The browser captures the redirect to the client at any hop of a chain, from a script, a meta
// refresh or an auto-submitted form, and nothing reaches a host outside the plan. The "client" and
// an "off-plan" host are real servers on other loopback addresses, counting every request they get:
// they must get none.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool, BrowserSession } from '../../harness/engine/browser.ts';
import { HttpClient } from '../../harness/engine/http.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

function serve(host: string, handler: Handler): Promise<{ server: Server; origin: string }> {
  return new Promise((done) => {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => handler(req, res, body));
    });
    server.listen(0, host, () => done({ server, origin: `http://${host}:${(server.address() as { port: number }).port}` }));
  });
}

const html = (res: ServerResponse, body: string, headers: Record<string, string | string[]> = {}) => {
  res.writeHead(200, { 'content-type': 'text/html', ...headers });
  res.end(`<!doctype html><html><body>${body}</body></html>`);
};
const redirect = (res: ServerResponse, status: number, location: string, headers: Record<string, string | string[]> = {}) => {
  res.writeHead(status, { location, ...headers });
  res.end();
};

let op: { server: Server; origin: string };
let client: { server: Server; origin: string };
let offPlan: { server: Server; origin: string };
const clientHits: string[] = [];
const offPlanHits: string[] = [];
const pool = new BrowserPool();

beforeAll(async () => {
  client = await serve('127.0.0.2', (req, res) => {
    clientHits.push(`${req.method} ${req.url}`);
    html(res, 'the client');
  });
  offPlan = await serve('127.0.0.3', (req, res) => {
    offPlanHits.push(`${req.method} ${req.url}`);
    html(res, 'elsewhere');
  });
  op = await serve('127.0.0.1', (req, res, body) => {
    const url = new URL(req.url!, 'http://op');
    const cookie = req.headers.cookie ?? '';
    const cb = `${client.origin}/cb`;
    switch (url.pathname) {
      // A four-hop chain like a certified OP's: authorize -> login page -> POST -> resume -> consent done -> client.
      case '/authorize':
        return redirect(res, 302, '/interaction/1', { 'set-cookie': 'interaction=1; Path=/; HttpOnly; SameSite=Lax' });
      case '/interaction/1':
        if (req.method === 'POST') {
          if (!new URLSearchParams(body).get('login')) return html(res, 'no login given');
          return redirect(res, 303, '/auth/1', { 'set-cookie': ['session=s1; Path=/; HttpOnly', 'other=2; Path=/'] });
        }
        return html(res, `<img src="${offPlan.origin}/pixel.png"><form id="login" method="post"><input name="login"><button type="submit">Sign in</button></form>`);
      case '/auth/1':
        if (!cookie.includes('session=s1') || !cookie.includes('interaction=1')) return html(res, `<p id="lost">cookies lost: ${cookie}</p>`);
        return redirect(res, 302, '/auth/1/done');
      case '/auth/1/done':
        return redirect(res, 303, `${cb}?code=chain-code&state=xyz`);
      // A page that leaves by script (after its sub-resources try to reach an off-plan host).
      case '/script':
        return html(res, `<script src="${offPlan.origin}/x.js"></script><script>setTimeout(() => { location.href = ${JSON.stringify(`${cb}?code=script-code`)}; }, 20)</script>`);
      case '/meta':
        return html(res, `<meta http-equiv="refresh" content="0;url=${cb}?code=meta-code">`);
      // response_mode=form_post: an auto-submitting form to the client.
      case '/form-post':
        return html(res, `<form method="post" action="${cb}"><input type="hidden" name="code" value="form-code"><input type="hidden" name="state" value="s"></form><script>document.forms[0].submit()</script>`);
      case '/off-plan':
        return redirect(res, 302, '/off-plan/2');
      case '/off-plan/2':
        return redirect(res, 302, `${offPlan.origin}/steal?code=leaked`);
      case '/named-host':
        return redirect(res, 302, 'https://not-in-the-plan.example/cb?code=x');
      case '/script-off-plan':
        return html(res, `<script>location.href = ${JSON.stringify(`${offPlan.origin}/steal`)}</script>`);
      // A page that renders its form by script, its button enabled later, and copies what is typed
      // (input events) into a hidden field, as single-page apps do.
      case '/spa':
        return html(res, `<div id="app"></div><script>setTimeout(() => {
          document.getElementById('app').innerHTML = '<form id="login" method="post" action="/spa/done"><input name="login"><input type="hidden" name="mirror"><button type="submit" disabled>Sign in</button></form>';
          const f = document.forms[0];
          f.login.addEventListener('input', (e) => { f.mirror.value = e.target.value; });
          setTimeout(() => { f.querySelector('button').disabled = false; }, 300);
        }, 100)</script>`);
      case '/spa/done': {
        const form = new URLSearchParams(body);
        return redirect(res, 303, `${cb}?login=${form.get('login')}&mirror=${form.get('mirror')}`);
      }
      case '/tall':
        return html(res, `<div style="height:2000px">a tall page</div><p id="shown">end of a tall page</p>`);
      case '/loop':
        return redirect(res, 302, '/loop');
      // What a page leaves behind (a cookie, local and session storage), and what the next page sees.
      case '/store':
        return html(res, `<p id="shown">stored</p><script>localStorage.setItem('l', '1'); sessionStorage.setItem('s', '1')</script>`, { 'set-cookie': 'kept=1; Path=/' });
      case '/show':
        return html(res, `<p id="shown">server:${cookie}</p><script>document.getElementById('shown').textContent += '|cookie:' + document.cookie + '|local:' + localStorage.getItem('l') + '|session:' + sessionStorage.getItem('s')</script>`);
      default:
        return html(res, 'not found');
    }
  });
});

afterAll(async () => {
  await pool.close();
  for (const s of [op, client, offPlan]) s?.server.close();
});

async function session(pages: Record<string, { selector?: string; text?: string }> = { error: { text: 'cookies lost' } }, evidenceDir = mkdtempSync(join(tmpdir(), 'touchstone-capture-'))): Promise<BrowserSession> {
  return BrowserSession.open(pool, {
    providerOrigins: [op.origin],
    clientOrigins: [client.origin],
    interactions: [{ name: 'login', when: { selector: 'form#login', text: 'Sign in' }, steps: [{ fill: { selector: 'input[name=login]', value: '${user.username}' } }, { click: 'form#login button' }] }],
    pages,
    vars: { 'user.username': 'alice', 'user.password': 'pw' },
    evidenceDir,
    secrets: [],
  });
}

describe('browser capture of the redirect to the client', () => {
  it('follows a four-hop chain through a login, keeping every hop\'s cookies, and captures the client redirect unsent', async () => {
    const s = await session();
    const landing = await s.navigate('authorize', `${op.origin}/authorize`);
    await s.close();
    expect(landing).toEqual({ kind: 'redirect', url: `${client.origin}/cb?code=chain-code&state=xyz` });
    expect(s.played).toEqual(['login']);
    const navs = s.hops.filter((h) => h.action === 'navigate').map((h) => `${h.detail?.split(' ')[0]} ${new URL(h.url).pathname} ${h.status}`);
    expect(navs).toEqual(['GET /authorize 302', 'GET /interaction/1 200', 'POST /interaction/1 303', 'GET /auth/1 302', 'GET /auth/1/done 303']);
    expect(clientHits).toEqual([]);
    expect(offPlanHits).toEqual([]);
    expect(s.hops.some((h) => h.action === 'blocked' && h.url.startsWith(offPlan.origin))).toBe(true);
  });

  it('plays an interaction on a page that renders late: the input events fire, the click waits for its button', async () => {
    const s = await session();
    const landing = await s.navigate('authorize', `${op.origin}/spa`);
    await s.close();
    expect(landing).toEqual({ kind: 'redirect', url: `${client.origin}/cb?login=alice&mirror=alice` });
    expect(s.played).toEqual(['login']);
  });

  it.each([
    ['a script redirect', '/script', 'script-code'],
    ['a meta refresh', '/meta', 'meta-code'],
  ])('captures %s to the client', async (_name, path, code) => {
    const s = await session();
    const landing = await s.navigate('authorize', `${op.origin}${path}`);
    await s.close();
    expect(landing).toEqual({ kind: 'redirect', url: `${client.origin}/cb?code=${code}` });
    expect(clientHits).toEqual([]);
    expect(offPlanHits).toEqual([]);
  });

  it('captures an auto-submitted form (form_post) with its fields', async () => {
    const s = await session();
    const landing = await s.navigate('authorize', `${op.origin}/form-post`);
    await s.close();
    expect(landing).toEqual({ kind: 'redirect', url: `${client.origin}/cb`, form: { code: 'form-code', state: 's' } });
    expect(clientHits).toEqual([]);
  });

  it.each([
    ['a redirect chain', '/off-plan', '/steal?code=leaked'],
    ['a script', '/script-off-plan', '/steal'],
  ])('refuses an off-plan host reached by %s and says so', async (_name, path, to) => {
    const s = await session();
    const landing = await s.navigate('authorize', `${op.origin}${path}`);
    await s.close();
    expect(landing.kind).toBe('off-plan');
    expect(landing.url).toBe(`${offPlan.origin}${to}`);
    expect(offPlanHits).toEqual([]);
  });

  it('never resolves a host name outside the plan', async () => {
    const s = await session();
    const landing = await s.navigate('authorize', `${op.origin}/named-host`);
    await s.close();
    expect(landing).toMatchObject({ kind: 'off-plan', url: 'https://not-in-the-plan.example/cb?code=x' });
  });

  it('stops a redirect loop and reports the hop chain instead of blaming the OP', async () => {
    const s = await session();
    const landing = await s.navigate('authorize', `${op.origin}/loop`);
    await s.close();
    expect(landing.kind).toBe('unknown');
    if (landing.kind === 'unknown') expect(landing.chain).toContain('redirect-loop');
  });

  it('a context reused for the next module is blank: no cookie, local or session storage of the last one', async () => {
    const shown = { error: { selector: 'p#shown' } };
    const first = await session(shown);
    await first.navigate('store', `${op.origin}/store`);
    const seen = await first.navigate('show', `${op.origin}/show`);
    await first.close();
    // The page kept what it stored: the check below is not vacuous.
    expect(seen.kind === 'page' && seen.text).toBe('server:kept=1|cookie:kept=1|local:1|session:1');
    const reusedBefore = pool.reused;
    const next = await session(shown);
    const fresh = await next.navigate('show', `${op.origin}/show`);
    await next.close();
    expect(pool.reused).toBe(reusedBefore + 1);
    expect(fresh.kind === 'page' && fresh.text).toBe('server:|cookie:|local:null|session:null');
  });

  it('a page the plan asserts on is kept as a PNG of the whole page, beside its visible text', async () => {
    const evidence = mkdtempSync(join(tmpdir(), 'touchstone-capture-'));
    const s = await session({ error: { selector: 'p#shown' } }, evidence);
    const landing = await s.navigate('tall', `${op.origin}/tall`);
    await s.close();
    expect(landing.kind).toBe('page');
    if (landing.kind !== 'page') return;
    expect(landing.hop.pageText).toContain('end of a tall page');
    expect(landing.hop.screenshot).toBe('tall-1.png');
    const png = readFileSync(join(evidence, landing.hop.screenshot!));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // IHDR: width and height, big-endian, at bytes 16 and 20. The page is 2000 CSS px tall: the
    // shot covers all of it, not only the viewport.
    expect(png.readUInt32BE(16)).toBeGreaterThan(100);
    expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(2000);
  });

  it('the HTTP client refuses, unsent, a request to a host outside the plan', async () => {
    const http = new HttpClient([op.origin], { timeoutMs: 2000, maxBodyBytes: 10_000 });
    const ex = await http.send(`${offPlan.origin}/steal`, { step: 'probe', label: 'probe' });
    await http.close();
    expect(ex.error).toMatch(/^request not sent: /);
    expect(ex.response).toBeUndefined();
    expect(offPlanHits).toEqual([]);
  });
});
