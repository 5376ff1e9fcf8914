// Fault switches: each one turns off exactly one rule, in the one place that enforces it, so the
// harness can prove that its check for that rule fails when the rule is broken. Faults are per
// provider instance (several instances with different faults run in one process during tests).
import type { CitationId } from '../harness/core/citations.ts';
import { ConfigError } from './errors.ts';

export interface FaultSwitch {
  id: string;
  breaks: CitationId;
  description: string;
}

const DEFS = [
  { id: 'accept-plain-pkce', breaks: 'FAPI2SP-5.3.2.2-pkce-s256', description: 'code_challenge_method=plain (or missing method) is accepted at /authorize.' },
  { id: 'accept-missing-pkce', breaks: 'RFC7636-4.4.1-required', description: 'An authorization request without code_challenge is accepted.' },
  { id: 'skip-pkce-verification', breaks: 'RFC7636-4.6-verify', description: 'The token endpoint accepts a missing or wrong code_verifier.' },
  { id: 'code-redeem-race', breaks: 'RFC6749-4.1.2-code-race', description: 'A code is read, then marked used a store round trip later (not atomically): concurrent redemptions all get tokens; a later reuse is still refused.' },
  { id: 'refresh-rotation-race', breaks: 'RFC9700-4.14.2-refresh-race', description: 'A refresh token is checked, then rotated a store round trip later (not atomically): concurrent refreshes are all served; a later reuse is still refused.' },
  // Shared-store faults (provider/store-faults.ts): proven by the races split across instances (plans/multi-instance.yaml).
  { id: 'store-consume-not-atomic', breaks: 'RFC6749-4.1.2-code-race', description: 'The store\'s consume is a get, then a delete a store round trip later (not one GETDEL): concurrent redemptions of one code, at one instance or several, all get tokens.' },
  { id: 'assertion-jti-per-instance', breaks: 'OIDCC-9-assertion-jti-race', description: 'Client assertion jtis are remembered in a map of each provider instance, not in the shared store: each instance accepts one assertion once, so copies split across instances are served once per instance.' },
  { id: 'dpop-jti-per-instance', breaks: 'RFC9449-11.1-jti-race', description: 'DPoP proof jtis are remembered in a map of each provider instance, not in the shared store: one proof is accepted once per instance.' },
  { id: 'allow-code-reuse', breaks: 'RFC6749-4.1.2-code-single-use', description: 'An authorization code can be redeemed again, issuing new tokens.' },
  { id: 'keep-tokens-on-code-reuse', breaks: 'RFC6749-4.1.2-code-reuse-revokes', description: 'Code reuse is refused but the tokens from the first use stay valid.' },
  { id: 'accept-expired-code', breaks: 'RFC6749-4.1.2-code-expiry', description: 'An expired authorization code is still redeemed.' },
  { id: 'ignore-code-client-binding', breaks: 'RFC6749-4.1.3-client-binding', description: 'A code issued to one client is redeemed by another.' },
  { id: 'ignore-redirect-uri-mismatch', breaks: 'OIDCC-3.1.2.1-redirect-uri', description: '/authorize accepts an unregistered redirect_uri and sends the code there.' },
  { id: 'redirect-errors-to-unregistered-uri', breaks: 'RFC6749-3.1.2.4', description: 'An unregistered redirect_uri is refused, but the error is redirected to it instead of shown on an error page.' },
  { id: 'ignore-token-redirect-uri-mismatch', breaks: 'RFC6749-4.1.3-redirect-uri', description: 'The token endpoint does not compare redirect_uri with the authorization request.' },
  { id: 'omit-iss-in-authz-response', breaks: 'RFC9207-2-iss', description: 'The authorization response carries no iss parameter.' },
  { id: 'drop-state', breaks: 'RFC6749-4.1.2-state', description: 'The authorization response omits state.' },
  { id: 'omit-cache-control', breaks: 'RFC6749-5.1-no-store', description: 'Token responses lack Cache-Control: no-store and Pragma: no-cache.' },
  { id: 'id-token-wrong-aud', breaks: 'OIDCC-3.1.3.7-aud', description: 'The ID Token aud is another client.' },
  { id: 'id-token-wrong-iss', breaks: 'OIDCC-3.1.3.7-iss', description: 'The ID Token iss is not the issuer.' },
  { id: 'id-token-omit-nonce', breaks: 'OIDCC-3.1.3.7-nonce', description: 'The ID Token omits the nonce sent in the request.' },
  { id: 'id-token-bad-at-hash', breaks: 'OIDCC-3.1.3.8-at-hash', description: 'The ID Token at_hash does not match the access token.' },
  { id: 'id-token-unknown-key', breaks: 'OIDCC-3.1.3.7-signature', description: 'The ID Token is signed by a key that is not in the JWKS.' },
  { id: 'id-token-wrong-azp', breaks: 'OIDCC-3.1.3.7-azp', description: 'The ID Token azp names another client (aud is still the client).' },
  { id: 'id-token-wrong-mac', breaks: 'OIDCC-3.1.3.7-mac', description: 'HS256 ID Tokens are MACed with another key than the client secret\'s UTF-8 octets.' },
  { id: 'id-token-expired', breaks: 'OIDCC-3.1.3.7-exp', description: 'The ID Token is already expired when issued.' },
  { id: 'accept-wrong-client-secret', breaks: 'RFC6749-2.3.1-client-auth', description: 'Any client_secret is accepted.' },
  { id: 'userinfo-no-www-authenticate', breaks: 'RFC6750-3-www-authenticate', description: 'UserInfo 401 responses lack WWW-Authenticate.' },
  { id: 'userinfo-rejects-post', breaks: 'OIDCC-5.3.1-userinfo-methods', description: 'POST /userinfo is answered 405.' },
  { id: 'userinfo-wrong-sub', breaks: 'OIDCC-5.3.2-userinfo-sub', description: 'UserInfo returns a sub different from the ID Token sub.' },
  { id: 'jwks-publishes-private-key', breaks: 'RFC7517-9.2-no-private', description: 'The JWKS includes private key members.' },
  { id: 'jwks-duplicate-kid', breaks: 'RFC7517-4.5-unique-kid', description: 'Two different keys in the JWKS share a kid.' },
  { id: 'discovery-wrong-issuer', breaks: 'OIDD-4.3-issuer', description: 'Discovery issuer has an extra path (issuer + "/other").' },
  { id: 'discovery-omit-iss-supported', breaks: 'RFC9207-3-metadata', description: 'Discovery omits authorization_response_iss_parameter_supported.' },
  { id: 'omit-oauth-metadata-alias', breaks: 'RFC8414-3-alias', description: '/.well-known/oauth-authorization-server answers 404.' },
  { id: 'discovery-omit-end-session', breaks: 'RPIL-2.1-metadata', description: 'Discovery omits end_session_endpoint.' },
  { id: 'logout-ignores-id-token-hint', breaks: 'RPIL-2-id-token-hint', description: 'Any id_token_hint is accepted (alg none, foreign key); the client is read from its aud unverified.' },
  { id: 'logout-open-redirect', breaks: 'RPIL-3-registered-redirect', description: 'Any post_logout_redirect_uri is accepted.' },
  { id: 'logout-drops-state', breaks: 'RPIL-3-state', description: 'The post-logout redirect omits state.' },
  { id: 'logout-keeps-session', breaks: 'RPIL-2-session-ends', description: 'Logout confirms and redirects but the OP session survives.' },
  { id: 'require-state', breaks: 'RFC6749-4.1.1-state-optional', description: 'An authorization request without state is refused with invalid_request.' },
  { id: 'userinfo-body-token-as-no-token', breaks: 'RFC6750-2.2-form-body-invalid-token', description: 'UserInfo answers an invalid access_token sent as a form body parameter as if no token was sent (401 without error=invalid_token).' },
  { id: 'refuse-client-secret-post', breaks: 'OIDCC-9-client-secret-post', description: 'client_secret_post is refused even for clients registered for it.' },
  { id: 'logout-requires-id-token-hint', breaks: 'RPIL-2-hint-optional', description: 'A logout request without id_token_hint is refused on an error page.' },
  { id: 'refresh-token-refused', breaks: 'OIDCC-12-refresh', description: 'A valid refresh token of an offline_access grant is refused with invalid_grant.' },
  { id: 'refresh-token-no-rotation', breaks: 'RFC9700-4.14.2-rotation', description: 'A refresh returns the same refresh token, which stays valid.' },
  { id: 'accept-rotated-refresh-token', breaks: 'RFC9700-4.14.2-rotated-refused', description: 'A rotated-out refresh token still works.' },
  { id: 'rotated-reuse-keeps-grant', breaks: 'RFC9700-4.14.2-reuse-revokes', description: 'Reuse of a rotated-out refresh token is refused, but the grant\'s other tokens stay valid.' },
  { id: 'refresh-token-not-client-bound', breaks: 'RFC6749-6-client-binding', description: 'A refresh token issued to one client is accepted from another.' },
  { id: 'refresh-without-client-auth', breaks: 'RFC6749-6-client-auth', description: 'A refresh request from a confidential client is served with a bare client_id, no authentication.' },
  { id: 'offline-access-without-consent', breaks: 'OIDCC-11-offline-access-consent', description: 'offline_access yields a refresh token without consent in the request (e.g. prompt=none on a remembered consent).' },
  { id: 'prompt-login-ignored', breaks: 'OIDCC-3.1.2.1-prompt-login', description: 'prompt=login is served from the existing session, without a login page (auth_time unchanged).' },
  { id: 'max-age-ignored', breaks: 'OIDCC-3.1.2.1-max-age', description: 'A session older than max_age is used without re-authentication.' },
  { id: 'id-token-hint-ignored', breaks: 'OIDCC-3.1.2.1-id-token-hint-other-user', description: 'id_token_hint naming another End-User is ignored: prompt=none answers with a code for the session\'s End-User.' },
  { id: 'claims-parameter-ignored', breaks: 'OIDCC-5.5.1-essential', description: 'The claims request parameter is validated, then ignored (discovery still says it is supported).' },
  { id: 'scope-claims-missing', breaks: 'OIDCC-5.4-scope-claims', description: 'The profile, email, address and phone scopes release no claims at UserInfo.' },
  { id: 'request-object-silently-ignored', breaks: 'OIDCC-6-request-object', description: 'request (by value) and request_uri (by reference, unsupported) are ignored: the request is served from the parameters outside them instead of used or refused with request_uri_not_supported.' },
  { id: 'sign-with-unpublished-key', breaks: 'OIDCC-10.1.1-rotation', description: 'After a key rotation the new key signs at once and reaches the JWKS only publish_ahead seconds later.' },
  { id: 'refuse-id-token-hint', breaks: 'OIDCC-3.1.2.1-id-token-hint', description: 'A valid id_token_hint (our own ID Token for the logged-in End-User) is refused with invalid_request.' },
  { id: 'omit-auth-time', breaks: 'OIDCC-2-auth-time', description: 'ID Tokens carry no auth_time, even when max_age was sent.' },
  { id: 'accept-missing-response-type', breaks: 'OIDCC-3.1.2.1-response-type', description: 'An authorization request without response_type is served as response_type=code.' },
  { id: 'require-nonce', breaks: 'OIDCC-3.1.2.1-nonce-optional', description: 'A code-flow request without nonce is refused with invalid_request.' },
  { id: 'refuse-optional-params', breaks: 'OIDCC-3.1.2.1-optional-params', description: 'display, ui_locales, claims_locales, login_hint, acr_values and unknown parameters are refused with invalid_request.' },
  { id: 'authorize-rejects-post', breaks: 'OIDCC-3.1.2.1-post', description: 'POST to the authorization endpoint is refused (error page).' },
  { id: 'prompt-none-shows-login', breaks: 'OIDCC-3.1.2.1-prompt-none', description: 'prompt=none is handled as prompt=login: the login page is shown instead of a silent answer or login_required.' },
  // ---- DPoP (RFC 9449) and the protected resource (/api): provider/dpop.ts, endpoints/resource.ts
  { id: 'dpop-accept-multiple-headers', breaks: 'RFC9449-4.3-single-header', description: 'A request with several DPoP headers is served with the first proof.' },
  { id: 'dpop-tolerate-missing-claims', breaks: 'RFC9449-4.3-required-claims', description: 'A DPoP proof missing typ, jti, htm, htu or iat is accepted.' },
  { id: 'dpop-ignore-typ', breaks: 'RFC9449-4.3-typ', description: 'A DPoP proof with a typ other than dpop+jwt is accepted.' },
  { id: 'dpop-accept-any-alg', breaks: 'RFC9449-4.3-alg', description: 'DPoP proofs with an alg off the allow-list (none, HS256, RS256) are accepted unverified.' },
  { id: 'dpop-skip-signature', breaks: 'RFC9449-4.3-signature', description: 'The DPoP proof signature is not verified.' },
  { id: 'dpop-accept-private-jwk', breaks: 'RFC9449-4.3-public-jwk', description: 'A DPoP proof whose jwk carries the private key is accepted.' },
  { id: 'dpop-accept-wrong-htm', breaks: 'RFC9449-4.3-htm', description: 'The DPoP proof htm is not compared with the request method.' },
  { id: 'dpop-accept-wrong-htu', breaks: 'RFC9449-4.3-htu', description: 'The DPoP proof htu is not compared with the request URI.' },
  { id: 'dpop-htu-exact-match', breaks: 'RFC9449-4.3-htu-normalised', description: 'htu is compared as a raw string: an equivalent URI (case, default port, query) is refused.' },
  { id: 'dpop-refuse-extra-claims', breaks: 'RFC9449-4.2-extensible', description: 'A DPoP proof with claims beyond the defined ones is refused.' },
  { id: 'dpop-ignore-iat', breaks: 'RFC9449-4.3-iat', description: 'The DPoP proof iat is not checked: stale and future proofs are accepted.' },
  { id: 'dpop-iat-window-too-strict', breaks: 'RFC9449-4.3-iat-window', description: 'The DPoP iat window is 5 s: proofs 10 s off the server clock are refused.' },
  { id: 'dpop-ignore-replay', breaks: 'RFC9449-11.1-jti-replay', description: 'DPoP proof jti values are not remembered: a replayed proof is accepted.' },
  { id: 'dpop-skip-ath', breaks: 'RFC9449-7.1-ath', description: 'The resource accepts a proof without ath or with the hash of another token.' },
  { id: 'dpop-ignore-key-binding', breaks: 'RFC9449-7.1-key-binding', description: 'The resource does not compare the proof key with the token cnf.jkt.' },
  { id: 'dpop-bound-token-without-proof', breaks: 'RFC9449-7.1-proof-required', description: 'The resource serves a DPoP-bound token when the proof is missing or unparseable.' },
  { id: 'dpop-accept-bearer-for-bound-token', breaks: 'RFC9449-7.2-no-downgrade', description: 'A DPoP-bound token is accepted with the Bearer scheme (resource and UserInfo).' },
  { id: 'dpop-bearer-challenge', breaks: 'RFC9449-7.1-challenge', description: 'The resource answers DPoP failures with a Bearer challenge instead of the DPoP scheme.' },
  { id: 'dpop-no-binding', breaks: 'RFC9449-6-cnf-jkt', description: 'A token request with a DPoP proof gets a Bearer token without cnf.jkt.' },
  { id: 'dpop-refresh-not-bound', breaks: 'RFC9449-5-refresh-bound', description: 'Refresh tokens of public clients are not bound to the DPoP key.' },
  { id: 'dpop-ignore-dpop-jkt', breaks: 'RFC9449-10-dpop-jkt', description: 'dpop_jkt at the authorization endpoint is not bound to the code.' },
  { id: 'dpop-not-required-for-client', breaks: 'RFC9449-5.2-required', description: 'A client registered with dpop_bound_access_tokens gets Bearer tokens without a proof.' },
  { id: 'dpop-nonce-not-enforced', breaks: 'RFC9449-8-nonce', description: 'The token endpoint does not require the DPoP nonce it is configured to require.' },
  { id: 'resource-nonce-not-enforced', breaks: 'RFC9449-9-nonce', description: 'The resource does not require the DPoP nonce it is configured to require.' },
  { id: 'userinfo-refuse-dpop', breaks: 'RFC9449-7.1-userinfo', description: 'UserInfo refuses the DPoP scheme (only Bearer works).' },
  { id: 'resource-allow-anonymous', breaks: 'RFC6750-3.1-no-token', description: 'The resource serves requests without an access token.' },
  { id: 'resource-malformed-as-anonymous', breaks: 'RFC6750-3.1-invalid-token', description: 'The resource serves a request whose token is not a JWT as an anonymous one.' },
  { id: 'resource-accept-alg-none', breaks: 'RFC9068-4-alg-none', description: 'The resource accepts unsigned (alg none) access tokens.' },
  { id: 'resource-accept-hs256-public-key', breaks: 'RFC8725-3.1-alg-confusion', description: 'The resource verifies HS256 tokens with the issuer public key (PEM) as the HMAC secret.' },
  { id: 'resource-skip-signature', breaks: 'RFC9068-4-signature', description: 'The resource finds the key by kid but never verifies the signature.' },
  { id: 'resource-trust-embedded-jwk', breaks: 'RFC9068-4-issuer-keys', description: 'On an unknown kid the resource verifies with the jwk the token header supplies.' },
  { id: 'resource-ignore-exp', breaks: 'RFC9068-4-exp', description: 'The resource does not check exp.' },
  { id: 'resource-ignore-nbf', breaks: 'RFC7519-4.1.5-nbf', description: 'The resource does not check nbf.' },
  { id: 'resource-ignore-aud', breaks: 'RFC9068-4-aud', description: 'The resource does not check aud (tokens for other resources work).' },
  { id: 'resource-ignore-iss', breaks: 'RFC9068-4-iss', description: 'The resource does not check iss.' },
  { id: 'resource-ignore-typ', breaks: 'RFC9068-4-typ', description: 'The resource accepts JWTs whose typ is not at+jwt.' },
  { id: 'resource-stale-jwks', breaks: 'RFC9068-4-jwks-refresh', description: 'The resource never refreshes its JWKS cache: tokens from a rotated-in key are refused.' },
  { id: 'resource-metadata-wrong-resource', breaks: 'RFC9728-3.3-resource', description: 'The protected resource metadata names another resource identifier.' },
  // ---- PAR (RFC 9126), private_key_jwt and the FAPI 2.0 profile (issue 4)
  { id: 'par-allow-request-uri-reuse', breaks: 'RFC9126-4-one-time-use', description: 'A request_uri still works after an authorization completed with it (a second code is issued).' },
  { id: 'par-consume-on-first-use', breaks: 'RFC9126-4-reuse-before-completion', description: 'A request_uri is consumed by its first use at /authorize, so a reload before the login completes is refused.' },
  { id: 'par-ignore-expiry', breaks: 'RFC9126-2.2-expiry', description: 'A request_uri is accepted after its expires_in has passed.' },
  { id: 'par-ignore-client-binding', breaks: 'RFC9126-4-client-binding', description: 'A request_uri pushed by one client is accepted at /authorize with another client_id.' },
  { id: 'par-accept-request-uri-param', breaks: 'RFC9126-2.1-no-request-uri', description: 'The PAR endpoint accepts a request_uri form parameter.' },
  { id: 'par-accept-get', breaks: 'RFC9126-2-post', description: 'The PAR endpoint serves GET (query parameters) like POST.' },
  { id: 'par-without-client-auth', breaks: 'RFC9126-2.1-client-auth', description: 'The PAR endpoint serves a confidential client\'s pushed request that carries only its client_id (no credentials).' },
  { id: 'par-accept-duplicate-params', breaks: 'RFC9126-2.1-no-duplicates', description: 'A repeated PAR parameter is accepted (its first value is used).' },
  { id: 'par-response-200', breaks: 'RFC9126-2.2-response', description: 'A successful pushed authorization response is HTTP 200 instead of 201.' },
  { id: 'fapi-allow-authorize-without-par', breaks: 'FAPI2SP-5.3.2.1-par-required', description: 'A FAPI client (or one that must use PAR) is served a plain, unsigned authorization request without PAR.' },
  { id: 'fapi-allow-other-response-types', breaks: 'FAPI2SP-5.3.2.1-response-type-code', description: 'response_type "code id_token" and "token" are served as "code" for FAPI clients.' },
  { id: 'fapi-accept-rs256-assertion', breaks: 'FAPI2SP-5.4.1-algs', description: 'A FAPI client assertion signed with RS256 is accepted.' },
  { id: 'fapi-accept-array-aud', breaks: 'FAPI2SP-5.3.2.1-aud-array', description: 'A FAPI client assertion whose aud is an array holding the issuer is accepted.' },
  { id: 'fapi-accept-token-endpoint-aud', breaks: 'FAPI2SP-5.3.2.1-aud-token-endpoint', description: 'A FAPI client assertion whose aud is the token endpoint URL is accepted.' },
  { id: 'fapi-accept-par-endpoint-aud', breaks: 'FAPI2SP-5.3.2.1-aud-par-endpoint', description: 'A FAPI client assertion whose aud is the PAR endpoint URL is accepted.' },
  { id: 'accept-any-assertion-aud', breaks: 'RFC7523-3-aud', description: 'A client assertion is accepted whatever its aud.' },
  { id: 'fapi-accept-expired-assertion', breaks: 'RFC7523-3-exp', description: 'An expired client assertion (exp 5 minutes in the past) is accepted.' },
  { id: 'fapi-accept-future-nbf', breaks: 'FAPI2SP-5.3.2.1-nbf-future', description: 'A client assertion with nbf more than 60 s in the future is accepted.' },
  { id: 'fapi-refuse-nbf-skew', breaks: 'FAPI2SP-5.3.2.1-nbf-skew', description: 'A client assertion with nbf 8 s in the future is refused (no clock-skew tolerance).' },
  { id: 'accept-assertion-without-sub', breaks: 'RFC7523-3-sub', description: 'A client assertion without sub is accepted (the client is taken from iss).' },
  { id: 'accept-assertion-without-iss', breaks: 'RFC7523-3-iss', description: 'A client assertion without iss is accepted (the client is taken from sub).' },
  { id: 'accept-unsigned-assertion', breaks: 'RFC7523-3-signed', description: 'An unsecured client assertion (alg none, no signature) is accepted.' },
  { id: 'skip-assertion-signature-check', breaks: 'RFC7523-3-signature', description: 'A client assertion is accepted without verifying its signature (a signed one with a broken signature is served).' },
  { id: 'ignore-assertion-client-id-mismatch', breaks: 'RFC7521-4.2-client-id', description: 'A client_id parameter naming another client than the assertion is ignored.' },
  { id: 'default-missing-redirect-uri', breaks: 'OIDCC-3.1.2.1-redirect-uri-required', description: 'An authorization (or pushed) request without redirect_uri is served with the client\'s registered redirect_uri.' },
  { id: 'consent-deny-error-page', breaks: 'RFC6749-4.1.2.1-access-denied', description: 'When the End-User denies consent the OP shows an error page instead of redirecting access_denied to the client.' },
  { id: 'auth-scheme-case-sensitive', breaks: 'RFC9110-11.1-scheme-case', description: 'UserInfo accepts only the exact spellings "Bearer" and "DPoP" of the Authorization scheme.' },
  { id: 'fapi-discovery-lists-rs256', breaks: 'FAPI2SP-5.3.2.1-metadata', description: 'Under the fapi2 profile, discovery still lists RS256 for client assertions and ID Tokens.' },
  { id: 'fapi-token-without-client-auth', breaks: 'FAPI2SP-5.3.2.1-client-auth', description: 'A FAPI client is served at the token endpoint with a bare client_id, without a client assertion.' },
  // ---- back-channel grants and token management (client credentials, password, RFC 7009, RFC 7662, RFC 7591/7592)
  { id: 'cc-issues-refresh-token', breaks: 'RFC6749-4.4.3-no-refresh', description: 'A client credentials token response carries a refresh token.' },
  { id: 'cc-allows-public-client', breaks: 'RFC6749-4.4-confidential', description: 'A public client (token_endpoint_auth_method none) gets a client credentials token.' },
  { id: 'cc-ignores-grant-types', breaks: 'RFC6749-5.2-unauthorized-client', description: 'A client not registered for client_credentials gets a client credentials token.' },
  { id: 'cc-scope-not-limited', breaks: 'RFC6749-3.3-scope', description: 'A client credentials request for a scope the client is not registered for is granted that scope.' },
  { id: 'password-grant-on-by-default', breaks: 'RFC9700-2.4-no-password-grant', description: 'The password grant is served without password_grant: true in the config.' },
  { id: 'revoke-requires-no-auth', breaks: 'RFC7009-2.1-client-auth', description: 'POST /revoke without any client authentication is served.' },
  { id: 'revoke-404-unknown-token', breaks: 'RFC7009-2.2-unknown-token', description: 'Revoking an unknown or invalid token answers 404 instead of 200.' },
  { id: 'revoke-other-clients-token', breaks: 'RFC7009-2.1-other-client', description: 'A client can revoke a token issued to another client.' },
  { id: 'revoke-keeps-token', breaks: 'RFC7009-2.1-revokes', description: 'Revocation answers 200 but the token keeps working.' },
  { id: 'revoke-refresh-keeps-access', breaks: 'RFC7009-2.1-grant', description: 'Revoking a refresh token leaves the access tokens of its grant valid.' },
  { id: 'introspect-no-auth', breaks: 'RFC7662-2.1-auth', description: 'POST /introspect without any credentials is answered.' },
  { id: 'introspect-revoked-active', breaks: 'RFC7662-2.2-inactive-revoked', description: 'A revoked token introspects as active.' },
  { id: 'introspect-expired-active', breaks: 'RFC7662-2.2-inactive-expired', description: 'An expired access token introspects as active.' },
  { id: 'introspect-unknown-token-error', breaks: 'RFC7662-2.2-inactive', description: 'An unknown token is answered 400 invalid_token instead of {"active": false}.' },
  { id: 'introspect-other-clients-token', breaks: 'RFC7662-4-other-client', description: 'A client introspecting another client\'s token gets the full active answer.' },
  { id: 'introspect-wrong-client-id', breaks: 'RFC7662-2.2-active', description: 'Active introspection responses name another client_id than the client the token was issued to.' },
  { id: 'introspect-jwt-unsigned', breaks: 'RFC9701-5-jwt-response', description: 'The application/token-introspection+jwt response is an unsecured JWT (alg none).' },
  { id: 'introspect-jwt-wrong-typ', breaks: 'RFC9701-5-jwt-response', description: 'The introspection JWT\'s typ header is JWT, not token-introspection+jwt.' },
  { id: 'introspect-jwt-fapi-rs256', breaks: 'FAPI2SP-5.4.1-introspection-alg', description: 'Under the fapi2 profile the introspection JWT is signed with RS256.' },
  { id: 'introspect-jwt-wrong-aud', breaks: 'RFC9701-5-jwt-response', description: 'The introspection JWT\'s aud is another client than the caller.' },
  // JARM (provider/jarm.ts): signed authorization responses
  { id: 'jarm-no-iss', breaks: 'JARM-2.1-iss', description: 'The JARM response JWT has no iss claim.' },
  { id: 'jarm-wrong-aud', breaks: 'JARM-2.1-aud', description: 'The JARM response JWT\'s aud is another client id.' },
  { id: 'jarm-expired', breaks: 'JARM-2.1-exp', description: 'The JARM response JWT is already expired when sent (exp two minutes ago).' },
  { id: 'jarm-long-lived', breaks: 'JARM-2.1-lifetime', description: 'The JARM response JWT lives an hour (10 minutes at most is RECOMMENDED).' },
  { id: 'jarm-state-outside', breaks: 'JARM-2.1-params', description: 'state travels beside the JARM response JWT, unsigned, not as a claim of it.' },
  { id: 'jarm-unsigned', breaks: 'JARM-2.2-signed', description: 'The JARM response is an unsecured JWT (alg none).' },
  { id: 'jarm-error-plain', breaks: 'JARM-2.1-params', description: 'An error response ignores the requested JARM mode: plain error, state and iss in the query, no JWT.' },
  { id: 'jarm-wrong-channel', breaks: 'JARM-2.3-response-mode', description: 'The JARM response JWT travels in another channel than its mode\'s: query.jwt (and jwt) in the fragment, fragment.jwt and form_post.jwt in the query.' },
  { id: 'jarm-iss-outside', breaks: 'FAPI2MS-5.4.1-iss-inside', description: 'iss also travels beside the JARM response JWT, in plain.' },
  { id: 'jarm-fapi-rs256', breaks: 'FAPI2SP-5.4.1-jarm-alg', description: 'JARM responses to FAPI 2.0 clients are signed with RS256.' },
  { id: 'register-accepts-bad-redirect-uri', breaks: 'RFC7591-3.2.2-redirect-uri', description: 'Registration accepts invalid redirect URIs (fragments, non-loopback http, javascript:).' },
  { id: 'register-accepts-bad-metadata', breaks: 'RFC7591-3.2.2-metadata', description: 'Registration accepts grant_types the provider does not support.' },
  { id: 'register-open-despite-initial-token', breaks: 'RFC7591-3-initial-access-token', description: 'Registration needs no initial access token even though one is configured.' },
  { id: 'register-no-access-token-check', breaks: 'RFC7592-3-access-token', description: 'The client configuration endpoint serves requests without a valid registration access token.' },
  { id: 'register-update-ignored', breaks: 'RFC7592-2.2-update', description: 'PUT answers the updated metadata, but the stored registration is unchanged.' },
  { id: 'register-delete-keeps-client', breaks: 'RFC7592-2.3-delete', description: 'DELETE answers 204, but the client and its registration access token keep working.' },
  { id: 'register-secret-unusable', breaks: 'RFC7591-3.2.1-usable', description: 'The client_secret returned by registration is not the one stored: the client cannot authenticate.' },
  // Device authorization grant (RFC 8628) and CIBA poll mode (issue 5)
  { id: 'discovery-omit-device-endpoint', breaks: 'RFC8628-4-metadata', description: 'Discovery omits device_authorization_endpoint.' },
  { id: 'device-user-code-unfriendly', breaks: 'RFC8628-6.1-user-code', description: 'user_code is a long mixed-case base64url string instead of a short code over a typeable charset.' },
  { id: 'device-auto-approve', breaks: 'RFC8628-3.5-pending', description: 'A pending device_code is redeemed before the End-User approved it (tokens for the first configured End-User).' },
  { id: 'device-too-fast-denied', breaks: 'RFC8628-3.5-too-fast-pending', description: 'Polling faster than the interval is answered access_denied although the End-User has not decided.' },
  { id: 'device-accept-expired', breaks: 'RFC8628-3.5-expired', description: 'An expired device_code is still polled (authorization_pending) instead of expired_token.' },
  { id: 'device-denied-issues-token', breaks: 'RFC8628-3.5-access-denied', description: 'A device_code the End-User denied is exchanged for tokens.' },
  { id: 'device-code-reuse', breaks: 'RFC8628-3.5-single-use', description: 'A redeemed device_code can be exchanged for tokens again.' },
  { id: 'device-code-other-client', breaks: 'RFC8628-3.4-client-binding', description: 'A device_code issued to one client is redeemed by another.' },
  { id: 'ciba-auto-approve', breaks: 'CIBA-11-pending', description: 'A pending auth_req_id is redeemed before the End-User approved it.' },
  { id: 'ciba-too-fast-denied', breaks: 'CIBA-11-too-fast-pending', description: 'Polling the CIBA grant faster than the interval is answered access_denied although the End-User has not decided.' },
  { id: 'ciba-ignore-expiry', breaks: 'CIBA-11-expired', description: 'An auth_req_id past its expires_in (requested_expiry) is still polled (authorization_pending).' },
  { id: 'ciba-denied-issues-token', breaks: 'CIBA-11-access-denied', description: 'An auth_req_id the End-User denied is exchanged for tokens.' },
  { id: 'ciba-auth-req-id-reuse', breaks: 'CIBA-10.1-single-use', description: 'A redeemed auth_req_id can be exchanged for tokens again.' },
  { id: 'ciba-unknown-auth-req-id-pending', breaks: 'CIBA-11-unknown-auth-req-id', description: 'An auth_req_id the OP never issued is answered authorization_pending (the client polls until it gives up) instead of invalid_grant.' },
  { id: 'ciba-auth-req-id-other-client', breaks: 'CIBA-11-client-binding', description: 'An auth_req_id issued to one client is redeemed by another.' },
  { id: 'ciba-accept-multiple-hints', breaks: 'CIBA-7.1-one-hint', description: 'A backchannel request with several hints (login_hint and login_hint_token) is accepted; login_hint wins.' },
  { id: 'ciba-skip-client-auth', breaks: 'CIBA-7.1-client-auth', description: 'The backchannel authentication endpoint accepts a bare client_id without client authentication.' },
  { id: 'ciba-refuse-binding-message', breaks: 'CIBA-7.1-binding-message', description: 'Any binding_message is refused with invalid_binding_message.' },
  { id: 'ciba-request-object-skip-signature', breaks: 'CIBA-7.1.1-signature', description: 'Signed authentication requests are read without verifying the signature (alg none and other keys accepted).' },
  { id: 'ciba-request-object-ignore-aud-iss', breaks: 'CIBA-7.1.1-aud-iss', description: 'The request object aud and iss are not checked.' },
  { id: 'ciba-request-object-ignore-claims', breaks: 'CIBA-7.1.1-claims', description: 'The request object exp, iat, nbf and jti are neither required nor checked.' },
  // FAPI-CIBA ID1 (provider config ciba_profile: fapi; proven in plans/ciba.yaml's fapi_ciba combination)
  { id: 'fapi-ciba-discovery-lists-push', breaks: 'FAPICIBA-5.2.2-no-push', description: 'Under ciba_profile fapi, discovery lists push among backchannel_token_delivery_modes_supported.' },
  { id: 'fapi-ciba-accept-unsigned-request', breaks: 'FAPICIBA-5.2.2-signed-request', description: 'A FAPI-CIBA client\'s backchannel request with plain parameters and no request object is served.' },
  { id: 'fapi-ciba-ignore-request-lifetime', breaks: 'FAPICIBA-5.2.2-lifetime', description: 'A FAPI-CIBA request object living longer than 60 minutes (exp - nbf), or with an nbf over 60 minutes old, is accepted.' },
  { id: 'fapi-ciba-accept-rs256-request-object', breaks: 'FAPICIBA-8.6-request-object-algs', description: 'A FAPI-CIBA request object signed with RS256 is accepted.' },
  { id: 'fapi-ciba-accept-rs256-assertion', breaks: 'FAPICIBA-8.6-assertion-algs', description: 'A FAPI-CIBA client\'s client assertion signed with RS256 is accepted (backchannel and token endpoints).' },
  // ---- Rich Authorization Requests (RFC 9396): provider/rar.ts, proven by plans/rar.yaml
  { id: 'rar-accept-unknown-type', breaks: 'RFC9396-5-unknown-type', description: 'authorization_details of a type the OP does not support are accepted (at /authorize, PAR and the token endpoint).' },
  { id: 'rar-ignore-client-types', breaks: 'RFC9396-10-client-types', description: 'A client registered with authorization_details_types may send any supported type.' },
  { id: 'rar-omit-token-response', breaks: 'RFC9396-7-token-response', description: 'The token response leaves out the authorization_details granted.' },
  { id: 'rar-omit-introspection', breaks: 'RFC9396-9.2-introspection', description: 'Introspection leaves out the access token\'s authorization_details.' },
  { id: 'ciba-ping-not-sent', breaks: 'CIBA-10.2-ping', description: 'Ping mode: the End-User\'s decision is recorded but no ping is sent to the client notification endpoint.' },
  { id: 'ciba-ping-wrong-token', breaks: 'CIBA-10.2-ping', description: 'Ping mode: the ping carries a Bearer token other than the request\'s client_notification_token.' },
  { id: 'ciba-ping-accept-bad-token', breaks: 'CIBA-7.1-notification-token', description: 'Ping mode: a backchannel request without client_notification_token, or with one over 1024 characters, is accepted.' },
  { id: 'discovery-omit-ciba-ping', breaks: 'CIBA-4-ping-metadata', description: 'Discovery lists only poll in backchannel_token_delivery_modes_supported although ping-mode clients are served.' },
  // Request objects (JAR, provider/request-object.ts), at /authorize and inside pushed requests.
  { id: 'jar-skip-signature', breaks: 'RFC9101-6.2-signature', description: 'Request objects are read without verifying the signature (alg none, a broken signature and another client\'s key are accepted).' },
  { id: 'jar-ignore-client-id-mismatch', breaks: 'RFC9101-6.3-client-id', description: 'A request object whose client_id claim names another client than the client_id parameter is served (as the outside client).' },
  { id: 'jar-outer-params-win', breaks: 'RFC9101-6.3-request-only', description: 'Parameters sent outside a request object (in the PAR body, or beside its request_uri at /authorize) override those inside it.' },
  { id: 'jar-accept-unsigned-when-required', breaks: 'RFC9101-10.5-require-signed', description: 'A client registered with require_signed_request_object is served without a request object.' },
  { id: 'jar-ignore-aud', breaks: 'FAPI2MS-5.3.2-aud', description: 'A fapi2 client\'s request object aud is not checked (missing or another audience is accepted).' },
  { id: 'jar-ignore-lifetime', breaks: 'FAPI2MS-5.3.2-lifetime', description: 'A fapi2 client\'s request object times are not checked: it may lack exp or nbf, be expired, live longer than 60 minutes, or carry an nbf older than 60 minutes.' },
  { id: 'jar-accept-rs256', breaks: 'FAPI2SP-5.4.1-request-object-algs', description: 'A fapi2 client\'s request object signed with RS256 is accepted.' },
  { id: 'jar-refuse-nbf-skew', breaks: 'FAPI2SP-5.3.2.1-request-object-nbf-skew', description: 'A request object with nbf a few seconds in the future is refused (no clock-skew tolerance).' },
  { id: 'discovery-omit-request-object', breaks: 'RFC9101-10.5-metadata', description: 'Discovery says request_parameter_supported false and lists no request_object_signing_alg_values_supported, though request objects are taken.' },
  { id: 'discovery-omit-ciba', breaks: 'CIBA-4-metadata', description: 'Discovery omits backchannel_authentication_endpoint and backchannel_token_delivery_modes_supported.' },
  // ---- response schemas (issue 12): a REQUIRED member left out of an otherwise correct response
  { id: 'token-response-omit-token-type', breaks: 'RFC6749-5.1-response', description: 'Successful token responses carry no token_type.' },
  { id: 'discovery-omit-subject-types', breaks: 'OIDD-3-metadata', description: 'Discovery omits subject_types_supported (REQUIRED).' },
  { id: 'jwks-key-without-kty', breaks: 'RFC7517-5-jwks', description: 'The JWKS carries one more key (a copy of the first under its own kid) without kty.' },
  { id: 'ciba-response-omit-expires-in', breaks: 'CIBA-7.3-response', description: 'The CIBA authentication response carries no expires_in.' },
  { id: 'device-response-omit-expires-in', breaks: 'RFC8628-3.2-response', description: 'The device authorization response carries no expires_in.' },
  { id: 'userinfo-omit-sub', breaks: 'OIDCC-5.3.2-userinfo-response', description: 'UserInfo responses carry no sub.' },
  { id: 'id-token-omit-iat', breaks: 'OIDCC-2-claims', description: 'The ID Token has no iat.' },
  { id: 'cc-grant-refused', breaks: 'RFC6749-4.4-token', description: 'Every client credentials request is refused with unauthorized_client, even from a client registered for the grant.' },
  { id: 'id-token-future-iat', breaks: 'OIDCC-3.1.3.7-iat', description: 'The ID Token iat is an hour in the future (exp stays correct).' },
  // ---- security review (issue 13): OAuch-class counterparts
  { id: 'pages-allow-framing', breaks: 'RFC9700-4.16-clickjacking', description: 'The OP\'s HTML pages are sent without X-Frame-Options and without CSP frame-ancestors.' },
  { id: 'pages-omit-referrer-policy', breaks: 'RFC9700-4.2.4-referrer-policy', description: 'The OP\'s HTML pages are sent without a Referrer-Policy header.' },
  { id: 'token-omit-pragma', breaks: 'RFC6749-5.1-pragma', description: 'Token responses keep Cache-Control: no-store but lack Pragma: no-cache.' },
  { id: 'authorize-accept-duplicate-params', breaks: 'RFC6749-4.1.2.1-repeated-param', description: 'An authorization request with a repeated parameter is served with the first value of each.' },
  { id: 'token-accept-duplicate-params', breaks: 'RFC6749-5.2-repeated-param', description: 'A token request with a repeated parameter is served with the first value of each.' },
  { id: 'token-refuse-unknown-params', breaks: 'RFC6749-3.2-unknown-params', description: 'A token request with a parameter the token endpoint does not know is refused with invalid_request.' },
  { id: 'short-tokens', breaks: 'RFC6749-10.10-entropy-128', description: 'Authorization codes, opaque access tokens, refresh tokens, device codes, request_uris and registered client secrets are 12 random bytes (96 bits) instead of 32.' },
  { id: 'tokens-below-160-bits', breaks: 'RFC6749-10.10-entropy-160', description: 'Authorization codes, opaque access tokens, refresh tokens, device codes, request_uris and registered client secrets are 17 random bytes (136 bits): above the 128-bit floor, below the 160 bits suggested.' },
  { id: 'device-code-redeem-race', breaks: 'RFC8628-3.5-device-code-race', description: 'An approved device_code is read, then marked used a store round trip later (not atomically): concurrent polls all get tokens; a later poll is still refused.' },
  { id: 'ciba-auth-req-id-redeem-race', breaks: 'CIBA-10.1-auth-req-id-race', description: 'An approved auth_req_id is read, then marked used a store round trip later (not atomically): concurrent polls all get tokens; a later poll is still refused.' },
  { id: 'device-user-code-short', breaks: 'RFC8628-5.1-user-code-entropy', description: 'user_code is 4 characters of the base-20 charset (about 17 bits) instead of 8 (about 34.5).' },
  { id: 'token-accept-get', breaks: 'RFC6749-3.2-post', description: 'The token endpoint serves GET, reading the request from the query string.' },
  { id: 'token-accept-credentials-in-query', breaks: 'RFC6749-2.3.1-not-in-uri', description: 'The token endpoint takes client_id and client_secret from the request URI query of a POST.' },
  { id: 'refuse-client-secret-basic', breaks: 'RFC6749-2.3.1-basic', description: 'HTTP Basic client authentication (client_secret_basic) is refused even for clients registered for it.' },
  { id: 'token-client-id-optional', breaks: 'RFC6749-4.1.3-client-id', description: 'A code redemption with no client authentication and no client_id is served for the client the code was issued to.' },
  { id: 'jwks-weak-rsa-key', breaks: 'RFC7518-3.3-key-size', description: 'The JWKS also publishes a 1024-bit RSA signing key.' },
  { id: 'device-accept-duplicate-params', breaks: 'RFC8628-3.1-repeated-param', description: 'A device authorization request with a repeated parameter is served with the first value of each.' },
  { id: 'device-refuse-unknown-params', breaks: 'RFC8628-3.1-unknown-params', description: 'A device authorization request with a parameter the endpoint does not know is refused with invalid_request.' },
  { id: 'access-token-scope-aud', breaks: 'RFC9068-2.2-profile', description: 'JWT access tokens carry the granted scope values as aud instead of a resource.' },
  { id: 'long-lived-access-tokens', breaks: 'RFC6750-5.3-short-lived', description: 'Access tokens live a day (expires_in 86400), whatever the configured ttl.' },
  // ---- security review, part 3 (issue 13): response modes, discovery honesty
  { id: 'form-post-as-query', breaks: 'FORMPOST-2-form-post', description: 'response_mode=form_post is accepted (and advertised) but the response is redirected with its parameters in the query.' },
  { id: 'fragment-as-query', breaks: 'OAMRT-2.1-fragment', description: 'response_mode=fragment is accepted (and advertised) but the response is redirected with its parameters in the query.' },
  { id: 'advertise-unsupported-response-mode', breaks: 'OIDD-3-advertised-supported', description: 'Discovery lists form_post in response_modes_supported, but /authorize refuses response_mode=form_post with invalid_request.' },
  { id: 'redirect-uri-prefix-match', breaks: 'RFC9700-4.1.3-exact-match', description: '/authorize accepts any redirect_uri that starts with a registered one (/cbx, /cb/more, /cb?x=1) and sends the code there.' },
  { id: 'pkce-accept-short-verifier', breaks: 'RFC7636-4.1-verifier-format', description: 'The token endpoint accepts a code_verifier shorter than 43 characters when it matches the S256 challenge.' },
  // ---- HTTPS (provider config `tls`, provider/tls.ts): proven by plans/security-review-tls.yaml
  { id: 'tls-accept-deprecated-versions', breaks: 'RFC9325-3.1.1-no-tls10-11', description: 'The TLS listener accepts TLS 1.0 and 1.1 handshakes (minVersion TLSv1, OpenSSL security level 0).' },
  { id: 'tls-accept-weak-ciphers', breaks: 'RFC9325-4.1-should-not', description: 'The TLS listener also offers static-RSA key transport suites (AES128-SHA, AES128-GCM-SHA256, ...).' },
  { id: 'tls-untrusted-certificate', breaks: 'RFC6749-10.9-server-auth', description: 'The TLS listener serves a certificate for its hosts from a CA it made at start (a counterfeit), not the configured one.' },
  { id: 'tls-answer-plain-http', breaks: 'RFC6749-3.1-tls-required', description: 'The TLS port also serves plain HTTP: every endpoint answers unencrypted.' },
  // ---- mutual TLS (RFC 8705): provider/mtls.ts
  { id: 'mtls-accept-no-certificate', breaks: 'RFC8705-2-certificate-required', description: 'A tls_client_auth / self_signed_tls_client_auth client is authenticated by its client_id alone, with no TLS client certificate.' },
  { id: 'mtls-skip-chain-validation', breaks: 'RFC8705-2.1-chain', description: 'tls_client_auth accepts a certificate that chains to no trusted CA (a self-signed one with the registered subject).' },
  { id: 'mtls-ignore-subject', breaks: 'RFC8705-2.1.2-subject', description: 'tls_client_auth accepts any trusted certificate, whatever its subject.' },
  { id: 'mtls-self-signed-any-certificate', breaks: 'RFC8705-2.2-registered-certificate', description: 'self_signed_tls_client_auth accepts a certificate the client did not register.' },
  { id: 'mtls-no-token-binding', breaks: 'RFC8705-3.1-x5t', description: 'Access tokens of a client with certificate-bound tokens are issued without cnf.x5t#S256 (unbound).' },
  { id: 'mtls-bound-token-without-certificate', breaks: 'RFC8705-3-resource-no-certificate', description: 'UserInfo and the resource accept a certificate-bound token on a connection without a client certificate.' },
  { id: 'mtls-ignore-certificate-binding', breaks: 'RFC8705-3-resource-other-certificate', description: 'UserInfo and the resource accept a certificate-bound token with another client certificate.' },
  { id: 'mtls-introspection-omit-cnf', breaks: 'RFC8705-3.2-introspection-cnf', description: 'Introspection of a certificate-bound token has no cnf.x5t#S256.' },
  { id: 'mtls-metadata-omit-bound-tokens', breaks: 'RFC8705-3.3-metadata', description: 'Discovery omits tls_client_certificate_bound_access_tokens (false) though tokens are certificate-bound.' },
  { id: 'mtls-relative-aliases', breaks: 'RFC8705-5-aliases', description: 'mtls_endpoint_aliases lists paths, not absolute URLs.' },
  { id: 'mtls-bound-client-without-certificate', breaks: 'FAPI2SP-5.3.2.1-mtls-bound', description: 'A FAPI client with certificate-bound tokens gets an unbound token from a token request without a TLS client certificate.' },
] as const satisfies readonly FaultSwitch[];

