// Checks on the parameters of an authorization response captured at the redirect URI.
import { defineCheck, fail, pass, type Verdict } from '../core/finding.ts';
import { clip, evidence, field, isRecord, preview, typeName } from './util.ts';

export interface AuthzResponseEvidence {
  /** The response parameters (query, or fragment/form_post for other response modes). */
  params: Record<string, string>;
  /** The state sent in the authorization request, if any. */
  sentState?: string;
  /** The issuer identifier from discovery. */
  issuer: string;
}

function paramsOf(input: unknown): Record<string, unknown> | undefined {
  const p = field(input, 'params');
  return isRecord(p) ? p : undefined;
}

const badParams = (input: unknown) => `expected the authorization response parameters as an object, found a ${typeName(field(input, 'params'))}`;

export const authzResponseHasIss = defineCheck<AuthzResponseEvidence>('authz-response-has-iss', 'RFC9207-2-iss', (input) => {
  const issuer = field(input, 'issuer');
  const params = paramsOf(input);
  if (!params) return fail(badParams(input), issuer, evidence(field(input, 'params')));
  if (!Object.hasOwn(params, 'iss')) return fail(`expected iss=${preview(issuer)} in the authorization response, found no iss parameter`, issuer, undefined);
  if (typeof issuer === 'string' && params.iss === issuer) return pass(`iss is exactly the issuer ${preview(issuer)}`, issuer, params.iss);
  return fail(`expected iss exactly ${preview(issuer)}, found ${preview(params.iss)}`, issuer, evidence(params.iss));
});

/** state echo rule shared by the authorization and logout responses. */
export function stateEchoVerdict(input: unknown, where: string): Verdict {
  const params = paramsOf(input);
  const sent = field(input, 'sentState');
  const wasSent = sent !== undefined;
  const expected = wasSent ? sent : '(no state parameter: none was sent)';
  if (!params) return fail(badParams(input), expected, evidence(field(input, 'params')));
  const present = Object.hasOwn(params, 'state');
  if (!wasSent) {
    if (!present) return pass(`no state was sent and the ${where} has none`, expected, undefined);
    return fail(`expected no state in the ${where} (none was sent), found ${preview(params.state)}`, expected, evidence(params.state));
  }
  if (!present) return fail(`expected state ${preview(sent)} echoed in the ${where}, found no state parameter`, expected, undefined);
  if (typeof sent === 'string' && params.state === sent) return pass(`state echoed exactly (${preview(sent)})`, expected, params.state);
  return fail(`expected state exactly ${preview(sent)}, found ${preview(params.state)}`, expected, evidence(params.state));
}

export const authzResponseStateEchoed = defineCheck<AuthzResponseEvidence>('authz-response-state-echoed', 'RFC6749-4.1.2-state', (input) =>
  stateEchoVerdict(input, 'authorization response'),
);

export const authzResponseHasCode = defineCheck<Record<string, string>>('authz-response-has-code', 'RFC6749-4.1.2-code', (params) => {
  const expected = 'a non-empty code parameter';
  if (!isRecord(params)) return fail(`expected the authorization response parameters as an object, found a ${typeName(params)}`, expected, evidence(params));
  if (Object.hasOwn(params, 'error')) {
    const desc = typeof params.error_description === 'string' ? ` (${preview(params.error_description)})` : '';
    return fail(`expected a successful authorization response with a code, found error=${preview(params.error)}${desc}`, expected, evidence({ error: params.error, error_description: params.error_description }));
  }
  if (!Object.hasOwn(params, 'code')) return fail(`expected a code parameter, found none (parameters: ${preview(Object.keys(params))})`, expected, evidence(Object.keys(params)));
  const code = params.code;
  if (typeof code !== 'string' || code === '') return fail(`expected a non-empty code string, found ${preview(code)}`, expected, evidence(code));
  return pass(`authorization response carries a code (${code.length} chars)`, expected, `${code.length} chars`);
});

export interface RedirectTargetEvidence {
  /** The redirect_uri of the authorization request (one registered for the client). */
  sentTo: string;
  /** Where the OP sent the browser with the response. */
  landedAt: string;
  /** Names of the authorization response parameters (code, state, error, ...) on that URL. */
  params: string[];
}

/** scheme://host/path of a URL, or the input itself when it does not parse. */
function withoutQuery(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url;
  }
}

// RFC 6749 §3.1.2.4 and §4.1.2.1: the AS MUST NOT automatically redirect the user-agent to an
// invalid or mismatching redirection URI; the response goes to the request's redirection URI
// (§4.1.2), which must exactly match a registered one (OIDC Core §3.1.2.1; RFC 9700 §4.1).
export const authzResponseAtRedirectUri = defineCheck<RedirectTargetEvidence>('authz-response-at-redirect-uri', 'RFC6749-3.1.2.4', (input) => {
  const sentTo = field(input, 'sentTo');
  const landedAt = field(input, 'landedAt');
  const params = field(input, 'params');
  const expected = { redirect_uri: sentTo };
  if (typeof sentTo !== 'string' || typeof landedAt !== 'string') return fail(`expected the redirect_uri sent and the URL the OP redirected to, found ${preview(sentTo)} and ${preview(landedAt)}`, expected, evidence({ sentTo, landedAt }));
  const names = Array.isArray(params) ? params.filter((p): p is string => typeof p === 'string') : [];
  const actual = { redirected_to: clip(landedAt, 300), params: names };
  if (withoutQuery(landedAt) === withoutQuery(sentTo)) return pass(`the authorization response went to the redirect_uri of the request (${preview(sentTo)})`, expected, actual);
  return fail(
    `expected the authorization response at the redirect_uri of the request ${preview(sentTo)}, found the OP redirected it (${names.length ? names.join(', ') : 'no parameters'}) to ${preview(withoutQuery(landedAt))}, which is not that redirect_uri`,
    expected,
    actual,
  );
});
