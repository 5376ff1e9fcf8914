// Checks on dynamic client registration (RFC 7591 §3.2.1) and client configuration (RFC 7592 §3)
// responses. Client secrets and registration access tokens are never echoed in a finding.
import { defineCheck, fail, pass } from '../core/finding.ts';
import { validateAgainst } from '../schemas/validate.ts';
import { evidence, field, isRecord, jsonContentTypeProblem, preview, summarizeErrors, typeName } from './util.ts';

const SECRET_MEMBERS = new Set(['client_secret', 'registration_access_token']);

/** Copy for evidence, with secrets replaced. */
function redact(json: unknown): unknown {
  if (!isRecord(json)) return evidence(json);
  return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, SECRET_MEMBERS.has(k) ? '***' : evidence(v)]));
}

/**
 * RFC 7591 §3.2.1 (201 for registration) / RFC 7592 §3 (200 for read and update): application/json,
 * client_id, client_secret_expires_at with a secret, registration_access_token with
 * registration_client_uri (on registration), and the metadata members with their types.
 */
export const registrationResponseMatchesSchema = defineCheck<{ status: number; expectedStatus: number; contentType?: string; json: unknown; created?: boolean }>(
  'registration-response-matches-schema',
  'RFC7591-3.2.1-response',
  (input) => {
    const want = field(input, 'expectedStatus');
    const created = field(input, 'created') === true;
    const expected = `HTTP ${preview(want)}, application/json, client_id${created ? ', registration_access_token and registration_client_uri' : ''} per registration-response.schema.json`;
    const status = field(input, 'status');
    const json = field(input, 'json');
    if (status !== want) return fail(`expected HTTP ${preview(want)}, found ${preview(status)}${isRecord(json) && typeof json.error === 'string' ? ` with error=${preview(json.error)}` : ''}`, expected, { status: evidence(status) });
    const ct = jsonContentTypeProblem(field(input, 'contentType'));
    if (ct) return fail(`expected Content-Type application/json, found ${ct}`, expected, { contentType: evidence(field(input, 'contentType')) });
    const r = validateAgainst('registration-response', json);
    if (!r.ok) return fail(`client information response does not match registration-response.schema.json: ${summarizeErrors(r.errors)}`, expected, r.errors);
    if (created && (!isRecord(json) || typeof json.registration_access_token !== 'string')) {
      return fail('expected a registration_access_token and registration_client_uri (RFC 7592 §3), found none', expected, redact(json));
    }
    return pass(`client information for ${preview((json as { client_id: string }).client_id)}`, expected, redact(json));
  },
);

/**
 * RFC 7591 §3.2.1 / RFC 7592 §2.1-2.2: the client information response holds the metadata as
 * registered. `sent` are the members the client asked for; each must come back with that value
 * (the server may have set defaults for others).
 */
export const registrationEchoesMetadata = defineCheck<{ sent: Record<string, unknown>; json: unknown }>('registration-echoes-metadata', 'RFC7591-3.2.1-response', (input) => {
  const sent = (field(input, 'sent') as Record<string, unknown> | undefined) ?? {};
  const json = field(input, 'json');
  const expected = Object.fromEntries(Object.entries(sent).filter(([k]) => !SECRET_MEMBERS.has(k)));
  if (!isRecord(json)) return fail(`expected the client information to be a JSON object, found a ${typeName(json)}`, expected, evidence(json));
  const differ = Object.keys(expected).filter((k) => JSON.stringify(json[k]) !== JSON.stringify(expected[k]));
  if (differ.length) {
    return fail(`expected the registered metadata back, found ${differ.map((k) => `${k}=${preview(json[k])} (sent ${preview(expected[k])})`).join(', ')}`, expected, Object.fromEntries(differ.map((k) => [k, evidence(json[k])])));
  }
  return pass(`registered metadata returned as sent (${Object.keys(expected).join(', ') || 'no members sent'})`, expected, Object.fromEntries(Object.keys(expected).map((k) => [k, evidence(json[k])])));
});