export type FaultId = (typeof DEFS)[number]['id'];

/** The typed catalog of fault switches. */
export const FAULTS: readonly FaultSwitch[] = DEFS;

/**
 * Rules a check or a module cites that no switch breaks, each with the reason (the fault self-test
 * requires every cited rule to be broken by a switch or listed here, and an entry to go when a
 * switch comes). "Not switched yet" marks a server rule a switch could break but does not.
 */
export const UNSWITCHED_RULES: Partial<Record<CitationId, string>> = {
  'RFC9700-2.1.1-pkce-downgrade': 'The reference provider requires PKCE from every client (variants pkce: required), so no code is issued without a code_challenge; the module applies only to a plan with pkce: optional.',
  'RFC9325-3.1.1-tls12': 'A listener without TLS 1.2 and 1.3 would also cut the harness\'s own back channel (discovery over https), failing every module of the plan for other rules. The check has a failing unit test; tls-accept-deprecated-versions breaks the MUST beside it.',
  'RFC9325-4.1-must-not': 'Node 24\'s OpenSSL cannot negotiate NULL, anonymous, RC4, export or DES suites even when a server lists them at security level 0 (tried: the handshake fails), so no switch can open them. The check has failing unit tests; tls-accept-weak-ciphers breaks the SHOULD NOT beside it (static RSA).',
  'RFC7009-2.1-access-revokes-refresh': 'RFC 7009 §2.1 leaves it (a MAY): a kept and a revoked refresh token both pass and the message reports which; only an answer that is neither tokens nor a token error fails (unit tests both ways). Not switched: no such answer to switch on.',
  'RFC6749-4.1.3-code-after-refusal': 'RFC 6749 is silent on what a refused token request does to the code: both answers pass and the message reports which; only an answer that is neither tokens nor a token error fails (unit tests both ways). Not switched: no such answer to switch on.',
  'RFC9700-4.14.2-rotation-optional': 'A MAY: the check accepts a rotated and a kept refresh token alike, so no server behaviour breaks it (its failing unit tests are for malformed responses).',
  'RFC6750-2.2-form-body': 'A MAY: a resource server need not accept the token in the form body; a refusal is allowed, so there is nothing to break (the module proves the sub rule, which a switch breaks).',
  'RFC6750-2.3-query': 'A MAY: a resource server may accept the access token in the URI query; a served query token is information, so there is nothing to break (the module proves the sub rule of its header call, which a switch breaks).',
  'RFC9700-4.17-trusted-redirect': 'Whether the AS trusts a registered redirect URI (and so redirects an erroneous request at once) is its own risk decision: both answers are information, so there is nothing to break (the modules prove the state rule of the error response, which drop-state breaks).',
  'OIDCC-16.19-secret-length': 'The secret is plan data, and the reference OP refuses an HS256 client whose secret is shorter than 32 octets at config (RFC 7518 §3.2), so no plan can hold a short one for it to use; the check has failing unit tests, and its module proves the MAC rule, which id-token-wrong-mac breaks.',
  'OIDCC-3.1.3.7-iat-window': 'A SHOULD with a client-chosen window (OIDC Core §3.1.3.7 (10) "the acceptable range ... is Client specific"); id-token-future-iat breaks the MUST beside it. Not switched on its own yet.',
  'OIDCC-12.2-refresh-nonce': 'Not switched yet: a refreshed ID Token with a changed nonce; no module of the self-test plans refreshes an ID Token issued with a nonce and checks it (the check has unit tests both ways).',
  'OIDCC-12.2-refresh-no-nonce': 'Not switched yet: a SHOULD NOT on a nonce in a refreshed ID Token; same module gap as OIDCC-12.2-refresh-nonce.',
  'OIDCC-3.1.3.3-token-response': 'Not switched yet: dropping id_token from the token response would end every openid module at its ID Token step; no module proves it alone yet.',
  'RFC6749-4.1.2-code': 'Not switched yet: an authorization response without code ends every code-flow module at its first step; no module proves it alone.',
  'RFC6749-5.2-error': 'Not switched yet: every refusal module observes the error schema beside its own rule, so a switch (an unregistered error code) needs a SEEN_THROUGH pairing per refusal module.',
  'RFC6750-3.1-status': 'Not switched yet: a SHOULD (status follows the error code); the bearer refusal modules prove the WWW-Authenticate MUST, which a switch breaks.',
  'RFC7009-2.2.1-error': 'Not switched yet: a revocation error that is not RFC 6749 §5.2 JSON; only the refusal module observes it, which proves RFC7009-2.1-client-auth.',
  'RFC7591-3.2.1-response': 'Not switched yet: a registration response that drops registered metadata; the registration modules prove the usable-credentials rule, which a switch breaks.',
  'RFC8628-3.2-error': 'Not switched yet: a device authorization error that is not RFC 6749 §5.2 JSON; the refusal modules prove their own rules.',
  'CIBA-13-error': 'Not switched yet: a CIBA error that is not §13 JSON; the refusal modules prove their own rules.',
};

