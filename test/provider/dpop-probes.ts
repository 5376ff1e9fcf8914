// Probes for the DPoP and protected-resource fault switches (spread into PROBES of faults.test.ts):
// each passes against a provider with its fault on and fails against one without it.
import { expect } from 'vitest';
import { rule, type Probe } from './probe.ts';
import { decodeJwt, importJWK, type CryptoKey, type JWK } from 'jose';
import type { FaultId } from '../../provider/faults.ts';
import type { RunningProvider } from '../../provider/server.ts';
import { authorize, pkce, testKeys } from './helpers.ts';
import {
  API_CONFIG, bearerToken, boundToken, callResource, ccToken, dpopCall, dpopKey, forgeToken, hs256, proof, publishedRsa, tokenPost,
} from './dpop-helpers.ts';

type Ours = Exclude<Extract<FaultId, `dpop-${string}` | `resource-${string}` | 'userinfo-refuse-dpop'>, 'dpop-jti-per-instance'>; // that one: instance-probes.ts

/** A DPoP-bound token and a call with a proof edited by `spec`, expected to be served. */
const served = (spec: Parameters<typeof dpopCall>[3], o: Parameters<typeof dpopCall>[4] = {}): Probe => ({
  config: API_CONFIG,
  run: async (op) => {
    const k = await dpopKey();
    const t = await boundToken(op, k);
    const r = await dpopCall(op, k, t, spec, o);
    rule(r.status, r.text).toBe(200);
  },
});
/** A forged access token the resource must serve (only a fault lets it). */
const forged = (make: (op: RunningProvider) => Promise<string>): Probe => ({
  config: API_CONFIG,
  run: async (op) => {
    const r = await callResource(op, { token: await make(op) });
    rule(r.status, r.text).toBe(200);
  },
});
const now = () => Math.floor(Date.now() / 1000);

/** A token signed with the provider's own (configured test) RS256 key, claims edited. */
async function providerSigned(op: RunningProvider, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const jwk = (await testKeys()).find((k) => k.alg === 'RS256') as JWK;
  return forgeToken(op, { key: (await importJWK(jwk, 'RS256')) as CryptoKey, alg: 'RS256', claims, header: { kid: jwk.kid, ...header } });
}

