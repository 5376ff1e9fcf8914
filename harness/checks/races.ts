// One-time JWT ids under concurrency (codes and refresh tokens: token.ts): the same client
// assertion, or the same DPoP proof, carried by several requests at once, possibly split across
// the provider's instances. At most one may be served; the step also sends one more copy after
// the race (`replay`), which says whether the server keeps jtis at all (evidence for the message).
import { defineCheck, fail, pass } from '../core/finding.ts';
import { evidence, field, preview } from './util.ts';

interface RaceInput {
  /** Status of each concurrent request. */
  statuses: number[];
  /** Status of one more request with the same value, sent after the race answered. */
  replay?: number;
}

/**
 * Of several concurrent requests for one single-use value (`reqs`: "concurrent authorization_code
 * requests", "concurrent requests carrying ..."), one was served (2xx) and the others refused
 * (4xx). `overServed` words a failure with more than one served: how many at most, and what the
 * `replay` evidence adds.
 */
export function servedOnce(input: unknown, reqs: string, overServed: (replay: unknown) => { most: string; tail: string } = jtiOverServed) {
  const statuses = field(input, 'statuses');
  const replay = field(input, 'replay');
  const expected = `exactly one 2xx among the ${reqs}, the others refused (4xx)`;
  if (!Array.isArray(statuses) || statuses.length < 2 || !statuses.every((s) => typeof s === 'number')) {
    return fail(`expected the statuses of at least two concurrent requests, found ${preview(statuses)}`, expected, evidence(statuses));
  }
  const served = statuses.filter((s) => s >= 200 && s < 300).length;
  const refused = statuses.filter((s) => s >= 400 && s < 500).length;
  const actual = { statuses, ...(typeof replay === 'number' ? { replay } : {}) };
  if (served === 1 && refused === statuses.length - 1) return pass(`1 of ${statuses.length} ${reqs} served, ${refused} refused`, expected, actual);
  if (served > 1) {
    const { most, tail } = overServed(replay);
    return fail(`expected ${most} one of ${statuses.length} ${reqs} to be served, found ${served}${tail}`, expected, actual);
  }
  if (served === 0) return fail(`expected one of ${statuses.length} ${reqs} to be served, found none (statuses ${statuses.join(', ')})`, expected, actual);
  return fail(`expected the other requests refused with a 4xx, found statuses ${statuses.join(', ')}`, expected, actual);
}

/** A jti race served more than once: what one more copy, sent after it, says of the server's jti record. */
function jtiOverServed(replay: unknown): { most: string; tail: string } {
  const tail = typeof replay !== 'number' ? '' : replay >= 400 && replay < 500
    ? `; one more copy sent afterwards was refused (${replay}): the server remembers the jti, but not atomically or not across its instances`
    : replay >= 200 && replay < 300 ? `; one more copy sent afterwards was served too (${replay}): the server keeps no record of the jti` : '';
  return { most: 'at most', tail };
}

const servedOnceOf = (input: unknown, what: string) => servedOnce(input, `concurrent requests carrying ${what}`);

/** OpenID Connect Core §9 (RFC 7523 §3 item 7): one client assertion (one jti) serves at most one token request. */
export const assertionUsedOnceConcurrently = defineCheck<RaceInput>('assertion-used-once-concurrently', 'OIDCC-9-assertion-jti-race', (input) => servedOnceOf(input, 'one client assertion (same jti)'));

/** RFC 9449 §11.1: one DPoP proof (one jti) serves at most one request. */
export const dpopProofUsedOnceConcurrently = defineCheck<RaceInput>('dpop-proof-used-once-concurrently', 'RFC9449-11.1-jti-race', (input) => servedOnceOf(input, 'one DPoP proof (same jti)'));

// The polled grants' handles (device_code, auth_req_id) are one-time grants like a code (RFC 6749
// §10.5): of several polls of one approved handle at once, exactly one gets tokens.
/** RFC 8628 §3.5 (RFC 6749 §10.5): one approved device_code polled concurrently yields tokens once. */
export const deviceCodeRedeemedOnceConcurrently = defineCheck<RaceInput>('device-code-redeemed-once-concurrently', 'RFC8628-3.5-device-code-race', (input) => servedOnceOf(input, 'one approved device_code'));

/** CIBA Core §10.1 (RFC 6749 §10.5): one approved auth_req_id polled concurrently yields tokens once. */
export const authReqIdRedeemedOnceConcurrently = defineCheck<RaceInput>('auth-req-id-redeemed-once-concurrently', 'CIBA-10.1-auth-req-id-race', (input) => servedOnceOf(input, 'one approved auth_req_id'));
