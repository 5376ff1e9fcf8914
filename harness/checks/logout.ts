// Checks on the redirect back to the client after RP-Initiated Logout.
import { defineCheck, fail, pass } from '../core/finding.ts';
import { stateEchoVerdict } from './authorization.ts';
import { evidence, field, preview, typeName } from './util.ts';

export const logoutStateEchoed = defineCheck<{ params: Record<string, string>; sentState?: string }>('logout-state-echoed', 'RPIL-3-state', (input) =>
  stateEchoVerdict(input, 'post-logout redirect'),
);

/**
 * The URL with every `state` query parameter removed, other parameters kept byte-for-byte in
 * their order; `?` goes when nothing is left. The fragment is kept.
 */
export function withoutStateParam(url: string): string {
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : url.slice(hashAt);
  const qAt = beforeHash.indexOf('?');
  if (qAt === -1) return url;
  const base = beforeHash.slice(0, qAt);
  const kept = beforeHash
    .slice(qAt + 1)
    .split('&')
    .filter((pair) => {
      const name = pair.split('=', 1)[0];
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // keep the raw name
      }
      return decoded !== 'state';
    });
  const query = kept.filter((p) => p !== '').length === 0 ? '' : `?${kept.join('&')}`;
  return base + query + fragment;
}

export const logoutRedirectIsRegistered = defineCheck<{ redirectedTo: string; registered: string[] }>(
  'logout-redirect-is-registered',
  'RPIL-3-registered-redirect',
  (input) => {
    const redirectedTo = field(input, 'redirectedTo');
    const registeredRaw = field(input, 'registered');
    const registered = Array.isArray(registeredRaw) ? registeredRaw.filter((r): r is string => typeof r === 'string') : [];
    const expected = registered.length > 0 ? `one of ${registered.map((r) => preview(r)).join(', ')} (plus state)` : 'a registered post_logout_redirect_uri';
    if (!Array.isArray(registeredRaw)) return fail(`expected the list of registered post_logout_redirect_uris, found a ${typeName(registeredRaw)}`, expected, evidence(redirectedTo));
    if (typeof redirectedTo !== 'string') return fail(`expected the URL the OP redirected to, found a ${typeName(redirectedTo)}`, expected, evidence(redirectedTo));
    const stripped = withoutStateParam(redirectedTo);
    const match = registered.find((r) => r === stripped || r === redirectedTo);
    if (match !== undefined) return pass(`OP redirected to the registered post_logout_redirect_uri ${preview(match)}`, expected, redirectedTo);
    if (registered.length === 0) return fail(`expected no redirect (no post_logout_redirect_uri is registered), found one to ${preview(redirectedTo)}`, expected, evidence(redirectedTo));
    return fail(`expected a redirect to exactly a registered post_logout_redirect_uri, found ${preview(redirectedTo)}${stripped !== redirectedTo ? ` (${preview(stripped)} without state)` : ''}`, expected, evidence(redirectedTo));
  },
);
