// Dynamic client registration (RFC 7591) and management (RFC 7592).
// POST /register: open, or (config registration.initial_access_token) only with that Bearer token
// (RFC 7591 §3). The answer (201) holds the client_id, a client_secret for confidential clients,
// the registered metadata, and the registration_access_token + registration_client_uri with which
// the client reads (GET), replaces (PUT) and deletes (DELETE) its registration (RFC 7592 §2).
// Registration is off unless the config enables it (or sets an initial access token), and holds
// at most registration.max_clients clients. Registered clients live in the store (kind `client`),
// so every instance on a shared store knows them; they work at every endpoint (findClient).
import { tokenBytes } from '../faults.ts';
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AUTH_METHODS } from '../client-auth.ts';
import type { ClientAuthMethod, ClientConfig, Jwk, SigningAlg } from '../config.ts';
import { endpoint, type ProviderContext, type RegisteredClient } from '../context.ts';
import { InvalidToken, OAuthError } from '../errors.ts';
import { randomToken, safeEqual } from '../http.ts';
import { annotate } from '../log.ts';
import { grantTypesSupported } from './token.ts';

class InvalidRedirectUri extends OAuthError {
  constructor(description: string) { super('invalid_redirect_uri', description); }
}
class InvalidClientMetadata extends OAuthError {
  constructor(description: string) { super('invalid_client_metadata', description); }
}

/** Metadata echoed as registered when it is a string (RFC 7591 §2 human-readable and informational members). */
const STRING_MEMBERS = ['client_name', 'client_uri', 'logo_uri', 'tos_uri', 'policy_uri', 'software_id', 'software_version'] as const;
const ALGS: readonly SigningAlg[] = ['RS256', 'PS256', 'ES256'];

/** A registration has no expiry (RFC 7591 §3.2.1 client_secret_expires_at 0); the store needs a TTL: ten years. */
const REGISTRATION_TTL = 10 * 365 * 86400;
const saveRegistration = (ctx: ProviderContext, r: RegisteredClient) => ctx.store.set('client', r.client.client_id, r, REGISTRATION_TTL);
const hash = (s: string) => createHash('sha256').update(s).digest('base64url');

export function registrationUri(ctx: ProviderContext, clientId: string): string {
  return endpoint(ctx, `/register/${encodeURIComponent(clientId)}`);
}

export async function registerEndpoint(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  try {
    if (!ctx.config.registration.enabled) return reply.code(404).send({ error: 'not_found', error_description: 'dynamic client registration is disabled' });
    checkInitialAccessToken(ctx, req);
    const body = jsonBody(req);
    const { client, metadata } = validate(ctx, body);
    await checkCapacity(ctx);
    client.client_id = `dyn-${randomUUID()}`;
    if (client.token_endpoint_auth_method === 'client_secret_basic' || client.token_endpoint_auth_method === 'client_secret_post') {
      client.client_secret = randomToken(tokenBytes(ctx.faults));
    }
    const token = randomToken(32);
    const issuedAt = Math.floor(Date.now() / 1000);
    // Fault register-secret-unusable: the secret handed out is not the one stored.
    const stored = ctx.faults.on('register-secret-unusable') && client.client_secret ? { ...client, client_secret: randomToken(32) } : client;
    await saveRegistration(ctx, { client: stored, tokenHash: hash(token), token, issuedAt, metadata });
    annotate(req, { client_id: client.client_id });
    return send(reply, 201, info(ctx, client, metadata, issuedAt, token));
  } catch (e) {
    return sendError(req, reply, e);
  }
}

/** GET / PUT / DELETE /register/:client_id (RFC 7592 §2.1-2.3), with the registration access token. */
export async function clientConfigurationEndpoint(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  try {
    const clientId = (req.params as { client_id: string }).client_id;
    annotate(req, { client_id: clientId });
    const reg = await authorize(ctx, req, clientId);
    if (!reg) throw new InvalidToken('unknown client');
    const client = reg.client;
    if (req.method === 'GET') return send(reply, 200, info(ctx, client, reg.metadata, reg.issuedAt, reg.token));
    if (req.method === 'DELETE') {
      // RFC 7592 §2.3: the client is deprovisioned; its credentials and token stop working
      // (fault register-delete-keeps-client: 204 but nothing is removed).
      if (!ctx.faults.on('register-delete-keeps-client')) await ctx.store.delete('client', clientId);
      return reply.code(204).header('cache-control', 'no-store').send();
    }
    // PUT, RFC 7592 §2.2: the body replaces the metadata; it names the same client_id, may
    // repeat the current secret, and must not carry the server-managed members.
    const body = jsonBody(req);
    if (body.client_id !== clientId) throw new InvalidClientMetadata('client_id in the body must be the client\'s own client_id');
    for (const m of ['registration_access_token', 'registration_client_uri', 'client_secret_expires_at', 'client_id_issued_at']) {
      if (m in body) throw new InvalidClientMetadata(`${m} must not be included in an update`);
    }
    if (body.client_secret !== undefined && (typeof body.client_secret !== 'string' || !client.client_secret || !safeEqual(body.client_secret, client.client_secret))) {
      throw new InvalidClientMetadata('client_secret, when included, must be the current secret');
    }
    const { client: updated, metadata } = validate(ctx, body);
    updated.client_id = clientId;
    const secretBased = updated.token_endpoint_auth_method === 'client_secret_basic' || updated.token_endpoint_auth_method === 'client_secret_post';
    if (secretBased) updated.client_secret = client.client_secret ?? randomToken(tokenBytes(ctx.faults));
    // Fault register-update-ignored: the answer shows the update, but nothing changes.
    if (!ctx.faults.on('register-update-ignored')) await saveRegistration(ctx, { ...reg, client: updated, metadata });
    return send(reply, 200, info(ctx, updated, metadata, reg.issuedAt, reg.token));
  } catch (e) {
    return sendError(req, reply, e);
  }
}

