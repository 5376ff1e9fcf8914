import { describe, expect, it } from 'vitest';
import { discoveryAdvertisesRequestObjects, requestObjectParamUsed } from '../../harness/checks/index.ts';
import { expectFail, expectPass } from './helpers.ts';

describe('discoveryAdvertisesRequestObjects', () => {
  it('passes when request objects and their algs are advertised', () => {
    const f = discoveryAdvertisesRequestObjects({ request_parameter_supported: true, request_object_signing_alg_values_supported: ['PS256', 'ES256'] });
    expectPass(f);
    expect(f.citation.id).toBe('RFC9101-10.5-metadata');
  });
  it('fails when request_parameter_supported is absent (OIDD default false) or false', () => {
    expectFail(discoveryAdvertisesRequestObjects({ request_object_signing_alg_values_supported: ['PS256'] }), /absent/);
    expectFail(discoveryAdvertisesRequestObjects({ request_parameter_supported: false, request_object_signing_alg_values_supported: ["PS256"] }), /says false/);
  });
  it('fails without request_object_signing_alg_values_supported', () => expectFail(discoveryAdvertisesRequestObjects({ request_parameter_supported: true }), /request_object_signing_alg_values_supported/));
});

describe('requestObjectParamUsed', () => {
  const where = 'the authorization response';
  it('passes when the inside value is used', () => expectPass(requestObjectParamUsed({ name: 'state', inside: 'in', outside: 'out', got: 'in', where })));
  it('passes when a value sent only outside is ignored', () => expectPass(requestObjectParamUsed({ name: 'state', outside: 'out', got: undefined, where })));
  it('fails when the outside value is used', () => {
    const f = requestObjectParamUsed({ name: 'nonce', inside: 'in', outside: 'out', got: 'out', where: 'the ID Token' });
    expectFail(f, /outside/);
    expect(f.citation.id).toBe('RFC9101-6.3-request-only');
  });
  it('fails when a value sent only outside is used', () => expectFail(requestObjectParamUsed({ name: 'state', outside: 'out', got: 'out', where }), /outside/));
  it('fails when the inside value is missing from the response', () => expectFail(requestObjectParamUsed({ name: 'state', inside: 'in', outside: 'out', got: undefined, where }), /carries no state/));
});
