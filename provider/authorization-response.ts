// The authorization response (RFC 6749 §4.1.2 / §4.1.2.1, RFC 9207) and authorization code issue.
import type { FastifyReply } from 'fastify';
import type { ProviderContext } from './context.ts';
import { randomToken } from './http.ts';
import type { Session } from './session.ts';

/** The validated authorization request, kept in the interaction and copied into the code. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  prompt: string[];
  maxAge?: number;
}

export interface CodeRecord {
  clientId: string;
  redirectUri: string;
  scope: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  sub: string;
  authTime: number;
  grantId: string;
  /** Epoch ms; checked by the grant, the store keeps the record a little longer. */
  expiresAt: number;
}

/** Redirect to the client with response parameters, state and iss. */
export function sendAuthorizationResponse(
  ctx: ProviderContext,
  reply: FastifyReply,
  redirectUri: string,
  fields: Record<string, string>,
  state: string | undefined,
): FastifyReply {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(fields)) url.searchParams.set(k, v);
  // RFC 6749 §4.1.2: state is returned exactly as received, whenever it was sent.
  if (state !== undefined && !ctx.faults.on('drop-state')) url.searchParams.set('state', state);
  // RFC 9207 §2: iss identifies the issuer in every authorization response.
  if (!ctx.faults.on('omit-iss-in-authz-response')) url.searchParams.set('iss', ctx.issuer);
  return reply.code(302).header('location', url.href).header('cache-control', 'no-store').send();
}

/** Issue a single-use code bound to the client, redirect_uri, PKCE challenge and session. */
export async function issueCode(ctx: ProviderContext, request: AuthorizationRequest, session: Session): Promise<string> {
  const code = randomToken(32);
  const record: CodeRecord = {
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    scope: request.scope,
    nonce: request.nonce,
    codeChallenge: request.codeChallenge,
    codeChallengeMethod: request.codeChallengeMethod,
    sub: session.sub,
    authTime: session.authTime,
    grantId: randomToken(16),
    expiresAt: Date.now() + ctx.config.ttl.code * 1000,
  };
  await ctx.store.set('code', code, record, ctx.config.ttl.code + 300);
  return code;
}

export async function completeAuthorization(ctx: ProviderContext, reply: FastifyReply, request: AuthorizationRequest, session: Session): Promise<FastifyReply> {
  const code = await issueCode(ctx, request, session);
  return sendAuthorizationResponse(ctx, reply, request.redirectUri, { code }, request.state);
}

export function hasConsent(session: Session | undefined, clientId: string, scope: string): boolean {
  if (!session) return false;
  const granted = session.consents[clientId] ?? [];
  return scope.split(' ').every((s) => granted.includes(s));
}
