// Discovery honesty (issue 13): what the metadata advertises, tried with the plan's clients. OIDC
// Discovery §3 and RFC 8414 §2 define each *_supported member as the values the server supports, so
// an advertised value the server refuses as unsupported makes the document false. The lists need
// not be complete: a value accepted but not advertised is only a note.
import { defineCheck, fail, pass } from '../core/finding.ts';
import { evidence, isRecord, preview } from './util.ts';

/** One value of a metadata member and what the server answered when it was tried. */
export interface TriedValue {
  value: string;
  /** accepted: served or refused for another reason than the value; refused: refused as unsupported; not-tried: why in detail. */
  outcome: 'accepted' | 'refused' | 'not-tried';
  detail: string;
}

export interface AdvertisedEvidence {
  /** The metadata member, e.g. response_modes_supported. */
  member: string;
  /** Each advertised value, tried or not. */
  advertised: TriedValue[];
  /** Values tried that the member does not list. */
  unadvertised: TriedValue[];
}

const list = (a: unknown): TriedValue[] =>
  Array.isArray(a) ? a.filter((x): x is TriedValue => isRecord(x) && typeof x.value === 'string' && ['accepted', 'refused', 'not-tried'].includes(x.outcome as string)).map((x) => ({ value: x.value, outcome: x.outcome, detail: typeof x.detail === 'string' ? x.detail : '' })) : [];

// OIDC Discovery §3 / RFC 8414 §2: "JSON array containing a list of the ... values that this
// [server] supports" (definitional: a listed value the server refuses as unsupported is a false
// statement; an unlisted one it accepts is not, the lists need not be exhaustive).
export const discoveryAdvertisedAccepted = defineCheck<AdvertisedEvidence>('discovery-advertised-accepted', 'OIDD-3-advertised-supported', (input) => {
  if (!isRecord(input) || typeof input.member !== 'string' || !Array.isArray(input.advertised)) return fail('expected the member, its advertised values and what each got', 'member, advertised[], unadvertised[]', evidence(input));
  const member = input.member;
  const adv = list(input.advertised);
  const extra = list(input.unadvertised);
  const expected = `every value of ${member} the plan's clients can try is accepted`;
  const refused = adv.filter((t) => t.outcome === 'refused');
  const tried = adv.filter((t) => t.outcome !== 'not-tried');
  const notTried = adv.filter((t) => t.outcome === 'not-tried');
  const acceptedExtra = extra.filter((t) => t.outcome === 'accepted');
  const actual = { advertised: adv, unadvertised: extra };
  const notes = [
    notTried.length ? `not tried: ${notTried.map((t) => `${t.value} (${t.detail})`).join('; ')}` : '',
    acceptedExtra.length ? `note: accepted but not advertised: ${acceptedExtra.map((t) => `${t.value} (${t.detail})`).join('; ')}` : '',
  ].filter(Boolean).join('. ');
  if (refused.length) return fail(`expected every advertised value to be accepted, but ${member} advertises ${refused.map((t) => `${preview(t.value)} (${t.detail})`).join(', ')}, but the server refused ${refused.length === 1 ? 'it' : 'them'} as unsupported${notes ? `. ${notes}` : ''}`, expected, actual);
  if (tried.length === 0) return pass(`${member}: none of the ${adv.length} advertised value(s) could be tried with the plan's clients${notes ? `. ${notes}` : ''}`, expected, actual);
  return pass(`${member}: ${tried.length} advertised value(s) tried, all accepted (${tried.map((t) => t.value).join(', ')})${notes ? `. ${notes}` : ''}`, expected, actual);
});
