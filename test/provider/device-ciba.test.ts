// The reference provider's device authorization grant (RFC 8628) and CIBA poll mode, end to end
// over HTTP: the happy paths and each refusal, with the provider's own short TTLs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import type { RunningProvider } from '../../provider/server.ts';
import { getJson, start } from './helpers.ts';
import {
  CIBA_GRANT, cibaDecide, cibaPoll, cibaRequest, deviceAuthorize, deviceCibaConfig, deviceDecide, devicePoll, devicePollUntil, requestObject, sleep,
} from './device-ciba-helpers.ts';

let op: RunningProvider;
let shortOp: RunningProvider;
beforeAll(async () => {
  op = await start({ config: deviceCibaConfig({ ttl: { device_code: 30, auth_req_id: 60 } }) });
  shortOp = await start({ config: deviceCibaConfig({ ttl: { device_code: 1 } }) });
});
afterAll(async () => { await op.close(); await shortOp.close(); });

describe('device authorization grant (RFC 8628)', () => {
  it('discovery advertises the endpoint and the grant type', async () => {
    const d = await getJson(`${op.issuer}/.well-known/openid-configuration`);
    expect(d.json.device_authorization_endpoint).toBe(`${op.issuer}/device_authorization`);
    expect(d.json.grant_types_supported).toContain('urn:ietf:params:oauth:grant-type:device_code');
  });

  it('answers §3.2 with a friendly user_code; the End-User approves in the browser; tokens once', async () => {
    const a = await deviceAuthorize(op);
    expect(a.status).toBe(200);
    expect(a.headers['cache-control']).toBe('no-store');
    const { device_code, user_code, verification_uri, verification_uri_complete, expires_in, interval } = a.json as Record<string, string & number>;
    expect(user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(verification_uri).toBe(`${op.issuer}/device`);
    expect(verification_uri_complete).toContain(encodeURIComponent(user_code));
    expect([expires_in, interval]).toEqual([30, 1]);
    await sleep(1020);
    expect((await devicePoll(op, device_code)).json.error).toBe('authorization_pending');
    expect(await deviceDecide(op, user_code, 'allow')).toBe('allow');
    const t = await devicePollUntil(op, device_code, interval);
    expect(t.status).toBe(200);
    expect(decodeJwt(t.json.id_token as string)).toMatchObject({ sub: 'user-alice', aud: 'tv' });
    await sleep(1020);
    expect((await devicePoll(op, device_code)).json.error).toBe('invalid_grant');
  });

  it('slow_down when polled faster than the interval, and the interval grows by 5 s', async () => {
    const a = await deviceAuthorize(op);
    const r = await devicePoll(op, a.json.device_code as string);
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('slow_down');
    await sleep(1100); // the old interval is no longer enough
    expect((await devicePoll(op, a.json.device_code as string)).json.error).toBe('slow_down');
  });

  it('access_denied after a denial; invalid_grant for another client; expired_token after expires_in', async () => {
    const a = await deviceAuthorize(op);
    expect(await deviceDecide(op, a.json.user_code as string, 'deny')).toBe('deny');
    await sleep(1020);
    expect((await devicePoll(op, a.json.device_code as string)).json.error).toBe('access_denied');
    const b = await deviceAuthorize(op);
    await sleep(1020);
    expect((await devicePoll(op, b.json.device_code as string, 'tv-2')).json.error).toBe('invalid_grant');
    const c = await deviceAuthorize(shortOp);
    expect(c.json.expires_in).toBe(1);
    await sleep(1100);
    expect((await devicePoll(shortOp, c.json.device_code as string)).json.error).toBe('expired_token');
  });

  it('refuses an unknown user_code in the browser and a client not registered for the grant', async () => {
    expect(await deviceDecide(op, 'BBBB-BBBB', 'allow')).toBe('device-code');
    const r = await deviceAuthorize(op, 'tv', 'openid bogus');
    expect(r.json.error).toBe('invalid_scope');
  });
});

describe('CIBA poll mode', () => {
  it('discovery advertises the backchannel endpoint, poll and ping modes and the grant type', async () => {
    const d = await getJson(`${op.issuer}/.well-known/openid-configuration`);
    expect(d.json).toMatchObject({ backchannel_authentication_endpoint: `${op.issuer}/bc-authorize`, backchannel_token_delivery_modes_supported: ['poll', 'ping'], backchannel_user_code_parameter_supported: false });
    expect(d.json.grant_types_supported).toContain('urn:openid:params:grant-type:ciba');
  });

  it('pending, approved, tokens once; binding_message accepted', async () => {
    const r = await cibaRequest(op, { binding_message: 'W4SCT' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ expires_in: 60, interval: 1 });
    const id = r.json.auth_req_id as string;
    await sleep(1020);
    expect((await cibaPoll(op, id)).json.error).toBe('authorization_pending');
    expect((await cibaDecide(op, id, 'approve')).status).toBe(200);
    await sleep(1020);
    const t = await cibaPoll(op, id);
    expect(t.status).toBe(200);
    expect(decodeJwt(t.json.id_token as string)).toMatchObject({ sub: 'user-alice', aud: 'bank' });
    await sleep(1020);
    expect((await cibaPoll(op, id)).json.error).toBe('invalid_grant');
  });

  it('refuses several hints, no client authentication, a long binding message, and a missing openid scope', async () => {
    expect((await cibaRequest(op, { login_hint_token: 'opaque' })).json.error).toBe('invalid_request');
    const bare = await cibaRequest(op, {}, 'bank', true);
    expect([bare.status, bare.json.error]).toEqual([401, 'invalid_client']);
    expect((await cibaRequest(op, { binding_message: 'x'.repeat(65) })).json.error).toBe('invalid_binding_message');
    expect((await cibaRequest(op, { scope: 'email' })).json.error).toBe('invalid_request');
    expect((await cibaRequest(op, { login_hint: 'nobody' })).json.error).toBe('unknown_user_id');
  });

  it('access_denied, another client, an unknown auth_req_id, slow_down, and expiry from requested_expiry', async () => {
    const denied = (await cibaRequest(op)).json.auth_req_id as string;
    await cibaDecide(op, denied, 'deny');
    await sleep(1020);
    expect((await cibaPoll(op, denied)).json.error).toBe('access_denied');
    const other = (await cibaRequest(op)).json.auth_req_id as string;
    await sleep(1020);
    expect((await cibaPoll(op, other, 'bank-2')).json.error).toBe('invalid_grant');
    expect((await cibaPoll(op, 'no-such-request')).json.error).toBe('invalid_grant');
    const fast = (await cibaRequest(op)).json.auth_req_id as string;
    expect((await cibaPoll(op, fast)).json.error).toBe('slow_down');
    const short = await cibaRequest(op, { requested_expiry: '1' });
    expect(short.json.expires_in).toBe(1);
    await sleep(1100);
    expect((await cibaPoll(op, short.json.auth_req_id as string)).json.error).toBe('expired_token');
  });

  it('an id_token_hint from this OP names the End-User; a foreign or garbled one is refused', async () => {
    const first = (await cibaRequest(op, { login_hint: 'bob' })).json.auth_req_id as string;
    await cibaDecide(op, first, 'approve');
    await sleep(1020);
    const idToken = (await cibaPoll(op, first)).json.id_token as string;
    expect(decodeJwt(idToken).sub).toBe('user-bob');
    const viaHint = await cibaRequest(op, { login_hint: undefined, id_token_hint: idToken });
    expect(viaHint.status).toBe(200);
    expect((await cibaRequest(op, { login_hint: undefined, id_token_hint: `${idToken.slice(0, -4)}AAAA` })).json.error).toBe('invalid_request');
    expect((await cibaRequest(op, { login_hint: undefined, login_hint_token: 'opaque' })).json.error).toBe('invalid_request');
  });

  it('signed authentication requests (§7.1.1): the object\'s parameters are used; each broken claim is refused', async () => {
    const signed = (claims: Record<string, unknown>, opts = {}) => requestObject(op, claims, opts).then((request) => cibaRequest(op, { scope: undefined, login_hint: undefined, request }));
    const good = await signed({ requested_expiry: '30', binding_message: 'W4SCT' });
    expect(good.status).toBe(200);
    expect(good.json.expires_in).toBe(30);
    expect((await signed({ requested_expiry: 25 })).json.expires_in).toBe(25);
    const now = Math.floor(Date.now() / 1000);
    for (const edit of [{ aud: null }, { aud: 'https://other.example' }, { iss: null }, { iss: 'bank-2' }, { exp: null }, { exp: now - 600 }, { iat: null }, { nbf: null }, { nbf: now + 600 }, { jti: null }]) {
      expect((await signed({}, { edit })).json.error, JSON.stringify(edit)).toBe('invalid_request');
    }
    expect((await signed({}, { signer: 'bank-2' })).json.error).toBe('invalid_request');
    const [h, p] = (await requestObject(op, {})).split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.`;
    expect((await cibaRequest(op, { scope: undefined, login_hint: undefined, request: none })).json.error).toBe('invalid_request');
    expect((await cibaRequest(op, { scope: undefined, login_hint: undefined, request: `${h}.${p}.c2lnbmF0dXJl` })).json.error).toBe('invalid_request');
  });

  it('the approval path needs the admin token', async () => {
    const id = (await cibaRequest(op)).json.auth_req_id as string;
    const r = await fetch(`${op.issuer}/admin/ciba/approve`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `auth_req_id=${id}` });
    expect(r.status).toBe(401);
  });
});

describe('refresh tokens after CIBA (CIBA §10.1.1, OIDC Core §11)', () => {
  it('offline_access is refused for a client not registered for refresh_token, and yields a refresh token for one that is', async () => {
    expect((await cibaRequest(op, { scope: 'openid offline_access' })).json.error).toBe('invalid_scope');
    const config = deviceCibaConfig();
    const clients = (config.clients as Record<string, unknown>[]).map((c) => (c.client_id === 'bank' ? { ...c, grant_types: [CIBA_GRANT, 'refresh_token'] } : c));
    const rt = await start({ config: { ...config, clients } });
    try {
      const r = await cibaRequest(rt, { scope: 'openid offline_access' });
      expect(r.status).toBe(200);
      await cibaDecide(rt, r.json.auth_req_id as string, 'approve');
      await sleep(1020);
      const t = await cibaPoll(rt, r.json.auth_req_id as string);
      expect(t.status).toBe(200);
      expect(typeof t.json.refresh_token).toBe('string');
    } finally {
      await rt.close();
    }
  });
});

describe('FAPI-CIBA configuration (ciba_profile: fapi)', () => {
  it('refuses a FAPI-CIBA client authenticating with a secret (FAPI 1.0 Advanced §5.2.2-14), and an unknown profile', async () => {
    const { loadConfig } = await import('../../provider/config.ts');
    const cfg = deviceCibaConfig({ ciba_profile: 'fapi' });
    const withSecret = [...(cfg.clients as Record<string, unknown>[]), { client_id: 'bank-secret', client_secret: 'bank-secret-value-0123456789', token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['https://client.example/cb'], grant_types: [CIBA_GRANT] }];
    expect(() => loadConfig({ ...cfg, clients: withSecret })).toThrow('config: /clients/4/token_endpoint_auth_method client_secret_basic is not allowed for a FAPI-CIBA client');
    // The device clients (no CIBA grant) and a client opting out keep their methods.
    expect(loadConfig(cfg).ciba_profile).toBe('fapi');
    expect(() => loadConfig({ ...cfg, clients: withSecret.map((c) => (c.client_id === 'bank-secret' ? { ...c, ciba_profile: 'default' } : c)) })).not.toThrow();
    expect(() => loadConfig({ ...cfg, ciba_profile: 'fapi2' })).toThrow(/\/ciba_profile must be one of/);
  });
});
