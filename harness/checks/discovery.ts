// Checks on provider metadata: OpenID Connect Discovery 1.0 and RFC 8414.
import { defineCheck, fail, pass } from '../core/finding.ts';
import { validateAgainst } from '../schemas/validate.ts';
import { evidence, field, has, isRecord, preview, secureUrlProblem, summarizeErrors, typeName } from './util.ts';

export const discoveryMatchesSchema = defineCheck<unknown>('discovery-matches-schema', 'OIDD-3-metadata', (metadata) => {
  const r = validateAgainst('discovery', metadata);
  if (r.ok) return pass('provider metadata has every REQUIRED member with the right type');
  return fail(
    `provider metadata does not match discovery.schema.json: ${summarizeErrors(r.errors)}`,
    'a JSON object with issuer, authorization_endpoint, jwks_uri (URLs), response_types_supported, subject_types_supported and id_token_signing_alg_values_supported (string arrays)',
    r.errors,
  );
});

export const discoveryIssuerMatches = defineCheck<{ expected: string; metadata: unknown }>(
  'discovery-issuer-matches',
  'OIDD-4.3-issuer',
  (input) => {
    const expected = field(input, 'expected');
    const metadata = field(input, 'metadata');
    if (!isRecord(metadata)) return fail(`expected provider metadata to be a JSON object, found a ${typeName(metadata)}`, expected, evidence(metadata));
    if (!has(metadata, 'issuer')) return fail(`expected issuer ${preview(expected)} in the metadata, found no issuer member`, expected, undefined);
    const issuer = metadata.issuer;
    if (typeof issuer !== 'string') return fail(`expected issuer to be the string ${preview(expected)}, found a ${typeName(issuer)} (${preview(issuer)})`, expected, evidence(issuer));
    if (issuer === expected) return pass(`issuer ${preview(issuer)} is identical to the URL the metadata was fetched for`, expected, issuer);
    return fail(`expected issuer ${preview(expected)} exactly, found ${preview(issuer)}`, expected, evidence(issuer));
  },
);

export const discoveryAdvertisesIssParameter = defineCheck<unknown>('discovery-advertises-iss-parameter', 'RFC9207-3-metadata', (metadata) => {
  if (!isRecord(metadata)) return fail(`expected provider metadata to be a JSON object, found a ${typeName(metadata)}`, true, evidence(metadata));
  const v = metadata.authorization_response_iss_parameter_supported;
  if (v === true) return pass('authorization_response_iss_parameter_supported is true', true, true);
  if (!has(metadata, 'authorization_response_iss_parameter_supported')) {
    return fail('expected authorization_response_iss_parameter_supported: true, found the member absent', true, undefined);
  }
  return fail(`expected authorization_response_iss_parameter_supported: true, found ${preview(v)}`, true, evidence(v));
});

export const discoveryHasEndSessionEndpoint = defineCheck<unknown>('discovery-has-end-session-endpoint', 'RPIL-2.1-metadata', (metadata) => {
  const expected = 'end_session_endpoint: an https URL (or http on a loopback host)';
  if (!isRecord(metadata)) return fail(`expected provider metadata to be a JSON object, found a ${typeName(metadata)}`, expected, evidence(metadata));
  if (!has(metadata, 'end_session_endpoint')) return fail('expected end_session_endpoint in the metadata, found it absent', expected, undefined);
  const v = metadata.end_session_endpoint;
  const problem = secureUrlProblem(v);
  if (problem) return fail(`expected end_session_endpoint to be an https URL (or http on loopback), found ${problem}`, expected, evidence(v));
  return pass(`end_session_endpoint is ${preview(v)}`, expected, v);
});

export const oauthMetadataAliasMatches = defineCheck<{ expected: string; status: number; metadata: unknown }>(
  'oauth-metadata-alias-matches',
  'RFC8414-3-alias',
  (input) => {
    const expected = field(input, 'expected');
    const status = field(input, 'status');
    const metadata = field(input, 'metadata');
    const want = { status: 200, issuer: expected };
    if (status !== 200) return fail(`expected the RFC 8414 metadata URL (/.well-known/oauth-authorization-server inserted before the issuer's path, §3.1) to answer 200, found ${preview(status)}`, want, { status: evidence(status) });
    if (!isRecord(metadata)) return fail(`expected the authorization server metadata to be a JSON object, found a ${typeName(metadata)}`, want, { status, metadata: evidence(metadata) });
    const issuer = metadata.issuer;
    if (issuer !== expected) {
      return fail(`expected the authorization server metadata issuer ${preview(expected)}, found ${has(metadata, 'issuer') ? preview(issuer) : 'no issuer'}`, want, { status, issuer: evidence(issuer) });
    }
    return pass(`authorization server metadata answers 200 with issuer ${preview(issuer)}`, want, { status, issuer });
  },
);
