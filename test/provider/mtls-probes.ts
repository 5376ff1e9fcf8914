// Probes for the mutual-TLS fault switches (issue 14, RFC 8705, provider/mtls.ts): each passes only
// with its switch on. The provider serves HTTPS and requests client certificates; one test CA (made
// once for this file) signs the server certificate and the tls_client_auth client certificates.
import { X509Certificate } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Agent, request } from 'undici';
import { SignJWT, importJWK, exportJWK, generateKeyPair } from 'jose';
import { expect } from 'vitest';
import type { FaultId } from '../../provider/faults.ts';
import type { RunningProvider } from '../../provider/server.ts';
import { makeTestCa, selfSignedClient } from '../../harness/engine/test-ca.ts';
import { rule, type Probe } from './probe.ts';

const ca = await makeTestCa();
const server = await ca.issueServer(['127.0.0.1', 'localhost']);
process.once('exit', () => rmSync(ca.dir, { recursive: true, force: true }));
// openssl order (CN first); RFC 4514 writes it last-RDN-first: O=Touchstone,CN=mtls-client.
const main = await ca.issueClient('CN=mtls-client,O=Touchstone');
const other = await ca.issueClient('CN=someone-else,O=Touchstone');
const forged = await selfSignedClient('CN=mtls-client,O=Touchstone');
const registered = await selfSignedClient('CN=self-signed-client');
const unregistered = await selfSignedClient('CN=self-signed-client');
const der = (pem: string) => new X509Certificate(pem).raw.toString('base64');
const pkjKeys = await generateKeyPair('ES256', { extractable: true });
const pkjPublic = { ...(await exportJWK(pkjKeys.publicKey)), kid: 'mtls-pkj', alg: 'ES256', use: 'sig' };
const selfPublic = { ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey)), kid: 'self-cert', x5c: [der(registered.certPem)] };

const CLIENT = { redirect_uris: ['https://client.example/cb'], grant_types: ['client_credentials'], scope: 'read', tls_client_certificate_bound_access_tokens: true };
export const MTLS_CONFIG: Record<string, unknown> = {
  tls: { cert: server.certPem, key: server.keyPem, mtls: { ca: ca.certPem } },
  clients: [
    { ...CLIENT, client_id: 'mtls-client', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'O=Touchstone,CN=mtls-client' },
    { ...CLIENT, client_id: 'self-client', token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: { keys: [selfPublic] } },
    { ...CLIENT, client_id: 'fapi-bound', token_endpoint_auth_method: 'private_key_jwt', profile: 'fapi2', id_token_signed_response_alg: 'ES256', jwks: { keys: [pkjPublic] } },
  ],
};

type Cert = { certPem: string; keyPem: string } | undefined;
const agents = new Map<string, Agent>();
function agent(cert: Cert): Agent {
  const id = cert?.certPem ?? '';
  let a = agents.get(id);
  if (!a) agents.set(id, (a = new Agent({ connect: { ca: ca.certPem, ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}) } })));
  return a;
}
async function call(url: string, cert: Cert, opts: { form?: Record<string, string>; headers?: Record<string, string> } = {}) {
  const res = await request(url, {
    method: opts.form ? 'POST' : 'GET', dispatcher: agent(cert),
    headers: { ...(opts.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...opts.headers },
    body: opts.form ? new URLSearchParams(opts.form).toString() : undefined,
  });
  const text = await res.body.text();
  let json: Record<string, unknown> = {};
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.statusCode, json };
}
const token = (op: RunningProvider, clientId: string, cert: Cert, extra: Record<string, string> = {}) =>
  call(`${op.issuer}/token`, cert, { form: { grant_type: 'client_credentials', client_id: clientId, scope: 'read', ...extra } });
async function boundToken(op: RunningProvider): Promise<string> {
  const t = await token(op, 'mtls-client', main, { resource: `${op.issuer}/api/resource` });
  expect(t.status).toBe(200);
  return t.json.access_token as string;
}
const discovery = async (op: RunningProvider) => (await call(`${op.issuer}/.well-known/openid-configuration`, undefined)).json;

