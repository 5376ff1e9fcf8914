// Rich Authorization Requests (RFC 9396) on the peer: features.richAuthorizationRequests with the
// two types the rar peer plan uses, the policy hooks oidc-provider leaves to the deployment (grant
// the details as requested and consented, return them on the access token and at introspection),
// and resource indicators, which oidc-provider needs for authorization_details at the token
// endpoint; the resource server's tokens are opaque so that they can be introspected.
type Ctx = { oidc: { params: Record<string, unknown>; grant?: { rar?: unknown[] } } };
type Detail = Record<string, unknown>;

/** The one resource the rar profile's tokens are for. */
export const RAR_RESOURCE = 'urn:touchstone:rar-api';

const parse = (raw: unknown): Detail[] | undefined => (typeof raw === 'string' ? (JSON.parse(raw) as Detail[]) : undefined);

export function rar(): Record<string, Record<string, unknown>> {
  // §2: any object of these types is accepted as it is (no type-specific fields are required).
  const anyDetail = { async validate() {} };
  return {
    richAuthorizationRequests: {
      enabled: true,
      types: { payment_initiation: anyDetail, account_information: anyDetail },
      // What the code (or device code) stands for: what the End-User consented to, else what was asked.
      authorizationDetailsForGrantSource(ctx: Ctx) {
        return ctx.oidc.grant?.rar ?? parse(ctx.oidc.params.authorization_details);
      },
      // §7: the access token carries the details of its source (code), or those of the token request.
      authorizationDetailsForAccessToken(ctx: Ctx, _token: unknown, source: { rar?: Detail[] } | undefined) {
        return source?.rar ?? parse(ctx.oidc.params.authorization_details);
      },
      // §9.2: introspection returns the token's details unfiltered.
      authorizationDetailsForIntrospection(_ctx: Ctx, token: { rar?: Detail[] }) {
        return token.rar;
      },
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RAR_RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: 'api:read', accessTokenFormat: 'opaque' }),
    },
    pushedAuthorizationRequests: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
  };
}
