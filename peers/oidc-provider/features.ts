// oidc-provider feature blocks (`features.<name>`), one small function per concern, so each profile
// reads as the list of what it turns on.
import { randomBytes } from 'node:crypto';

type Features = Record<string, Record<string, unknown>>;

/** OpenID Connect front-channel: the claims parameter (OIDC Core §5.5) and RP-Initiated Logout 1.0. */
export function oidc(): Features {
  return {
    devInteractions: { enabled: true },
    claimsParameter: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  };
}

/** FAPI 2.0 Security Profile: PAR required, DPoP sender-constrained tokens. */
export function fapi2(): Features {
  return {
    ...oidc(),
    fapi: { enabled: true, profile: '2.0' },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true },
    dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => false },
    clientCredentials: { enabled: true },
    // FAPI 2.0 Message Signing (JAR at PAR, RFC 9101), which oidc-provider is certified with: request
    // objects by value only (v9 has no request_uri by reference besides PAR's own).
    requestObjects: { enabled: true },
    // FAPI 2.0 Message Signing §5.4: signed authorization responses (JARM).
    jwtResponseModes: { enabled: true },
    // FAPI 2.0 Message Signing §5.5: signed introspection responses (RFC 9701); a client learns
    // only about its own tokens (RFC 7662 §4).
    introspection: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) => token.clientId === client.clientId },
    jwtIntrospection: { enabled: true },
  };
}

/** JARM: response_mode jwt, query.jwt, fragment.jwt, form_post.jwt (signed authorization responses). */
export function jarm(): Features {
  return { jwtResponseModes: { enabled: true } };
}

export function clientCredentials(): Features {
  return { clientCredentials: { enabled: true } };
}

/** RFC 7662 introspection (with RFC 9701 JWT responses) and RFC 7009 revocation. */
export function introspectionRevocation(): Features {
  return {
    // RFC 7662 §4: a client learns only about its own tokens; any other answers active false.
    introspection: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) => token.clientId === client.clientId },
    jwtIntrospection: { enabled: true },
    revocation: { enabled: true },
  };
}

/** RFC 7591 registration behind a fixed initial access token, and RFC 7592 management. */
export function registration(initialAccessToken: string): Features {
  return {
    registration: { enabled: true, initialAccessToken },
    registrationManagement: { enabled: true, rotateRegistrationAccessToken: false },
  };
}

/** Request objects by value (RFC 9101) at /authorize and inside pushed requests (RFC 9126 §3). */
export function requestObjects(): Features {
  return { requestObjects: { enabled: true }, pushedAuthorizationRequests: { enabled: true } };
}

export function deviceFlow(): Features {
  return { deviceFlow: { enabled: true } };
}

/** DPoP (RFC 9449) without server nonces, for bearer-or-DPoP clients. */
export function dpop(): Features {
  return { dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => false } };
}