// RFC 7591 §3: with an initial access token configured, registration needs it (fault
// register-open-despite-initial-token: anyone may register).
function checkInitialAccessToken(ctx: ProviderContext, req: FastifyRequest): void {
  const expected = ctx.config.registration.initial_access_token;
  if (!expected || ctx.faults.on('register-open-despite-initial-token')) return;
  const m = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m || !safeEqual(m[1], expected)) throw new InvalidToken('a valid initial access token is required to register');
}

// Over registration.max_clients: refused. RFC 7591 §3.2.2: a registration error is a 400 with one
// of its error codes; none names a capacity limit, and invalid_client_metadata is the one that
// says "the server has rejected this request" (the description says why). The count is a
// snapshot: concurrent registrations at the cap may pass it together (a cap, not an exact quota).
async function checkCapacity(ctx: ProviderContext): Promise<void> {
  const max = ctx.config.registration.max_clients;
  if ((await ctx.store.count('client')) >= max) {
    throw new InvalidClientMetadata(`registration refused: this server accepts at most ${max} registered clients`);
  }
}

// RFC 7592 §3: the registration access token, compared in constant time (fault
// register-no-access-token-check: any request for a known client is served).
async function authorize(ctx: ProviderContext, req: FastifyRequest, clientId: string): Promise<RegisteredClient | undefined> {
  const reg = await ctx.store.get<RegisteredClient>('client', clientId);
  if (ctx.faults.on('register-no-access-token-check')) return reg;
  const m = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) throw new InvalidToken('the registration access token is required');
  if (!reg || !safeEqual(hash(m[1]), reg.tokenHash)) throw new InvalidToken('the registration access token is invalid');
  return reg;
}

function jsonBody(req: FastifyRequest): Record<string, unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new InvalidClientMetadata('the registration request must be application/json');
  const b = req.body;
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw new InvalidClientMetadata('the registration request must be a JSON object');
  return b as Record<string, unknown>;
}

