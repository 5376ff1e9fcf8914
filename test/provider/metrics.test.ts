// GET /metrics (issue 15): Prometheus text exposition format 0.0.4 over real HTTP; counters move
// after real requests; 401 without the configured bearer token; 404 when off (the default).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { loadConfig } from '../../provider/config.ts';
import type { RunningProvider } from '../../provider/server.ts';
import { start } from './helpers.ts';

const TOKEN = 'metrics-token-0123456789';
const SERVICE = { client_id: 'svc', client_secret: 'svc-secret-0123456789', token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['https://svc.example/cb'], grant_types: ['client_credentials'], scope: 'api:read' };
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

let provider: RunningProvider;
const base = () => `http://127.0.0.1:${provider.port}`;

beforeAll(async () => {
  provider = await start({ config: { metrics: { enabled: true, token: TOKEN }, clients: [SERVICE] } });
});
afterAll(() => provider?.close());

interface Sample { name: string; labels: Record<string, string>; value: number }

/** A strict parser for the text format's line grammar (HELP, TYPE, samples); throws on anything else. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  expect(text.endsWith('\n')).toBe(true);
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const value = '(?:[+-]?(?:\\d+(?:\\.\\d*)?(?:[eE][+-]?\\d+)?|\\.\\d+)|[+-]Inf|NaN)';
  const label = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
  const sample = new RegExp(`^(${name})(?:\\{((?:${label})(?:,${label})*)?\\})? (${value})(?: -?\\d+)?$`);
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^# HELP (${name}) .*$`).exec(line))) continue;
    if ((m = new RegExp(`^# TYPE (${name}) (counter|gauge|histogram|summary|untyped)$`).exec(line))) {
      expect(types.has(m[1]), `TYPE ${m[1]} twice`).toBe(false);
      types.set(m[1], m[2]);
      continue;
    }
    m = sample.exec(line);
    if (!m) throw new Error(`not a valid exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    const family = m[1].replace(/_(bucket|sum|count)$/, '');
    expect(types.has(m[1]) || types.has(family), `sample ${m[1]} before its TYPE`).toBe(true);
    samples.push({ name: m[1], labels, value: Number(m[3].replace('Inf', 'Infinity')) });
  }
  return { samples, types };
}

const value = (s: Sample[], name: string, labels: Record<string, string>) =>
  s.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v)).reduce((n, x) => n + x.value, 0);

async function scrape(): Promise<Sample[]> {
  const r = await request(`${base()}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(r.statusCode).toBe(200);
  expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parse(await r.body.text()).samples;
}

const token = (auth: string) => request(`${base()}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth }, body: 'grant_type=client_credentials&scope=api:read' })
  .then(async (r) => { await r.body.text(); return r.statusCode; });

describe('/metrics', () => {
  it('answers 401 with a Bearer challenge without the token, or with a wrong one', async () => {
    // RFC 6750 §3.1: without credentials (or with another scheme) no error code; a wrong token: invalid_token.
    for (const [headers, challenge] of [
      [{}, 'Bearer realm="metrics"'],
      [{ authorization: basic('x', TOKEN) }, 'Bearer realm="metrics"'],
      [{ authorization: 'Bearer wrong-token-0123456789' }, 'Bearer realm="metrics", error="invalid_token"'],
      [{ authorization: `Bearer ${TOKEN}x` }, 'Bearer realm="metrics", error="invalid_token"'],
    ] as const) {
      const r = await request(`${base()}/metrics`, { headers });
      expect(r.statusCode).toBe(401);
      expect(r.headers['www-authenticate']).toBe(challenge);
      expect(await r.body.text()).not.toContain('touchstone_http_requests_total');
    }
  });

  it('counts real requests, latency, OAuth errors and tokens issued; the format parses', async () => {
    const before = await scrape();
    expect(await token(basic(SERVICE.client_id, SERVICE.client_secret))).toBe(200);
    expect(await token(basic(SERVICE.client_id, SERVICE.client_secret))).toBe(200);
    expect(await token(basic(SERVICE.client_id, 'wrong'))).toBe(401);
    const nf = await request(`${base()}/no/such/path/123`);
    await nf.body.text();
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);

    expect(delta('touchstone_http_requests_total', { route: '/token', method: 'POST', status: '200' })).toBe(2);
    expect(delta('touchstone_http_requests_total', { route: '/token', method: 'POST', status: '401' })).toBe(1);
    // 404s are counted under one route label, never the raw path (bounded label values).
    expect(delta('touchstone_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    expect(after.some((s) => Object.values(s.labels).includes('/no/such/path/123'))).toBe(false);
    expect(delta('touchstone_http_request_duration_seconds_count', { route: '/token', status: '200' })).toBe(2);
    expect(delta('touchstone_oauth_errors_total', { route: '/token', error: 'invalid_client' })).toBe(1);
    expect(delta('touchstone_tokens_issued_total', { grant_type: 'client_credentials', kind: 'access_token' })).toBe(2);
    expect(value(after, 'touchstone_tokens_issued_total', { kind: 'refresh_token' })).toBe(0);

    // Histogram: cumulative buckets, +Inf equals the count.
    const buckets = after.filter((s) => s.name === 'touchstone_http_request_duration_seconds_bucket' && s.labels.route === '/token' && s.labels.status === '200');
    const counts = buckets.map((b) => b.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(buckets.at(-1)!.labels.le).toBe('+Inf');
    expect(buckets.at(-1)!.value).toBe(value(after, 'touchstone_http_request_duration_seconds_count', { route: '/token', status: '200' }));
    expect(value(after, 'process_resident_memory_bytes', {})).toBeGreaterThan(0);
  });

  it('has a store-size gauge per kind', async () => {
    const s = await scrape();
    const kinds = s.filter((x) => x.name === 'touchstone_store_entries');
    expect(kinds.length).toBeGreaterThan(0);
    for (const k of kinds) expect(k.value).toBeGreaterThanOrEqual(0);
  });
});

describe('/metrics configuration', () => {
  it('is off by default (404)', async () => {
    const p = await start();
    try {
      const r = await request(`http://127.0.0.1:${p.port}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(r.statusCode).toBe(404);
      await r.body.text();
    } finally {
      await p.close();
    }
  });

  it('needs a token when enabled', () => {
    expect(() => loadConfig({ metrics: { enabled: true } })).toThrow(/metrics.*token|token.*required/);
    expect(() => loadConfig({ metrics: { enabled: true, token: 'short' } })).toThrow(/token/);
    expect(loadConfig({ metrics: { enabled: true, token: TOKEN } }).metrics).toEqual({ enabled: true, token: TOKEN });
    expect(loadConfig({}).metrics.enabled).toBe(false);
  });
});
