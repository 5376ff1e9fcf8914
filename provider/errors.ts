// OAuth / OIDC error classes, one per wire error code (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1;
// OIDC Core §3.1.2.6). Endpoints throw these; each endpoint renders them its own way
// (JSON for /token and /userinfo, redirect or error page for /authorize, error page for /logout).

export class OAuthError extends Error {
  readonly error: string;
  readonly status: number;
  /** Extra response headers the error carries (e.g. DPoP-Nonce on use_dpop_nonce, RFC 9449 §8). */
  headers?: Record<string, string>;
  constructor(error: string, description: string, status = 400) {
    super(description);
    this.error = error;
    this.status = status;
  }
  get error_description(): string {
    return this.message;
  }
}

export class InvalidRequest extends OAuthError {
  constructor(description: string, status = 400) { super('invalid_request', description, status); }
}
export class InvalidClient extends OAuthError {
  constructor(description: string) { super('invalid_client', description, 401); }
}
export class InvalidGrant extends OAuthError {
  constructor(description: string) { super('invalid_grant', description); }
}
export class UnauthorizedClient extends OAuthError {
  constructor(description: string) { super('unauthorized_client', description); }
}
export class UnsupportedGrantType extends OAuthError {
  constructor(description: string) { super('unsupported_grant_type', description); }
}
export class UnsupportedResponseType extends OAuthError {
  constructor(description: string) { super('unsupported_response_type', description); }
}
export class InvalidScope extends OAuthError {
  constructor(description: string) { super('invalid_scope', description); }
}
export class AccessDenied extends OAuthError {
  constructor(description: string) { super('access_denied', description, 403); }
}
export class LoginRequired extends OAuthError {
  constructor(description: string) { super('login_required', description); }
}
export class ConsentRequired extends OAuthError {
  constructor(description: string) { super('consent_required', description); }
}
export class InvalidToken extends OAuthError {
  constructor(description: string) { super('invalid_token', description, 401); }
}
export class InsufficientScope extends OAuthError {
  constructor(description: string) { super('insufficient_scope', description, 403); }
}
export class ServerError extends OAuthError {
  constructor(description: string) { super('server_error', description, 500); }
}

/** RFC 9449 §5, §7: the DPoP proof is missing where required, or invalid. */
export class InvalidDpopProof extends OAuthError {
  constructor(description: string, status = 400) { super('invalid_dpop_proof', description, status); }
}
/** RFC 9449 §8, §9: the server requires a nonce; the response carries it in DPoP-Nonce. */
export class UseDpopNonce extends OAuthError {
  readonly nonce: string;
  constructor(nonce: string, description: string, status = 400) {
    super('use_dpop_nonce', description, status);
    this.nonce = nonce;
    this.headers = { 'dpop-nonce': nonce };
  }
}

/** Bad configuration or unknown fault id: one line naming the field and the rule. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
