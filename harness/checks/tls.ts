// TLS checks (issue 13; OAuch HasValidCertificate, IsModernTlsSupported, IsDeprecatedTlsSupported,
// AreStrongCiphersEnabled, IsHttpsRequired). Pure functions over what the `tls-probe` step recorded:
// handshakes made with node:tls against the issuer's host and port, and plain-HTTP requests.
// A handshake is judged only when the client really offered what it probes (the step reads its own
// ClientHello first): a refusal of something the client could not offer proves nothing, and such a
// probe is listed as "not probed", never counted as refused.
import { defineCheck, fail, pass } from '../core/finding.ts';
import { preview } from './util.ts';

/** One TLS handshake attempt. */
export interface Handshake {
  /** What was probed, e.g. `TLSv1.1` or `NULL encryption (eNULL)`. */
  label: string;
  /**
   * false: this client could not put it in its ClientHello (its OpenSSL lacks the suites or the
   * version): the attempt proves nothing and is not judged.
   */
  offered: boolean;
  /** The handshake completed. */
  ok: boolean;
  protocol?: string;
  cipher?: string;
  /** Why it did not complete (a TLS alert from the server, a closed connection, a local error). */
  error?: string;
}

/** The certificate handshake: verified against the trusted CA(s) and the issuer's host. */
export interface CertificateProbe {
  host: string;
  /** Node's verdict (chain to a trusted CA, validity dates, RFC 6125 host check). */
  authorized: boolean;
  authorizationError?: string;
  /** The handshake did not complete at all (connection refused, no TLS). */
  error?: string;
  subject?: string;
  subjectaltname?: string;
  issuer?: string;
  validFrom?: string;
  validTo?: string;
}

// RFC 6749 §10.9: "the authorization server MUST require the use of TLS with server authentication
// as defined by [RFC2818]"; the client validates the certificate per RFC 6125 (RFC 9110 §4.3.4):
// it chains to a trusted CA, is within its validity period and names the host (a SAN; IP SAN for an IP).
export const tlsCertificateValid = defineCheck<CertificateProbe>('tls-certificate-valid', 'RFC6749-10.9-server-auth', (c) => {
  const expected = `a certificate for ${c.host} (SAN), valid now, chaining to a trusted CA`;
  const actual = { subject: c.subject, subjectaltname: c.subjectaltname, issuer: c.issuer, valid_from: c.validFrom, valid_to: c.validTo, authorization_error: c.authorizationError, error: c.error };
  if (c.error) return fail(`expected a TLS handshake with ${c.host}, but it failed: ${preview(c.error)}`, expected, actual);
  if (!c.authorized) return fail(`expected the certificate of ${c.host} to verify, but it does not: ${c.authorizationError ?? 'not authorized'}`, expected, actual);
  return pass(`the certificate of ${c.host} verifies (issued by ${c.issuer ?? '?'}, SAN ${c.subjectaltname ?? '?'}, valid until ${c.validTo ?? '?'})`, expected, actual);
});

const describe = (h: Handshake): string => (h.ok ? `${h.label}: negotiated ${h.protocol} ${h.cipher}` : `${h.label}: ${h.offered ? 'refused' : 'not probed'} (${preview(h.error ?? '', 120)})`);

// RFC 9325 §3.1.1: "Implementations MUST support TLS 1.2" (and SHOULD support TLS 1.3): one of
// them completes. TLS 1.3 alone passes here: RFC 9325 binds implementations, and a TLS 1.3-only
// server negotiates with every client this BCP allows.
export const tlsModernVersion = defineCheck<{ attempts: Handshake[] }>('tls-modern-version', 'RFC9325-3.1.1-tls12', ({ attempts }) => {
  const expected = 'a TLS 1.2 or TLS 1.3 handshake completes';
  const ok = attempts.filter((a) => a.ok);
  if (ok.length) return pass(`negotiated ${ok.map((a) => a.protocol).join(' and ')}`, expected, attempts.map(describe));
  return fail(`expected TLS 1.2 or 1.3 to be negotiated, but ${attempts.map(describe).join('; ') || 'no handshake was tried'}`, expected, attempts.map(describe));
});

// RFC 9325 §3.1.1 (and RFC 8996): "Implementations MUST NOT negotiate TLS version 1.1" nor 1.0.
export const tlsDeprecatedVersionsRefused = defineCheck<{ attempts: Handshake[] }>('tls-deprecated-versions-refused', 'RFC9325-3.1.1-no-tls10-11', ({ attempts }) => judgeRefused(attempts, 'TLS 1.0 and TLS 1.1 handshakes are refused'));

