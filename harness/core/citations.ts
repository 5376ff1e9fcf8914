// The typed registry of every requirement Touchstone checks or the reference provider enforces.
// A citation id names one rule: `<SPEC>-<section>[-<rule>]`. Checks, module `proves:` lists, plan
// `expected_failures` and the provider's fault catalog all refer to rules by these ids, so a typo
// is a type error in TypeScript and a validation error in YAML.

export type Level = 'MUST' | 'SHOULD' | 'MAY';

export interface Citation {
  id: string;
  spec: string;
  section: string;
  level: Level;
  /** The requirement in a sentence, close to the spec's own words. */
  text: string;
}

const defs = {
  // ---- RFC 6749, OAuth 2.0 ----
  'RFC6749-3.1.2.4': { spec: 'RFC 6749', section: '3.1.2.4', level: 'MUST', text: 'The authorization server MUST NOT automatically redirect the user-agent to an invalid, missing or mismatching redirection URI.' },
  'RFC6749-4.1.2-code-single-use': { spec: 'RFC 6749', section: '4.1.2', level: 'MUST', text: 'If an authorization code is used more than once, the authorization server MUST deny the request.' },
  'RFC6749-4.1.2-code-reuse-revokes': { spec: 'RFC 6749', section: '4.1.2', level: 'SHOULD', text: 'On authorization code reuse the authorization server SHOULD revoke all tokens previously issued based on that code.' },
  'RFC6749-4.1.2-code-expiry': { spec: 'RFC 6749', section: '4.1.2', level: 'MUST', text: 'The authorization code MUST expire shortly after it is issued.' },
  'RFC6749-4.1.2-state': { spec: 'RFC 6749', section: '4.1.2', level: 'MUST', text: 'state is REQUIRED in the authorization response if it was present in the request, with the exact value received.' },
  'RFC6749-4.1.2.1-error': { spec: 'RFC 6749', section: '4.1.2.1', level: 'MUST', text: 'When the request fails for a reason other than the redirection URI or client, the error is returned to the client on the redirection URI with an error code.' },
  'RFC6749-4.1.3-client-binding': { spec: 'RFC 6749', section: '4.1.3', level: 'MUST', text: 'The authorization server MUST ensure that the authorization code was issued to the authenticated client.' },
  'RFC6749-4.1.3-redirect-uri': { spec: 'RFC 6749', section: '4.1.3', level: 'MUST', text: 'If redirect_uri was in the authorization request, the token request MUST carry an identical value.' },
  'RFC6749-2.3.1-client-auth': { spec: 'RFC 6749', section: '2.3.1', level: 'MUST', text: 'The authorization server MUST authenticate confidential clients; wrong credentials are refused with invalid_client (section 5.2).' },
  'RFC6749-5.1-response': { spec: 'RFC 6749', section: '5.1', level: 'MUST', text: 'A successful token response is application/json with access_token and token_type (and expires_in RECOMMENDED).' },
  'RFC6749-5.1-no-store': { spec: 'RFC 6749', section: '5.1', level: 'MUST', text: 'Token responses MUST include Cache-Control: no-store.' },
  'RFC6749-5.2-error': { spec: 'RFC 6749', section: '5.2', level: 'MUST', text: 'Token endpoint errors are HTTP 400 (401 for invalid_client) JSON with a registered error code.' },

  'RFC6749-4.1.1-state-optional': { spec: 'RFC 6749', section: '4.1.1', level: 'MUST', text: 'state is RECOMMENDED, not required: an authorization request without state is served normally.' },
  'OIDCC-9-client-secret-post': { spec: 'OpenID Connect Core 1.0', section: '9', level: 'MUST', text: 'A client registered for client_secret_post authenticates with client_id and client_secret in the request body.' },
  'RPIL-2-hint-optional': { spec: 'OpenID Connect RP-Initiated Logout 1.0', section: '2', level: 'MUST', text: 'id_token_hint is RECOMMENDED, not required: a logout request without it is served (the OP asks the End-User to confirm).' },

  // ---- RFC 6750, bearer token usage ----
  'RFC6750-3-www-authenticate': { spec: 'RFC 6750', section: '3', level: 'MUST', text: 'A protected resource refusing a request includes a WWW-Authenticate header with the Bearer scheme (and error=invalid_token for bad tokens).' },
  'RFC6750-2.2-form-body': { spec: 'RFC 6750', section: '2.2', level: 'MAY', text: 'The access token may be sent as the access_token form-encoded body parameter.' },

  // ---- RFC 7636, PKCE ----
  'RFC7636-4.4.1-required': { spec: 'RFC 7636', section: '4.4.1', level: 'MUST', text: 'A server requiring PKCE MUST answer a request without code_challenge with error=invalid_request.' },
  'RFC7636-4.6-verify': { spec: 'RFC 7636', section: '4.6', level: 'MUST', text: 'The server MUST verify code_verifier against code_challenge and answer invalid_grant when they do not match.' },
  'FAPI2SP-5.3.2.2-pkce-s256': { spec: 'FAPI 2.0 Security Profile', section: '5.3.2.2', level: 'MUST', text: 'The authorization server shall require PKCE with S256 as the code challenge method; plain is refused.' },

  // ---- RFC 9207, iss in the authorization response ----
  'RFC9207-2-iss': { spec: 'RFC 9207', section: '2', level: 'MUST', text: 'The authorization response carries iss, exactly the issuer identifier of the authorization server.' },
  'RFC9207-3-metadata': { spec: 'RFC 9207', section: '3', level: 'SHOULD', text: 'Discovery advertises authorization_response_iss_parameter_supported: true.' },

  // ---- OpenID Connect Core 1.0 ----
  'OIDCC-3.1.2.1-redirect-uri': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'redirect_uri MUST exactly match one of the client\'s pre-registered redirection URIs.' },
  'OIDCC-3.1.3.3-token-response': { spec: 'OpenID Connect Core 1.0', section: '3.1.3.3', level: 'MUST', text: 'A successful token response for an openid request carries an id_token.' },
  'OIDCC-3.1.3.7-signature': { spec: 'OpenID Connect Core 1.0', section: '3.1.3.7 (6)', level: 'MUST', text: 'The ID Token signature verifies with a key from the issuer\'s JWKS, with the alg the client registered.' },
  'OIDCC-3.1.3.7-iss': { spec: 'OpenID Connect Core 1.0', section: '3.1.3.7 (2)', level: 'MUST', text: 'The ID Token iss exactly matches the issuer from discovery.' },
  'OIDCC-3.1.3.7-aud': { spec: 'OpenID Connect Core 1.0', section: '3.1.3.7 (3)', level: 'MUST', text: 'The ID Token aud contains the client_id; azp is the client when present.' },
  'OIDCC-3.1.3.7-exp': { spec: 'OpenID Connect Core 1.0', section: '3.1.3.7 (9)', level: 'MUST', text: 'The current time is before the ID Token exp.' },
  'OIDCC-3.1.3.7-iat': { spec: 'OpenID Connect Core 1.0', section: '3.1.3.7 (10)', level: 'MUST', text: 'The ID Token iat is a number close to the current time.' },
  'OIDCC-3.1.3.7-nonce': { spec: 'OpenID Connect Core 1.0', section: '3.1.3.7 (11)', level: 'MUST', text: 'The ID Token nonce equals the nonce sent in the authentication request.' },
  'OIDCC-3.1.3.8-at-hash': { spec: 'OpenID Connect Core 1.0', section: '3.1.3.8', level: 'MUST', text: 'When present, at_hash is the base64url left half of the hash of the access token, with the ID Token alg\'s hash.' },
  'OIDCC-2-claims': { spec: 'OpenID Connect Core 1.0', section: '2', level: 'MUST', text: 'The ID Token carries iss, sub, aud, exp and iat (and auth_time when requested).' },
  'OIDCC-5.3.1-userinfo-methods': { spec: 'OpenID Connect Core 1.0', section: '5.3.1', level: 'MUST', text: 'The UserInfo Endpoint MUST support HTTP GET and POST with the access token as a Bearer token.' },
  'OIDCC-5.3.2-userinfo-sub': { spec: 'OpenID Connect Core 1.0', section: '5.3.2', level: 'MUST', text: 'The UserInfo sub MUST exactly match the ID Token sub.' },

  // ---- OpenID Connect Discovery 1.0, RFC 8414 ----
  'OIDD-3-metadata': { spec: 'OpenID Connect Discovery 1.0', section: '3', level: 'MUST', text: 'Provider metadata carries the REQUIRED members with the right types.' },
  'OIDD-4.3-issuer': { spec: 'OpenID Connect Discovery 1.0', section: '4.3', level: 'MUST', text: 'The issuer in the metadata MUST be identical to the issuer URL the metadata was fetched from.' },
  'RFC8414-3-alias': { spec: 'RFC 8414', section: '3', level: 'SHOULD', text: 'Authorization server metadata is served at /.well-known/oauth-authorization-server with the same issuer.' },

  // ---- JWKS (RFC 7517) ----
  'RFC7517-5-jwks': { spec: 'RFC 7517', section: '5', level: 'MUST', text: 'The JWK Set is a JSON object with a keys array of JWKs, each with kty.' },
  'RFC7517-4.5-unique-kid': { spec: 'RFC 7517', section: '4.5', level: 'SHOULD', text: 'Keys in a JWK Set use distinct kid values so a kid selects one key.' },
  'RFC7517-9.2-no-private': { spec: 'RFC 7517', section: '9.2', level: 'MUST', text: 'A published JWK Set contains public keys only: no private members (d, p, q, dp, dq, qi, oth, k).' },

  // ---- OpenID Connect RP-Initiated Logout 1.0 ----
  'RPIL-2.1-metadata': { spec: 'OpenID Connect RP-Initiated Logout 1.0', section: '2.1', level: 'MUST', text: 'Discovery carries end_session_endpoint.' },
  'RPIL-2-id-token-hint': { spec: 'OpenID Connect RP-Initiated Logout 1.0', section: '2', level: 'MUST', text: 'The OP validates id_token_hint (an ID Token it issued, signature valid) and does not act on an invalid one.' },
  'RPIL-3-registered-redirect': { spec: 'OpenID Connect RP-Initiated Logout 1.0', section: '3', level: 'MUST', text: 'The OP redirects only to a post_logout_redirect_uri exactly matching one registered for the client identified by id_token_hint or client_id.' },
  'RPIL-3-state': { spec: 'OpenID Connect RP-Initiated Logout 1.0', section: '3', level: 'MUST', text: 'When redirecting after logout, the OP passes state back exactly as received.' },
  'RPIL-2-session-ends': { spec: 'OpenID Connect RP-Initiated Logout 1.0', section: '2', level: 'MUST', text: 'After a confirmed logout the End-User\'s session at the OP is over: prompt=none then fails with login_required.' },
  // ---- added by checks
  'RFC6749-4.1.2-code': { spec: 'RFC 6749', section: '4.1.2', level: 'MUST', text: 'A successful authorization response carries code, the authorization code generated by the authorization server.' },
  'OIDCC-5.3.2-userinfo-response': { spec: 'OpenID Connect Core 1.0', section: '5.3.2', level: 'MUST', text: 'A successful UserInfo response is HTTP 200 application/json (unless a signed or encrypted response was registered) and always carries sub.' },
  // ---- OIDC Core basic (harness side, issue 3)
  'OIDCC-3.1.2.1-response-type': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'response_type is REQUIRED; a request without it is refused with an error.' },
  'OIDCC-3.1.2.1-nonce-optional': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'nonce is OPTIONAL in the code flow: a request without it succeeds and the ID Token carries no nonce.' },
  'OIDCC-3.1.2.1-optional-params': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'display, ui_locales, claims_locales, login_hint, acr_values and unknown parameters are accepted (unknown ones ignored); the request succeeds.' },
  'OIDCC-3.1.2.1-post': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'The Authorization Endpoint supports HTTP POST with form-encoded parameters.' },
  'OIDCC-3.1.2.1-prompt-login': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'prompt=login: the OP re-authenticates the End-User (the login page is shown again) and auth_time moves forward.' },
  'OIDCC-3.1.2.1-prompt-none': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'prompt=none: no UI; with a session the request succeeds, without one it fails with login_required.' },
  'OIDCC-3.1.2.1-max-age': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'max_age: when the last authentication is older, the OP re-authenticates; the ID Token then carries auth_time.' },
  'OIDCC-3.1.2.1-id-token-hint': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'id_token_hint naming the logged-in End-User is accepted with prompt=none.' },
  'OIDCC-6-request-object': { spec: 'OpenID Connect Core 1.0', section: '6', level: 'MUST', text: 'request / request_uri are either supported correctly or refused with request_not_supported / request_uri_not_supported.' },
  'OIDCC-5.4-scope-claims': { spec: 'OpenID Connect Core 1.0', section: '5.4', level: 'SHOULD', text: 'The profile, email, address and phone scopes return their standard claims (when the End-User has them).' },
  'OIDCC-5.5.1-essential': { spec: 'OpenID Connect Core 1.0', section: '5.5.1', level: 'SHOULD', text: 'Claims requested as essential through the claims parameter are returned.' },
  'OIDCC-2-auth-time': { spec: 'OpenID Connect Core 1.0', section: '2', level: 'MUST', text: 'auth_time is present in the ID Token when max_age was requested (or auth_time was requested as essential).' },
  'OIDCC-12-refresh': { spec: 'OpenID Connect Core 1.0', section: '12', level: 'MUST', text: 'A refresh token from an offline_access grant obtains new tokens at the token endpoint.' },
  'RFC9700-4.14.2-rotation': { spec: 'RFC 9700', section: '4.14.2', level: 'MUST', text: 'Refresh tokens rotate: each refresh issues a new refresh token and the previous one is refused.' },
  'RFC9700-4.14.2-reuse-revokes': { spec: 'RFC 9700', section: '4.14.2', level: 'MUST', text: 'Reuse of a rotated-out refresh token revokes the active refresh token of the grant.' },
  'RFC6749-6-client-binding': { spec: 'RFC 6749', section: '6', level: 'MUST', text: 'A refresh token is bound to the client it was issued to; another client is refused.' },
  'RFC6749-6-client-auth': { spec: 'RFC 6749', section: '6', level: 'MUST', text: 'A confidential client must authenticate to use a refresh token.' },
  'OIDCC-10.1.1-rotation': { spec: 'OpenID Connect Core 1.0', section: '10.1.1', level: 'MUST', text: 'A new signing key is published in the JWKS before it is used; a relying party refetches the JWKS on an unknown kid.' },
  // ---- OIDC Core basic (issue 3)
  'OIDCC-11-offline-access-consent': { spec: 'OpenID Connect Core 1.0', section: '11', level: 'MUST', text: 'The OP MUST always obtain consent to returning a Refresh Token that enables offline access; without it (e.g. prompt=none on a remembered consent) offline_access is ignored and no refresh token is issued.' },
  'RFC9700-4.14.2-rotated-refused': { spec: 'RFC 9700', section: '4.14.2', level: 'MUST', text: 'A refresh token that was rotated out (already used once) is refused with invalid_grant; only the newest refresh token of the grant works.' },
  'OIDCC-3.1.2.1-id-token-hint-other-user': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'If the End-User identified by id_token_hint is not the one logged in, the OP does not answer for the logged-in End-User: prompt=none fails with login_required.' },
} as const satisfies Record<string, Omit<Citation, 'id'>>;

export type CitationId = keyof typeof defs;

export const CITATIONS: Readonly<Record<CitationId, Citation>> = Object.fromEntries(
  Object.entries(defs).map(([id, c]) => [id, { id, ...c }]),
) as Record<CitationId, Citation>;

export function isCitationId(id: string): id is CitationId {
  return Object.hasOwn(CITATIONS, id);
}

export function cite(id: CitationId): Citation {
  return CITATIONS[id];
}

/** "RFC 7636 §4.6 (MUST)": how a citation reads in a report line. */
export function formatCitation(c: Citation): string {
  return `${c.spec} §${c.section} (${c.level})`;
}
