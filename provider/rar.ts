// OAuth 2.0 Rich Authorization Requests (RFC 9396): `authorization_details`, a JSON array of
// objects each with a `type`, at the authorization endpoint, PAR and the token endpoint
// (client_credentials). What this OP enforces, and the fault switch that turns each rule off:
// - §2 / §5: a well-formed array of objects with a non-empty string `type`, of a type the OP
//   supports (config `authorization_details_types`, advertised as authorization_details_types_supported,
//   §10), else invalid_authorization_details (fault rar-accept-unknown-type: any type is accepted);
// - §10 (client metadata authorization_details_types): a client registered with a list may only
//   use those types, else invalid_authorization_details (fault rar-ignore-client-types);
// - §7: the token response returns the details granted (fault rar-omit-token-response);
// - §9.2: introspection returns them for the token (fault rar-omit-introspection).
// The End-User's consent grants the details as requested (no per-detail consent page).
import type { ClientConfig } from './config.ts';
import type { ProviderContext } from './context.ts';
import { OAuthError } from './errors.ts';

export type AuthorizationDetail = Record<string, unknown> & { type: string };

/** RFC 9396 §5: invalid_authorization_details, HTTP 400 at PAR and the token endpoint. */
export class InvalidAuthorizationDetails extends OAuthError {
  constructor(description: string) { super('invalid_authorization_details', description, 400); }
}

/** RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E only. */
const safe = (v: string): string => v.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?');

/** §2.2 common data fields that are arrays of strings. */
const STRING_ARRAYS = ['locations', 'actions', 'datatypes', 'privileges'];

/** The parsed and checked details of a request parameter; undefined when the parameter is absent. */
export function checkAuthorizationDetails(ctx: ProviderContext, client: ClientConfig, raw: string | undefined): AuthorizationDetail[] | undefined {
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidAuthorizationDetails('authorization_details is not JSON');
  }
  // §2: a JSON array of JSON objects, each with a type (a string).
  if (!Array.isArray(parsed)) throw new InvalidAuthorizationDetails('authorization_details must be a JSON array');
  const supported = ctx.config.authorization_details_types;
  return parsed.map((d, i) => {
    if (!d || typeof d !== 'object' || Array.isArray(d)) throw new InvalidAuthorizationDetails(`authorization_details[${i}] must be a JSON object`);
    const detail = d as Record<string, unknown>;
    if (typeof detail.type !== 'string' || detail.type === '') throw new InvalidAuthorizationDetails(`authorization_details[${i}].type must be a non-empty string`);
    for (const f of STRING_ARRAYS) {
      const v = detail[f];
      if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) throw new InvalidAuthorizationDetails(`authorization_details[${i}].${f} must be an array of strings`);
    }
    // §5: an unknown type is refused.
    if (!supported.includes(detail.type) && !ctx.faults.on('rar-accept-unknown-type')) {
      throw new InvalidAuthorizationDetails(`authorization_details[${i}].type '${safe(detail.type)}' is not supported`);
    }
    // §10: the types the client registered (absent: every supported type); an unknown type got past
    // the §5 check only with fault rar-accept-unknown-type, which lets it through here too.
    if (client.authorization_details_types && supported.includes(detail.type) && !client.authorization_details_types.includes(detail.type) && !ctx.faults.on('rar-ignore-client-types')) {
      throw new InvalidAuthorizationDetails(`authorization_details[${i}].type '${safe(detail.type)}' is not allowed for this client`);
    }
    return detail as AuthorizationDetail;
  });
}

/** §7: the details granted, as a token response member (fault: left out). */
export function tokenResponseDetails(ctx: ProviderContext, details: AuthorizationDetail[] | undefined): Record<string, unknown> {
  if (!details || ctx.faults.on('rar-omit-token-response')) return {};
  return { authorization_details: details };
}

/** §9.2: the details of the token, as an introspection response member (fault: left out). */
export function introspectionDetails(ctx: ProviderContext, details: AuthorizationDetail[] | undefined): Record<string, unknown> {
  if (!details || ctx.faults.on('rar-omit-introspection')) return {};
  return { authorization_details: details };
}
