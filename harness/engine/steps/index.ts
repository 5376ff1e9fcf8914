// The one registry of step kinds: what each kind runs and the JSON schema of its `with` options.
// The runner runs steps from here and the catalog validates every module's steps against it
// (so `touchstone validate` and `run` name a misspelled option); nothing else lists step kinds.
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { StepDef } from '../../core/types.ts';
import type { ModuleRun } from '../module-run.ts';
import { compileGroup, type ValidatorGroup } from '../../core/precompiled.ts';
import { authorize, authorizeOptions } from './authorize.ts';
import { cibaDecide, cibaDecideOptions, cibaPing, cibaPingOptions, cibaRequest, cibaRequestOptions, cibaToken, cibaTokenOptions } from './ciba.ts';
import { clientCredentials, clientCredentialsOptions, password, passwordOptions } from './client-credentials.ts';
import { deviceApprove, deviceApproveOptions, deviceAuthorization, deviceAuthorizationOptions, deviceToken, deviceTokenOptions } from './device.ts';
import { logout, logoutOptions } from './logout.ts';
import { outcome, outcomeOptions } from './outcome.ts';
import { discover, discoverOptions, jwks, jwksOptions, oauthMetadata, oauthMetadataOptions } from './metadata.ts';
import type { JsonSchema, OptionsSchema } from './options.ts';
import { authorizeStart, authorizeStartOptions, par, parOptions } from './par.ts';
import { race, raceOptions } from './race.ts';
import { rarDetails, rarDetailsOptions } from './rar.ts';
import { refresh, refreshOptions } from './refresh.ts';
import { register, registerOptions } from './register.ts';
import { resource, resourceMetadata, resourceMetadataOptions, resourceOptions, resourceToken, resourceTokenOptions } from './resource.ts';
import { rotateKeys, rotateKeysOptions } from './rotate-keys.ts';
import { entropy, entropyOptions } from './entropy.ts';
import { discoveryHonesty, discoveryHonestyOptions } from './discovery-honesty.ts';
import { inspect, inspectOptions } from './inspect.ts';
import { introspect, introspectOptions, revoke, revokeOptions } from './token-management.ts';
import { tlsProbe, tlsProbeOptions } from './tls-probe.ts';
import { token, tokenOptions } from './token.ts';
import { userinfo, userinfoOptions } from './userinfo.ts';
import { wait, waitOptions } from './wait.ts';

export type StepFn = (run: ModuleRun, step: StepDef) => Promise<void>;

export interface StepSpec {
  run: StepFn;
  /** The schema of the step's `with` (closed: an unknown option is an error). */
  with: OptionsSchema;
  doc?: string;
  /** The step drives the browser: the runner opens the module's browser context as the module starts. */
  browser?: true;
}

export const STEPS = {
  discover: { run: discover, with: discoverOptions, doc: 'GET the OpenID discovery document' },
  'oauth-metadata': { run: oauthMetadata, with: oauthMetadataOptions, doc: 'GET the RFC 8414 metadata alias' },
  jwks: { run: jwks, with: jwksOptions, doc: 'GET jwks_uri' },
  authorize: { run: authorize, with: authorizeOptions, doc: 'the authorization request in the browser', browser: true },
  token: { run: token, with: tokenOptions, doc: 'the authorization_code grant' },
  refresh: { run: refresh, with: refreshOptions, doc: 'the refresh_token grant' },
  userinfo: { run: userinfo, with: userinfoOptions, doc: 'the UserInfo endpoint' },
  logout: { run: logout, with: logoutOptions, doc: 'RP-initiated logout in the browser', browser: true },
  wait: { run: wait, with: waitOptions, doc: 'wait seconds, or past a TTL the provider gave' },
  'rotate-keys': { run: rotateKeys, with: rotateKeysOptions, doc: 'plan operations.rotate_keys' },
  race: { run: race, with: raceOptions, doc: 'one code or refresh token redeemed concurrently' },
  par: { run: par, with: parOptions, doc: 'a pushed authorization request' },
  'authorize-start': { run: authorizeStart, with: authorizeStartOptions, doc: 'open /authorize with a request_uri, not followed' },
  'client-credentials': { run: clientCredentials, with: clientCredentialsOptions, doc: 'the client_credentials grant' },
  password: { run: password, with: passwordOptions, doc: 'the resource owner password grant' },
  introspect: { run: introspect, with: introspectOptions, doc: 'token introspection (RFC 7662, RFC 9701)' },
  revoke: { run: revoke, with: revokeOptions, doc: 'token revocation (RFC 7009)' },
  register: { run: register, with: registerOptions, doc: 'dynamic client registration and management (RFC 7591, RFC 7592)' },
  'device-authorization': { run: deviceAuthorization, with: deviceAuthorizationOptions, doc: 'the device authorization request (RFC 8628)' },
  'device-approve': { run: deviceApprove, with: deviceApproveOptions, doc: 'the End-User at verification_uri in the browser', browser: true },
  'device-token': { run: deviceToken, with: deviceTokenOptions, doc: 'poll the token endpoint with the device_code' },
  'ciba-request': { run: cibaRequest, with: cibaRequestOptions, doc: 'the CIBA authentication request' },
  'ciba-decide': { run: cibaDecide, with: cibaDecideOptions, doc: 'plan operations.ciba_decide' },
  'ciba-token': { run: cibaToken, with: cibaTokenOptions, doc: 'poll the token endpoint with the auth_req_id' },
  'rar-details': { run: rarDetails, with: rarDetailsOptions, doc: 'RFC 9396 authorization_details in the token response (and introspection)' },
  'ciba-ping': { run: cibaPing, with: cibaPingOptions, doc: 'wait for the CIBA ping at the run\'s client notification endpoint' },
  'resource-token': { run: resourceToken, with: resourceTokenOptions, doc: 'a valid access token for a plan resource target' },
  resource: { run: resource, with: resourceOptions, doc: 'call a plan resource target' },
  'resource-metadata': { run: resourceMetadata, with: resourceMetadataOptions, doc: 'RFC 9728 protected resource metadata' },
  entropy: { run: entropy, with: entropyOptions, doc: 'estimate the entropy of a sample of codes or access tokens (RFC 6749 §10.10)' },
  'discovery-honesty': { run: discoveryHonesty, with: discoveryHonestyOptions, doc: 'try what discovery advertises (grant types, auth methods, response types and modes, PKCE methods) with the plan\'s clients' },
  outcome: { run: outcome, with: outcomeOptions, doc: 'one token request where the specs allow several answers: which came (information)' },
  inspect: { run: inspect, with: inspectOptions, doc: 'judge what earlier steps recorded (OP page headers, token response headers, the access token)' },
  'tls-probe': { run: tlsProbe, with: tlsProbeOptions, doc: 'TLS handshakes and plain-HTTP requests against an https issuer (certificate, versions, ciphers, plain-http)' },
} satisfies Record<string, StepSpec>;

