// The reference provider's DPoP (RFC 9449) and protected resource (RFC 9068, RFC 6750 §3, RFC 9728).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { request } from 'undici';
import type { RunningProvider } from '../../provider/server.ts';
import { loadConfig } from '../../provider/config.ts';
import { start } from './helpers.ts';
import { API_CONFIG, bearerToken, boundToken, callResource, ccToken, dpopCall, dpopKey, proof } from './dpop-helpers.ts';

let op: RunningProvider;
let nonceOp: RunningProvider;
beforeAll(async () => {
  [op, nonceOp] = await Promise.all([start({ config: API_CONFIG }), start({ config: { ...API_CONFIG, dpop: { nonce: { token: true, resource: true } } } })]);
});
afterAll(async () => {
  await Promise.all([op.close(), nonceOp.close()]);
});

async function getJson(url: string) {
  const r = await request(url);
  return { status: r.statusCode, json: (await r.body.json()) as Record<string, unknown> };
}

describe('token endpoint with DPoP', () => {
  it('binds the access token: token_type DPoP, cnf.jkt = the proof key thumbprint, aud = the resource', async () => {
    const k = await dpopKey();
    const r = await ccToken(op, { dpop: await proof(k, { htu: `${op.issuer}/token` }) });
    expect(r.status, r.text).toBe(200);
    expect(r.json.token_type).toBe('DPoP');
    const claims = decodeJwt(r.json.access_token as string);
    expect(claims.cnf).toEqual({ jkt: k.jkt });
    expect(claims.aud).toBe(`${op.issuer}/api/resource`);
  });
  it('refuses an unknown RFC 8707 resource with invalid_target', async () => {
    const r = await ccToken(op, { resource: 'https://elsewhere.example/api' });
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('invalid_target');
  });
  it('asks for a nonce (400 use_dpop_nonce + DPoP-Nonce) when configured, and accepts the proof that carries it', async () => {
    const k = await dpopKey();
    const htu = `${nonceOp.issuer}/token`;
    const first = await ccToken(nonceOp, { dpop: await proof(k, { htu }) });
    expect(first.status).toBe(400);
    expect(first.json.error).toBe('use_dpop_nonce');
    expect(first.headers['dpop-nonce']).toMatch(/^[\x21\x23-\x5b\x5d-\x7e]+$/);
    const second = await ccToken(nonceOp, { dpop: await proof(k, { htu, nonce: first.headers['dpop-nonce'] }) });
    expect(second.status, second.text).toBe(200);
    const stale = await ccToken(nonceOp, { dpop: await proof(k, { htu, nonce: 'not-issued-by-the-server' }) });
    expect(stale.json.error).toBe('use_dpop_nonce');
  });
  it('advertises dpop_signing_alg_values_supported in discovery', async () => {
    const { json } = await getJson(`${op.issuer}/.well-known/openid-configuration`);
    expect(json.dpop_signing_alg_values_supported).toEqual(['ES256', 'PS256', 'EdDSA']);
  });
});

describe('protected resource', () => {
  it('serves a valid Bearer token and a DPoP-bound token with its proof', async () => {
    expect((await callResource(op, { token: await bearerToken(op) })).status).toBe(200);
    const k = await dpopKey();
    const r = await dpopCall(op, k, await boundToken(op, k), {}, { method: 'POST' });
    expect(r.status, r.text).toBe(200);
    expect(r.json.token_type).toBe('DPoP');
  });
  it('answers garbage tokens with 401 invalid_token, never 2xx or 5xx', async () => {
    for (const t of ['a.b.c', 'x', '...', `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.e30.AA`, 'eyJhbGciOiJub25lIn0.bnVsbA.']) {
      const r = await callResource(op, { token: t });
      expect(r.status, t).toBe(401);
      expect(r.headers['www-authenticate'], t).toMatch(/error="invalid_token"/);
    }
    expect((await callResource(op, { authorization: 'Basic Zm9vOmJhcg==' })).status).toBe(401);
  });
  it('puts resource_metadata in every challenge and serves RFC 9728 metadata naming the resource', async () => {
    const r = await callResource(op, {});
    expect(r.status).toBe(401);
    const meta = /resource_metadata="([^"]+)"/.exec(r.headers['www-authenticate'])?.[1] as string;
    expect(meta).toBe(`${op.issuer}/.well-known/oauth-protected-resource/api/resource`);
    const { status, json } = await getJson(meta);
    expect(status).toBe(200);
    expect(json).toMatchObject({ resource: `${op.issuer}/api/resource`, authorization_servers: [op.issuer], dpop_signing_alg_values_supported: ['ES256', 'PS256', 'EdDSA'] });
    expect((await getJson(`${op.issuer}/.well-known/oauth-protected-resource/api/nothing`)).status).toBe(404);
  });
  it('asks for a nonce with 401 DPoP error="use_dpop_nonce" when configured', async () => {
    const k = await dpopKey();
    const t = await boundToken(nonceOp, k);
    const r = await dpopCall(nonceOp, k, t);
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toMatch(/^DPoP error="use_dpop_nonce"/);
    const ok = await dpopCall(nonceOp, k, t, { nonce: r.headers['dpop-nonce'] });
    expect(ok.status, ok.text).toBe(200);
  });
});

describe('config', () => {
  it('refuses an unknown dpop alg and an unknown resource field with one line naming the field', () => {
    expect(() => loadConfig({ dpop: { algs: ['HS256'] } })).toThrow(/^config: \/dpop\/algs\/0 must be one of/);
    expect(() => loadConfig({ resource: { refresh: 3 } })).toThrow(/\/resource\/refresh is not allowed/);
  });
});
