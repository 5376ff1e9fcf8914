// HttpClient against real, misbehaving servers on 127.0.0.1 (no mocks).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeExchangeFailure, formEncode, HttpClient, isLoopbackHost, offPlanReason } from '../../harness/engine/http.ts';

interface Hit {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface Hostile {
  server: Server;
  origin: string;
  hits: Hit[];
}

async function startServer(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Hostile> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      hits.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}`, hits };
}

async function stop(h: Hostile): Promise<void> {
  h.server.closeAllConnections();
  await new Promise<void>((ok) => h.server.close(() => ok()));
}

const HUGE = 200_000;
let op: Hostile;
let other: Hostile;

beforeAll(async () => {
  op = await startServer((req, res, body) => {
    const path = new URL(req.url!, 'http://x').pathname;
    switch (path) {
      case '/garbage-json':
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end('{"access_token": "abc", oops');
        return;
      case '/problem-json':
        res.writeHead(400, { 'content-type': 'application/problem+json' });
        res.end('{"error":"invalid_request"}');
        return;
      case '/json-as-text':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('{"a":1}');
        return;
      case '/huge': {
        res.writeHead(200, { 'content-type': 'application/json' });
        // Many chunks, so the cap falls in the middle of one.
        const chunk = 'x'.repeat(7_001);
        let sent = 0;
        const pump = () => {
          while (sent < HUGE) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
        return;
      }
      case '/exact':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ pad: 'y'.repeat(1000 - 10) })); // exactly 1000 bytes
        return;
      case '/stall-headers':
        return; // never answers
      case '/stall-body':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"partial":');
        return; // never ends
      case '/redirect':
        res.writeHead(302, { location: '/landed?code=abc' });
        res.end();
        return;
      case '/landed':
        res.writeHead(200);
        res.end('should never be fetched');
        return;
      case '/echo':
        res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; HttpOnly']);
        res.setHeader('x-multi', ['one', 'two']);
        res.writeHead(201, { 'content-type': 'application/json', 'X-Mixed-Case': 'yes' });
        res.end(JSON.stringify({ method: req.method, body, contentType: req.headers['content-type'] ?? null, auth: req.headers.authorization ?? null }));
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  });
  other = await startServer((_req, res) => res.end('other'));
});

afterAll(async () => {
  await stop(op);
  await stop(other);
});

const hitsTo = (h: Hostile, path: string) => h.hits.filter((x) => x.url.startsWith(path)).length;

describe('HttpClient against hostile servers', () => {
  it('keeps the body of garbage JSON served as JSON, with json undefined', async () => {
    const http = new HttpClient([op.origin]);
    const ex = await http.send(`${op.origin}/garbage-json`, { step: 'token', label: 'token request' });
    await http.close();
    expect(ex.error).toBeUndefined();
    expect(ex.response?.status).toBe(200);
    expect(ex.response?.body).toBe('{"access_token": "abc", oops');
    expect(ex.response?.json).toBeUndefined();
    expect(ex.response?.truncated).toBeUndefined();
    expect(ex.response?.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('parses +json content types, but not JSON served as text', async () => {
    const http = new HttpClient([op.origin]);
    const a = await http.send(`${op.origin}/problem-json`, { step: 's', label: 'l' });
    const b = await http.send(`${op.origin}/json-as-text`, { step: 's', label: 'l' });
    await http.close();
    expect(a.response?.status).toBe(400);
    expect(a.response?.json).toEqual({ error: 'invalid_request' });
    expect(b.response?.json).toBeUndefined();
    expect(b.response?.body).toBe('{"a":1}');
  });

  it('cuts a huge body at maxBodyBytes and flags it truncated', async () => {
    const http = new HttpClient([op.origin], { maxBodyBytes: 10_000 });
    const ex = await http.send(`${op.origin}/huge`, { step: 'discover', label: 'discovery' });
    await http.close();
    expect(ex.error).toBeUndefined();
    expect(ex.response?.truncated).toBe(true);
    expect(Buffer.byteLength(ex.response!.body)).toBe(10_000);
    expect(ex.response?.body).toBe('x'.repeat(10_000));
    expect(ex.response?.json).toBeUndefined();
    expect(describeExchangeFailure(ex)).toBe(`GET ${op.origin}/huge: response body exceeded the size cap of 10000 bytes (settings.max_body_bytes) and was cut`);
  });

  it('a body exactly at the cap is not truncated', async () => {
    const http = new HttpClient([op.origin], { maxBodyBytes: 1000 });
    const ex = await http.send(`${op.origin}/exact`, { step: 's', label: 'l' });
    await http.close();
    expect(ex.response?.body).toHaveLength(1000);
    expect(ex.response?.truncated).toBeUndefined();
    expect((ex.response?.json as { pad: string }).pad).toHaveLength(990);
  });

  it.each(['/stall-headers', '/stall-body'])('gives up on a stalled response (%s) within the timeout', async (path) => {
    const http = new HttpClient([op.origin], { timeoutMs: 300 });
    const t0 = performance.now();
    const ex = await http.send(`${op.origin}${path}`, { step: 'token', label: 'token request' });
    const elapsed = performance.now() - t0;
    await http.close();
    expect(ex.response).toBeUndefined();
    expect(ex.timedOut).toBe(true);
    expect(ex.error).toMatch(/^no (complete )?answer within 300 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3000);
    expect(ex.ms).toBeGreaterThanOrEqual(250);
    expect(describeExchangeFailure(ex)).toBe(`${ex.error} from GET ${op.origin}${path}`);
  });

  it('does not follow a redirect', async () => {
    const before = hitsTo(op, '/landed');
    const http = new HttpClient([op.origin]);
    const ex = await http.send(`${op.origin}/redirect`, { step: 'authorize', label: 'authorization request' });
    await http.close();
    expect(ex.error).toBeUndefined();
    expect(ex.response?.status).toBe(302);
    expect(ex.response?.headers.location).toBe('/landed?code=abc');
    expect(hitsTo(op, '/landed')).toBe(before);
  });

  it('refuses a non-loopback host without sending anything', async () => {
    const http = new HttpClient([op.origin, 'http://example.com']);
    const ex = await http.send('http://example.com/token', { step: 'token', label: 'token request', body: { code: 'c' } });
    await http.close();
    expect(ex.error).toBe("request not sent: host example.com is not on loopback; Touchstone only talks to the plan's loopback hosts");
    expect(ex.response).toBeUndefined();
    expect(http.exchanges).toEqual([ex]);
    expect(ex.request).toMatchObject({ method: 'POST', url: 'http://example.com/token', body: 'code=c' });
  });

  it('refuses a loopback origin that is not one of the plan\'s, without sending', async () => {
    const before = other.hits.length;
    const http = new HttpClient([op.origin]);
    const ex = await http.send(`${other.origin}/anything`, { step: 'userinfo', label: 'userinfo' });
    await http.close();
    expect(ex.error).toBe(`request not sent: origin ${other.origin} is not one of the plan's hosts (${op.origin})`);
    expect(ex.response).toBeUndefined();
    expect(other.hits.length).toBe(before);
  });

  it('describes a refused connection', async () => {
    const gone = await startServer(() => {});
    const origin = gone.origin;
    await stop(gone);
    const http = new HttpClient([origin], { timeoutMs: 2000 });
    const ex = await http.send(`${origin}/token`, { step: 'token', label: 'token request' });
    await http.close();
    expect(ex.response).toBeUndefined();
    expect(ex.error).toBe(`connection refused by ${new URL(origin).host}`);
  });

  it('form-encodes an object body, records lower-cased headers and joins repeats', async () => {
    const http = new HttpClient([op.origin]);
    const ex = await http.send(`${op.origin}/echo`, {
      step: 'token',
      label: 'token request',
      headers: { authorization: 'Basic abc' },
      body: { grant_type: 'authorization_code', code: 'a b&c', skipped: undefined },
    });
    const get = await http.send(`${op.origin}/echo`, { step: 'userinfo', label: 'userinfo', method: 'GET' });
    await http.close();
    expect(ex.request.method).toBe('POST');
    expect(ex.request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(ex.response?.status).toBe(201);
    expect(ex.response?.json).toEqual({ method: 'POST', body: 'grant_type=authorization_code&code=a+b%26c', contentType: 'application/x-www-form-urlencoded', auth: 'Basic abc' });
    expect(ex.response?.headers['x-mixed-case']).toBe('yes');
    expect(ex.response?.headers['set-cookie']).toBe('a=1; Path=/\nb=2; HttpOnly');
    expect(ex.response?.headers['x-multi']).toBe('one, two');
    expect(get.response?.json).toMatchObject({ method: 'GET', body: '', contentType: null });
    expect(http.exchanges.map((e) => e.step)).toEqual(['token', 'userinfo']);
    expect(new Set(http.exchanges.map((e) => e.id)).size).toBe(2);
  });
});

