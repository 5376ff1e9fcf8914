// A parser for WWW-Authenticate values (RFC 9110 §11.6.1, formerly RFC 7235 §4.1):
//   challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//   auth-param = token BWS "=" BWS ( token / quoted-string )
// Several challenges may share one header value, separated by commas, e.g.
//   DPoP algs="ES256", Bearer realm="api", error="invalid_token"

export interface Challenge {
  /** As sent; compare case-insensitively. */
  scheme: string;
  /** Parameter names lower-cased; quoted-string values unescaped. */
  params: Record<string, string>;
  token68?: string;
}

export interface ParsedChallenges {
  challenges: Challenge[];
  /** Set when some of the value could not be parsed; challenges holds what parsed before it. */
  error?: string;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN_RUN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const TOKEN68_RUN = /[A-Za-z0-9\-._~+/]+=*/y;
/** Names quoted in error messages, cut short. */
const shown = (v: string) => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);

export function parseWwwAuthenticate(value: string): ParsedChallenges {
  const s = value;
  let i = 0;
  const challenges: Challenge[] = [];
  const ows = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  /** Match a sticky regex at i; advance past it. */
  const run = (re: RegExp): string => {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) return '';
    i += m[0].length;
    return m[0];
  };
  const token = (): string => run(TOKEN_RUN);
  const quoted = (): string | undefined => {
    if (s[i] !== '"') return undefined;
    i++;
    let out = '';
    // Positions are searched again only once passed, so escapes do not make this quadratic.
    let quoteAt = -2;
    let slashAt = -2;
    for (;;) {
      if (quoteAt !== -1 && quoteAt < i) quoteAt = s.indexOf('"', i);
      if (slashAt !== -1 && slashAt < i) slashAt = s.indexOf('\\', i);
      if (quoteAt === -1) return undefined; // unterminated
      if (slashAt !== -1 && slashAt < quoteAt) {
        out += s.slice(i, slashAt) + s[slashAt + 1];
        i = slashAt + 2;
      } else {
        out += s.slice(i, quoteAt);
        i = quoteAt + 1;
        return out;
      }
    }
  };
  /** At i: does `token BWS "=" BWS (token / quoted-string)` follow? (lookahead only) */
  const paramAhead = (): boolean => {
    const save = i;
    let ok = false;
    if (token() !== '') {
      ows();
      if (s[i] === '=') {
        i++;
        ows();
        ok = i < s.length && (s[i] === '"' || TCHAR.test(s[i]));
      }
    }
    i = save;
    return ok;
  };
  const listSep = () => {
    while (i < s.length && (s[i] === ',' || s[i] === ' ' || s[i] === '\t')) i++;
  };

  listSep();
  while (i < s.length) {
    const scheme = token();
    if (scheme === '') return { challenges, error: `unexpected ${shown(s[i])} at offset ${i} where an auth-scheme was expected` };
    const ch: Challenge = { scheme, params: {} };
    challenges.push(ch);
    const hadSpace = s[i] === ' ' || s[i] === '\t';
    ows();
    if (i >= s.length || s[i] === ',') {
      listSep();
      continue;
    }
    if (!hadSpace) return { challenges, error: `expected a space after auth-scheme ${shown(scheme)} at offset ${i}` };
    if (paramAhead()) {
      // #auth-param: stop when the next list element is not a parameter (it is the next challenge).
      for (;;) {
        const name = token().toLowerCase();
        ows();
        i++; // '='
        ows();
        let v: string | undefined;
        if (s[i] === '"') {
          v = quoted();
          if (v === undefined) return { challenges, error: `unterminated quoted-string for ${shown(name)} in the ${shown(scheme)} challenge` };
        } else v = token();
        if (Object.hasOwn(ch.params, name)) return { challenges, error: `parameter ${shown(name)} repeated in the ${shown(scheme)} challenge` };
        ch.params[name] = v;
        ows();
        if (i >= s.length) break;
        if (s[i] !== ',') return { challenges, error: `unexpected ${shown(s[i])} at offset ${i} after parameter ${shown(name)}` };
        listSep();
        if (i >= s.length || !paramAhead()) break;
      }
      continue;
    }
    // token68
    const t68 = run(TOKEN68_RUN);
    if (t68 === '') return { challenges, error: `unexpected ${shown(s[i])} at offset ${i} in the ${shown(scheme)} challenge` };
    ch.token68 = t68;
    ows();
    if (i < s.length && s[i] !== ',') return { challenges, error: `unexpected ${shown(s[i])} at offset ${i} after the ${shown(scheme)} token68` };
    listSep();
  }
  return { challenges };
}

/**
 * RFC 6750 §3.1 (and RFC 9449 §7.1 for DPoP), the one status policy for every protected resource
 * (UserInfo and APIs alike): a refusal is 400, 401 or 403 with a challenge (§3: MUST), and the
 * status follows the error code (§3.1: SHOULD): invalid_request 400, invalid_token 401,
 * insufficient_scope 403; no error code (no credentials at all, §3.1) 401.
 */
export const REFUSAL_STATUSES: readonly number[] = [400, 401, 403];
export const STATUS_FOR_ERROR: Readonly<Record<string, number>> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_dpop_proof: 401, // RFC 9449 §7.1
  use_dpop_nonce: 401, // RFC 9449 §9
};