export type StepKind = keyof typeof STEPS;

export const STEP_KINDS = Object.keys(STEPS) as StepKind[];

export function isStepKind(kind: string): kind is StepKind {
  return Object.hasOwn(STEPS, kind);
}

/** The run function of every kind, for the runner. */
export const STEP_RUNNERS: Record<string, StepFn> = Object.fromEntries(STEP_KINDS.map((k) => [k, STEPS[k].run]));

/** Does this step drive the browser? */
export const usesBrowser = (kind: string): boolean => isStepKind(kind) && (STEPS[kind] as StepSpec).browser === true;

// ------------------------------------------------------------------ validation

/** The `with` validators of every kind, for precompiled.ts (verbose: describe() reads e.parentSchema). */
export const STEP_VALIDATORS: ValidatorGroup<StepKind> = {
  name: 'steps',
  options: { allErrors: true, strict: true, allowUnionTypes: true, verbose: true },
  schemas: STEP_KINDS.map((k) => ({ id: `touchstone:step:${k}`, schema: STEPS[k].with })),
  exports: Object.fromEntries(STEP_KINDS.map((k) => [k, `touchstone:step:${k}`])) as Record<StepKind, string>,
};

let validators: Record<StepKind, ValidateFunction> | undefined;

/** The compiled validator of a kind's `with` (all kinds compiled once, or loaded from the cache). */
export function optionsValidator(kind: StepKind): ValidateFunction {
  validators ??= compileGroup(STEP_VALIDATORS).validators;
  return validators[kind];
}

const pathOf = (instancePath: string) => `with${instancePath.replace(/\//g, '.')}`;

function describe(kind: StepKind, e: ErrorObject): string {
  const at = pathOf(e.instancePath);
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    const allowed = Object.keys(((e.parentSchema ?? {}) as JsonSchema).properties ?? {});
    const where = e.instancePath ? ` in ${at}` : '';
    return `${at}.${extra} is not an option of step kind "${kind}" (allowed${where}: ${allowed.join(', ') || 'none'})`;
  }
  if (e.keyword === 'enum') return `${at} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'required') return `${at}.${(e.params as { missingProperty: string }).missingProperty} is required by step kind "${kind}"`;
  if (e.keyword === 'type') return `${at} must be ${[(e.params as { type: string | string[] }).type].flat().join(' or ')}`;
  return `${at} ${e.message ?? e.keyword}`;
}

/** Problems of a step's `with` against its kind's schema, best first (an unknown option, then the deepest). */
export function stepOptionProblems(kind: StepKind, w: unknown = {}): string[] {
  const v = optionsValidator(kind);
  if (v(w)) return [];
  const rank = (e: ErrorObject) => (e.keyword === 'additionalProperties' ? 0 : 1);
  const errors = [...(v.errors ?? [])].sort((a, b) => rank(a) - rank(b) || b.instancePath.split('/').length - a.instancePath.split('/').length);
  return [...new Set(errors.map((e) => describe(kind, e)))];
}
