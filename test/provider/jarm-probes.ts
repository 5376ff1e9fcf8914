// Probes for the JARM fault switches (provider/jarm.ts): each passes only with its switch on.
import { expect } from 'vitest';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import type { FaultId } from '../../provider/faults.ts';
import type { RunningProvider } from '../../provider/server.ts';
import { authorize } from './helpers.ts';
import { fapiConfig, openRequestUri, push } from './fapi-helpers.ts';
import { rule, type Probe } from './probe.ts';

const FAPI_CONFIG = await fapiConfig();

/** A code flow with response_mode=jwt: the redirect's query and the decoded response JWT. */
async function jarm(op: RunningProvider, params: Record<string, string> = {}) {
  const out = await authorize(op, { params: { response_mode: 'jwt', state: 'st-jarm', ...params } });
  const jwt = out.params.get('response');
  return { query: out.params, jwt, claims: jwt ? decodeJwt(jwt) : undefined, header: jwt ? decodeProtectedHeader(jwt) : undefined };
}

type Ours = 'jarm-no-iss' | 'jarm-wrong-aud' | 'jarm-expired' | 'jarm-long-lived' | 'jarm-state-outside' | 'jarm-unsigned' | 'jarm-error-plain' | 'jarm-wrong-channel' | 'jarm-iss-outside' | 'jarm-fapi-rs256';

export const JARM_PROBES: Record<Ours, Probe> = {
  'jarm-no-iss': { run: async (op) => {
    const { claims } = await jarm(op);
    expect(claims?.aud).toBe('touchstone-client');
    rule(claims?.iss).toBeUndefined();
  } },
  'jarm-wrong-aud': { run: async (op) => {
    const { claims } = await jarm(op);
    expect(claims?.iss).toBe(op.issuer);
    rule(claims?.aud).not.toBe('touchstone-client');
  } },
  'jarm-expired': { run: async (op) => {
    const { claims } = await jarm(op);
    rule((claims?.exp as number) < Date.now() / 1000).toBe(true);
  } },
  'jarm-long-lived': { run: async (op) => {
    const { claims } = await jarm(op);
    rule((claims?.exp as number) - Date.now() / 1000 > 600).toBe(true);
  } },
  'jarm-state-outside': { run: async (op) => {
    const { claims, query } = await jarm(op);
    expect(typeof claims?.code).toBe('string');
    rule([claims?.state, query.get('state')]).toEqual([undefined, 'st-jarm']);
  } },
  'jarm-unsigned': { run: async (op) => {
    const { header, claims } = await jarm(op);
    expect(claims?.iss).toBe(op.issuer);
    rule(header?.alg).toBe('none');
  } },
  'jarm-error-plain': { run: async (op) => {
    const { query, jwt } = await jarm(op, { scope: 'openid no-such-scope' });
    rule([jwt, query.get('error')]).toEqual([null, 'invalid_scope']);
  } },
  'jarm-wrong-channel': { run: async (op) => {
    const out = await authorize(op, { params: { response_mode: 'query.jwt' } });
    rule([out.params.get('response'), new URLSearchParams(out.location.hash.slice(1)).has('response')]).toEqual([null, true]);
  } },
  'jarm-iss-outside': { run: async (op) => {
    const { query, claims } = await jarm(op);
    expect(claims?.iss).toBe(op.issuer);
    rule(query.get('iss')).toBe(op.issuer);
  } },
  'jarm-fapi-rs256': { config: FAPI_CONFIG, run: async (op) => {
    const p = await push(op, { params: { response_mode: 'jwt' } });
    expect(p.status).toBe(201);
    const { res } = await openRequestUri(op, p.json.request_uri as string);
    const jwt = new URL(res.location as string).searchParams.get('response') as string;
    const { protectedHeader } = await jwtVerify(jwt, createRemoteJWKSet(new URL(`${op.issuer}/jwks`)), { issuer: op.issuer, audience: 'fapi-client' });
    rule(protectedHeader.alg).toBe('RS256');
  } },
} satisfies Partial<Record<FaultId, Probe>>;
