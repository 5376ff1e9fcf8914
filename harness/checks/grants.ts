// Checks on the token responses of the grants without an End-User redirect: client credentials
// (RFC 6749 §4.4) and the scope a token response grants (RFC 6749 §3.3).
import { defineCheck, fail, pass } from '../core/finding.ts';
import { evidence, has, isRecord, preview, typeName } from './util.ts';

/** RFC 6749 §4.4.3: "A refresh token SHOULD NOT be included." */
export const clientCredentialsNoRefreshToken = defineCheck<unknown>('cc-no-refresh-token', 'RFC6749-4.4.3-no-refresh', (json) => {
  const expected = 'no refresh_token in a client credentials token response';
  if (!isRecord(json)) return fail(`expected the token response to be a JSON object, found a ${typeName(json)}`, expected, evidence(json));
  if (has(json, 'refresh_token')) return fail('expected no refresh_token in a client credentials token response, found one', expected, { refresh_token: '(present)' });
  return pass('no refresh_token issued for the client credentials grant', expected, { refresh_token: 'absent' });
});

/**
 * RFC 6749 §3.3 / §5.1: the granted scope (the response's scope, or the requested scope when the
 * response omits it) lies within what was requested; a client never gets more than it asked for.
 */
export const grantedScopeWithinRequest = defineCheck<{ requested?: string; json: unknown }>('granted-scope-within-request', 'RFC6749-3.3-scope', (input) => {
  const expected = input?.requested === undefined ? 'any scope (none was requested)' : `a subset of ${preview(input.requested)}`;
  if (!isRecord(input) || !isRecord(input.json)) return fail('expected the token response to be a JSON object', expected, evidence(input?.json));
  const granted = input.json.scope;
  if (granted !== undefined && typeof granted !== 'string') return fail(`expected scope to be a string, found a ${typeName(granted)}`, expected, evidence(granted));
  if (input.requested === undefined) return pass(`scope ${preview(granted ?? '(none)')} granted without a request for one`, expected, granted ?? null);
  if (granted === undefined) return pass(`no scope member: the requested scope ${preview(input.requested)} was granted as is`, expected, null);
  const asked = new Set(input.requested.split(' ').filter(Boolean));
  const extra = granted.split(' ').filter((s) => s && !asked.has(s));
  if (extra.length) return fail(`expected a scope within the request, found ${preview(extra.join(' '))} granted but not requested`, expected, granted);
  return pass(`granted scope ${preview(granted)} is within the request`, expected, granted);
});

/**
 * RFC 6749 §3.3: the server MAY grant less than the requested scope (or refuse, §5.2
 * invalid_scope); when the granted scope differs from the request it MUST say so in `scope`.
 * For a request holding scopes the client cannot get (`notGranted`), a success must carry
 * `scope` without any of them.
 */
export const unavailableScopeNotGranted = defineCheck<{ requested: string; notGranted: string[]; json: unknown }>('unavailable-scope-not-granted', 'RFC6749-3.3-scope', (input) => {
  const notGranted = isRecord(input) && Array.isArray(input.notGranted) ? input.notGranted.filter((x): x is string => typeof x === 'string') : [];
  const expected = `invalid_scope, or a token response whose scope member leaves out ${notGranted.join(' ') || '(nothing named)'}`;
  if (!isRecord(input) || !isRecord(input.json)) return fail('expected the token response to be a JSON object', expected, evidence(input?.json));
  if (notGranted.length === 0) return fail('expected the scopes the client cannot be granted (notGranted)', expected, evidence(input.notGranted));
  const granted = input.json.scope;
  if (granted === undefined) {
    // §3.3: without a scope member the client was granted what it asked for, the unavailable scopes included.
    return fail(`expected the narrowed scope in a scope member (RFC 6749 §3.3), found none: the response claims ${preview(input.requested)} was granted as requested, ${notGranted.join(' ')} included`, expected, null);
  }
  if (typeof granted !== 'string') return fail(`expected scope to be a string, found a ${typeName(granted)}`, expected, evidence(granted));
  const leaked = granted.split(' ').filter((s) => notGranted.includes(s));
  if (leaked.length) return fail(`expected ${leaked.join(' ')} not to be granted, found scope ${preview(granted)}`, expected, granted);
  return pass(`the request was narrowed to ${preview(granted)} (RFC 6749 §3.3 allows it; scope says so)`, expected, granted);
});