type Ours = 'mtls-accept-no-certificate' | 'mtls-skip-chain-validation' | 'mtls-ignore-subject' | 'mtls-self-signed-any-certificate' | 'mtls-no-token-binding'
  | 'mtls-bound-token-without-certificate' | 'mtls-ignore-certificate-binding' | 'mtls-introspection-omit-cnf' | 'mtls-metadata-omit-bound-tokens'
  | 'mtls-relative-aliases' | 'mtls-bound-client-without-certificate';

export const MTLS_PROBES: Record<Ours & FaultId, Probe> = {
  'mtls-accept-no-certificate': { config: MTLS_CONFIG, run: async (op) => {
    rule((await token(op, 'mtls-client', undefined)).status).toBe(200);
  } },
  'mtls-skip-chain-validation': { config: MTLS_CONFIG, run: async (op) => {
    rule((await token(op, 'mtls-client', forged)).status).toBe(200);
  } },
  'mtls-ignore-subject': { config: MTLS_CONFIG, run: async (op) => {
    rule((await token(op, 'mtls-client', other)).status).toBe(200);
  } },
  'mtls-self-signed-any-certificate': { config: MTLS_CONFIG, run: async (op) => {
    expect((await token(op, 'self-client', registered)).status).toBe(200);
    rule((await token(op, 'self-client', unregistered)).status).toBe(200);
  } },
  'mtls-no-token-binding': { config: MTLS_CONFIG, run: async (op) => {
    const at = await boundToken(op);
    const claims = JSON.parse(Buffer.from(at.split('.')[1], 'base64url').toString()) as { cnf?: Record<string, unknown> };
    rule(claims.cnf?.['x5t#S256']).toBeUndefined();
  } },
  'mtls-bound-token-without-certificate': { config: MTLS_CONFIG, run: async (op) => {
    const at = await boundToken(op);
    expect((await call(`${op.issuer}/api/resource`, main, { headers: { authorization: `Bearer ${at}` } })).status).toBe(200);
    rule((await call(`${op.issuer}/api/resource`, undefined, { headers: { authorization: `Bearer ${at}` } })).status).toBe(200);
  } },
  'mtls-ignore-certificate-binding': { config: MTLS_CONFIG, run: async (op) => {
    const at = await boundToken(op);
    rule((await call(`${op.issuer}/api/resource`, other, { headers: { authorization: `Bearer ${at}` } })).status).toBe(200);
  } },
  'mtls-introspection-omit-cnf': { config: MTLS_CONFIG, run: async (op) => {
    const at = await boundToken(op);
    const r = await call(`${op.issuer}/introspect`, main, { form: { token: at, client_id: 'mtls-client' } });
    expect(r.json.active).toBe(true);
    rule((r.json.cnf as Record<string, unknown> | undefined)?.['x5t#S256']).toBeUndefined();
  } },
  'mtls-metadata-omit-bound-tokens': { config: MTLS_CONFIG, run: async (op) => {
    rule((await discovery(op)).tls_client_certificate_bound_access_tokens).toBeUndefined();
  } },
  'mtls-relative-aliases': { config: MTLS_CONFIG, run: async (op) => {
    rule((await discovery(op)).mtls_endpoint_aliases).toMatchObject({ token_endpoint: '/token' });
  } },
  'mtls-bound-client-without-certificate': { config: MTLS_CONFIG, run: async (op) => {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ iss: 'fapi-bound', sub: 'fapi-bound', aud: op.issuer, jti: crypto.randomUUID(), iat: now, exp: now + 60 })
      .setProtectedHeader({ alg: 'ES256', kid: 'mtls-pkj' }).sign(await importJWK(await exportJWK(pkjKeys.privateKey), 'ES256'));
    const form = { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion };
    rule((await token(op, 'fapi-bound', undefined, form)).status).toBe(200);
  } },
};
