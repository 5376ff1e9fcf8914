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
  'RFC6749-4.1.2-code-race': { spec: 'RFC 6749', section: '4.1.2', level: 'MUST', text: 'An authorization code is single-use also under concurrency: of several token requests redeeming it at once, exactly one gets tokens.' },
  'RFC6749-4.1.2-code-single-use': { spec: 'RFC 6749', section: '4.1.2', level: 'MUST', text: 'If an authorization code is used more than once, the authorization server MUST deny the request.' },
  'RFC6749-4.1.2-code-reuse-revokes': { spec: 'RFC 6749', section: '4.1.2', level: 'SHOULD', text: 'On authorization code reuse the authorization server SHOULD revoke all tokens previously issued based on that code.' },
  'RFC6749-4.1.2-code-expiry': { spec: 'RFC 6749', section: '4.1.2', level: 'MUST', text: 'The authorization code MUST expire shortly after it is issued.' },
  'RFC6749-4.1.2-state': { spec: 'RFC 6749', section: '4.1.2', level: 'MUST', text: 'state is REQUIRED in the authorization response if it was present in the request, with the exact value received.' },
  'RFC6749-4.1.2.1-error': { spec: 'RFC 6749', section: '4.1.2.1', level: 'MUST', text: 'When the request fails for a reason other than the redirection URI or client, the error is returned to the client on the redirection URI with an error code.' },
  'RFC6749-4.1.3-client-binding': { spec: 'RFC 6749', section: '4.1.3', level: 'MUST', text: 'The authorization server MUST ensure that the authorization code was issued to the authenticated client.' },
  'RFC6749-4.1.3-redirect-uri': { spec: 'RFC 6749', section: '4.1.3', level: 'MUST', text: 'If redirect_uri was in the authorization request, the token request MUST carry an identical value.' },
  'RFC6749-2.3.1-client-auth': { spec: 'RFC 6749', section: '2.3.1', level: 'MUST', text: 'The authorization server MUST authenticate confidential clients; wrong credentials are refused with invalid_client (section 5.2).' },
  'RFC6749-3.2-post': { spec: 'RFC 6749', section: '3.2', level: 'SHOULD', text: 'The client MUST use the HTTP POST method when making access token requests. The MUST binds the client; a token endpoint that serves GET invites codes and credentials into URLs and logs, so refusing GET is judged a SHOULD (a served GET warns).' },
  'RFC6749-2.3.1-not-in-uri': { spec: 'RFC 6749', section: '2.3.1', level: 'SHOULD', text: 'Client credentials can only be transmitted in the request-body and MUST NOT be included in the request URI. The MUST binds the client; a server that authenticates a client from credentials in the URI invites them into logs, so refusing them is judged a SHOULD (accepting them warns).' },
  'RFC6749-2.3.1-basic': { spec: 'RFC 6749', section: '2.3.1', level: 'MUST', text: 'The authorization server MUST support the HTTP Basic authentication scheme for authenticating clients that were issued a client password.' },
  'RFC6749-5.1-response': { spec: 'RFC 6749', section: '5.1', level: 'MUST', text: 'A successful token response is application/json with access_token and token_type (and expires_in RECOMMENDED).' },
  'RFC6749-5.1-no-store': { spec: 'RFC 6749', section: '5.1', level: 'MUST', text: 'Token responses MUST include Cache-Control: no-store.' },
  'RFC6749-5.2-error': { spec: 'RFC 6749', section: '5.2', level: 'MUST', text: 'Token endpoint errors are HTTP 400 (401 for invalid_client) JSON with a registered error code.' },

  'RFC6749-4.1.1-state-optional': { spec: 'RFC 6749', section: '4.1.1', level: 'MUST', text: 'state is RECOMMENDED, not required: an authorization request without state is served normally.' },
  'OIDCC-9-client-secret-post': { spec: 'OpenID Connect Core 1.0', section: '9', level: 'MUST', text: 'A client registered for client_secret_post authenticates with client_id and client_secret in the request body.' },
  // OpenID Connect Core §9: a client assertion's jti is REQUIRED and "these tokens MUST only be used
  // once" (the MUST is on the token's use); RFC 7523 §3 item 7: the server MAY keep used jtis until
  // exp. Judged SHOULD: an OP should not serve one assertion twice, concurrently or across instances.
  'OIDCC-9-assertion-jti-race': { spec: 'OpenID Connect Core 1.0', section: '9', level: 'SHOULD', text: 'A client assertion (private_key_jwt) is used once, also under concurrency and across instances: of several token requests carrying the same assertion (same jti) at once, at most one is served.' },
  'RPIL-2-hint-optional': { spec: 'OpenID Connect RP-Initiated Logout 1.0', section: '2', level: 'MUST', text: 'id_token_hint is RECOMMENDED, not required: a logout request without it is served (the OP asks the End-User to confirm).' },

  // ---- RFC 6750, bearer token usage ----
  'RFC6750-3-www-authenticate': { spec: 'RFC 6750', section: '3', level: 'MUST', text: 'A protected resource refuses a request without a usable access token (400, 401 or 403, §3.1) and includes a WWW-Authenticate header with the Bearer scheme (and error=invalid_token for bad tokens).' },
  'RFC6750-3.1-status': { spec: 'RFC 6750', section: '3.1', level: 'SHOULD', text: 'The refusal status follows the error code: invalid_request 400, invalid_token 401, insufficient_scope 403 (no error code, no credentials: 401).' },
  'RFC6750-2.2-form-body': { spec: 'RFC 6750', section: '2.2', level: 'MAY', text: 'The access token may be sent as the access_token form-encoded body parameter.' },
  'RFC6750-2.2-form-body-invalid-token': { spec: 'RFC 6750', section: '2.2, 3.1', level: 'MUST', text: 'A resource server that accepts the access token as a form body parameter validates it like a header token: an invalid one is refused with 401 and error="invalid_token", never treated as no token.' },
  'RFC6750-3.1-invalid-token': { spec: 'RFC 6750', section: '3.1', level: 'MUST', text: 'A malformed access token is refused with 401 and error="invalid_token"; it is never treated as no token at all.' },
  'RFC6750-3.1-no-token': { spec: 'RFC 6750', section: '3.1', level: 'MUST', text: 'A protected resource answers a request without any access token with 401 and a WWW-Authenticate challenge; it never serves it.' },
  // RFC 6750 §2.3: "Resource servers MAY support this method"; the SHOULD NOT (and RFC 9700 §4.3.2's
  // MUST NOT) bind the client. A served query token is information for a reviewer, never a failure.
  'RFC6750-2.3-query': { spec: 'RFC 6750', section: '2.3', level: 'MAY', text: 'A resource server may accept the access token as the access_token URI query parameter; clients SHOULD NOT send it there (logs, Referer, history), so refusing it is the safer choice and a served query token is reported.' },
  'RFC6750-5.3-short-lived': { spec: 'RFC 6750', section: '5.3', level: 'SHOULD', text: 'Token servers SHOULD issue short-lived (one hour or less) bearer tokens.' },

  // ---- RFC 9449, DPoP (issue 4) ----
  'RFC9449-4.3-single-header': { spec: 'RFC 9449', section: '4.3', level: 'MUST', text: 'There is not more than one DPoP HTTP request header field; a request with several is refused.' },
  'RFC9449-4.3-required-claims': { spec: 'RFC 9449', section: '4.3', level: 'MUST', text: 'All required claims of the DPoP proof are present (typ, alg, jwk; jti, htm, htu, iat); a proof missing one is refused.' },
  'RFC9449-4.3-typ': { spec: 'RFC 9449', section: '4.3', level: 'MUST', text: 'The typ JOSE header parameter of a DPoP proof has the value dpop+jwt.' },
  'RFC9449-4.3-alg': { spec: 'RFC 9449', section: '4.3', level: 'MUST', text: 'The alg of a DPoP proof is an asymmetric algorithm the server supports, not none and not a MAC (FAPI 2.0: PS256, ES256, EdDSA).' },
  'RFC9449-4.3-signature': { spec: 'RFC 9449', section: '4.3', level: 'MUST', text: 'The DPoP proof signature verifies with the public key in its jwk header.' },
  'RFC9449-4.3-public-jwk': { spec: 'RFC 9449', section: '4.3', level: 'MUST', text: 'The jwk header of a DPoP proof does not contain a private key.' },
  'RFC9449-4.3-htm': { spec: 'RFC 9449', section: '4.3', level: 'MUST', text: 'The htm claim matches the HTTP method of the request.' },
  'RFC9449-4.3-htu': { spec: 'RFC 9449', section: '4.3', level: 'MUST', text: 'The htu claim matches the HTTP URI of the request, ignoring query and fragment; a proof for another URI is refused.' },
  'RFC9449-4.3-htu-normalised': { spec: 'RFC 9449', section: '4.3', level: 'SHOULD', text: 'htu is compared after syntax- and scheme-based normalisation (RFC 3986 §6.2.2, §6.2.3), ignoring query and fragment: an equivalent htu is accepted.' },
  'RFC9449-4.2-extensible': { spec: 'RFC 9449', section: '4.2', level: 'MUST', text: 'A DPoP proof may carry other header parameters and claims; a proof that is otherwise valid is accepted.' },
  'RFC9449-4.3-iat': { spec: 'RFC 9449', section: '4.3', level: 'MUST', text: 'The iat of a DPoP proof is within an acceptable window; stale and future proofs are refused.' },
  'RFC9449-4.3-iat-window': { spec: 'RFC 9449', section: '4.3', level: 'SHOULD', text: 'Proofs within a reasonable window allowing for clock skew (the OIDF suite: iat 10 seconds before or after now) are accepted.' },
  // RFC 9449 §11.1: servers "can store" each proof's jti for its acceptance window, and a request whose
  // jti was seen "would be declined"; the RFC adds that this may not be feasible for several servers
  // without shared state. So a MAY, and FAPI 2.0 Security Profile (final) does not raise it: its
  // "DPoP Proof Replay" consideration lists jti replay prevention among "possible mitigations" that
  // "may not be necessary for many ecosystems". Modules proving it apply with the plan variant
  // dpop_jti_replay: refused (a declared OP that serves a replay then deviates: a warning).
  'RFC9449-11.1-jti-replay': { spec: 'RFC 9449', section: '11.1', level: 'MAY', text: 'A server may store the jti of each DPoP proof for the window in which the proof would be accepted, and decline a request to the same URI whose proof jti was seen before (replay).' },
  // The same MAY under concurrency: the race modules apply when the plan's instances variant says they share one store.
  'RFC9449-11.1-jti-race': { spec: 'RFC 9449', section: '11.1', level: 'MAY', text: 'A server that stores DPoP proof jtis declines a proof seen before also under concurrency (and across its instances): of several requests carrying one proof at once, at most one is served.' },
  'RFC9449-7.1-ath': { spec: 'RFC 9449', section: '7.1', level: 'MUST', text: 'At a protected resource the proof carries ath, the hash of the access token presented, and it matches.' },
  'RFC9449-7.1-key-binding': { spec: 'RFC 9449', section: '7.1', level: 'MUST', text: 'The public key of the DPoP proof matches the key the access token is bound to (cnf.jkt).' },
  'RFC9449-7.1-proof-required': { spec: 'RFC 9449', section: '7.1', level: 'MUST', text: 'A DPoP-bound access token is only accepted with a usable DPoP proof; no proof, or an unparseable one, is refused.' },
  'RFC9449-7.2-no-downgrade': { spec: 'RFC 9449', section: '7.2', level: 'MUST', text: 'A DPoP-bound access token sent with the Bearer scheme is refused.' },
  'RFC9449-7.1-challenge': { spec: 'RFC 9449', section: '7.1', level: 'MUST', text: 'A protected resource refusing a DPoP request answers 401 with a WWW-Authenticate challenge using the DPoP scheme (error, algs).' },
  'RFC9449-6-cnf-jkt': { spec: 'RFC 9449', section: '6', level: 'MUST', text: 'A token request with a valid DPoP proof gets token_type DPoP and an access token bound to the proof key (cnf.jkt = its JWK SHA-256 thumbprint).' },
  'RFC9449-5-refresh-bound': { spec: 'RFC 9449', section: '5', level: 'MUST', text: 'Refresh tokens issued to public clients with DPoP are bound to the proof key; a refresh with another key or without a proof is refused.' },
  'RFC9449-10-dpop-jkt': { spec: 'RFC 9449', section: '10', level: 'MUST', text: 'An authorization code requested with dpop_jkt is only redeemed with a DPoP proof of that key.' },
  // ---- RFC 8705, OAuth 2.0 Mutual-TLS Client Authentication and Certificate-Bound Access Tokens ----
  'RFC8705-2-certificate-required': { spec: 'RFC 8705', section: '2', level: 'MUST', text: 'A client registered for tls_client_auth or self_signed_tls_client_auth authenticates with the certificate of a mutual-TLS connection; a request without a client certificate is refused with invalid_client (RFC 6749 §5.2).' },
  'RFC8705-2.1-chain': { spec: 'RFC 8705', section: '2.1', level: 'MUST', text: 'tls_client_auth (PKI): the client certificate must chain to a trust anchor the authorization server trusts; one that does not (e.g. self-signed with the registered subject) is refused.' },
  'RFC8705-2.1.2-subject': { spec: 'RFC 8705', section: '2.1.2', level: 'MUST', text: 'tls_client_auth: the certificate must carry the subject value the client registered (tls_client_auth_subject_dn or one SAN entry); a trusted certificate with another subject is refused.' },
  'RFC8705-2.2-registered-certificate': { spec: 'RFC 8705', section: '2.2', level: 'MUST', text: 'self_signed_tls_client_auth: the certificate must be one the client registered (jwks / jwks_uri, x5c); any other certificate is refused.' },
  'RFC8705-3.1-x5t': { spec: 'RFC 8705', section: '3.1', level: 'SHOULD', text: 'A JWT access token bound to a client certificate carries the certificate\'s SHA-256 thumbprint as cnf.x5t#S256 (SHOULD); when it carries one, it is the thumbprint of the certificate of the token request.' },
  'RFC8705-3-resource-no-certificate': { spec: 'RFC 8705', section: '3', level: 'MUST', text: 'A protected resource obtains the client certificate used for mutual TLS: a certificate-bound access token on a connection without one is refused with 401 invalid_token (RFC 6750).' },
  'RFC8705-3-resource-other-certificate': { spec: 'RFC 8705', section: '3', level: 'MUST', text: 'A protected resource verifies that the client certificate matches the one the access token is bound to: with another certificate the request is refused with 401 invalid_token (RFC 6750).' },
  'RFC8705-3.2-introspection-cnf': { spec: 'RFC 8705', section: '3.2', level: 'SHOULD', text: 'The introspection response for a certificate-bound access token conveys the certificate hash as cnf.x5t#S256 (the section describes it without a BCP 14 keyword; judged SHOULD).' },
  'RFC8705-3.3-metadata': { spec: 'RFC 8705', section: '3.3', level: 'SHOULD', text: 'An authorization server that issues certificate-bound access tokens says so with tls_client_certificate_bound_access_tokens: true (omitted means false; judged SHOULD).' },
  'RFC8705-5-aliases': { spec: 'RFC 8705', section: '5', level: 'MUST', text: 'mtls_endpoint_aliases, when published (it is OPTIONAL), is a JSON object whose members are endpoint names with absolute https URLs.' },
  'FAPI2SP-5.3.2.1-mtls-bound': { spec: 'FAPI 2.0 Security Profile', section: '5.3.2.1', level: 'MUST', text: 'The authorization server shall only issue sender-constrained access tokens: a token request of a client with certificate-bound tokens made without a TLS client certificate is refused.' },
  'RFC9449-5.2-required': { spec: 'RFC 9449', section: '5.2', level: 'MUST', text: 'A client registered with dpop_bound_access_tokens gets every token request without a DPoP proof refused (FAPI 2.0 §5.3.2.1 sender-constrained tokens).' },
  'RFC9449-8-nonce': { spec: 'RFC 9449', section: '8', level: 'MUST', text: 'An authorization server requiring a nonce refuses a proof without a valid one with use_dpop_nonce and a fresh DPoP-Nonce header.' },
  'RFC9449-9-nonce': { spec: 'RFC 9449', section: '9', level: 'MUST', text: 'A resource server requiring a nonce answers 401 with WWW-Authenticate DPoP error="use_dpop_nonce" and a DPoP-Nonce header.' },
  'RFC9449-7.1-userinfo': { spec: 'RFC 9449', section: '7.1', level: 'MUST', text: 'A DPoP-bound access token works at UserInfo with the DPoP scheme and a valid proof.' },

  // ---- RFC 9068 / RFC 8725 / RFC 9728: protected resources (issue 7) ----
  'RFC9068-4-alg-none': { spec: 'RFC 9068', section: '4', level: 'MUST', text: 'The resource server rejects JWT access tokens with alg none (RFC 8725 §3.1).' },
  'RFC8725-3.1-alg-confusion': { spec: 'RFC 8725', section: '3.1', level: 'MUST', text: 'Each key is used with exactly one algorithm: a token MACed (HS256) with the issuer public key as secret is refused.' },
  'RFC9068-4-signature': { spec: 'RFC 9068', section: '4', level: 'MUST', text: 'The resource server validates the signature with the issuer keys; a token signed by another key or with a tampered payload is refused.' },
  'RFC9068-4-issuer-keys': { spec: 'RFC 9068', section: '4', level: 'MUST', text: 'Signature keys come from the issuer metadata jwks_uri only: an unknown kid is refused, never verified with a key the token supplies (RFC 8725 §3.10).' },
  'RFC9068-4-exp': { spec: 'RFC 9068', section: '4', level: 'MUST', text: 'An access token past exp (beyond the stated clock leeway) is refused.' },
  'RFC7519-4.1.5-nbf': { spec: 'RFC 7519', section: '4.1.5', level: 'MUST', text: 'A JWT before its nbf (beyond the stated clock leeway) is not accepted for processing.' },
  'RFC9068-4-aud': { spec: 'RFC 9068', section: '4', level: 'MUST', text: 'The resource server rejects an access token whose aud does not contain its own resource identifier (e.g. a token for another resource).' },
  'RFC9068-4-iss': { spec: 'RFC 9068', section: '4', level: 'MUST', text: 'The iss of the access token exactly matches the issuer identifier of the authorization server.' },
  'RFC9068-4-typ': { spec: 'RFC 9068', section: '4', level: 'MUST', text: 'The resource server verifies that the typ header is at+jwt (application/at+jwt) and rejects other types.' },
  'RFC9068-4-jwks-refresh': { spec: 'RFC 9068', section: '4', level: 'MUST', text: 'The resource server follows the issuer key rotation: a token signed by a newly published key is accepted within the declared JWKS refresh interval.' },
  'RFC9728-3.3-resource': { spec: 'RFC 9728', section: '3.3', level: 'MUST', text: 'The protected resource metadata resource value is identical to the resource identifier it was fetched for, and a valid token is served.' },

  // ---- RFC 7636, PKCE ----
  'RFC7636-4.4.1-required': { spec: 'RFC 7636', section: '4.4.1', level: 'MUST', text: 'A server requiring PKCE MUST answer a request without code_challenge with error=invalid_request.' },
  'RFC7636-4.6-verify': { spec: 'RFC 7636', section: '4.6', level: 'MUST', text: 'The server MUST verify code_verifier against code_challenge and answer invalid_grant when they do not match.' },
  'FAPI2SP-5.3.2.2-pkce-s256': { spec: 'FAPI 2.0 Security Profile', section: '5.3.2.2', level: 'MUST', text: 'The authorization server shall require PKCE with S256 as the code challenge method; plain is refused.' },

  // ---- PAR (RFC 9126), private_key_jwt (RFC 7523) and the FAPI 2.0 Security Profile (issue 4) ----
  'RFC9126-2-post': { spec: 'RFC 9126', section: '2', level: 'MUST', text: 'The client sends the pushed authorization request with HTTP POST; other methods are refused.' },
  'RFC9126-2.1-no-request-uri': { spec: 'RFC 9126', section: '2.1', level: 'MUST', text: 'The request_uri authorization request parameter MUST NOT be provided in a pushed authorization request.' },
  'RFC9126-2.1-no-duplicates': { spec: 'RFC 9126', section: '2.1', level: 'MUST', text: 'Request parameters MUST NOT be included more than once (RFC 6749 §3.1); a pushed request with a repeated parameter is refused.' },
  'RFC9126-2.2-response': { spec: 'RFC 9126', section: '2.2', level: 'MUST', text: 'A successful pushed authorization response is HTTP 201 application/json with request_uri and expires_in.' },
  'RFC9126-2.2-expiry': { spec: 'RFC 9126', section: '2.2', level: 'MUST', text: 'The request_uri is valid for expires_in seconds; after that the authorization server refuses it.' },
  'RFC9126-2.1-client-auth': { spec: 'RFC 9126', section: '2.1', level: 'MUST', text: 'The authorization server MUST authenticate the client at the PAR endpoint in the same way as at the token endpoint (RFC 6749 §2.3): a confidential client\'s pushed request without its credentials is refused.' },
  'RFC9126-4-client-binding': { spec: 'RFC 9126', section: '4', level: 'MUST', text: 'The authorization server MUST validate that the client_id of the authorization request matches the client that pushed the request_uri.' },
  'RFC9126-4-one-time-use': { spec: 'RFC 9126', section: '4', level: 'SHOULD', text: 'Authorization servers SHOULD treat request_uri values as one-time use (duplicates are tolerated until the authorization completes).' },
  'RFC9126-4-reuse-before-completion': { spec: 'RFC 9126', section: '4', level: 'MAY', text: 'An authorization server MAY allow a request_uri to be used again (a reload) while the authorization has not completed.' },
  'FAPI2SP-5.3.2.1-par-required': { spec: 'FAPI 2.0 Security Profile', section: '5.3.2.1', level: 'MUST', text: 'The authorization server shall require pushed authorization requests; an authorization request that does not use PAR is refused.' },
  'FAPI2SP-5.3.2.1-response-type-code': { spec: 'FAPI 2.0 Security Profile', section: '5.3.2.1', level: 'MUST', text: 'The authorization server shall only support the authorization code grant: response_type code; code id_token and token are refused.' },
  'FAPI2SP-5.3.2.1-aud-array': { spec: 'FAPI 2.0 Security Profile', section: '5.3.2.1', level: 'MUST', text: 'The authorization server shall only accept its issuer identifier as a single string in the aud claim of client assertions: an array is refused.' },
  'FAPI2SP-5.3.2.1-aud-token-endpoint': { spec: 'FAPI 2.0 Security Profile', section: '5.3.2.1', level: 'MUST', text: 'The authorization server shall only accept its issuer identifier as the aud of client assertions: the token endpoint URL is refused.' },
  'FAPI2SP-5.3.2.1-aud-par-endpoint': { spec: 'FAPI 2.0 Security Profile', section: '5.3.2.1', level: 'MUST', text: 'The authorization server shall only accept its issuer identifier as the aud of client assertions: the PAR endpoint URL is refused.' },
  'FAPI2SP-5.3.2.1-nbf-skew': { spec: 'FAPI 2.0 Security Profile', section: '5.3.2.1', level: 'MUST', text: 'To accommodate clock offsets the authorization server shall accept JWTs with an iat or nbf up to 10 seconds in the future.' },
  'FAPI2SP-5.3.2.1-nbf-future': { spec: 'FAPI 2.0 Security Profile', section: '5.3.2.1', level: 'MUST', text: 'The authorization server shall reject JWTs with an iat or nbf more than 60 seconds in the future.' },
  'FAPI2SP-5.4.1-algs': { spec: 'FAPI 2.0 Security Profile', section: '5.4.1', level: 'MUST', text: 'Only PS256, ES256 and EdDSA are used for signatures: a client assertion signed with RS256 is refused.' },
  'FAPI2SP-5.3.2.1-client-auth': { spec: 'FAPI 2.0 Security Profile', section: '5.3.2.1', level: 'MUST', text: 'Confidential clients authenticate at the token endpoint with private_key_jwt (or mTLS); a token request without a client assertion is refused.' },
  'RFC7523-3-aud': { spec: 'RFC 7523', section: '3', level: 'MUST', text: 'The JWT MUST contain an aud claim identifying the authorization server; a JWT with another audience MUST be rejected.' },
  'RFC7523-3-exp': { spec: 'RFC 7523', section: '3', level: 'MUST', text: 'The JWT MUST contain an exp claim; the authorization server MUST reject a JWT that has expired.' },
  'RFC7523-3-sub': { spec: 'RFC 7523', section: '3', level: 'MUST', text: 'The JWT MUST contain a sub claim, the client_id of the OAuth client; an assertion without sub is rejected.' },
  'RFC7523-3-iss': { spec: 'RFC 7523', section: '3', level: 'MUST', text: 'The JWT MUST contain an iss claim (for client authentication, the client_id); a JWT that does not meet the section 3 criteria is refused (section 3.2: invalid_client).' },
  'RFC7523-3-signed': { spec: 'RFC 7523', section: '3', level: 'MUST', text: 'The JWT MUST be digitally signed or have a MAC applied by the issuer: an unsecured JWT (alg none) does not meet the section 3 criteria and is refused (section 3.2: invalid_client).' },
  'RFC7523-3-signature': { spec: 'RFC 7523', section: '3', level: 'MUST', text: 'The authorization server MUST reject JWTs with an invalid signature or MAC.' },
  'OIDCC-3.1.2.1-redirect-uri-required': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'redirect_uri is REQUIRED in an authentication request (also when it is pushed, RFC 9126 §2.1); a request without it is refused.' },
  'RFC6749-4.1.2.1-access-denied': { spec: 'RFC 6749', section: '4.1.2.1', level: 'MUST', text: 'When the resource owner denies the access request, the authorization server informs the client by redirecting with error=access_denied.' },
  'RFC9110-11.1-scheme-case': { spec: 'RFC 9110', section: '11.1', level: 'MUST', text: 'The authentication scheme is case-insensitive: a resource accepts "dpop" or "DPOP" like "DPoP" (FAPI 2.0 token type case).' },
  'FAPI2SP-5.3.2.1-metadata': { spec: 'FAPI 2.0 Security Profile', section: '5.3.2.1', level: 'MUST', text: 'The metadata of a FAPI 2.0 authorization server advertises the PAR endpoint as required, iss in authorization responses, response_type code, S256, and only PS256 / ES256 / EdDSA.' },
  'RFC7521-4.2-client-id': { spec: 'RFC 7521', section: '4.2', level: 'MUST', text: 'A client_id sent with a client assertion MUST identify the same client as the assertion; a mismatch is refused.' },

  // ---- RFC 9207, iss in the authorization response ----
  'RFC9207-2-iss': { spec: 'RFC 9207', section: '2', level: 'MUST', text: 'The authorization response carries iss, exactly the issuer identifier of the authorization server.' },
  'RFC9207-3-metadata': { spec: 'RFC 9207', section: '3', level: 'SHOULD', text: 'Discovery advertises authorization_response_iss_parameter_supported: true.' },

  // ---- OpenID Connect Core 1.0 ----
  'OIDCC-3.1.2.1-redirect-uri': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'redirect_uri MUST exactly match one of the client\'s pre-registered redirection URIs.' },
  'OIDCC-3.1.3.3-token-response': { spec: 'OpenID Connect Core 1.0', section: '3.1.3.3', level: 'MUST', text: 'A successful token response for an openid request carries an id_token.' },
  'OIDCC-3.1.3.7-signature': { spec: 'OpenID Connect Core 1.0', section: '3.1.3.7 (6)', level: 'MUST', text: 'The ID Token signature verifies with a key from the issuer\'s JWKS, with the alg the client registered.' },
  'OIDCC-3.1.3.7-mac': { spec: 'OpenID Connect Core 1.0', section: '3.1.3.7 (8), 10.1', level: 'MUST', text: 'An ID Token with a MAC alg (HS256, HS384, HS512) verifies with the octets of the UTF-8 representation of the client_secret as the key.' },
  'OIDCC-16.19-secret-length': { spec: 'OpenID Connect Core 1.0', section: '16.19', level: 'MUST', text: 'A client_secret used as a MAC key contains at least the octets the algorithm needs (HS256: 32, HS384: 48, HS512: 64; RFC 7518 §3.2).' },
  'OIDCC-3.1.3.7-iss': { spec: 'OpenID Connect Core 1.0', section: '3.1.3.7 (2)', level: 'MUST', text: 'The ID Token iss exactly matches the issuer from discovery.' },
  'OIDCC-3.1.3.7-aud': { spec: 'OpenID Connect Core 1.0', section: '3.1.3.7 (3)', level: 'MUST', text: 'The ID Token aud contains the client_id.' },
  'OIDCC-3.1.3.7-azp': { spec: 'OpenID Connect Core 1.0', section: '3.1.3.7 (4), (5)', level: 'SHOULD', text: 'With several audiences an azp Claim is present; when azp is present it is the client_id.' },
  'OIDCC-3.1.3.7-exp': { spec: 'OpenID Connect Core 1.0', section: '3.1.3.7 (9)', level: 'MUST', text: 'The current time is before the ID Token exp.' },
  'OIDCC-3.1.3.7-iat': { spec: 'OpenID Connect Core 1.0', section: '3.1.3.7 (10)', level: 'MUST', text: 'The ID Token iat is a number of seconds, the time it was issued: not in the future (beyond clock skew).' },
  'OIDCC-3.1.3.7-iat-window': { spec: 'OpenID Connect Core 1.0', section: '3.1.3.7 (10)', level: 'SHOULD', text: 'The iat is within the client\'s acceptable range of the current time (client specific; 600 s by default).' },
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
  'RPIL-2-session-ends': { spec: 'OpenID Connect RP-Initiated Logout 1.0', section: '2', level: 'MUST', text: 'After a confirmed logout the End-User\'s session at the OP is over: prompt=none then fails with login_required (or interaction_required).' },
  // ---- added by checks
  'RFC6749-4.1.2-code': { spec: 'RFC 6749', section: '4.1.2', level: 'MUST', text: 'A successful authorization response carries code, the authorization code generated by the authorization server.' },
  'OIDCC-5.3.2-userinfo-response': { spec: 'OpenID Connect Core 1.0', section: '5.3.2', level: 'MUST', text: 'A successful UserInfo response is HTTP 200 application/json (unless a signed or encrypted response was registered) and always carries sub.' },
  // ---- OIDC Core basic (harness side, issue 3)
  'OIDCC-3.1.2.1-response-type': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'response_type is REQUIRED; a request without it is refused with an error.' },
  'OIDCC-3.1.2.1-nonce-optional': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'nonce is OPTIONAL in the code flow: a request without it succeeds and the ID Token carries no nonce.' },
  'OIDCC-3.1.2.1-optional-params': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'display, ui_locales, claims_locales, login_hint, acr_values and unknown parameters are accepted (unknown ones ignored); the request succeeds.' },
  'OIDCC-3.1.2.1-post': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'The Authorization Endpoint supports HTTP POST with form-encoded parameters.' },
  'OIDCC-3.1.2.1-prompt-login': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'prompt=login: the OP re-authenticates the End-User (the login page is shown again) and auth_time moves forward.' },
  'OIDCC-3.1.2.1-prompt-none': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'prompt=none: no UI; with a session the request succeeds, without one it fails with an error such as login_required or interaction_required (§3.1.2.6).' },
  'OIDCC-3.1.2.1-max-age': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'max_age: when the last authentication is older, the OP re-authenticates; the ID Token then carries auth_time.' },
  'OIDCC-3.1.2.1-id-token-hint': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'id_token_hint naming the logged-in End-User is accepted with prompt=none.' },
  'OIDCC-6-request-object': { spec: 'OpenID Connect Core 1.0', section: '6', level: 'MUST', text: 'request / request_uri are either supported correctly or refused with request_not_supported / request_uri_not_supported.' },
  // ---- RFC 9101 (JAR) and FAPI 2.0 Message Signing §5.3.2 (signed authorization requests) ----
  'RFC9101-6.2-signature': { spec: 'RFC 9101', section: '6.2', level: 'MUST', text: 'The authorization server MUST validate the signature of a signed request object with the client\'s registered keys: a bad signature, another client\'s key, or alg none (unless the client registered request_object_signing_alg none, OIDC Core §6.1) is refused.' },
  'RFC9101-6.3-client-id': { spec: 'RFC 9101', section: '6.3', level: 'MUST', text: 'The client ID values in the client_id request parameter and in the request object client_id claim MUST be identical: a request object naming another client is refused.' },
  'RFC9101-6.3-request-only': { spec: 'RFC 9101', section: '6.3', level: 'MUST', text: 'The authorization server MUST only use the parameters in the request object, even if the same parameter is provided outside it.' },
  'RFC9101-10.5-require-signed': { spec: 'RFC 9101', section: '10.5', level: 'MUST', text: 'For a client registered with require_signed_request_object true, the authorization server MUST reject authorization requests that do not carry a signed request object.' },
  'RFC9101-10.5-metadata': { spec: 'RFC 9101', section: '10.5', level: 'SHOULD', text: 'An authorization server that takes request objects says so in its metadata: request_parameter_supported true and the request_object_signing_alg_values_supported it verifies.' },
  'FAPI2MS-5.3.2-aud': { spec: 'FAPI 2.0 Message Signing', section: '5.3.2', level: 'MUST', text: 'The authorization server shall require the request object\'s aud to be, or to be an array containing, its issuer identifier.' },
  'FAPI2SP-5.4.1-request-object-algs': { spec: 'FAPI 2.0 Security Profile', section: '5.4.1', level: 'MUST', text: 'Only PS256, ES256 and EdDSA are used for signatures: a request object signed with RS256 is refused.' },
  'FAPI2SP-5.3.2.1-request-object-nbf-skew': { spec: 'FAPI 2.0 Security Profile', section: '5.3.2.1', level: 'MUST', text: 'To accommodate clock offsets the authorization server shall accept JWTs, request objects among them, with an iat or nbf up to 10 seconds in the future.' },
  'FAPI2MS-5.3.2-lifetime': { spec: 'FAPI 2.0 Message Signing', section: '5.3.2', level: 'MUST', text: 'The authorization server shall require exp and nbf in the request object, exp no more than 60 minutes after nbf, and nbf no more than 60 minutes in the past.' },
  'OIDCC-5.4-scope-claims': { spec: 'OpenID Connect Core 1.0', section: '5.4', level: 'SHOULD', text: 'The profile, email, address and phone scopes return their standard claims (when the End-User has them).' },
  'OIDCC-5.5.1-essential': { spec: 'OpenID Connect Core 1.0', section: '5.5.1', level: 'SHOULD', text: 'Claims requested as essential through the claims parameter are returned.' },
  'OIDCC-2-auth-time': { spec: 'OpenID Connect Core 1.0', section: '2', level: 'MUST', text: 'auth_time is present in the ID Token when max_age was requested (or auth_time was requested as essential).' },
  'OIDCC-12.2-refresh-nonce': { spec: 'OpenID Connect Core 1.0', section: '12.2', level: 'MUST', text: 'A refreshed ID Token that has a nonce Claim carries the nonce of the ID Token issued at the original authentication.' },
  'OIDCC-12.2-refresh-no-nonce': { spec: 'OpenID Connect Core 1.0', section: '12.2', level: 'SHOULD', text: 'A refreshed ID Token SHOULD NOT have a nonce Claim.' },
  'OIDCC-12-refresh': { spec: 'OpenID Connect Core 1.0', section: '12', level: 'MUST', text: 'A refresh token from an offline_access grant obtains new tokens at the token endpoint.' },
  'RFC9700-4.14.2-rotation': { spec: 'RFC 9700', section: '4.14.2', level: 'MUST', text: 'For public clients whose refresh tokens are not sender-constrained, refresh tokens rotate: each refresh issues a new refresh token and the previous one is refused.' },
  'RFC9700-4.14.2-rotation-optional': { spec: 'RFC 9700', section: '4.14.2', level: 'MAY', text: 'For confidential clients, or sender-constrained refresh tokens, the authorization server may rotate refresh tokens; it is not required to.' },
  'RFC9700-4.14.2-reuse-revokes': { spec: 'RFC 9700', section: '4.14.2', level: 'MUST', text: 'With rotation (a public client\'s unconstrained refresh token), reuse of a rotated-out refresh token revokes the active refresh token of the grant.' },
  'RFC6749-6-client-binding': { spec: 'RFC 6749', section: '6', level: 'MUST', text: 'A refresh token is bound to the client it was issued to; another client is refused.' },
  'RFC6749-6-client-auth': { spec: 'RFC 6749', section: '6', level: 'MUST', text: 'A confidential client must authenticate to use a refresh token.' },
  'OIDCC-10.1.1-rotation': { spec: 'OpenID Connect Core 1.0', section: '10.1.1', level: 'MUST', text: 'A new signing key is published in the JWKS before it is used; a relying party refetches the JWKS on an unknown kid.' },
  // ---- OIDC Core basic (issue 3)
  'OIDCC-11-offline-access-consent': { spec: 'OpenID Connect Core 1.0', section: '11', level: 'MUST', text: 'The OP MUST always obtain consent to returning a Refresh Token that enables offline access; without it (e.g. prompt=none on a remembered consent) offline_access is ignored and no refresh token is issued.' },
  'RFC9700-4.14.2-refresh-race': { spec: 'RFC 9700', section: '4.14.2', level: 'MUST', text: 'Refresh token rotation (a public client\'s unconstrained refresh token) holds under concurrency: of several refresh requests presenting the same refresh token at once, exactly one is served.' },
  'RFC9700-4.14.2-rotated-refused': { spec: 'RFC 9700', section: '4.14.2', level: 'MUST', text: 'With rotation (a public client\'s unconstrained refresh token), a refresh token that was rotated out (already used once) is refused with invalid_grant; only the newest refresh token of the grant works.' },
  'OIDCC-3.1.2.1-id-token-hint-other-user': { spec: 'OpenID Connect Core 1.0', section: '3.1.2.1', level: 'MUST', text: 'If the End-User identified by id_token_hint is not the one logged in, the OP does not answer for the logged-in End-User: prompt=none fails with an error (login_required, interaction_required or account_selection_required).' },
  // ---- Back-channel grants and token management (issue 5: client credentials, password, RFC 7009, RFC 7662, RFC 9701, RFC 7591/7592)
  'RFC6749-4.4-confidential': { spec: 'RFC 6749', section: '4.4', level: 'MUST', text: 'The client credentials grant type MUST only be used by confidential clients; a public client is refused.' },
  'RFC6749-4.4.3-no-refresh': { spec: 'RFC 6749', section: '4.4.3', level: 'SHOULD', text: 'A client credentials access token response SHOULD NOT include a refresh token.' },
  'RFC6749-4.4-token': { spec: 'RFC 6749', section: '4.4.2', level: 'MUST', text: 'A confidential client registered for client_credentials, authenticating at the token endpoint, receives an access token (section 5.1).' },
  'RFC6749-5.2-unauthorized-client': { spec: 'RFC 6749', section: '5.2', level: 'MUST', text: 'A client not authorized to use a grant type (not registered for it) is refused with unauthorized_client.' },
  'RFC6749-3.3-scope': { spec: 'RFC 6749', section: '3.3', level: 'MUST', text: 'A requested scope beyond what the client may be granted is refused with invalid_scope (section 5.2) or left out of the grant, which the scope response parameter then names; never issued.' },
  'RFC9700-2.4-no-password-grant': { spec: 'RFC 9700', section: '2.4', level: 'MUST', text: 'The resource owner password credentials grant MUST NOT be used: an authorization server refuses it (unsupported_grant_type, or unauthorized_client for the client; RFC 6749 §5.2).' },
  'RFC7009-2.1-client-auth': { spec: 'RFC 7009', section: '2.1', level: 'MUST', text: 'The revocation endpoint requires client authentication for confidential clients; unauthenticated requests are refused (invalid_client).' },
  'RFC7009-2.1-revokes': { spec: 'RFC 7009', section: '2.1', level: 'MUST', text: 'After a successful revocation the token is invalid: it no longer works at the resource and introspects as inactive.' },
  'RFC7009-2.1-grant': { spec: 'RFC 7009', section: '2.1', level: 'SHOULD', text: 'Revoking a refresh token SHOULD also invalidate the access tokens of the same authorization grant.' },
  'RFC7009-2.1-access-revokes-refresh': { spec: 'RFC 7009', section: '2.1 (RFC 6749 §5.1, §5.2)', level: 'MUST', text: 'After an access token is revoked, its refresh token is either kept or revoked too (RFC 7009 §2.1: the server MAY revoke it): both pass and the finding reports which; the refresh request is answered with tokens (§5.1) or a token error (§5.2).' },
  'RFC6749-4.1.3-code-after-refusal': { spec: 'RFC 6749', section: '4.1.3, 5.1, 5.2', level: 'MUST', text: 'RFC 6749 does not say what a refused token request does to its code: kept for a correct request or spent both pass and the finding reports which; the correct request is answered with tokens (§5.1) or a token error (§5.2).' },
  'RFC7009-2.1-other-client': { spec: 'RFC 7009', section: '2.1', level: 'MUST', text: 'The server verifies that the token was issued to the client making the revocation request; a token of another client is not revoked.' },
  'RFC7009-2.2-unknown-token': { spec: 'RFC 7009', section: '2.2', level: 'MUST', text: 'The server responds with HTTP 200 if the token was revoked or the client submitted an invalid token.' },
  'RFC7009-2.2.1-error': { spec: 'RFC 7009', section: '2.2.1', level: 'MUST', text: 'Revocation errors are JSON error responses as in RFC 6749 section 5.2 (invalid_client with 401, unsupported_token_type, invalid_request).' },
  'RFC7662-2.1-auth': { spec: 'RFC 7662', section: '2.1', level: 'MUST', text: 'The introspection endpoint MUST require some form of authorization (client authentication or a bearer credential).' },
  'RFC7662-2.2-active': { spec: 'RFC 7662', section: '2.2', level: 'MUST', text: 'An introspection response is a JSON object with the REQUIRED boolean active; the OPTIONAL members (scope, client_id, exp, ...) it carries describe the token (client_id is the client it was issued to).' },
  'RFC7662-2.2-inactive': { spec: 'RFC 7662', section: '2.2', level: 'MUST', text: 'An unknown or otherwise invalid token introspects as {"active": false} (HTTP 200), not as an error.' },
  'RFC7662-2.2-inactive-revoked': { spec: 'RFC 7662', section: '2.2', level: 'MUST', text: 'A revoked token introspects as {"active": false}.' },
  'RFC7662-2.2-inactive-expired': { spec: 'RFC 7662', section: '2.2', level: 'MUST', text: 'An expired token introspects as {"active": false}.' },
  'RFC7662-4-other-client': { spec: 'RFC 7662', section: '4', level: 'SHOULD', text: 'By policy, a client introspecting a token issued to another client learns nothing: the answer is {"active": false}.' },
  'RFC9701-5-jwt-response': { spec: 'RFC 9701', section: '5', level: 'MUST', text: 'Asked with Accept: application/token-introspection+jwt, the server answers a JWT signed with its key, typ token-introspection+jwt, with iss, aud (the client), iat and the token_introspection claim.' },
  // ---- JARM (JWT Secured Authorization Response Mode, final incorporating errata set 1: §2.1 the JWT
  // response document, §2.2 signing, §2.3 encoding, §2.4 client processing; the 2022 edition
  // numbered these 4.x, as FAPI 2.0 MS §5.4.1 still cites), and FAPI 2.0 Message Signing §5.4.1
  'JARM-2.1-iss': { spec: 'JARM', section: '2.1', level: 'MUST', text: 'The response JWT always contains iss, the issuer URL of the authorization server that created the response.' },
  'JARM-2.1-aud': { spec: 'JARM', section: '2.1', level: 'MUST', text: 'The response JWT always contains aud, the client_id of the client the response is intended for.' },
  'JARM-2.1-exp': { spec: 'JARM', section: '2.1', level: 'MUST', text: 'The response JWT always contains exp, its expiration; a client refuses an expired one (§2.4), so it is still valid when the client receives it.' },
  'JARM-2.1-lifetime': { spec: 'JARM', section: '2.1', level: 'SHOULD', text: 'A maximum JWT lifetime of 10 minutes is RECOMMENDED.' },
  'JARM-2.1-params': { spec: 'JARM', section: '2.1', level: 'MUST', text: 'The JWT MUST contain the authorization endpoint response parameters of the response type, even for an error response: code (or error), and state exactly as sent when the request had one.' },
  'JARM-2.2-signed': { spec: 'JARM', section: '2.2, 2.4', level: 'MUST', text: 'The JWT is signed (or signed and encrypted): a JWS whose signature verifies with the authorization server\'s published keys; alg none is never accepted by the client (§2.4 step 5).' },
  'JARM-2.3-response-mode': { spec: 'JARM', section: '2.3', level: 'MUST', text: 'The JWT travels as the response parameter in the channel of the mode: query.jwt and jwt (code flow) in the query, fragment.jwt in the fragment, form_post.jwt in an auto-submitted form POSTed to the redirect_uri.' },
  'FAPI2MS-5.4.1-iss-inside': { spec: 'FAPI 2.0 Message Signing', section: '5.4.1 (note)', level: 'SHOULD', text: 'With JARM an authorization server should include the RFC 9207 iss response parameter only inside the JWT (JARM §2.1 puts every response parameter there): no response parameter travels beside it in plain text.' },
  'FAPI2SP-5.4.1-jarm-alg': { spec: 'FAPI 2.0 Security Profile', section: '5.4.1', level: 'MUST', text: 'Authorization servers creating JWTs use only PS256, ES256 or EdDSA: a JARM response JWT signed with RS256 (or none) is not FAPI.' },
  'FAPI2SP-5.4.1-introspection-alg': { spec: 'FAPI 2.0 Security Profile', section: '5.4.1 (Message Signing §5.5.1)', level: 'MUST', text: 'Authorization servers creating JWTs use only PS256, ES256 or EdDSA: a signed introspection response (RFC 9701) of a FAPI 2.0 authorization server is not signed with RS256 or none.' },
  'RFC7591-3.2.1-response': { spec: 'RFC 7591', section: '3.2.1', level: 'MUST', text: 'A successful registration answers 201 with client_id and all registered metadata (and client_secret for confidential clients).' },
  'RFC7591-3.2.2-redirect-uri': { spec: 'RFC 7591', section: '3.2.2', level: 'MUST', text: 'A registration with an invalid redirect_uri is refused with invalid_redirect_uri.' },
  'RFC7591-3.2.2-metadata': { spec: 'RFC 7591', section: '3.2.2', level: 'MUST', text: 'A registration with invalid or inconsistent client metadata is refused with invalid_client_metadata.' },
  'RFC7591-3-initial-access-token': { spec: 'RFC 7591', section: '3', level: 'MUST', text: 'When the server requires an initial access token, a registration request without a valid one is refused.' },
  'RFC7591-3.2.1-usable': { spec: 'RFC 7591', section: '3.2.1', level: 'MUST', text: 'The client_id and credentials returned by registration work at the token endpoint.' },
  'RFC7592-3-access-token': { spec: 'RFC 7592', section: '3', level: 'MUST', text: 'The registration_access_token is REQUIRED to read, update or delete a client; a missing or wrong one is refused with 401.' },
  'RFC7592-2.1-read': { spec: 'RFC 7592', section: '2.1', level: 'MUST', text: 'GET on the registration_client_uri with the registration_access_token returns the client information response (200).' },
  'RFC7592-2.2-update': { spec: 'RFC 7592', section: '2.2', level: 'MUST', text: 'PUT replaces the client metadata and returns the updated client information (200).' },
  'RFC7592-2.3-delete': { spec: 'RFC 7592', section: '2.3', level: 'MUST', text: 'DELETE deprovisions the client (204); its client_id and registration_access_token are then refused.' },

  // ---- RFC 8628, device authorization grant (issue 5) ----
  'RFC8628-3.2-response': { spec: 'RFC 8628', section: '3.2', level: 'MUST', text: 'The device authorization response is 200 application/json with device_code, user_code, verification_uri and expires_in (verification_uri_complete and interval OPTIONAL).' },
  // RFC 8628 §4 defines device_authorization_endpoint as OPTIONAL metadata: a provider serving the grant
  // should advertise it (clients cannot discover the endpoint otherwise), but no MUST binds it.
  'RFC8628-4-metadata': { spec: 'RFC 8628', section: '4', level: 'SHOULD', text: 'Authorization server metadata advertises device_authorization_endpoint (and the device_code grant in grant_types_supported).' },
  'RFC8628-3.2-error': { spec: 'RFC 8628', section: '3.2 (RFC 6749 §5.2)', level: 'MUST', text: 'A refused device authorization request is answered like a token endpoint error: HTTP 400 (401 for invalid_client), application/json, a registered error code.' },
  'RFC8628-6.1-user-code': { spec: 'RFC 8628', section: '6.1', level: 'SHOULD', text: 'The user_code is easy to type: a short code over a case-insensitive charset without easily confused characters (e.g. the 20 consonants BCDFGHJKLMNPQRSTVWXZ, or digits), at least about 8 characters of entropy-bearing text.' },
  'RFC8628-3.5-pending': { spec: 'RFC 8628', section: '3.5', level: 'MUST', text: 'While the End-User has not completed the user interaction, the token endpoint answers authorization_pending and issues no tokens.' },
  'RFC8628-3.5-slow-down': { spec: 'RFC 8628', section: '3.5', level: 'MAY', text: 'A server may answer a client polling faster than the interval with slow_down (the client then adds 5 seconds to its interval); it is not obliged to.' },
  'RFC8628-3.5-too-fast-pending': { spec: 'RFC 8628', section: '3.5', level: 'MUST', text: 'A poll that comes before the interval while the End-User has not finished is still a pending request: answered slow_down or authorization_pending, no tokens and no error ending the grant.' },
  'RFC8628-3.5-expired': { spec: 'RFC 8628', section: '3.5', level: 'MUST', text: 'Once the device_code has expired (expires_in), the token endpoint answers expired_token.' },
  'RFC8628-3.5-access-denied': { spec: 'RFC 8628', section: '3.5', level: 'MUST', text: 'When the End-User denied the request, the token endpoint answers access_denied and issues no tokens.' },
  'RFC8628-3.5-single-use': { spec: 'RFC 8628', section: '3.5 (RFC 6749 §10.5)', level: 'MUST', text: 'A device_code is a one-time grant: once it was exchanged for tokens the device authorization session has concluded, and a further token request with it is refused (invalid_grant).' },
  'RFC8628-3.5-device-code-race': { spec: 'RFC 8628', section: '3.5 (RFC 6749 §10.5)', level: 'MUST', text: 'A device_code is a one-time grant also under concurrency: of several token requests polling one approved device_code at once, exactly one gets tokens.' },
  'RFC8628-5.1-user-code-entropy': { spec: 'RFC 8628', section: '5.1, 6.1', level: 'SHOULD', text: 'The user code SHOULD have enough entropy that, with rate limiting, brute force is infeasible; judged by the RFC\'s yardstick of at most a 2^-32 chance per code: at least 32 bits (the RFC\'s 8-character base-20 example has about 34.5 and allows about 5 guesses).' },
  'RFC8628-3.4-client-binding': { spec: 'RFC 8628', section: '3.4 (RFC 6749 §5.2 invalid_grant: "issued to another client")', level: 'MUST', text: 'A device_code is bound to the client it was issued to: a token request from another client is refused (invalid_grant).' },

  // ---- OpenID Connect CIBA Core 1.0, poll mode (issue 5) ----
  'CIBA-7.3-response': { spec: 'OpenID Connect CIBA Core 1.0', section: '7.3', level: 'MUST', text: 'A successful authentication request is answered 200 application/json with auth_req_id and expires_in (interval OPTIONAL).' },
  'CIBA-13-error': { spec: 'OpenID Connect CIBA Core 1.0', section: '13', level: 'MUST', text: 'A refused authentication request is HTTP 400 (401 for invalid_client, 403 for access_denied), application/json, with an error code from §13.' },
  'CIBA-7.1-one-hint': { spec: 'OpenID Connect CIBA Core 1.0', section: '7.1', level: 'MUST', text: 'Exactly one of login_hint_token, id_token_hint and login_hint is sent; a request with more than one hint is refused with invalid_request (§13).' },
  'CIBA-7.1-client-auth': { spec: 'OpenID Connect CIBA Core 1.0', section: '7.1', level: 'MUST', text: 'The client authenticates to the backchannel authentication endpoint with its registered method; a request without client authentication is refused with invalid_client (§13).' },
  'CIBA-7.1-binding-message': { spec: 'OpenID Connect CIBA Core 1.0', section: '7.1', level: 'MUST', text: 'An OP whose policy accepts short plain binding messages (plan variant ciba_binding_message: accepted) serves such a request and completes the flow; §7.1 leaves the policy to the OP, a refusal is invalid_binding_message (§13).' },
  'CIBA-11-pending': { spec: 'OpenID Connect CIBA Core 1.0', section: '11', level: 'MUST', text: 'While the End-User has not been authenticated and given consent, the token endpoint answers authorization_pending and issues no tokens.' },
  'CIBA-11-slow-down': { spec: 'OpenID Connect CIBA Core 1.0', section: '11', level: 'MAY', text: 'The OP may answer a client polling faster than the interval with slow_down (the client then adds at least 5 seconds); it is not obliged to.' },
  'CIBA-11-too-fast-pending': { spec: 'OpenID Connect CIBA Core 1.0', section: '11', level: 'MUST', text: 'A poll that comes before the interval while the End-User has not been authenticated is still pending: answered slow_down or authorization_pending, no tokens and no error ending the request.' },
  'CIBA-11-expired': { spec: 'OpenID Connect CIBA Core 1.0', section: '11', level: 'MUST', text: 'Once the auth_req_id has expired (expires_in, from requested_expiry when sent), the token endpoint answers expired_token.' },
  'CIBA-11-access-denied': { spec: 'OpenID Connect CIBA Core 1.0', section: '11', level: 'MUST', text: 'When the End-User denied the request, the token endpoint answers access_denied and issues no tokens.' },
  'CIBA-11-unknown-auth-req-id': { spec: 'OpenID Connect CIBA Core 1.0', section: '11', level: 'MUST', text: 'An auth_req_id the OP never issued is refused with invalid_grant.' },
  'CIBA-11-client-binding': { spec: 'OpenID Connect CIBA Core 1.0', section: '11', level: 'MUST', text: 'An auth_req_id issued to another client is refused with invalid_grant.' },
  'CIBA-10.1-single-use': { spec: 'OpenID Connect CIBA Core 1.0', section: '10.1 (RFC 6749 §10.5)', level: 'MUST', text: 'An auth_req_id is redeemed once: after tokens were issued for it, a further token request with it is refused (invalid_grant).' },
  'CIBA-10.1-auth-req-id-race': { spec: 'OpenID Connect CIBA Core 1.0', section: '10.1 (RFC 6749 §10.5)', level: 'MUST', text: 'An auth_req_id is redeemed once also under concurrency: of several token requests polling one approved auth_req_id at once, exactly one gets tokens.' },
  'CIBA-7.1.1-signature': { spec: 'OpenID Connect CIBA Core 1.0', section: '7.1.1', level: 'MUST', text: 'A signed authentication request is verified with the client\'s registered keys: alg none, a bad signature or another client\'s key is refused (invalid_request).' },
  'CIBA-7.1.1-aud-iss': { spec: 'OpenID Connect CIBA Core 1.0', section: '7.1.1', level: 'MUST', text: 'The request object\'s aud contains the OP\'s issuer and its iss is the client_id; otherwise the request is refused.' },
  'CIBA-7.1.1-claims': { spec: 'OpenID Connect CIBA Core 1.0', section: '7.1.1', level: 'MUST', text: 'The request object carries exp, iat, nbf and jti; an expired one, or one not yet valid (nbf in the future), is refused.' },
  // ---- FAPI-CIBA ID1 (Financial-grade API: CIBA Profile, implementer's draft 1, "shall" = MUST), §5.2.2,
  // which also makes the AS follow FAPI 1.0 Part 2 (Advanced) §5.2.2 and its §8.6 algorithms.
  'FAPICIBA-5.2.2-signed-request': { spec: 'FAPI-CIBA ID1', section: '5.2.2', level: 'MUST', text: 'The authorization server shall require Backchannel Authentication Endpoint requests to be signed as described in CIBA 7.1.1: a request without a request object is refused (invalid_request).' },
  'FAPICIBA-5.2.2-no-push': { spec: 'FAPI-CIBA ID1', section: '5.2.2', level: 'MUST', text: 'The authorization server, for all operations, shall not support CIBA push mode (and shall support poll mode): its discovery lists no push among backchannel_token_delivery_modes_supported.' },
  'FAPICIBA-5.2.2-lifetime': { spec: 'FAPI-CIBA ID1', section: '5.2.2 (FAPI 1.0 Advanced 5.2.2-13, -17)', level: 'MUST', text: 'The authorization server shall require the signed authentication request to contain nbf and exp limiting its lifetime to no more than 60 minutes, with nbf no longer than 60 minutes in the past.' },
  'FAPICIBA-8.6-request-object-algs': { spec: 'FAPI-CIBA ID1', section: '5.2.2 (FAPI 1.0 Advanced 8.6)', level: 'MUST', text: 'Clients and authorization servers shall use PS256 or ES256 for JWS: a signed authentication request signed with RS256 is refused.' },
  'FAPICIBA-8.6-assertion-algs': { spec: 'FAPI-CIBA ID1', section: '5.2.2 (FAPI 1.0 Advanced 8.6)', level: 'MUST', text: 'Clients and authorization servers shall use PS256 or ES256 for JWS: a client assertion signed with RS256 is refused at the backchannel and token endpoints (invalid_client).' },
  'RFC9396-5-unknown-type': { spec: 'RFC 9396', section: '5', level: 'MUST', text: 'authorization_details of a type the AS does not support are refused with invalid_authorization_details.' },
  'RFC9396-10-client-types': { spec: 'RFC 9396', section: '10 (5)', level: 'MUST', text: 'Where the OP restricts a client to its registered authorization_details_types (plan data), a type outside them is refused with invalid_authorization_details.' },
  'RFC9396-7-token-response': { spec: 'RFC 9396', section: '7', level: 'MUST', text: 'The token response returns the authorization_details granted: a JSON array of objects, each with a type, covering the types requested.' },
  'RFC9396-9.2-introspection': { spec: 'RFC 9396', section: '9.2', level: 'SHOULD', text: 'The introspection response of an access token issued with authorization_details carries them (authorization_details, possibly filtered for the caller).' },
  'CIBA-4-ping-metadata': { spec: 'OpenID Connect CIBA Core 1.0', section: '4', level: 'MUST', text: 'An OP that serves ping-mode clients lists ping in backchannel_token_delivery_modes_supported.' },
  'CIBA-7.1-notification-token': { spec: 'OpenID Connect CIBA Core 1.0', section: '7.1', level: 'MUST', text: 'client_notification_token is REQUIRED for a ping-mode client: an RFC 6750 §2.1 bearer token of at most 1024 characters; a request without one (or with a longer one) is refused with invalid_request (§13).' },
  'CIBA-10.2-ping': { spec: 'OpenID Connect CIBA Core 1.0', section: '10.2', level: 'MUST', text: 'In ping mode, once the End-User has been authenticated (or has refused), the OP POSTs application/json {"auth_req_id": ...} to the client notification endpoint with the request\'s client_notification_token as Bearer token; the client then redeems auth_req_id at the token endpoint.' },
  'CIBA-4-metadata': { spec: 'OpenID Connect CIBA Core 1.0', section: '4', level: 'MUST', text: 'Discovery advertises backchannel_authentication_endpoint, backchannel_token_delivery_modes_supported (with poll) and the CIBA grant type.' },
  // ---- security review (issue 13): OAuch-class counterparts
  'RFC9700-4.16-clickjacking': { spec: 'RFC 9700', section: '4.16', level: 'MUST', text: 'Authorization servers MUST prevent clickjacking: the OP\'s pages (login, consent) refuse to be framed by other origins (X-Frame-Options DENY or SAMEORIGIN, or CSP frame-ancestors without a wildcard).' },
  // RFC 9700 §4.17: "The AS SHOULD only automatically redirect the user agent if it trusts the
  // redirect URI"; which registered URIs it trusts is its own risk decision, invisible from outside.
  'RFC9700-4.17-trusted-redirect': { spec: 'RFC 9700', section: '4.17', level: 'MAY', text: 'An erroneous authorization request (invalid response_type or scope) is redirected back automatically only to a redirect URI the AS trusts; with an untrusted one it authenticates the End-User first. Whether the AS trusts a registered redirect URI is not visible, so which it did is reported (information).' },
  'RFC9700-4.2.4-referrer-policy': { spec: 'RFC 9700', section: '4.2.4', level: 'SHOULD', text: 'The OP\'s pages keep their URLs out of Referer headers sent elsewhere: a Referrer-Policy that sends no path or query cross-origin (no-referrer, same-origin, strict-origin, strict-origin-when-cross-origin, origin, origin-when-cross-origin).' },
  'RFC6749-5.1-pragma': { spec: 'RFC 6749', section: '5.1', level: 'SHOULD', text: 'Token responses include Pragma: no-cache beside Cache-Control: no-store (RFC 9111 §5.4 deprecates Pragma, so its absence is a warning).' },
  'RFC6749-5.2-repeated-param': { spec: 'RFC 6749', section: '3.2, 5.2', level: 'SHOULD', text: 'Token request parameters MUST NOT be included more than once (§3.2, binding the client); §5.2 names the server\'s answer to a repeated parameter: invalid_request.' },
  'RFC6749-4.1.2.1-repeated-param': { spec: 'RFC 6749', section: '3.1, 4.1.2.1', level: 'SHOULD', text: 'Authorization request parameters MUST NOT be included more than once (§3.1, binding the client); §4.1.2.1 names the server\'s answer: invalid_request (by redirect, or on an error page when the OP does not trust the request enough to redirect). No code is issued.' },
  'RFC6749-3.2-unknown-params': { spec: 'RFC 6749', section: '3.2', level: 'MUST', text: 'The authorization server MUST ignore unrecognized request parameters at the token endpoint.' },
  'RFC6749-4.1.3-client-id': { spec: 'RFC 6749', section: '4.1.3', level: 'MUST', text: 'client_id is REQUIRED in the token request of a client that does not authenticate, and the server MUST ensure that the code was issued to the client_id in the request: a redemption naming no client is refused.' },
  'RFC7518-3.3-key-size': { spec: 'RFC 7518', section: '3.3, 3.4, 3.5', level: 'MUST', text: 'A key of size 2048 bits or larger MUST be used with the RSA signature algorithms (RS256, PS256, ...); ECDSA keys are on the curve their alg names (P-256, P-384, P-521).' },
  'RFC8628-3.1-repeated-param': { spec: 'RFC 8628', section: '3.1, 3.2 (RFC 6749 §3.2, 5.2)', level: 'SHOULD', text: 'Device authorization request parameters, like token request parameters, MUST NOT be included more than once (binding the client); the error answer is RFC 6749 §5.2 invalid_request (§3.2 of RFC 8628 reuses those codes).' },
  'RFC8628-3.1-unknown-params': { spec: 'RFC 8628', section: '3.1 (RFC 6749 §3.1, 3.2)', level: 'SHOULD', text: 'RFC 6749 §3.1 and §3.2 make the server ignore unrecognized request parameters at the authorization and token endpoints; RFC 8628 does not restate it for the device authorization endpoint it models on them, so it is judged a SHOULD there (a refusal warns).' },
  'RFC6749-10.10-entropy-128': { spec: 'RFC 6749', section: '10.10 (RFC 6819 §5.1.4.2.2)', level: 'MUST', text: 'The probability of an attacker guessing generated tokens (codes, access and refresh tokens) MUST be less than or equal to 2^(-128).' },
  'RFC6749-10.10-entropy-160': { spec: 'RFC 6749', section: '10.10 (RFC 6819 §5.1.4.2.2)', level: 'SHOULD', text: 'The probability of an attacker guessing generated tokens SHOULD be less than or equal to 2^(-160).' },
  'RFC9068-2.2-profile': { spec: 'RFC 9068', section: '2.1, 2.2', level: 'MUST', text: 'A JWT access token has typ at+jwt (or application/at+jwt) and the REQUIRED claims iss (the issuer), exp, aud, sub, client_id (the requesting client), iat and jti; aud names resources, not the granted scopes.' },
  // ---- security review, part 3 (issue 13): response modes, discovery honesty, redirect URI variants, PKCE downgrades
  'FORMPOST-2-form-post': { spec: 'OAuth 2.0 Form Post Response Mode', section: '2 (Multiple Response Types §2.1)', level: 'MUST', text: 'An OP that offers response_mode=form_post (advertises it) returns the authorization response, state and iss included, as HTML form values auto-submitted by the User Agent: POSTed to the redirect_uri in an application/x-www-form-urlencoded body.' },
  'OAMRT-2.1-fragment': { spec: 'OAuth 2.0 Multiple Response Type Encoding Practices', section: '2.1', level: 'MUST', text: 'An OP that offers response_mode=fragment (advertises it) returns the authorization response, state and iss included, in the fragment component of the redirect_uri.' },
  'OIDD-3-advertised-supported': { spec: 'OpenID Connect Discovery 1.0', section: '3 (RFC 8414 §2)', level: 'MUST', text: 'The *_supported metadata values list what the OP supports: an advertised grant type, client authentication method, response type, response mode or code_challenge_method is accepted when a registered client uses it (one accepted but not advertised is information only: the lists need not be complete).' },
  'RFC9700-4.1.3-exact-match': { spec: 'RFC 9700', section: '4.1.3', level: 'MUST', text: 'Authorization servers MUST compare redirect URIs by exact string matching (RFC 3986 §6.2.1; only a loopback port may vary): a registered URI with more path, a longer last segment or an added query is refused, never redirected to.' },
  'RFC7636-4.1-verifier-format': { spec: 'RFC 7636', section: '4.1 (RFC 6749 §5.2)', level: 'SHOULD', text: 'A code_verifier is 43 to 128 unreserved characters (the ABNF of §4.1 binds the client); a token request with a shorter one is malformed and should be refused (invalid_request, or invalid_grant), not served.' },
  'RFC9700-2.1.1-pkce-downgrade': { spec: 'RFC 9700', section: '2.1.1, 4.8.2', level: 'MUST', text: 'Authorization servers MUST mitigate PKCE downgrade attacks: a token request containing a code_verifier is accepted only if a code_challenge was present in the authorization request.' },
  // ---- TLS (issue 13: an https issuer; harness/checks/tls.ts)
  'RFC6749-10.9-server-auth': { spec: 'RFC 6749', section: '10.9', level: 'MUST', text: 'The authorization server MUST require TLS with server authentication (RFC 2818) for requests to its endpoints; the client validates its certificate (RFC 6125): valid now, naming the host, chaining to a trusted CA.' },
  'RFC6749-3.1-tls-required': { spec: 'RFC 6749', section: '3.1, 3.2', level: 'MUST', text: 'The authorization server MUST require the use of TLS for requests to the authorization and token endpoints: a request over plain HTTP gets no OAuth answer.' },
  'RFC9325-3.1.1-tls12': { spec: 'RFC 9325', section: '3.1.1', level: 'MUST', text: 'Implementations MUST support TLS 1.2 (and SHOULD support TLS 1.3): a TLS 1.2 or 1.3 handshake succeeds.' },
  'RFC9325-3.1.1-no-tls10-11': { spec: 'RFC 9325', section: '3.1.1', level: 'MUST', text: 'Implementations MUST NOT negotiate TLS version 1.0 or 1.1 (RFC 8996).' },
  'RFC9325-4.1-must-not': { spec: 'RFC 9325', section: '4.1', level: 'MUST', text: 'Implementations MUST NOT negotiate cipher suites with NULL encryption, RC4 cipher suites, or suites offering less than 112 bits of security (export-level, DES); nor anonymous suites (no server authentication, RFC 6749 §10.9).' },
  'RFC9325-4.1-should-not': { spec: 'RFC 9325', section: '4.1', level: 'SHOULD', text: 'Implementations SHOULD NOT negotiate cipher suites offering less than 128 bits of security (3DES), nor those based on RSA key transport (static RSA) or static finite-field Diffie-Hellman.' },
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
