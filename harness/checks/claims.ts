// Checks on returned claims (OIDC Core §5.4, §5.5.1, §2) and on refresh token rotation (RFC 9700).
import { defineCheck, fail, notSupported, pass, type Verdict } from '../core/finding.ts';
import { evidence, field, isFiniteNumber, isRecord, preview, typeName } from './util.ts';

/** The standard claims each scope asks for (OIDC Core §5.4). */
export const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  profile: ['name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
};

/** Claims a scope string asks for: `openid email phone` → email, email_verified, phone_number, ... */
export function claimsForScope(scope: string): string[] {
  return scope.split(' ').flatMap((s) => SCOPE_CLAIMS[s] ?? []);
}

function claimsPresent(input: unknown): Verdict {
  const claims = field(input, 'claims');
  const expectedRaw = field(input, 'expected');
  const expected = Array.isArray(expectedRaw) ? expectedRaw.filter((x): x is string => typeof x === 'string') : [];
  if (!isRecord(claims)) return fail(`expected the claims as a JSON object, found a ${typeName(claims)}`, expected, evidence(claims));
  if (expected.length === 0) return fail('expected a non-empty list of claim names to look for', 'claim names', evidence(expectedRaw));
  const missing = expected.filter((c) => claims[c] === undefined || claims[c] === null);
  if (missing.length) return fail(`expected claims ${expected.join(', ')}; missing ${missing.join(', ')}`, expected, Object.keys(claims));
  return pass(`claims ${expected.join(', ')} are present`, expected, Object.keys(claims));
}

/** Scope claims: `expected` are the claims of the requested scopes that the user is known to have. */
export const scopeClaimsReturned = defineCheck<{ claims: unknown; expected: string[] }>('scope-claims-returned', 'OIDCC-5.4-scope-claims', claimsPresent);

export const essentialClaimsReturned = defineCheck<{ claims: unknown; expected: string[] }>('essential-claims-returned', 'OIDCC-5.5.1-essential', claimsPresent);

export const idTokenHasAuthTime = defineCheck<unknown>('id-token-has-auth-time', 'OIDCC-2-auth-time', (claims) => {
  if (!isRecord(claims)) return fail(`expected ID Token claims as an object, found a ${typeName(claims)}`, 'auth_time (number)', evidence(claims));
  const t = claims.auth_time;
  if (!isFiniteNumber(t)) return fail(`expected auth_time as a number of seconds, found ${preview(t)}`, 'auth_time (number)', evidence(t));
  return pass(`auth_time is ${t}`, 'auth_time (number)', t);
});

/**
 * RFC 9700 §4.14.2: for public clients the AS MUST detect refresh token replay, by sender-constraining
 * the refresh token or by rotating it. `required` says whether this refresh is one where rotation is
 * the only option (public client, refresh token not sender-constrained); the engine picks the check.
 */
function rotated(input: unknown, required: boolean): Verdict {
  const previous = field(input, 'previous');
  const json = field(input, 'json');
  const next = isRecord(json) ? json.refresh_token : undefined;
  if (typeof previous !== 'string') return fail(`expected the previous refresh token as a string, found a ${typeName(previous)}`, 'a new refresh_token', evidence(previous));
  // RFC 6749 §6: the server MAY issue a new refresh token; without one the client keeps the old.
  if (next === undefined || next === previous) {
    const what = next === undefined ? 'the refresh response carries no new refresh_token' : 'the same refresh_token came back';
    if (!required) return notSupported(`${what}: this refresh token was not rotated (RFC 9700 §4.14.2 requires rotation only for public clients whose refresh tokens are not sender-constrained)`, 'a different refresh_token (optional here)', next === undefined ? '(none)' : '(unchanged)');
    return fail(`expected a new refresh_token for a public client's unconstrained refresh token, but ${what} (no rotation)`, 'a different refresh_token', next === undefined ? '(none)' : '(unchanged)');
  }
  if (typeof next !== 'string' || next === '') return fail(`expected refresh_token to be a non-empty string, found ${preview(next)}`, 'a new refresh_token', evidence(next));
  return pass('a new refresh_token was issued', 'a different refresh_token', '(rotated)');
}

/** Public client, refresh token not sender-constrained: rotation is the MUST of RFC 9700 §4.14.2. */
export const refreshTokenRotated = defineCheck<{ previous: unknown; json: unknown }>('refresh-token-rotated', 'RFC9700-4.14.2-rotation', (input) => rotated(input, true));

/** Confidential client, or a sender-constrained refresh token: rotation is the AS's choice (information when absent). */
export const refreshTokenRotatedOptional = defineCheck<{ previous: unknown; json: unknown }>('refresh-token-rotated-optional', 'RFC9700-4.14.2-rotation-optional', (input) => rotated(input, false));
