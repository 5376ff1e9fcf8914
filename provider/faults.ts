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
  { id: 'userinfo-ignores-body-token', breaks: 'RFC6750-2.2-form-body', description: 'UserInfo ignores an access_token sent as a form body parameter.' },
  { id: 'refuse-client-secret-post', breaks: 'OIDCC-9-client-secret-post', description: 'client_secret_post is refused even for clients registered for it.' },
  { id: 'logout-requires-id-token-hint', breaks: 'RPIL-2-hint-optional', description: 'A logout request without id_token_hint is refused on an error page.' },
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
  { id: 'request-object-silently-ignored', breaks: 'OIDCC-6-request-object', description: 'request and request_uri are ignored instead of refused with request_not_supported / request_uri_not_supported.' },
  { id: 'sign-with-unpublished-key', breaks: 'OIDCC-10.1.1-rotation', description: 'After a key rotation the new key signs at once and reaches the JWKS only publish_ahead seconds later.' },
  { id: 'refuse-id-token-hint', breaks: 'OIDCC-3.1.2.1-id-token-hint', description: 'A valid id_token_hint (our own ID Token for the logged-in End-User) is refused with invalid_request.' },
  { id: 'omit-auth-time', breaks: 'OIDCC-2-auth-time', description: 'ID Tokens carry no auth_time, even when max_age was sent.' },
  { id: 'accept-missing-response-type', breaks: 'OIDCC-3.1.2.1-response-type', description: 'An authorization request without response_type is served as response_type=code.' },
  { id: 'require-nonce', breaks: 'OIDCC-3.1.2.1-nonce-optional', description: 'A code-flow request without nonce is refused with invalid_request.' },
  { id: 'refuse-optional-params', breaks: 'OIDCC-3.1.2.1-optional-params', description: 'display, ui_locales, claims_locales, login_hint, acr_values and unknown parameters are refused with invalid_request.' },
  { id: 'authorize-rejects-post', breaks: 'OIDCC-3.1.2.1-post', description: 'POST to the authorization endpoint is refused (error page).' },
  { id: 'prompt-none-shows-login', breaks: 'OIDCC-3.1.2.1-prompt-none', description: 'prompt=none is handled as prompt=login: the login page is shown instead of a silent answer or login_required.' },
] as const satisfies readonly FaultSwitch[];

export type FaultId = (typeof DEFS)[number]['id'];

/** The typed catalog of fault switches. */
export const FAULTS: readonly FaultSwitch[] = DEFS;

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
