// Checks on request objects (JAR, RFC 9101): discovery says they are taken, and the OP used the
// parameters inside the object, not those sent beside it.
import { defineCheck, fail, pass } from '../core/finding.ts';
import { isRecord, preview } from './util.ts';

/**
 * RFC 9101 §10.5 (AS metadata) / OIDD §3: an OP that takes request objects by value says
 * request_parameter_supported true (OIDD's default is false) and lists the algs it verifies.
 */
export const discoveryAdvertisesRequestObjects = defineCheck<unknown>('discovery-advertises-request-objects', 'RFC9101-10.5-metadata', (metadata) => {
  const expected = 'request_parameter_supported true and a non-empty request_object_signing_alg_values_supported';
  if (!isRecord(metadata)) return fail(`expected the discovery document to be a JSON object, found ${preview(metadata)}`, expected);
  const supported = metadata.request_parameter_supported;
  const algs = metadata.request_object_signing_alg_values_supported;
  const actual = { request_parameter_supported: supported ?? null, request_object_signing_alg_values_supported: algs ?? null };
  if (supported !== true) return fail(`expected request_parameter_supported true, discovery says ${supported === undefined ? '(absent: false)' : JSON.stringify(supported)}`, expected, actual);
  if (!Array.isArray(algs) || algs.length === 0 || !algs.every((a) => typeof a === 'string')) return fail(`expected request_object_signing_alg_values_supported to list algs, found ${preview(algs)}`, expected, actual);
  return pass(`request objects are advertised, signed with ${algs.join(', ')}`, expected, actual);
});

/**
 * RFC 9101 §6.3: the OP MUST only use the parameters inside the request object. `name` was sent
 * inside with `inside` (undefined: not inside) and outside with `outside`; `got` is what the OP
 * used (the state of the authorization response, the nonce of the ID Token).
 */
export const requestObjectParamUsed = defineCheck<{ name: string; inside?: string; outside?: string; got?: unknown; where: string }>(
  'request-object-param-used',
  'RFC9101-6.3-request-only',
  ({ name, inside, outside, got, where }) => {
    const expected = inside === undefined ? `no ${name} in ${where} (none was inside the request object)` : `${name} ${JSON.stringify(inside)} (the value inside the request object) in ${where}`;
    const actual = { [name]: got ?? null, outside: outside ?? null };
    if (got === undefined || got === null) {
      return inside === undefined ? pass(`${where} carries no ${name}: the ${name} sent only outside the request object was ignored`, expected, actual) : fail(`expected ${name} ${JSON.stringify(inside)} from inside the request object; ${where} carries no ${name}`, expected, actual);
    }
    if (got === inside) return pass(`${where} carries the ${name} from inside the request object`, expected, actual);
    if (outside !== undefined && got === outside) return fail(`expected ${inside === undefined ? `no ${name}` : `the ${name} inside the request object (${JSON.stringify(inside)})`}; ${where} carries the one sent outside it (${JSON.stringify(outside)})`, expected, actual);
    return fail(`expected ${inside === undefined ? `no ${name}` : `${name} ${JSON.stringify(inside)}`}; ${where} carries ${preview(got)}, neither the value inside the request object nor the one outside`, expected, actual);
  },
);