// RFC 9325 §4.1: "Implementations MUST NOT negotiate the cipher suites with NULL encryption",
// "MUST NOT negotiate RC4 cipher suites", "MUST NOT negotiate cipher suites offering less than 112
// bits of security, including so-called 'export-level' encryption"; anonymous suites give no server
// authentication (RFC 6749 §10.9 requires it).
export const tlsForbiddenCiphersRefused = defineCheck<{ attempts: Handshake[] }>('tls-forbidden-ciphers-refused', 'RFC9325-4.1-must-not', ({ attempts }) => judgeRefused(attempts, 'no NULL, anonymous, RC4, export or DES suite is negotiated'));

// RFC 9325 §4.1: "SHOULD NOT negotiate cipher suites that use algorithms offering less than 128 bits
// of security" (3DES), "SHOULD NOT negotiate cipher suites based on RSA key transport" and static DH.
export const tlsDiscouragedCiphersRefused = defineCheck<{ attempts: Handshake[] }>('tls-discouraged-ciphers-refused', 'RFC9325-4.1-should-not', ({ attempts }) => judgeRefused(attempts, 'no 3DES, static-RSA or static-DH suite is negotiated'));

function judgeRefused(attempts: Handshake[], expected: string) {
  const offered = attempts.filter((a) => a.offered);
  const skipped = attempts.filter((a) => !a.offered);
  const note = skipped.length ? `; not probed (this client cannot offer them, so nothing is proven either way): ${skipped.map((a) => a.label).join(', ')}` : '';
  const negotiated = offered.filter((a) => a.ok);
  if (negotiated.length) return fail(`expected ${expected}, but the server negotiated ${negotiated.map((a) => `${a.label} (${a.protocol} ${a.cipher})`).join(', ')}`, expected, attempts.map(describe));
  if (offered.length === 0) return fail(`expected ${expected}, but nothing could be probed${note}`, expected, attempts.map(describe));
  return pass(`refused: ${offered.map((a) => a.label).join(', ')}${note}`, expected, attempts.map(describe));
}

/** One request over plain HTTP to an endpoint of the https issuer (same host and port, scheme http). */
export interface PlainHttpAnswer {
  endpoint: string;
  url: string;
  status?: number;
  location?: string;
  contentType?: string;
  wwwAuthenticate?: string;
  /** The body parsed as JSON (an OAuth answer, a metadata document, an error object). */
  json?: unknown;
  error?: string;
}

/** Why this answer is an OAuth answer over plain HTTP, or undefined when it is not. */
function servedInClear(a: PlainHttpAnswer): string | undefined {
  if (a.status === undefined) return undefined; // no HTTP answer at all (the TLS port dropped it)
  if (a.status >= 300 && a.status < 400) {
    // A redirect to https is how a server points plain-HTTP clients to TLS; one elsewhere is an answer.
    return a.location && /^https:/i.test(a.location) ? undefined : `HTTP ${a.status} redirect to ${preview(a.location ?? '(no Location)')}`;
  }
  if (a.status >= 200 && a.status < 300) return `HTTP ${a.status}${a.contentType ? ` ${a.contentType}` : ''}`;
  // A 4xx/5xx that says only "use TLS" (an HTML or text page) is a refusal; a JSON body is the
  // endpoint's own OAuth processing (an error object after reading the request).
  if (a.json !== undefined) return `HTTP ${a.status} with a JSON body ${preview(JSON.stringify(a.json), 100)}`;
  // RFC 6750 §3: a Bearer (or DPoP, RFC 9449 §7.1) challenge is the protected resource's own answer.
  if (a.wwwAuthenticate && /^\s*(bearer|dpop)\b/i.test(a.wwwAuthenticate)) return `HTTP ${a.status} with WWW-Authenticate ${preview(a.wwwAuthenticate, 80)}`;
  return undefined;
}

// RFC 6749 §3.1 and §3.2: "The authorization server MUST require the use of TLS ... when sending
// requests to the authorization endpoint" (and the token endpoint). Plain HTTP gets no OAuth answer:
// no connection, no HTTP answer, an error that is not the endpoint's JSON, or a redirect to https.
export const httpsRequired = defineCheck<{ answers: PlainHttpAnswer[] }>('tls-plain-http-refused', 'RFC6749-3.1-tls-required', ({ answers }) => {
  const expected = 'no OAuth answer over plain HTTP at any endpoint (no connection, a refusal, or a redirect to https)';
  const summary = answers.map((a) => ({ endpoint: a.endpoint, url: a.url, status: a.status, location: a.location, error: a.error }));
  if (answers.length === 0) return fail('expected plain-HTTP requests to judge, but none was made', expected, []);
  const served = answers.flatMap((a) => {
    const why = servedInClear(a);
    return why ? [`${a.endpoint} (${a.url}): ${why}`] : [];
  });
  if (served.length) return fail(`expected the endpoints to refuse plain HTTP, but ${served.length} of ${answers.length} answered in clear: ${served.slice(0, 3).join('; ')}`, expected, summary);
  return pass(`all ${answers.length} endpoint(s) refuse plain HTTP`, expected, summary);
});
