// Checks on the published JWK Set (RFC 7517).
import { defineCheck, fail, pass, type Verdict } from '../core/finding.ts';
import { validateAgainst } from '../schemas/validate.ts';
import { clip, evidence, isRecord, preview, summarizeErrors, typeName } from './util.ts';

/** Members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** The keys array of a JWK Set, or a failure verdict saying why there is none. */
function keysOf(jwks: unknown, expected: unknown): unknown[] | Verdict {
  if (!isRecord(jwks)) return fail(`expected a JWK Set (a JSON object with a keys array), found a ${typeName(jwks)}`, expected, evidence(jwks));
  if (!Array.isArray(jwks.keys)) {
    return fail(`expected the JWK Set keys member to be an array, found ${Object.hasOwn(jwks, 'keys') ? `a ${typeName(jwks.keys)}` : 'it absent'}`, expected, evidence(jwks.keys));
  }
  return jwks.keys;
}

function keyLabel(key: unknown, i: number): string {
  const kid = isRecord(key) ? key.kid : undefined;
  return typeof kid === 'string' ? `kid ${JSON.stringify(clip(kid, 60))}` : `keys[${i}] (no kid)`;
}

export const jwksMatchesSchema = defineCheck<unknown>('jwks-matches-schema', 'RFC7517-5-jwks', (jwks) => {
  const r = validateAgainst('jwks', jwks);
  if (r.ok) {
    const n = (jwks as { keys: unknown[] }).keys.length;
    return pass(`JWK Set has a keys array of ${n} well-formed JWK${n === 1 ? '' : 's'}`);
  }
  return fail(
    `JWK Set does not match jwks.schema.json: ${summarizeErrors(r.errors)}`,
    'a JSON object with a keys array of JWKs, each with kty and the members its kty requires',
    r.errors,
  );
});

export const jwksHasNoPrivateMembers = defineCheck<unknown>('jwks-has-no-private-members', 'RFC7517-9.2-no-private', (jwks) => {
  const expected = `no key carries any of ${PRIVATE_JWK_MEMBERS.join(', ')}`;
  const keys = keysOf(jwks, expected);
  if (!Array.isArray(keys)) return keys;
  const offenders: string[] = [];
  keys.forEach((key, i) => {
    if (!isRecord(key)) return;
    const found = PRIVATE_JWK_MEMBERS.filter((m) => Object.hasOwn(key, m));
    if (found.length > 0) offenders.push(`${keyLabel(key, i)}: ${found.join(', ')}`);
  });
  if (offenders.length === 0) return pass(`none of the ${keys.length} published keys carries a private or symmetric member`, expected, []);
  return fail(`expected public keys only, found private or symmetric key members in ${offenders.join('; ')}`, expected, offenders);
});

export const jwksKidsAreUnique = defineCheck<unknown>('jwks-kids-are-unique', 'RFC7517-4.5-unique-kid', (jwks) => {
  const expected = 'distinct kid values (a kid may repeat only across different kty values)';
  const keys = keysOf(jwks, expected);
  if (!Array.isArray(keys)) return keys;
  // kid -> kty -> count. RFC 7517 §4.5 allows one kid on keys of different kty.
  const seen = new Map<string, Map<string, number>>();
  let withKid = 0;
  for (const key of keys) {
    if (!isRecord(key) || typeof key.kid !== 'string') continue;
    withKid++;
    const kty = typeof key.kty === 'string' ? key.kty : `(${typeName(key.kty)})`;
    const byKty = seen.get(key.kid) ?? new Map<string, number>();
    byKty.set(kty, (byKty.get(kty) ?? 0) + 1);
    seen.set(key.kid, byKty);
  }
  const dups: string[] = [];
  for (const [kid, byKty] of seen) {
    for (const [kty, n] of byKty) if (n > 1) dups.push(`kid ${preview(kid, 60)} on ${n} ${kty} keys`);
  }
  if (dups.length > 0) return fail(`expected distinct kid values, found ${dups.join('; ')}`, expected, dups);
  const missing = keys.length - withKid;
  return pass(
    `${withKid} kid value${withKid === 1 ? '' : 's'} ${withKid === 1 ? 'is' : 'are'} distinct${missing > 0 ? ` (${missing} key${missing === 1 ? ' has' : 's have'} no kid)` : ''}`,
    expected,
    [...seen.keys()].map((k) => clip(k, 60)),
  );
});