export const DPOP_PROBES: Record<Ours, Probe> = {
  'dpop-accept-multiple-headers': { config: API_CONFIG, run: async (op) => {
    const k = await dpopKey();
    const t = await boundToken(op, k);
    const htu = `${op.issuer}/api/resource`;
    const two = `${await proof(k, { htm: 'GET', htu, accessToken: t })}, ${await proof(k, { htm: 'GET', htu, accessToken: t })}`;
    rule((await callResource(op, { token: t, scheme: 'DPoP', dpop: two })).status).toBe(200);
  } },
  'dpop-tolerate-missing-claims': served({ omit: ['jti'] }),
  'dpop-ignore-typ': served({ header: { typ: 'JWT' } }),
  'dpop-accept-any-alg': served({ alg: 'none' }),
  'dpop-skip-signature': { config: API_CONFIG, run: async (op) => {
    const k = await dpopKey();
    const t = await boundToken(op, k);
    const good = await proof(k, { htm: 'GET', htu: `${op.issuer}/api/resource`, accessToken: t });
    const [h, p, s] = good.split('.');
    const bad = Buffer.from(s, 'base64url');
    bad[0] ^= 0xff;
    rule((await callResource(op, { token: t, scheme: 'DPoP', dpop: `${h}.${p}.${bad.toString('base64url')}` })).status).toBe(200);
  } },
  'dpop-accept-private-jwk': { config: API_CONFIG, run: async (op) => {
    const k = await dpopKey();
    const t = await boundToken(op, k);
    rule((await dpopCall(op, k, t, { header: { jwk: k.privateJwk } })).status).toBe(200);
  } },
  'dpop-accept-wrong-htm': served({ htm: 'POST' }),
  'dpop-accept-wrong-htu': { config: API_CONFIG, run: async (op) => {
    const k = await dpopKey();
    const t = await boundToken(op, k);
    rule((await dpopCall(op, k, t, { htu: `${op.issuer}/api/other` })).status).toBe(200);
  } },
  'dpop-htu-exact-match': { config: API_CONFIG, run: async (op) => {
    const k = await dpopKey();
    const t = await boundToken(op, k);
    const r = await dpopCall(op, k, t, { htu: `${op.issuer}/api/resource?x=1` });
    rule(r.status).toBe(401);
    expect((await dpopCall(op, k, t)).status).toBe(200);
  } },
  'dpop-refuse-extra-claims': { config: API_CONFIG, run: async (op) => {
    const k = await dpopKey();
    const t = await boundToken(op, k);
    rule((await dpopCall(op, k, t, { claims: { extra: 'x' } })).status).toBe(401);
    expect((await dpopCall(op, k, t)).status).toBe(200);
  } },
  'dpop-ignore-iat': served({ iat: now() - 3600 }),
  'dpop-iat-window-too-strict': { config: API_CONFIG, run: async (op) => {
    const k = await dpopKey();
    const r = await ccToken(op, { dpop: await proof(k, { htu: `${op.issuer}/token`, iat: now() - 10 }) });
    rule(r.status).toBe(400);
    expect(r.json.error).toBe('invalid_dpop_proof');
  } },
  'dpop-ignore-replay': { config: API_CONFIG, run: async (op) => {
    const k = await dpopKey();
    const t = await boundToken(op, k);
    const p = await proof(k, { htm: 'GET', htu: `${op.issuer}/api/resource`, accessToken: t });
    expect((await callResource(op, { token: t, scheme: 'DPoP', dpop: p })).status).toBe(200);
    rule((await callResource(op, { token: t, scheme: 'DPoP', dpop: p })).status).toBe(200);
  } },
  'dpop-skip-ath': served({ claims: { ath: 'AAAA' } }),
  'dpop-ignore-key-binding': { config: API_CONFIG, run: async (op) => {
    const k = await dpopKey();
    const t = await boundToken(op, k);
    rule((await dpopCall(op, k, t, {}, { proofKey: await dpopKey() })).status).toBe(200);
  } },
  'dpop-bound-token-without-proof': { config: API_CONFIG, run: async (op) => {
    const t = await boundToken(op, await dpopKey());
    rule((await callResource(op, { token: t, scheme: 'DPoP' })).status).toBe(200);
  } },
  'dpop-accept-bearer-for-bound-token': { config: API_CONFIG, run: async (op) => {
    const t = await boundToken(op, await dpopKey());
    rule((await callResource(op, { token: t })).status).toBe(200);
  } },
  'dpop-bearer-challenge': { config: API_CONFIG, run: async (op) => {
    const k = await dpopKey();
    const t = await boundToken(op, k);
    const r = await dpopCall(op, k, t, { htm: 'POST' });
    expect(r.status).toBe(401);
    rule(r.headers['www-authenticate']).toMatch(/^Bearer /);
  } },
  'dpop-no-binding': { config: API_CONFIG, run: async (op) => {
    const k = await dpopKey();
    const r = await ccToken(op, { dpop: await proof(k, { htu: `${op.issuer}/token` }) });
    rule(r.json.token_type).toBe('Bearer');
    expect(decodeJwt(r.json.access_token as string).cnf).toBeUndefined();
  } },
  'dpop-refresh-not-bound': { run: async (op) => {
    const k = await dpopKey();
    const out = await authorize(op, { clientId: 'touchstone-public', params: { scope: 'openid offline_access' } });
    const htu = `${op.issuer}/token`;
    const t = await tokenPost(op, { grant_type: 'authorization_code', code: out.params.get('code') as string, redirect_uri: 'https://client.example/cb', code_verifier: out.verifier, client_id: 'touchstone-public' }, { dpop: await proof(k, { htu }) });
    expect(t.status, t.text).toBe(200);
    const r = await tokenPost(op, { grant_type: 'refresh_token', refresh_token: t.json.refresh_token as string, client_id: 'touchstone-public' }, { dpop: await proof(await dpopKey(), { htu }) });
    rule(r.status, r.text).toBe(200);
  } },
  'dpop-ignore-dpop-jkt': { run: async (op) => {
    const k = await dpopKey();
    const other = await dpopKey();
    const { challenge, verifier } = pkce();
    const out = await authorize(op, { params: { dpop_jkt: k.jkt, code_challenge: challenge } });
    const t = await tokenPost(op, { grant_type: 'authorization_code', code: out.params.get('code') as string, redirect_uri: 'https://client.example/cb', code_verifier: verifier },
      { authorization: `Basic ${Buffer.from('touchstone-client:touchstone-secret-1').toString('base64')}`, dpop: await proof(other, { htu: `${op.issuer}/token` }) });
    rule(t.status, t.text).toBe(200);
  } },
  'dpop-not-required-for-client': { config: API_CONFIG, run: async (op) => {
    const r = await ccToken(op, { clientId: 'touchstone-dpop', secret: 'touchstone-dpop-secret' });
    rule(r.status, r.text).toBe(200);
  } },
  'dpop-nonce-not-enforced': { config: { ...API_CONFIG, dpop: { nonce: { token: true } } }, run: async (op) => {
    const r = await ccToken(op, { dpop: await proof(await dpopKey(), { htu: `${op.issuer}/token` }) });
    rule(r.status, r.text).toBe(200);
  } },
  'resource-nonce-not-enforced': { config: { ...API_CONFIG, dpop: { nonce: { resource: true } } }, run: async (op) => {
    const k = await dpopKey();
    const t = await boundToken(op, k);
    rule((await dpopCall(op, k, t)).status).toBe(200);
  } },
  'userinfo-refuse-dpop': { run: async (op) => {
    const k = await dpopKey();
    const out = await authorize(op);
    const t = await tokenPost(op, { grant_type: 'authorization_code', code: out.params.get('code') as string, redirect_uri: 'https://client.example/cb', code_verifier: out.verifier },
      { authorization: `Basic ${Buffer.from('touchstone-client:touchstone-secret-1').toString('base64')}`, dpop: await proof(k, { htu: `${op.issuer}/token` }) });
    const at = t.json.access_token as string;
    const { request } = await import('undici');
    const r = await request(`${op.issuer}/userinfo`, { headers: { authorization: `DPoP ${at}`, dpop: await proof(k, { htm: 'GET', htu: `${op.issuer}/userinfo`, accessToken: at }) } });
    await r.body.text();
    rule(r.statusCode).not.toBe(200);
  } },
  'resource-allow-anonymous': { config: API_CONFIG, run: async (op) => {
    rule((await callResource(op)).status).toBe(200);
  } },
  'resource-malformed-as-anonymous': forged(async () => 'touchstone.not-a-jwt'),
  'resource-accept-alg-none': forged(async (op) => {
    const t = await forgeToken(op);
    const [, p] = t.split('.');
    return `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${p}.`;
  }),
  'resource-accept-hs256-public-key': forged(async (op) => {
    const { jwk, pem } = await publishedRsa(op);
    const t = decodeJwt(await forgeToken(op));
    return hs256(t, { kid: jwk.kid }, pem);
  }),
  'resource-skip-signature': forged(async (op) => {
    const { jwk } = await publishedRsa(op);
    const k = await dpopKey('RS256');
    return forgeToken(op, { key: k.privateKey, alg: 'RS256', header: { kid: jwk.kid } });
  }),
  'resource-trust-embedded-jwk': forged(async (op) => {
    const k = await dpopKey();
    return forgeToken(op, { key: k.privateKey, header: { kid: 'touchstone-unknown-kid', jwk: k.jwk } });
  }),
  'resource-ignore-exp': forged(async (op) => providerSigned(op, { exp: now() - 120, iat: now() - 400 })),
  'resource-ignore-nbf': forged(async (op) => providerSigned(op, { nbf: now() + 120 })),
  'resource-ignore-aud': { config: API_CONFIG, run: async (op) => {
    const t = await bearerToken(op, `${op.issuer}/api/other`);
    rule((await callResource(op, { token: t })).status).toBe(200);
  } },
  'resource-ignore-iss': forged(async (op) => providerSigned(op, { iss: `${op.issuer}/other` })),
  'resource-ignore-typ': forged(async (op) => providerSigned(op, {}, { typ: 'JWT' })),
  'resource-stale-jwks': { config: { ...API_CONFIG, admin_token: 'admin-token-0123456789' }, run: async (op) => {
    expect((await callResource(op, { token: await bearerToken(op) })).status).toBe(200); // fills the cache
    const { request } = await import('undici');
    const rot = await request(`${op.issuer}/admin/rotate-keys`, { method: 'POST', headers: { authorization: 'Bearer admin-token-0123456789', 'content-type': 'application/x-www-form-urlencoded' }, body: 'publish_ahead=0' });
    await rot.body.text();
    const fresh = await bearerToken(op);
    rule((await callResource(op, { token: fresh })).status).toBe(401);
  } },
  'resource-metadata-wrong-resource': { config: API_CONFIG, run: async (op) => {
    const { request } = await import('undici');
    const r = await request(`${op.issuer}/.well-known/oauth-protected-resource/api/resource`);
    const json = (await r.body.json()) as Record<string, unknown>;
    rule(json.resource).not.toBe(`${op.issuer}/api/resource`);
  } },
};