/**
 * Switches that are rightly seen through rules beside their own: a quick module of the plan that
 * does not prove the switch's rule may fail under it, on a finding citing one of these rules.
 */
export const SEEN_THROUGH: Partial<Record<FaultId, { rules: CitationId[]; reason: string }>> = {
  'mtls-no-token-binding': { rules: ['RFC8705-3-resource-no-certificate', 'RFC8705-3-resource-other-certificate', 'RFC8705-3.2-introspection-cnf'], reason: 'An unbound token is a bearer token: the resource serves it with any certificate or none, and its introspection names no certificate.' },
  'cc-grant-refused': { rules: ['RFC6749-5.1-response', 'RFC6749-3.3-scope'], reason: 'Every module that needs a client credentials token sees the refusal as a token response that is not a §5.1 success; the scope module expects invalid_scope and gets the blanket unauthorized_client first.' },
  'discovery-wrong-issuer': { rules: ['RFC8414-3-alias'], reason: 'The RFC 8414 alias serves the same metadata, so the alias module finds the same wrong issuer there and fails its alias rule too.' },
  // RFC 7009 and RFC 7662 observe each other: a revocation is seen by introspecting the token.
  'introspect-revoked-active': { rules: ['RFC7009-2.1-revokes'], reason: 'The revocation modules check that a revoked token is gone by introspecting it: a revoked token that introspects active reads as a revocation that did not take.' },
  'device-user-code-short': { rules: ['RFC8628-6.1-user-code'], reason: 'Every device authorization response is judged typeable (RFC 8628 §6.1), which also asks for about 8 characters of the 20-consonant set: a 4-character user code fails that rule beside the §5.1 entropy rule.' },
  'revoke-keeps-token': { rules: ['RFC7662-2.2-inactive-revoked'], reason: 'The introspection module for revoked tokens revokes one and introspects it: a revocation that does not take reads as a revoked token introspected active.' },
};

