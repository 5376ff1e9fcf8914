// grant_type=urn:openid:params:grant-type:ciba (CIBA Core §10.1, §11), poll mode: the client polls
// with its auth_req_id until the End-User approves or denies on the authentication device (here the
// admin approval endpoint, provider/endpoints/ciba.ts), or the request expires.
import type { ClientConfig } from '../config.ts';
import type { ProviderContext } from '../context.ts';
import { InvalidRequest } from '../errors.ts';
import type { Params } from '../http.ts';
import { requireGrantType } from './grant-types.ts';
import { poll, type PolledGrant } from './polling.ts';

export const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';

/**
 * FAPI-CIBA ID1 §5.2.2 applies to a CIBA client under ciba_profile fapi (its own, else the
 * provider's): signed authentication requests only, their lifetime capped at 60 minutes, and
 * (FAPI 1.0 Advanced §8.6) PS256 / ES256 request objects and client assertions.
 */
export function isFapiCiba(ctx: ProviderContext, client: ClientConfig): boolean {
  return (client.ciba_profile ?? ctx.config.ciba_profile) === 'fapi' && (client.grant_types ?? []).includes(CIBA_GRANT);
}

/** FAPI 1.0 Advanced §8.6: "shall use PS256 or ES256" (RS256 and EdDSA are not among them). */
export const FAPI_CIBA_ALGS = ['PS256', 'ES256'];

export interface CibaGrant extends PolledGrant {
  bindingMessage?: string;
  /** CIBA §7.1: the ping-mode client's client_notification_token, sent back as the ping's Bearer token (§10.2). */
  notificationToken?: string;
}

export async function cibaGrant(ctx: ProviderContext, client: ClientConfig, params: Params): Promise<Record<string, unknown>> {
  requireGrantType(client, CIBA_GRANT);
  // CIBA §10.1: auth_req_id is REQUIRED.
  if (!params.auth_req_id) throw new InvalidRequest('auth_req_id is required');
  const f = ctx.faults;
  return poll(ctx, client, params.auth_req_id, {
    kind: 'ciba_request',
    name: 'auth_req_id',
    faults: {
      otherClient: f.on('ciba-auth-req-id-other-client'),
      reuse: f.on('ciba-auth-req-id-reuse'),
      expired: f.on('ciba-ignore-expiry'),
      tooFastDenied: f.on('ciba-too-fast-denied'),
      denied: f.on('ciba-denied-issues-token'),
      autoApprove: f.on('ciba-auto-approve'),
      unknownPending: f.on('ciba-unknown-auth-req-id-pending'),
      race: f.on('ciba-auth-req-id-redeem-race'),
    },
  });
}
