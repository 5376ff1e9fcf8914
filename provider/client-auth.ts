// Client authentication at the token endpoint (RFC 6749 §2.3, OIDC Core §9, RFC 7523 §3):
// client_secret_basic, client_secret_post, private_key_jwt, and none for public clients.
import type { FastifyRequest } from 'fastify';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JWK } from 'jose';
import type { ClientAuthMethod, ClientConfig } from './config.ts';
import { endpoint, type ProviderContext } from './context.ts';
import { InvalidClient, InvalidRequest } from './errors.ts';
import { safeEqual, type Params } from './http.ts';

export const AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];
export const ASSERTION_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** invalid_client; `basic` marks that the client tried HTTP Basic (→ WWW-Authenticate, RFC 6749 §5.2). */
export class InvalidClientAuth extends InvalidClient {
  readonly basic: boolean;
  constructor(description: string, basic: boolean) {
    super(description);
    this.basic = basic;
  }
}

interface Presented { method: ClientAuthMethod; clientId: string; secret?: string; assertion?: string }

export async function authenticateClient(ctx: ProviderContext, req: FastifyRequest, params: Params): Promise<ClientConfig> {
  const presented = whichMethod(req, params);
  const basic = presented.method === 'client_secret_basic';
  const client = ctx.clients.get(presented.clientId);
  if (!client) throw new InvalidClientAuth('client authentication failed: unknown client', basic);
  if (unauthenticatedRefresh(ctx, presented, params)) return client;
  requireRegisteredMethod(client, presented, basic);
  switch (presented.method) {
    case 'client_secret_basic':
    case 'client_secret_post':
      if (presented.method === 'client_secret_post' && ctx.faults.on('refuse-client-secret-post')) throw new InvalidClientAuth('client_secret_post is not accepted', false);
      if (!ctx.faults.on('accept-wrong-client-secret')) checkSecret(client, presented.secret ?? '', basic);
      break;
    case 'private_key_jwt':
      await checkAssertion(ctx, client, presented.assertion as string);
      break;
    case 'none':
      break;
  }
  return client;
}

// RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request.
function whichMethod(req: FastifyRequest, params: Params): Presented {
  const header = req.headers.authorization;
  const used: Presented[] = [];
  if (header !== undefined) used.push(parseBasic(header));
  if (params.client_secret !== undefined) used.push({ method: 'client_secret_post', clientId: params.client_id ?? '', secret: params.client_secret });
  if (params.client_assertion !== undefined || params.client_assertion_type !== undefined) used.push(parseAssertion(params));
  if (used.length > 1) throw new InvalidRequest('only one client authentication method may be used');
  const p = used[0] ?? { method: 'none' as const, clientId: params.client_id ?? '' };
  if (!p.clientId) throw new InvalidClientAuth('client authentication failed: no client identified', p.method === 'client_secret_basic');
  // RFC 6749 §2.3.1 / RFC 7521 §4.2: a client_id body parameter must name the same client.
  if (params.client_id !== undefined && params.client_id !== p.clientId) throw new InvalidRequest('client_id does not match the authenticated client');
  return p;
}

// RFC 6749 §2.3.1: client_id and secret are form-urlencoded, then joined by ":" and base64 encoded.
function parseBasic(header: string): Presented {
  const m = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(header.trim());
  if (!m) throw new InvalidClientAuth('client authentication failed: malformed Authorization header', true);
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i === -1) throw new InvalidClientAuth('client authentication failed: malformed Basic credentials', true);
  try {
    return { method: 'client_secret_basic', clientId: formDecode(decoded.slice(0, i)), secret: formDecode(decoded.slice(i + 1)) };
  } catch {
    throw new InvalidClientAuth('client authentication failed: malformed Basic credentials', true);
  }
}

function formDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

// RFC 7523 §3 / RFC 7521 §4.2: the jwt-bearer assertion type with a JWT whose sub is the client.
function parseAssertion(params: Params): Presented {
  if (params.client_assertion_type !== JWT_BEARER) throw new InvalidClientAuth(`client_assertion_type must be ${JWT_BEARER}`, false);
  if (!params.client_assertion) throw new InvalidClientAuth('client_assertion is required', false);
  let sub: unknown;
  try {
    sub = decodeJwt(params.client_assertion).sub;
  } catch {
    throw new InvalidClientAuth('client_assertion is not a JWT', false);
  }
  if (typeof sub !== 'string' || sub === '') throw new InvalidClientAuth('client_assertion has no sub', false);
  return { method: 'private_key_jwt', clientId: sub, assertion: params.client_assertion };
}

// RFC 6749 §6: a refresh request authenticates a confidential client like any token request
// (fault refresh-without-client-auth: a bare client_id is enough for grant_type=refresh_token).
function unauthenticatedRefresh(ctx: ProviderContext, p: Presented, params: Params): boolean {
  return p.method === 'none' && params.grant_type === 'refresh_token' && ctx.faults.on('refresh-without-client-auth');
}

// OIDC Core §9 / RFC 7591 §2: a client uses the method it registered, and no other.
function requireRegisteredMethod(client: ClientConfig, p: Presented, basic: boolean): void {
  if (client.token_endpoint_auth_method !== p.method) {
    throw new InvalidClientAuth(`client authentication failed: client is registered for ${client.token_endpoint_auth_method}, not ${p.method}`, basic || client.token_endpoint_auth_method === 'client_secret_basic');
  }
}

// RFC 6749 §2.3.1: the secret must match (constant-time comparison).
function checkSecret(client: ClientConfig, secret: string, basic: boolean): void {
  if (!client.client_secret || !safeEqual(secret, client.client_secret)) throw new InvalidClientAuth('client authentication failed: wrong client secret', basic);
}

// RFC 7523 §3: iss = sub = client_id, aud is the issuer or the token endpoint, exp required,
// signature by a key in the client's JWKS; jti is single-use (replay protection).
async function checkAssertion(ctx: ProviderContext, client: ClientConfig, assertion: string): Promise<void> {
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, createLocalJWKSet({ keys: (client.jwks?.keys ?? []) as JWK[] }), {
      issuer: client.client_id,
      subject: client.client_id,
      audience: [ctx.issuer, endpoint(ctx, '/token')],
      algorithms: ASSERTION_ALGS,
      requiredClaims: ['exp', 'jti'],
      clockTolerance: 5,
    }));
  } catch (e) {
    throw new InvalidClientAuth(`client_assertion is invalid: ${(e as Error).message}`, false);
  }
  const jti = String(payload.jti);
  const key = `${client.client_id}:${jti}`;
  if (await ctx.store.get('client_assertion_jti', key)) throw new InvalidClientAuth('client_assertion jti has already been used', false);
  const ttl = Math.max(1, (payload.exp as number) - Math.floor(Date.now() / 1000) + 10);
  await ctx.store.set('client_assertion_jti', key, true, ttl);
}
