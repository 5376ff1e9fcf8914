// Response modes (issue 13): where the authorization response reached the client, judged in the
// mode the request asked for, as the client decodes it (the query, the fragment, or a form POST body).
import type { CitationId } from '../core/citations.ts';
import { defineCheck, fail, notSupported, pass, type Check, type Verdict } from '../core/finding.ts';
import { evidence, isRecord } from './util.ts';

export type ResponseMode = 'query' | 'fragment' | 'form_post';

export interface ResponseModeEvidence {
  /** The response_mode the authorization request sent. */
  mode: ResponseMode;
  /** Whether discovery lists it in response_modes_supported. */
  advertised: boolean;
  /** How the browser reached the redirect_uri: GET (a redirect) or POST (a submitted form). */
  method: 'GET' | 'POST';
  /** Names of the parameters in each part of what reached the redirect_uri. */
  query: string[];
  fragment: string[];
  form: string[];
}

/** Authorization response parameters that carry the outcome (RFC 6749 §4.1.2, §4.1.2.1). */
const OUTCOME = ['code', 'error'];

const where: Record<ResponseMode, string> = { query: 'the query', fragment: 'the fragment', form_post: 'a form POSTed to the redirect_uri' };

function channelOf(e: ResponseModeEvidence): string[] {
  if (e.mode === 'form_post') return e.method === 'POST' ? e.form : [];
  return e.mode === 'fragment' ? e.fragment : e.query;
}

function modeVerdict(input: unknown): Verdict {
  if (!isRecord(input) || !['query', 'fragment', 'form_post'].includes(input.mode as string)) return fail('expected the response mode evidence as an object with a mode', 'mode, advertised, method, query, fragment, form', evidence(input));
  const e = input as unknown as ResponseModeEvidence;
  const list = (a: unknown) => (Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : []);
  const got = { method: e.method, query: list(e.query), fragment: list(e.fragment), form: list(e.form) };
  const expected = `code or error (with state and iss) in ${where[e.mode]}`;
  const inMode = channelOf({ ...e, ...got });
  if (OUTCOME.some((k) => inMode.includes(k))) return pass(`the authorization response came in ${where[e.mode]} (${inMode.join(', ')}), as response_mode=${e.mode} asked`, expected, got);
  const inQuery = OUTCOME.some((k) => got.query.includes(k));
  // RFC 6749 §3.1: an AS MUST ignore request parameters it does not recognise; one that does not
  // offer the mode (does not advertise it) may answer in the default encoding.
  if (!e.advertised && inQuery) return notSupported(`response_mode=${e.mode} is not advertised in response_modes_supported, and the OP answered in the default query encoding (RFC 6749 §3.1: unrecognised parameters are ignored)`, expected, got);
  const seen = got.query.length ? `the query (${got.query.join(', ')})` : got.fragment.length ? `the fragment (${got.fragment.join(', ')})` : got.form.length ? `a ${got.method} form body (${got.form.join(', ')})` : 'no parameters at all';
  return fail(`expected the authorization response in ${where[e.mode]}${e.advertised ? ' (the mode is advertised in response_modes_supported)' : ''}, but it came in ${seen}`, expected, got);
}

function modeCheck(id: string, citation: CitationId): Check<ResponseModeEvidence> {
  return defineCheck<ResponseModeEvidence>(id, citation, modeVerdict);
}

// OAuth 2.0 Form Post Response Mode §2: the response parameters are HTML form values auto-submitted
// by the User Agent, POSTed to the redirect_uri (application/x-www-form-urlencoded body).
export const authzResponseFormPost = modeCheck('authz-response-form-post', 'FORMPOST-2-form-post');

// OAuth 2.0 Multiple Response Type Encoding Practices §2.1: response_mode=fragment returns the
// parameters in the fragment component of the redirect_uri (a code flow may ask for it).
export const authzResponseFragment = modeCheck('authz-response-fragment', 'OAMRT-2.1-fragment');

/** The mode's check, or undefined for the default (query). */
export function responseModeCheck(mode: ResponseMode): Check<ResponseModeEvidence> | undefined {
  return mode === 'form_post' ? authzResponseFormPost : mode === 'fragment' ? authzResponseFragment : undefined;
}