/** RFC 7591 §2 metadata → a client; unknown members are ignored (§2: "MUST ignore"). */
function validate(ctx: ProviderContext, b: Record<string, unknown>): { client: ClientConfig; metadata: Record<string, unknown> } {
  const strings = (name: string, v: unknown): string[] | undefined => {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new InvalidClientMetadata(`${name} must be an array of strings`);
    return v as string[];
  };
  const grantTypes = strings('grant_types', b.grant_types) ?? ['authorization_code'];
  const supported = grantTypesSupported(ctx);
  const unknownGrant = grantTypes.filter((g) => !supported.includes(g));
  if (unknownGrant.length && !ctx.faults.on('register-accepts-bad-metadata')) throw new InvalidClientMetadata(`grant_types not supported: ${unknownGrant.join(' ')}`);
  const responseTypes = strings('response_types', b.response_types) ?? (grantTypes.includes('authorization_code') ? ['code'] : []);
  if (responseTypes.some((r) => r !== 'code')) throw new InvalidClientMetadata('only response_type code is supported');
  // RFC 7591 §2.1: authorization_code goes with response_type code, and the other way round.
  if (grantTypes.includes('authorization_code') !== responseTypes.includes('code')) throw new InvalidClientMetadata('grant_types authorization_code and response_types code go together');
  const method = (b.token_endpoint_auth_method ?? 'client_secret_basic') as ClientAuthMethod;
  if (!AUTH_METHODS.includes(method)) throw new InvalidClientMetadata(`token_endpoint_auth_method ${String(b.token_endpoint_auth_method)} is not supported`);
  if (method === 'none' && grantTypes.includes('client_credentials')) throw new InvalidClientMetadata('client_credentials needs a confidential client');
  let jwks: ClientConfig['jwks'];
  if (b.jwks_uri !== undefined) throw new InvalidClientMetadata('jwks_uri is not supported; register jwks by value');
  if (b.jwks !== undefined) {
    const keys = (b.jwks as { keys?: unknown })?.keys;
    if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => !k || typeof k !== 'object' || typeof (k as { kty?: unknown }).kty !== 'string' || 'd' in k)) {
      throw new InvalidClientMetadata('jwks must be a JWK Set of public keys');
    }
    jwks = { keys: keys as Jwk[] };
  }
  if (method === 'private_key_jwt' && !jwks) throw new InvalidClientMetadata('private_key_jwt needs jwks');
  const alg = (b.id_token_signed_response_alg ?? 'RS256') as SigningAlg;
  if (!ALGS.includes(alg)) throw new InvalidClientMetadata(`id_token_signed_response_alg ${String(alg)} is not supported`);
  if (b.scope !== undefined && (typeof b.scope !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/.test(b.scope))) {
    throw new InvalidClientMetadata('scope must be a space-separated list of scope tokens');
  }
  const redirectUris = strings('redirect_uris', b.redirect_uris) ?? [];
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) throw new InvalidRedirectUri('redirect_uris is required for the authorization_code grant');
  if (!ctx.faults.on('register-accepts-bad-redirect-uri')) for (const u of redirectUris) checkRedirectUri(u);
  const postLogout = strings('post_logout_redirect_uris', b.post_logout_redirect_uris) ?? [];
  for (const u of postLogout) checkRedirectUri(u);
  const metadata: Record<string, unknown> = {
    redirect_uris: redirectUris,
    token_endpoint_auth_method: method,
    grant_types: grantTypes,
    response_types: responseTypes,
    id_token_signed_response_alg: alg,
  };
  if (postLogout.length) metadata.post_logout_redirect_uris = postLogout;
  if (typeof b.scope === 'string') metadata.scope = b.scope;
  if (jwks) metadata.jwks = jwks;
  for (const m of STRING_MEMBERS) if (typeof b[m] === 'string') metadata[m] = b[m];
  const contacts = strings('contacts', b.contacts);
  if (contacts) metadata.contacts = contacts;
  const client: ClientConfig = {
    client_id: '',
    token_endpoint_auth_method: method,
    redirect_uris: redirectUris,
    post_logout_redirect_uris: postLogout,
    id_token_signed_response_alg: alg,
    grant_types: grantTypes,
    ...(jwks ? { jwks } : {}),
    ...(typeof b.scope === 'string' ? { scope: b.scope } : {}),
  };
  return { client, metadata };
}

// RFC 7591 §2 / RFC 6749 §3.1.2: an absolute URI without a fragment; https, or http only on
// loopback (RFC 8252 §7.3), or a private-use scheme for native apps (RFC 8252 §7.1).
function checkRedirectUri(u: string): void {
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    throw new InvalidRedirectUri(`redirect URI is not an absolute URI: ${u.slice(0, 100)}`);
  }
  if (url.hash || u.includes('#')) throw new InvalidRedirectUri('a redirect URI must not contain a fragment');
  if (url.protocol === 'http:' && !['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)) throw new InvalidRedirectUri('http redirect URIs are allowed only on loopback');
  if (['javascript:', 'data:', 'file:', 'vbscript:'].includes(url.protocol)) throw new InvalidRedirectUri(`${url.protocol} redirect URIs are not allowed`);
}

/** RFC 7591 §3.2.1 / RFC 7592 §3: the client information response. */
function info(ctx: ProviderContext, client: ClientConfig, metadata: Record<string, unknown>, issuedAt: number, token?: string): Record<string, unknown> {
  return {
    client_id: client.client_id,
    ...(client.client_secret ? { client_secret: client.client_secret, client_secret_expires_at: 0 } : {}),
    client_id_issued_at: issuedAt,
    ...metadata,
    ...(token ? { registration_access_token: token } : {}),
    registration_client_uri: registrationUri(ctx, client.client_id),
  };
}

function send(reply: FastifyReply, status: number, body: Record<string, unknown>): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').header('pragma', 'no-cache').header('content-type', 'application/json; charset=utf-8').send(body);
}

function sendError(req: FastifyRequest, reply: FastifyReply, e: unknown): FastifyReply {
  if (e instanceof InvalidToken) reply.header('www-authenticate', `Bearer error="invalid_token"`);
  const err = e instanceof OAuthError ? e : new OAuthError('server_error', 'the server could not process the request', 500);
  annotate(req, { error: err.error });
  return reply.code(err.status).header('cache-control', 'no-store').header('content-type', 'application/json; charset=utf-8').send({ error: err.error, error_description: err.message });
}