describe('offPlanReason', () => {
  const allowed = new Set(['http://127.0.0.1:8080', 'http://localhost:3000']);
  it('allows the plan\'s loopback origins', () => {
    expect(offPlanReason('http://127.0.0.1:8080/token?x=1', allowed)).toBeUndefined();
    expect(offPlanReason('http://localhost:3000/', allowed)).toBeUndefined();
    expect(offPlanReason('http://[::1]:9/', new Set(['http://[::1]:9']))).toBeUndefined();
  });
  it('refuses everything else, saying why', () => {
    expect(offPlanReason('not a url', allowed)).toBe('not a valid URL: "not a url"');
    expect(offPlanReason('ftp://127.0.0.1:8080/', allowed)).toBe('scheme ftp: is not http(s)');
    expect(offPlanReason('file:///etc/passwd', allowed)).toBe('scheme file: is not http(s)');
    expect(offPlanReason('https://op.example.com/token', allowed)).toBe("host op.example.com is not on loopback; Touchstone only talks to the plan's loopback hosts");
    expect(offPlanReason('http://127.0.0.1.nip.io:8080/', allowed)).toMatch(/^host 127\.0\.0\.1\.nip\.io:8080 is not on loopback/);
    expect(offPlanReason('http://127.0.0.1:8081/', allowed)).toBe("origin http://127.0.0.1:8081 is not one of the plan's hosts (http://127.0.0.1:8080, http://localhost:3000)");
    expect(offPlanReason('https://127.0.0.1:8080/', allowed)).toMatch(/^origin https:\/\/127\.0\.0\.1:8080 is not one of/);
  });
  it('cuts a long invalid URL in the message', () => {
    expect(offPlanReason('x'.repeat(5000), allowed)!.length).toBeLessThan(260);
  });
});

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LocalHost', '[::1]', '::1'])('%s is loopback', (h) => expect(isLoopbackHost(h)).toBe(true));
  it.each(['example.com', '128.0.0.1', '0.0.0.0', '10.0.0.1', 'localhost.example.com', '127.0.0.1.nip.io', 'evil-localhost', '[::2]', ''])('%s is not', (h) =>
    expect(isLoopbackHost(h)).toBe(false),
  );
});

describe('formEncode', () => {
  it('encodes as application/x-www-form-urlencoded, dropping undefined values', () => {
    expect(formEncode({ a: '1', b: undefined, c: '', d: 'x y+z&=/?é' })).toBe('a=1&c=&d=x+y%2Bz%26%3D%2F%3F%C3%A9');
    expect(formEncode({})).toBe('');
    expect(Object.fromEntries(new URLSearchParams(formEncode({ redirect_uri: 'https://c.example/cb?x=1#f' })))).toEqual({ redirect_uri: 'https://c.example/cb?x=1#f' });
  });
});
