// Probes for the request object (JAR, RFC 9101) fault switches (spread into PROBES of
// faults.test.ts): each passes against a provider with its fault on and fails without it.
import { exportJWK, importJWK, SignJWT, type CryptoKey } from 'jose';
import { randomUUID } from 'node:crypto';
import { rule, type Probe } from './probe.ts';
import type { FaultId } from '../../provider/faults.ts';
import type { RunningProvider } from '../../provider/server.ts';
import { getJson, pkce } from './helpers.ts';
import { clientKeys, fapiConfig, openRequestUri, push, pushRequestObject, type ClientKey } from './fapi-helpers.ts';

const config = await fapiConfig();

/** A signed request object for the main fapi client (claims edited: null removes). */
async function requestObject(op: RunningProvider, edit: Record<string, unknown> = {}, key?: ClientKey): Promise<{ jwt: string; state: string }> {
  const [main] = await clientKeys();
  const signer = key ?? main;
  const now = Math.floor(Date.now() / 1000);
  const state = `in-${randomUUID()}`;
  const claims: Record<string, unknown> = {
    iss: main.clientId, aud: op.issuer, exp: now + 300, nbf: now, iat: now, jti: randomUUID(),
    response_type: 'code', client_id: main.clientId, redirect_uri: 'https://client.example/cb', scope: 'openid profile',
    state, nonce: `n-${randomUUID()}`, code_challenge: pkce().challenge, code_challenge_method: 'S256', ...edit,
  };
  for (const [k, v] of Object.entries(claims)) if (v === null) delete claims[k];
  return { jwt: await new SignJWT(claims).setProtectedHeader({ alg: signer.alg, kid: signer.publicJwk.kid }).sign(signer.privateKey), state };
}

/** A pushed request carrying only a request object (and client authentication). */
const pushRo = (op: RunningProvider, jwt: string, outside: Record<string, string> = {}) => push(op, pushRequestObject(jwt, outside));

export const JAR_PROBES = {
  'jar-skip-signature': { config, run: async (op) => {
    const [, other] = await clientKeys();
    const { jwt } = await requestObject(op, {}, other);
    const p = await pushRo(op, jwt);
    rule(p.status, JSON.stringify(p.json)).toBe(201);
  } },
  'jar-outer-params-win': { config, run: async (op) => {
    const { jwt, state } = await requestObject(op);
    const p = await pushRo(op, jwt, { state: 'outside-state' });
    const { res } = await openRequestUri(op, p.json.request_uri as string);
    const got = res.location ? new URL(res.location).searchParams.get('state') : null;
    rule(got === state ? 'inside' : got).toBe('outside-state');
  } },
  'jar-ignore-client-id-mismatch': { config, run: async (op) => {
    const [, other] = await clientKeys();
    const { jwt } = await requestObject(op, { client_id: other.clientId });
    const p = await pushRo(op, jwt);
    rule(p.status, JSON.stringify(p.json)).toBe(201);
  } },
  'jar-accept-unsigned-when-required': { config: { ...config, clients: (config.clients as Record<string, unknown>[]).map((c) => ({ ...c, require_signed_request_object: true })) }, run: async (op) => {
    const p = await push(op);
    rule(p.status, JSON.stringify(p.json)).toBe(201);
  } },
  'jar-ignore-aud': { config, run: async (op) => {
    const { jwt } = await requestObject(op, { aud: 'https://someone-else.example' });
    rule((await pushRo(op, jwt)).status).toBe(201);
  } },
  'jar-ignore-lifetime': { config, run: async (op) => {
    const now = Math.floor(Date.now() / 1000);
    const { jwt } = await requestObject(op, { exp: now + 4200 });
    rule((await pushRo(op, jwt)).status).toBe(201);
  } },
  'jar-accept-rs256': { config, run: async (op) => {
    const [main] = await clientKeys();
    const rs = { ...main, alg: 'RS256', privateKey: (await importJWK(await exportJWK(main.privateKey), 'RS256')) as CryptoKey };
    const { jwt } = await requestObject(op, {}, rs);
    rule((await pushRo(op, jwt)).status).toBe(201);
  } },
  'jar-refuse-nbf-skew': { config, run: async (op) => {
    const { jwt } = await requestObject(op, { nbf: Math.floor(Date.now() / 1000) + 8 });
    rule((await pushRo(op, jwt)).status).toBe(400);
  } },
  'discovery-omit-request-object': { config, run: async (op) => {
    const d = await getJson(`${op.issuer}/.well-known/openid-configuration`);
    rule(d.json.request_parameter_supported).toBe(false);
  } },
} satisfies Partial<Record<FaultId, Probe>>;
