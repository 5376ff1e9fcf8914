// Which grant types a client may use (RFC 7591 §2 grant_types; RFC 6749 §5.2 unauthorized_client).
import type { ClientConfig } from '../config.ts';
import { UnauthorizedClient } from '../errors.ts';

/** RFC 7591 §2: a client registered without grant_types uses the authorization code grant (and refresh). */
export const DEFAULT_CLIENT_GRANT_TYPES: readonly string[] = ['authorization_code', 'refresh_token'];

export function grantTypesOf(client: ClientConfig): readonly string[] {
  return client.grant_types ?? DEFAULT_CLIENT_GRANT_TYPES;
}

/** RFC 6749 §5.2: unauthorized_client when the authenticated client may not use this grant type. */
export function requireGrantType(client: ClientConfig, grantType: string): void {
  if (!grantTypesOf(client).includes(grantType)) throw new UnauthorizedClient(`client ${client.client_id} is not registered for grant_type ${grantType}`);
}
