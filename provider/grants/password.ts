// grant_type=password (RFC 6749 §4.3): implemented, but off unless the config sets
// password_grant: true (RFC 9700 §2.4: the resource owner password credentials grant MUST NOT be
// used). When off, /token answers unsupported_grant_type (endpoints/token.ts).
import { randomUUID } from 'node:crypto';
import type { ClientConfig } from '../config.ts';
import type { ProviderContext } from '../context.ts';
import { InvalidGrant, InvalidRequest, InvalidScope } from '../errors.ts';
import { safeEqual, type Params } from '../http.ts';
import { issueAccessToken, issueIdToken } from '../tokens.ts';
import { requireGrantType } from './grant-types.ts';
import { SCOPES_SUPPORTED } from '../context.ts';

export async function passwordGrant(ctx: ProviderContext, client: ClientConfig, params: Params): Promise<Record<string, unknown>> {
  requireGrantType(client, 'password');
  // RFC 6749 §4.3.2: username and password are REQUIRED.
  if (!params.username || !params.password) throw new InvalidRequest('username and password are required');
  const user = ctx.users.find((u) => u.username === params.username);
  // Compare even when the user is unknown, so timing does not tell which usernames exist.
  const ok = safeEqual(params.password, user?.password ?? randomUUID()) && user !== undefined;
  if (!ok || !user) throw new InvalidGrant('the resource owner credentials are invalid');
  const scope = [...new Set((params.scope ?? 'openid').split(' ').filter(Boolean))];
  const unknown = scope.filter((s) => !(SCOPES_SUPPORTED as readonly string[]).includes(s) || s === 'offline_access');
  if (unknown.length) throw new InvalidScope(`scope not allowed: ${unknown.join(' ')}`);
  const authTime = Math.floor(Date.now() / 1000);
  const grant = { sub: user.sub, clientId: client.client_id, scope: scope.join(' '), grantId: randomUUID(), authTime };
  const { token, expiresIn } = await issueAccessToken(ctx, grant);
  const body: Record<string, unknown> = { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: grant.scope };
  if (scope.includes('openid')) body.id_token = await issueIdToken(ctx, { client, sub: user.sub, authTime, accessToken: token });
  return body;
}
