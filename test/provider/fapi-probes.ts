// Probes for the PAR (RFC 9126), private_key_jwt and FAPI 2.0 profile fault switches (spread into
// PROBES of faults.test.ts): each passes against a provider with its fault on and fails without it.
import { expect } from 'vitest';
import { rule, type Probe } from './probe.ts';
import type { FaultId } from '../../provider/faults.ts';
import type { RunningProvider } from '../../provider/server.ts';
import { Browser, errorOf, pageOf, pkce } from './helpers.ts';
import { clientKeys, codeOf, fapiCode, fapiConfig, fapiToken, openRequestUri, push, type AssertionEdit } from './fapi-helpers.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The config is made once (key generation is async); probes get it through a getter. */
const config = await fapiConfig();

/** A push with `edit` applied to its client assertion, expected to be served (201). */
const pushServed = (edit: AssertionEdit): Probe => ({
  config,
  run: async (op) => {
    const p = await push(op, { edit: typeof edit.aud === 'function' ? { ...edit, aud: (edit.aud as (o: RunningProvider) => unknown)(op) } : edit });
    rule(p.status, JSON.stringify(p.json)).toBe(201);
  },
});

export const FAPI_PROBES = {
  'par-allow-request-uri-reuse': { config, run: async (op) => {
    const p = await push(op);
    const first = await openRequestUri(op, p.json.request_uri as string);
    expect(codeOf(first.res)).toBeTruthy();
    const again = await openRequestUri(op, p.json.request_uri as string, 'fapi-client', first.browser);
    rule(codeOf(again.res)).toBeTruthy();
  } },
  'par-consume-on-first-use': { config, run: async (op) => {
    const p = await push(op);
    const b = new Browser(op.issuer);
    const opened = await b.get(`/authorize?${new URLSearchParams({ client_id: 'fapi-client', request_uri: p.json.request_uri as string })}`);
    expect(opened.status).toBe(302); // to the login interaction
    const reload = await b.get(opened.url);
    rule(errorOf(reload.text)).toBe('invalid_request_uri');
  } },
  'par-ignore-expiry': { config: { ...config, ttl: { par: 1 } }, run: async (op) => {
    const p = await push(op);
    expect(p.json.expires_in).toBe(1);
    await sleep(1100);
    rule(codeOf((await openRequestUri(op, p.json.request_uri as string)).res)).toBeTruthy();
  } },
  'par-ignore-client-binding': { config, run: async (op) => {
    const p = await push(op);
    rule(codeOf((await openRequestUri(op, p.json.request_uri as string, 'fapi-client-2')).res)).toBeTruthy();
  } },
  'par-accept-request-uri-param': { config, run: async (op) => {
    rule((await push(op, { params: { request_uri: 'urn:ietf:params:oauth:request_uri:forged' } })).status).toBe(201);
  } },
  'par-accept-get': { config, run: async (op) => {
    rule((await push(op, { method: 'GET' })).status).toBe(201);
  } },
  'par-accept-duplicate-params': { config, run: async (op) => {
    rule((await push(op, { rawSuffix: '&state=second-value' })).status).toBe(201);
  } },
  'par-response-200': { config, run: async (op) => {
    const p = await push(op);
    expect(p.json.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    rule(p.status).toBe(200);
  } },
  'fapi-allow-authorize-without-par': { config, run: async (op) => {
    const b = new Browser(op.issuer);
    const q = { response_type: 'code', client_id: 'fapi-client', redirect_uri: 'https://client.example/cb', scope: 'openid', code_challenge: pkce().challenge, code_challenge_method: 'S256' };
    const r = await b.follow(await b.get(`/authorize?${new URLSearchParams(q)}`));
    rule(pageOf(r.text)).toBe('login');
  } },
  'fapi-allow-other-response-types': { config, run: async (op) => {
    rule((await push(op, { params: { response_type: 'code id_token' } })).status).toBe(201);
  } },
  'fapi-accept-rs256-assertion': pushServed({ alg: 'RS256' }),
  'fapi-accept-array-aud': pushServed({ aud: ((op: RunningProvider) => [op.issuer, `${op.issuer}/token`]) as unknown }),
  'fapi-accept-token-endpoint-aud': pushServed({ aud: ((op: RunningProvider) => `${op.issuer}/token`) as unknown }),
  'fapi-accept-par-endpoint-aud': pushServed({ aud: ((op: RunningProvider) => `${op.issuer}/par`) as unknown }),
  'accept-any-assertion-aud': pushServed({ aud: 'https://other-as.example/' }),
  'fapi-accept-expired-assertion': pushServed({ expOffset: -300 }),
  'fapi-accept-future-nbf': pushServed({ nbfOffset: 70 }),
  // Passes with the fault on only because the 8 s assertion is refused (the push must fail).
  'fapi-refuse-nbf-skew': { config, run: async (op) => {
    const p = await push(op, { edit: { nbfOffset: 8 } });
    rule(p.status).toBe(401);
    expect(p.json.error).toBe('invalid_client');
  } },
  'accept-assertion-without-sub': pushServed({ omit: ['sub'] }),
  'ignore-assertion-client-id-mismatch': { config, run: async (op) => {
    const { code, verifier } = await fapiCode(op);
    const t = await fapiToken(op, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example/cb', code_verifier: verifier, client_id: 'fapi-client-2' });
    rule(t.status, JSON.stringify(t.json)).toBe(200);
  } },
  'fapi-token-without-client-auth': { config, run: async (op) => {
    const { code, verifier } = await fapiCode(op);
    const t = await fapiToken(op, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example/cb', code_verifier: verifier }, { noAuth: true });
    rule(t.status, JSON.stringify(t.json)).toBe(200);
  } },
  'default-missing-redirect-uri': { config, run: async (op) => {
    rule((await push(op, { params: { redirect_uri: undefined } })).status).toBe(201);
  } },
  'auth-scheme-case-sensitive': { run: async (op) => {
    const { authorize, exchange } = await import('./helpers.ts');
    const t = await exchange(op, await authorize(op));
    const { request } = await import('undici');
    const r = await request(`${op.issuer}/userinfo`, { headers: { authorization: `bearer ${t.json.access_token as string}` } });
    await r.body.text();
    rule(r.statusCode).toBe(400);
  } },
  'fapi-discovery-lists-rs256': { config, run: async (op) => {
    const { getJson } = await import('./helpers.ts');
    const doc = (await getJson(`${op.issuer}/.well-known/openid-configuration`)).json;
    rule(doc.token_endpoint_auth_signing_alg_values_supported).toContain('RS256');
  } },
  'consent-deny-error-page': { run: async (op) => {
    const b = new Browser(op.issuer);
    const q = { response_type: 'code', client_id: 'touchstone-client', redirect_uri: 'https://client.example/cb', scope: 'openid', code_challenge: pkce().challenge, code_challenge_method: 'S256' };
    let r = await b.follow(await b.get(`/authorize?${new URLSearchParams(q)}`));
    const { csrfOf } = await import('./helpers.ts');
    r = await b.follow(await b.post(r.url, { csrf: csrfOf(r.text), username: 'alice', password: 'wonderland' }));
    r = await b.post(r.url, { csrf: csrfOf(r.text), decision: 'deny' });
    rule(r.status).toBe(400);
    expect(errorOf(r.text)).toBe('access_denied');
  } },
} satisfies Partial<Record<FaultId, Probe>>;

// Keys are generated for the config; reference them so a stale import is noticed.
void clientKeys;
