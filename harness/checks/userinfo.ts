// Checks on the UserInfo endpoint and on bearer-token error challenges (OIDC Core §5.3, RFC 6750 §3).
import { defineCheck, fail, pass } from '../core/finding.ts';
import { validateAgainst } from '../schemas/validate.ts';
import { clip, evidence, field, header, isRecord, jsonContentTypeProblem, preview, summarizeErrors, typeName } from './util.ts';
import { parseWwwAuthenticate, REFUSAL_STATUSES } from './www-authenticate.ts';

export const userinfoMatchesSchema = defineCheck<{ status: number; contentType?: string; json: unknown }>(
  'userinfo-matches-schema',
  'OIDCC-5.3.2-userinfo-response',
  (input) => {
    const expected = 'HTTP 200, application/json, a JSON object with sub and correctly typed standard claims';
    const status = field(input, 'status');
    const contentType = field(input, 'contentType');
    const json = field(input, 'json');
    if (status !== 200) return fail(`expected a 200 UserInfo response, found status ${preview(status)}`, expected, { status: evidence(status) });
    const ct = jsonContentTypeProblem(contentType);
    if (ct) return fail(`expected Content-Type application/json, found ${ct}`, expected, { status, contentType: evidence(contentType) });
    const r = validateAgainst('userinfo', json);
    if (!r.ok) return fail(`UserInfo response does not match userinfo.schema.json: ${summarizeErrors(r.errors)}`, expected, r.errors);
    const n = Object.keys(json as object).length;
    return pass(`200 application/json UserInfo response with sub and ${n - 1} other claim${n === 2 ? '' : 's'}`, expected, { status, contentType });
  },
);

export const userinfoSubMatchesIdToken = defineCheck<{ userinfoSub: unknown; idTokenSub: unknown }>(
  'userinfo-sub-matches-id-token',
  'OIDCC-5.3.2-userinfo-sub',
  (input) => {
    const userinfoSub = field(input, 'userinfoSub');
    const idTokenSub = field(input, 'idTokenSub');
    if (typeof idTokenSub !== 'string') return fail(`expected the ID Token sub to be a string to compare with, found a ${typeName(idTokenSub)}`, 'the ID Token sub (a string)', evidence(idTokenSub));
    if (typeof userinfoSub !== 'string') return fail(`expected UserInfo sub ${preview(idTokenSub)}, found ${userinfoSub === undefined ? 'no sub' : `a ${typeName(userinfoSub)} (${preview(userinfoSub)})`}`, idTokenSub, evidence(userinfoSub));
    if (userinfoSub === idTokenSub) return pass(`UserInfo sub equals the ID Token sub (${preview(idTokenSub)})`, idTokenSub, userinfoSub);
    return fail(`expected UserInfo sub exactly ${preview(idTokenSub)} (the ID Token sub), found ${preview(userinfoSub)}`, idTokenSub, evidence(userinfoSub));
  },
);

// RFC 6750 §3, §3.1: the one refusal policy shared with the resource checks (resource.ts).
const CHALLENGE_STATUSES = REFUSAL_STATUSES;

export const bearerChallengeOnError = defineCheck<{ status: number; headers: Record<string, string>; expectError?: string }>(
  'bearer-challenge-on-error',
  'RFC6750-3-www-authenticate',
  (input) => {
    const status = field(input, 'status');
    const headers = field(input, 'headers');
    const expectError = field(input, 'expectError');
    const wantError = typeof expectError === 'string' ? expectError : undefined;
    const expected = { status: CHALLENGE_STATUSES, 'www-authenticate': `Bearer${wantError ? ` error="${wantError}"` : ''}` };
    if (typeof status !== 'number' || !CHALLENGE_STATUSES.includes(status)) {
      return fail(`expected the protected resource to refuse with 401 (or 400/403), found status ${preview(status)}`, expected, { status: evidence(status) });
    }
    if (!isRecord(headers)) return fail(`expected response headers as an object, found a ${typeName(headers)}`, expected, { status });
    const value = header(headers, 'www-authenticate');
    if (value === undefined) return fail(`expected a WWW-Authenticate header with the Bearer scheme, found none (status ${status})`, expected, { status });
    const parsed = parseWwwAuthenticate(value);
    const bearer = parsed.challenges.find((c) => c.scheme.toLowerCase() === 'bearer');
    const actual = { status, 'www-authenticate': evidence(value) };
    if (!bearer) {
      const schemes = parsed.challenges.slice(0, 5).map((c) => clip(c.scheme, 40));
      return fail(
        `expected a Bearer challenge in WWW-Authenticate, found ${schemes.length > 0 ? `scheme${schemes.length > 1 ? 's' : ''} ${schemes.join(', ')}` : 'none'}${parsed.error ? ` (unparseable: ${parsed.error})` : ''}: ${preview(value)}`,
        expected,
        actual,
      );
    }
    if (parsed.error) return fail(`expected a well-formed WWW-Authenticate value, found ${clip(parsed.error, 200)}: ${preview(value)}`, expected, actual);
    if (wantError !== undefined) {
      const got = bearer.params.error;
      if (got === undefined) return fail(`expected the Bearer challenge to carry error="${wantError}", found no error parameter: ${preview(value)}`, expected, actual);
      if (got !== wantError) return fail(`expected error="${wantError}" in the Bearer challenge, found error=${preview(got)}`, expected, actual);
    }
    const errNote = bearer.params.error !== undefined ? ` with error=${preview(bearer.params.error)}` : '';
    return pass(`${status} with a Bearer challenge${errNote}`, expected, actual);
  },
);
