// Exactly once through the provider, on each store: one client-assertion jti, one DPoP proof, one
// refresh token, one approved auth_req_id and one request_uri, each presented by concurrent
// requests (and one device_code): exactly one succeeds (the guards are single atomic store operations).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProvider } from '../../provider/server.ts';
import { Browser, authorize, exchange, start, tokenRequest } from './helpers.ts';
import { API_CONFIG, ccToken, dpopKey, proof, tokenPost } from './dpop-helpers.ts';
import { DEFAULT_API_CLIENTS } from './dpop-clients.ts';
import { cibaDecide, cibaPoll, cibaRequest, deviceAuthorize, deviceCibaConfig, deviceDecide, devicePoll } from './device-ciba-helpers.ts';
import { assertion, authForm, clientKeys, codeOf, fapiConfig, openRequestUri, push, type ClientKey } from './fapi-helpers.ts';

const COPIES = 20;
const dir = mkdtempSync(join(tmpdir(), 'touchstone-races-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const together = <T>(f: () => Promise<T>) => Promise.all(Array.from({ length: COPIES }, f));

describe.each(['memory', 'sqlite'] as const)('exactly once on the %s store', (type) => {
  const store = (name: string) => (type === 'memory' ? { type } : { type, path: join(dir, `${name}.db`) });
  let api: RunningProvider;
  let ciba: RunningProvider;
  let fapi: RunningProvider;
  let clientKey: ClientKey;

  beforeAll(async () => {
    // The second fapi-helpers key (ES256), registered here for client_credentials.
    clientKey = (await clientKeys())[1];
    const jwt = { client_id: clientKey.clientId, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [clientKey.publicJwk] }, redirect_uris: ['https://client.example/cb'], grant_types: ['client_credentials'], scope: 'read' };
    [api, ciba, fapi] = await Promise.all([
      start({ config: { ...API_CONFIG, clients: [...DEFAULT_API_CLIENTS, jwt], store: store('api') } }),
      start({ config: deviceCibaConfig({ store: store('ciba') }) }),
      start({ config: await fapiConfig({ store: store('fapi') }, 'default') }),
    ]);
  });
  afterAll(() => Promise.all([api?.close(), ciba?.close(), fapi?.close()]));

  it('one client assertion (RFC 7523 §3 jti): one token', async () => {
    const form = { grant_type: 'client_credentials', client_id: clientKey.clientId, ...authForm(await assertion(api, clientKey)) };
    const rs = await together(() => tokenPost(api, form));
    expect(rs.filter((r) => r.status === 200)).toHaveLength(1);
    expect(new Set(rs.filter((r) => r.status !== 200).map((r) => r.json.error))).toEqual(new Set(['invalid_client']));
  });

  it('one DPoP proof (RFC 9449 §11.1 jti): one token', async () => {
    const dpop = await proof(await dpopKey(), { htu: `${api.issuer}/token` });
    const rs = await together(() => ccToken(api, { dpop }));
    expect(rs.filter((r) => r.status === 200)).toHaveLength(1);
    expect(new Set(rs.filter((r) => r.status !== 200).map((r) => r.json.error))).toEqual(new Set(['invalid_dpop_proof']));
  });

  it('one refresh token of a public client (RFC 9700 §4.14.2 rotation): served once', async () => {
    const out = await authorize(api, { clientId: 'touchstone-public', params: { scope: 'openid offline_access', prompt: 'consent' } });
    const t = await exchange(api, out, { clientId: 'touchstone-public' });
    const refresh = t.json.refresh_token as string;
    expect(refresh).toBeTruthy();
    const rs = await together(() => tokenRequest(api, { grant_type: 'refresh_token', refresh_token: refresh, client_id: 'touchstone-public' }));
    expect(rs.filter((r) => r.status === 200)).toHaveLength(1);
    expect(new Set(rs.filter((r) => r.status !== 200).map((r) => r.json.error))).toEqual(new Set(['invalid_grant']));
  });

  it('one approved auth_req_id (CIBA poll mode): tokens once', async () => {
    const req = await cibaRequest(ciba);
    const id = req.json.auth_req_id as string;
    expect((await cibaDecide(ciba, id, 'approve')).status).toBe(200);
    const rs = await together(() => cibaPoll(ciba, id));
    expect(rs.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('one approved device_code (RFC 8628 §3.5): tokens once', async () => {
    const d = await deviceAuthorize(ciba);
    expect(await deviceDecide(ciba, d.json.user_code as string, 'allow')).toBe('allow');
    const rs = await together(() => devicePoll(ciba, d.json.device_code as string));
    expect(rs.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('one request_uri (RFC 9126 §4) completed in several browsers at once: one code', async () => {
    const p = await push(fapi);
    const uri = p.json.request_uri as string;
    const outs = await Promise.all(Array.from({ length: 6 }, () => openRequestUri(fapi, uri, 'fapi-client', new Browser(fapi.issuer))));
    expect(outs.map((o) => codeOf(o.res)).filter(Boolean)).toHaveLength(1);
  });
});
