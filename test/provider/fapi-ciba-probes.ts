// Probes for the FAPI-CIBA fault switches (FAPI-CIBA ID1 §5.2.2, FAPI 1.0 Advanced §5.2.2 and §8.6):
// a provider with ciba_profile fapi and a CIBA client `fbank` holding an RSA key made for this file
// (so the same key can sign PS256 and RS256).
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { request } from 'undici';
import { expect } from 'vitest';
import type { FaultId } from '../../provider/faults.ts';
import type { RunningProvider } from '../../provider/server.ts';
import { getJson, tokenRequest, type JsonRes } from './helpers.ts';
import * as dc from './device-ciba-helpers.ts';
import { rule, type Probe } from './probe.ts';

const { publicKey, privateKey } = await generateKeyPair('PS256', { extractable: true });
const pub: JWK = { ...(await exportJWK(publicKey)), kid: 'fapi-ciba-probe-key' };
/** The same RSA key for PS256 or RS256 (a CryptoKey is bound to one algorithm). */
const priv = await exportJWK(privateKey);
const keyFor = (alg: string) => importJWK(priv, alg);

function fapiConfig(): Record<string, unknown> {
  const base = dc.deviceCibaConfig({ ciba_profile: 'fapi' });
  const clients = [...(base.clients as Record<string, unknown>[]), { client_id: 'fbank', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [pub] }, redirect_uris: ['https://client.example/cb'], grant_types: [dc.CIBA_GRANT] }];
  return { ...base, clients };
}

const now = () => Math.floor(Date.now() / 1000);

async function assertion(op: RunningProvider, alg = 'PS256'): Promise<Record<string, string>> {
  const jwt = await new SignJWT({}).setProtectedHeader({ alg, kid: pub.kid }).setIssuer('fbank').setSubject('fbank').setAudience(op.issuer).setJti(randomUUID()).setIssuedAt().setExpirationTime('1m').sign(await keyFor(alg));
  return { client_id: 'fbank', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt };
}

async function requestObject(op: RunningProvider, edit: Record<string, unknown> = {}, alg = 'PS256'): Promise<string> {
  const claims = { iss: 'fbank', aud: op.issuer, exp: now() + 300, iat: now(), nbf: now(), jti: randomUUID(), scope: 'openid email', login_hint: 'alice', ...edit };
  return new SignJWT(claims).setProtectedHeader({ alg, kid: pub.kid }).sign(await keyFor(alg));
}

async function bcAuthorize(op: RunningProvider, form: Record<string, string>): Promise<JsonRes> {
  const r = await request(`${op.issuer}/bc-authorize`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  const text = await r.body.text();
  return { status: r.statusCode, headers: r.headers, json: text ? JSON.parse(text) : {} };
}

type Ours = 'fapi-ciba-discovery-lists-push' | 'fapi-ciba-accept-unsigned-request' | 'fapi-ciba-ignore-request-lifetime' | 'fapi-ciba-accept-rs256-request-object' | 'fapi-ciba-accept-rs256-assertion';

export const FAPI_CIBA_PROBES: Record<Ours, Probe> & Partial<Record<FaultId, Probe>> = {
  'fapi-ciba-discovery-lists-push': { config: fapiConfig(), run: async (op) => {
    const d = await getJson(`${op.issuer}/.well-known/openid-configuration`);
    expect(d.json.backchannel_token_delivery_modes_supported).toContain('poll');
    rule(d.json.backchannel_token_delivery_modes_supported).toContain('push');
  } },
  'fapi-ciba-accept-unsigned-request': { config: fapiConfig(), run: async (op) => {
    // The same client's signed request is served: only the missing request object matters.
    expect((await bcAuthorize(op, { ...(await assertion(op)), request: await requestObject(op) })).status).toBe(200);
    rule((await bcAuthorize(op, { ...(await assertion(op)), scope: 'openid email', login_hint: 'alice' })).status).toBe(200);
  } },
  'fapi-ciba-ignore-request-lifetime': { config: fapiConfig(), run: async (op) => {
    rule((await bcAuthorize(op, { ...(await assertion(op)), request: await requestObject(op, { exp: now() + 4200 }) })).status).toBe(200);
  } },
  'fapi-ciba-accept-rs256-request-object': { config: fapiConfig(), run: async (op) => {
    rule((await bcAuthorize(op, { ...(await assertion(op)), request: await requestObject(op, {}, 'RS256') })).status).toBe(200);
  } },
  'fapi-ciba-accept-rs256-assertion': { config: fapiConfig(), run: async (op) => {
    const ack = await bcAuthorize(op, { ...(await assertion(op)), request: await requestObject(op) });
    expect(ack.status).toBe(200);
    // At the token endpoint an accepted RS256 assertion is answered authorization_pending (or slow_down: it comes at once).
    const polled = await tokenRequest(op, { grant_type: dc.CIBA_GRANT, auth_req_id: ack.json.auth_req_id as string, ...(await assertion(op, 'RS256')) });
    rule(['authorization_pending', 'slow_down']).toContain(polled.json.error);
  } },
};
