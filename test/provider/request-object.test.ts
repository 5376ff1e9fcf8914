// Request objects by value (JAR, RFC 9101) at /authorize and inside pushed requests (RFC 9126 §3),
// with the FAPI 2.0 Message Signing §5.3.2 rules for fapi2 clients (provider/request-object.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import type { RunningProvider } from '../../provider/server.ts';
import { getJson, pageOf, pkce, start, type Res } from './helpers.ts';
import { authorizeThrough, clientKeys, fapiConfig, openRequestUri, push, pushRequestObject, type ClientKey } from './fapi-helpers.ts';

const now = () => Math.floor(Date.now() / 1000);

async function sign(op: RunningProvider, edit: Record<string, unknown> = {}, key?: ClientKey): Promise<string> {
  const [main] = await clientKeys();
  const k = key ?? main;
  const claims: Record<string, unknown> = {
    iss: main.clientId, aud: op.issuer, exp: now() + 300, nbf: now(), iat: now(), jti: randomUUID(),
    response_type: 'code', client_id: main.clientId, redirect_uri: 'https://client.example/cb', scope: 'openid profile',
    state: 'inside-state', nonce: 'inside-nonce', code_challenge: pkce().challenge, code_challenge_method: 'S256', ...edit,
  };
  for (const [n, v] of Object.entries(claims)) if (v === null) delete claims[n];
  return new SignJWT(claims).setProtectedHeader({ alg: k.alg, kid: k.publicJwk.kid }).sign(k.privateKey);
}

const query = (r: Res) => Object.fromEntries(new URL(r.location!).searchParams);

describe('request objects, default profile (by value at /authorize)', () => {
  let op: RunningProvider;
  beforeAll(async () => {
    const cfg = await fapiConfig({}, 'default');
    const clients = cfg.clients as Record<string, unknown>[];
    clients.push({ client_id: 'unsigned-ok', token_endpoint_auth_method: 'none', redirect_uris: ['https://client.example/cb'], request_object_signing_alg: 'none' });
    op = await start({ config: cfg });
  });
  afterAll(() => op.close());

  it('a signed request object is served, with the parameters inside it (RFC 9101 §6.3)', async () => {
    const r = await authorizeThrough(op, { client_id: 'fapi-client', state: 'outside-state', request: await sign(op) });
    expect(query(r)).toMatchObject({ state: 'inside-state' });
    expect(query(r).code).toBeTruthy();
  });

  it('discovery advertises request objects, alg none included for clients registered for it', async () => {
    const d = (await getJson(`${op.issuer}/.well-known/openid-configuration`)).json;
    expect(d.request_parameter_supported).toBe(true);
    expect(d.request_object_signing_alg_values_supported).toEqual(['PS256', 'ES256', 'EdDSA', 'RS256', 'none']);
  });

  it('alg none only for a client registered with request_object_signing_alg none (OIDC Core §6.1)', async () => {
    const claims = { response_type: 'code', client_id: 'unsigned-ok', redirect_uri: 'https://client.example/cb', scope: 'openid', state: 'u', code_challenge: pkce().challenge, code_challenge_method: 'S256' };
    const ok = await authorizeThrough(op, { client_id: 'unsigned-ok', request: new UnsecuredJWT(claims).encode() });
    expect(query(ok).code).toBeTruthy();
    const refused = await authorizeThrough(op, { client_id: 'fapi-client', redirect_uri: 'https://client.example/cb', state: 's', request: new UnsecuredJWT({ ...claims, client_id: 'fapi-client' }).encode() });
    expect(query(refused)).toMatchObject({ error: 'invalid_request_object', state: 's' });
  });

  it('a bad signature without a registered redirect_uri beside it ends on the error page', async () => {
    const [, other] = await clientKeys();
    const r = await authorizeThrough(op, { client_id: 'fapi-client', request: await sign(op, {}, other) });
    expect(r.status).toBe(400);
    expect(pageOf(r.text)).toBe('error');
  });

  it('a client_id inside that is not the one outside is refused', async () => {
    const r = await authorizeThrough(op, { client_id: 'fapi-client', redirect_uri: 'https://client.example/cb', request: await sign(op, { client_id: 'fapi-client-2' }) });
    expect(query(r).error).toBe('invalid_request_object');
  });
});

describe('request objects, fapi2 profile (inside pushed requests)', () => {
  let op: RunningProvider;
  beforeAll(async () => {
    op = await start({ config: await fapiConfig() });
  });
  afterAll(() => op.close());

  it('a pushed request object is served with its own parameters (RFC 9126 §3)', async () => {
    const p = await push(op, pushRequestObject(await sign(op), { state: 'outside-state' }));
    expect(p.status).toBe(201);
    const { res } = await openRequestUri(op, p.json.request_uri as string);
    expect(query(res)).toMatchObject({ state: 'inside-state' });
  });

  it.each([
    ['no exp', { exp: null }],
    ['no nbf', { nbf: null }],
    ['exp 70 minutes after nbf', { exp: now() + 4200 }],
    ['nbf 70 minutes old', { nbf: now() - 4200, exp: now() + 60 }],
    ['expired', { exp: now() - 600, nbf: now() - 900 }],
    ['aud another server', { aud: 'https://someone-else.example' }],
    ['no aud', { aud: null }],
    ['iss another client', { iss: 'fapi-client-2' }],
  ])('refuses a request object with %s (FAPI 2.0 MS §5.3.2)', async (_n, edit) => {
    const p = await push(op, pushRequestObject(await sign(op, edit)));
    expect(p.status).toBe(400);
    expect(p.json.error).toBe('invalid_request_object');
  });

  it('accepts an aud array containing the issuer', async () => {
    expect((await push(op, pushRequestObject(await sign(op, { aud: [op.issuer, 'https://other.example'] })))).status).toBe(201);
  });

  it('advertises only the FAPI algorithms', async () => {
    const d = (await getJson(`${op.issuer}/.well-known/openid-configuration`)).json;
    expect(d.request_object_signing_alg_values_supported).toEqual(['PS256', 'ES256', 'EdDSA']);
  });

  it('require_signed_request_object: a plain pushed request is refused', async () => {
    const strict = await start({ config: await fapiConfig({ clients: ((await fapiConfig()).clients as Record<string, unknown>[]).map((c) => ({ ...c, require_signed_request_object: true })) }) });
    try {
      const p = await push(strict);
      expect(p.status).toBe(400);
      expect(p.json.error).toBe('invalid_request');
      expect((await push(strict, pushRequestObject(await sign(strict)))).status).toBe(201);
    } finally {
      await strict.close();
    }
  });
});
