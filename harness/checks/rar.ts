// Checks on OAuth 2.0 Rich Authorization Requests (RFC 9396): the authorization_details the AS
// returns with the tokens (§7) and in introspection (§9.2). The AS may enrich or narrow what it
// grants (§7: "as granted by the resource owner"), so a check asks only for what the text fixes:
// a JSON array of objects each with a string type (§2), covering every type the request asked for.
import { defineCheck, fail, pass } from '../core/finding.ts';
import { evidence, isRecord, preview } from './util.ts';

export interface RarInput {
  /** The response body (token or introspection response). */
  json: unknown;
  /** The authorization_details the request sent. */
  requested: Array<{ type: string }>;
}

/** Problems with `value` as the details granted for `requested`, or none. */
function detailsProblems(value: unknown, requested: Array<{ type: string }>): string[] {
  if (value === undefined) return ['no authorization_details member'];
  if (!Array.isArray(value)) return [`authorization_details is ${preview(value)}, not a JSON array`];
  const problems: string[] = [];
  value.forEach((d, i) => {
    if (!isRecord(d)) problems.push(`authorization_details[${i}] is not a JSON object`);
    else if (typeof d.type !== 'string' || d.type === '') problems.push(`authorization_details[${i}] has no string type`);
  });
  const types = new Set(value.filter(isRecord).map((d) => d.type));
  const missing = [...new Set(requested.map((r) => r.type))].filter((t) => !types.has(t));
  if (missing.length) problems.push(`the requested type(s) ${missing.join(', ')} are not among those returned (${[...types].map(String).join(', ') || 'none'})`);
  return problems;
}

// RFC 9396 §7: "the authorization server MUST also return the authorization details as granted by
// the resource owner and assigned to the respective access token."
export const rarTokenResponseDetails = defineCheck<RarInput>('rar-token-response-details', 'RFC9396-7-token-response', ({ json, requested }) => {
  const expected = 'authorization_details: a JSON array of objects with a type, covering every requested type';
  const value = isRecord(json) ? json.authorization_details : undefined;
  const problems = detailsProblems(value, requested);
  const actual = { authorization_details: evidence(value) };
  if (problems.length) return fail(`expected the token response to return the authorization_details granted (§7), found ${problems.join('; ')}`, expected, actual);
  return pass(`the token response returns authorization_details of type ${[...new Set(requested.map((r) => r.type))].join(', ')}`, expected, actual);
});

// RFC 9396 §9.2: the introspection response provides the authorization details of the token as a
// top-level authorization_details member (possibly filtered for the caller): judged SHOULD.
export const rarIntrospectionDetails = defineCheck<RarInput>('rar-introspection-details', 'RFC9396-9.2-introspection', ({ json, requested }) => {
  const expected = 'active: true and authorization_details covering every requested type';
  if (!isRecord(json) || json.active !== true) return fail(`expected the access token to introspect as active, found ${preview(isRecord(json) ? json.active : json)}`, expected, { active: evidence(isRecord(json) ? json.active : json) });
  const problems = detailsProblems(json.authorization_details, requested);
  const actual = { authorization_details: evidence(json.authorization_details) };
  if (problems.length) return fail(`expected introspection to carry the token's authorization_details (§9.2), found ${problems.join('; ')}`, expected, actual);
  return pass('introspection carries the token\'s authorization_details', expected, actual);
});
