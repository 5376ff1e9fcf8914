// One log line per request, whatever the outcome (issue 15): a table of malformed requests over
// real HTTP (undici, and raw sockets for what a client library would not send); each must leave
// exactly one JSON line with method, path, route, status and duration, and no secret.
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { RunningProvider } from '../../provider/server.ts';
import { start } from './helpers.ts';

const SECRET = 'touchstone-secret-1';
const BASIC = `Basic ${Buffer.from(`touchstone-client:${SECRET}`).toString('base64')}`;
const CODE = 'SECRETCODEvalue0123456789';
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.SECRETTOKENpayload.sig';

let provider: RunningProvider;
const lines: string[] = [];
const base = () => `http://127.0.0.1:${provider.port}`;

beforeAll(async () => {
  provider = await start({ log: (l) => lines.push(l) });
});
afterAll(() => provider?.close());

/** Raw bytes on a fresh connection; resolves when the server closes it or after `wait` ms. */
function raw(bytes: string, opts: { wait?: number; closeAfterWrite?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(provider.port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => { got += d.toString(); });
    s.on('error', () => {});
    const done = () => { s.destroy(); resolve(got); };
    s.on('close', done);
    s.write(bytes, () => { if (opts.closeAfterWrite) setTimeout(done, 20); });
    setTimeout(done, opts.wait ?? 1000);
  });
}

const form = 'application/x-www-form-urlencoded';
const post = (path: string, body: string, headers: Record<string, string> = { 'content-type': form }) =>
  request(`${base()}${path}`, { method: 'POST', headers, body }).then(async (r) => { await r.body.text(); return r.statusCode; });
const get = (path: string, headers: Record<string, string> = {}) =>
  request(`${base()}${path}`, { headers }).then(async (r) => { await r.body.text(); return r.statusCode; });

interface Case { name: string; send: () => Promise<unknown>; status: number; method: string; path: string; route?: string | null; aborted?: boolean }

const cases: Case[] = [
  { name: 'unknown path (404)', send: () => get('/nope'), status: 404, method: 'GET', path: '/nope', route: null },
  { name: 'unknown method on a known path', send: () => request(`${base()}/token`, { method: 'DELETE' }).then((r) => r.body.text()), status: 404, method: 'DELETE', path: '/token', route: null },
  { name: 'GET /token (405)', send: () => get('/token'), status: 405, method: 'GET', path: '/token', route: '/token' },
  { name: 'bad JSON body', send: () => post('/register', '{"redirect_uris": [', { 'content-type': 'application/json' }), status: 400, method: 'POST', path: '/register', route: '/register' },
  { name: 'unsupported content type', send: () => post('/token', '<x/>', { 'content-type': 'text/xml' }), status: 400, method: 'POST', path: '/token', route: '/token' },
  { name: 'body too large', send: () => post('/token', `grant_type=client_credentials&x=${'a'.repeat(70_000)}`), status: 400, method: 'POST', path: '/token', route: '/token' },
  { name: 'repeated parameter', send: () => post('/token', 'grant_type=a&grant_type=b'), status: 400, method: 'POST', path: '/token', route: '/token' },
  { name: 'bad percent-encoding in a path parameter', send: () => get('/interaction/%E0%A4%A'), status: 400, method: 'GET', path: '/interaction/%E0%A4%A', route: null },
  { name: 'bad percent-encoding in the path', send: () => get('/%zz'), status: 400, method: 'GET', path: '/%zz', route: null },
  { name: 'malformed request line', send: () => raw('NOT HTTP AT ALL\r\n\r\n'), status: 400, method: '-', path: '-', route: null },
  { name: 'headers too large', send: () => raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), status: 431, method: '-', path: '-', route: null },
  { name: 'client gone before the body arrived', send: () => raw(`POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: ${form}\r\nContent-Length: 500\r\n\r\ngrant_type=client_`, { closeAfterWrite: true }), status: 499, method: 'POST', path: '/token', route: '/token', aborted: true },
  { name: 'secrets in header, body and query', send: async () => {
    await post('/token', `grant_type=authorization_code&code=${CODE}&client_secret=${SECRET}&refresh_token=${TOKEN}&redirect_uri=https://client.example/cb`, { 'content-type': form, authorization: BASIC });
  }, status: 400, method: 'POST', path: '/token', route: '/token' },
  { name: 'secrets in the query', send: () => get(`/userinfo?access_token=${TOKEN}&code=${CODE}`, { authorization: `Bearer ${TOKEN}` }), status: 401, method: 'GET', path: '/userinfo', route: '/userinfo' },
];

describe('request log: exactly one line per request', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const before = lines.length;
      await c.send();
      // The line is written when the answer finishes or the connection closes; give it a moment.
      for (let i = 0; i < 50 && lines.length === before; i++) await sleep(10);
      await sleep(50);
      const mine = lines.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === undefined);
      expect(mine, JSON.stringify(mine)).toHaveLength(1);
      const [line] = mine;
      expect(line).toMatchObject({ method: c.method, path: c.path, status: c.status });
      if (c.route !== undefined) expect(line.route).toBe(c.route);
      expect(typeof line.ms).toBe('number');
      expect(line.ms as number).toBeGreaterThanOrEqual(0);
      if (c.aborted) expect(line.aborted).toBe(true);
      const text = lines.slice(before).join('\n');
      for (const secret of [SECRET, CODE, TOKEN, BASIC.slice(6), 'SECRETTOKEN', 'SECRETCODE']) expect(text).not.toContain(secret);
    });
  }

  it('a bad URL on a page path gets the HTML error page, on an API path JSON', async () => {
    const page = await request(`${base()}/interaction/%E0%A4%A`);
    expect(page.statusCode).toBe(400);
    expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
    expect(await page.body.text()).toContain('data-error="invalid_request"');
    const api = await request(`${base()}/register/%E0%A4%A`);
    expect(api.statusCode).toBe(400);
    expect(JSON.parse(await api.body.text())).toMatchObject({ error: 'invalid_request' });
  });

  it('a successful request is logged once too, with its client', async () => {
    const before = lines.length;
    expect(await get('/.well-known/openid-configuration')).toBe(200);
    await sleep(50);
    const mine = lines.slice(before).map((l) => JSON.parse(l));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ method: 'GET', path: '/.well-known/openid-configuration', route: '/.well-known/openid-configuration', status: 200, error: null });
  });
});