export function isFaultId(id: string): id is FaultId {
  return DEFS.some((f) => f.id === id);
}

/** Validate fault ids (from CLI, env, config, options); unknown ids are a ConfigError naming them. */
export function parseFaults(ids: Iterable<string>, where = 'faults'): FaultId[] {
  const out = new Set<FaultId>();
  for (const raw of ids) {
    const id = raw.trim();
    if (id === '') continue;
    if (!isFaultId(id)) throw new ConfigError(`config: ${where} has unknown fault "${id}" (known: ${DEFS.map((f) => f.id).join(', ')})`);
    out.add(id);
  }
  return [...out];
}

/** The fault switches of one provider instance. */
export class Faults {
  readonly ids: readonly FaultId[];
  readonly #on: ReadonlySet<FaultId>;
  constructor(ids: readonly FaultId[] = []) {
    this.ids = Object.freeze([...ids]);
    this.#on = new Set(ids);
  }
  on(id: FaultId): boolean {
    return this.#on.has(id);
  }
}

/** Whether `id` is switched on for this provider instance. */
export function isFaultOn(faults: Faults, id: FaultId): boolean {
  return faults.on(id);
}

/**
 * Random bytes in a generated credential (code, opaque access token, refresh token, device_code,
 * request_uri, registered client secret): 32, or fewer under short-tokens / tokens-below-160-bits.
 */
export function tokenBytes(faults: Faults): number {
  return faults.on('short-tokens') ? 12 : faults.on('tokens-below-160-bits') ? 17 : 32;
}
