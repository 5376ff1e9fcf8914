// grant_type=client_credentials (RFC 6749 §4.4). The client acts on its own behalf: no End-User,
// so no ID Token and no refresh token (§4.4.3), and the access token's sub is the client (RFC 9068 §2.2).
// Only confidential clients may use it (§4.4), only when registered for it (RFC 7591 §2 grant_types,
// else unauthorized_client, RFC 6749 §5.2), and only for scopes the client is registered for (§3.3).
import { randomUUID } from 'node:crypto';
import type { ClientConfig } from '../config.ts';
import type { ProviderContext } from '../context.ts';
import { InvalidScope, UnauthorizedClient } from '../errors.ts';
import type { Params } from '../http.ts';
import { checkAuthorizationDetails, tokenResponseDetails } from '../rar.ts';
import { issueAccessToken } from '../tokens.ts';
import { requireGrantType } from './grant-types.ts';
import { issueRefreshToken } from './refresh_token.ts';

/** Scopes that need an End-User and so never come from a client credentials grant. */
const USER_SCOPES = ['openid', 'offline_access'];

export async function clientCredentialsGrant(ctx: ProviderContext, client: ClientConfig, params: Params): Promise<Record<string, unknown>> {
  // RFC 6749 §4.4.2: a confidential client registered for the grant gets an access token (fault: refused).
  if (ctx.faults.on('cc-grant-refused')) throw new UnauthorizedClient('the client credentials grant is not available');
  // RFC 6749 §4.4: "The client credentials grant type MUST only be used by confidential clients."
  if (client.token_endpoint_auth_method === 'none' && !ctx.faults.on('cc-allows-public-client')) {
    throw new UnauthorizedClient('the client credentials grant is for confidential clients only');
  }
  if (!ctx.faults.on('cc-ignores-grant-types')) requireGrantType(client, 'client_credentials');
  const scope = grantedScope(ctx, client, params.scope);
  const grantId = randomUUID();
  // RFC 9396 §6: authorization_details in the token request (§5: invalid_authorization_details).
  const authorizationDetails = checkAuthorizationDetails(ctx, client, params.authorization_details);
  const grant = { sub: client.client_id, clientId: client.client_id, scope, grantId, authTime: Math.floor(Date.now() / 1000), authorizationDetails };
  const { token, expiresIn } = await issueAccessToken(ctx, grant);
  // §7: the details granted are returned with the token.
  const body: Record<string, unknown> = { access_token: token, token_type: 'Bearer', expires_in: expiresIn, ...tokenResponseDetails(ctx, authorizationDetails) };
  if (scope) body.scope = scope;
  // RFC 6749 §4.4.3: "A refresh token SHOULD NOT be included." (fault: one is).
  if (ctx.faults.on('cc-issues-refresh-token')) body.refresh_token = await issueRefreshToken(ctx, grant);
  return body;
}

// RFC 6749 §3.3: the requested scope must lie within the client's registered scope (invalid_scope
// otherwise); none requested means the registered scope. openid and offline_access need an End-User.
function grantedScope(ctx: ProviderContext, client: ClientConfig, requested: string | undefined): string {
  const allowed = (client.scope ?? '').split(' ').filter((s) => s && !USER_SCOPES.includes(s));
  if (requested === undefined) return allowed.join(' ');
  const asked = [...new Set(requested.split(' ').filter(Boolean))];
  if (ctx.faults.on('cc-scope-not-limited')) return asked.join(' ');
  const refused = asked.filter((s) => !allowed.includes(s));
  if (refused.length > 0) throw new InvalidScope(`scope not allowed for this client: ${refused.join(' ')}`);
  return asked.join(' ');
}
