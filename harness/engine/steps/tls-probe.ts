// `tls-probe`: TLS handshakes and plain-HTTP requests against the https issuer's host and port
// (issue 13; checks/tls.ts judges them). `with.probe` (default certificate):
// - `certificate`: one handshake verified against the CA the run trusts (Target.ca: the plan's test
//   CA or `provider.ca`; else Node's roots) and the issuer's host (RFC 6125 via node:tls);
// - `versions`: TLS 1.2 and TLS 1.3 (one must complete), TLS 1.0 and TLS 1.1 (each must be refused);
// - `ciphers`: TLS 1.2 handshakes offering only one family of weak suites each (NULL, anonymous,
//   RC4, export/DES: MUST NOT; 3DES, static RSA, static DH: SHOULD NOT), each must be refused;
// - `plain-http`: each endpoint discovery names (and discovery itself) with scheme http on the same
//   host and port: no OAuth answer may come back.
// Every weak handshake is made at OpenSSL security level 0 (Node's default level refuses to offer
// TLS 1.0/1.1 and the weakest suites), and only after this client's own ClientHello for it was read
// on a local socket: what the client cannot offer (Node 24's OpenSSL has no RC4, DES, 3DES or
// export suites at all) is reported "not probed", never "refused". These handshakes do not verify the
// server's certificate (they probe negotiation; `certificate` verifies), per connection only.
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { createServer, isIP, type AddressInfo } from 'node:net';
import { httpsRequired, tlsCertificateValid, tlsDeprecatedVersionsRefused, tlsDiscouragedCiphersRefused, tlsForbiddenCiphersRefused, tlsModernVersion, type Handshake, type PlainHttpAnswer } from '../../checks/index.ts';
import type { StepDef } from '../../core/types.ts';
import { HttpClient } from '../http.ts';
import { NotApplicable, StepAbort, type ModuleRun } from '../module-run.ts';
import { enumOf, options } from './options.ts';

const HANDSHAKE_MS = 5_000;

/** The suite families probed (OpenSSL cipher strings), by the level RFC 9325 §4.1 gives them. */
export const FORBIDDEN_SUITES: [string, string][] = [
  ['NULL encryption', 'eNULL'],
  ['anonymous (no server authentication)', 'aNULL'],
  ['RC4', 'RC4'],
  ['export-grade', 'EXPORT'],
  ['single DES / low', 'DES:LOW'],
];
export const DISCOURAGED_SUITES: [string, string][] = [
  ['3DES (112-bit)', '3DES'],
  ['static RSA key transport', 'kRSA'],
  ['static DH', 'kDHr:kDHd:kECDHr:kECDHe'],
];

interface Hello {
  /** The highest version the ClientHello offers (0x0301 TLS 1.0 ... 0x0304 TLS 1.3). */
  maxVersion: number;
  /** Cipher suites offered, signalling values (SCSV) left out. */
  suites: number[];
}

const VERSION_CODES: Record<string, number> = { TLSv1: 0x0301, 'TLSv1.1': 0x0302, 'TLSv1.2': 0x0303, 'TLSv1.3': 0x0304 };

/** Reads a ClientHello (RFC 8446 §4.1.2 / RFC 5246 §7.4.1.2) from the first TLS record. */
export function parseClientHello(buf: Buffer): Hello | undefined {
  if (buf.length < 48 || buf[0] !== 0x16 || buf[5] !== 0x01) return undefined;
  let i = 9;
  let maxVersion = buf.readUInt16BE(i);
  i += 2 + 32;
  i += 1 + buf[i]; // session id
  const suitesLen = buf.readUInt16BE(i);
  i += 2;
  const suites: number[] = [];
  for (let j = 0; j < suitesLen; j += 2) suites.push(buf.readUInt16BE(i + j));
  i += suitesLen;
  i += 1 + buf[i]; // compression methods
  if (i + 2 <= buf.length) {
    const end = Math.min(buf.length, i + 2 + buf.readUInt16BE(i));
    i += 2;
    while (i + 4 <= end) {
      const type = buf.readUInt16BE(i);
      const len = buf.readUInt16BE(i + 2);
      if (type === 0x002b && len >= 3) {
        // supported_versions: the highest listed (GREASE values skipped)
        for (let k = i + 5; k + 1 < i + 4 + len; k += 2) {
          const v = buf.readUInt16BE(k);
          if ((v & 0x0f0f) !== 0x0a0a && v > 0x0300 && v <= 0x0304) maxVersion = Math.max(v, maxVersion);
        }
      }
      i += 4 + len;
    }
  }
  return { maxVersion, suites: suites.filter((s) => s !== 0x00ff && s !== 0x5600 && (s & 0x0f0f) !== 0x0a0a) };
}

/** The ClientHello these options make, read on a local socket; undefined when the client cannot make one. */
async function helloOf(opts: ConnectionOptions): Promise<Hello | undefined> {
  const server = createServer();
  const got = new Promise<Buffer | undefined>((resolve) => {
    server.once('connection', (s) => {
      let buf = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
          resolve(buf);
          s.destroy();
        }
      });
      s.on('error', () => resolve(undefined));
      s.on('close', () => resolve(buf.length ? buf : undefined));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  let sock: TLSSocket | undefined;
  const local = new Promise<undefined>((resolve) => {
    try {
      sock = connect({ ...opts, host: '127.0.0.1', port, rejectUnauthorized: false });
      sock.on('error', () => resolve(undefined));
    } catch {
      resolve(undefined); // the options themselves are refused (no cipher match, no protocols)
    }
  });
  let t: ReturnType<typeof setTimeout> | undefined;
  const timer = new Promise<undefined>((r) => {
    t = setTimeout(() => r(undefined), HANDSHAKE_MS);
  });
  // A local error (no cipher match, no protocol) ends it at once; a hello read ends it too (none of
  // the three rejects, so Promise.any is the first to settle).
  const buf = await Promise.any([got, local, timer]);
  clearTimeout(t);
  sock?.destroy();
  server.close();
  return buf ? parseClientHello(buf) : undefined;
}

interface Endpoint { host: string; port: number; servername?: string }

/** One handshake against the issuer's host with these options. */
function handshake(ep: Endpoint, opts: ConnectionOptions): Promise<{ ok: boolean; protocol?: string; cipher?: string; error?: string; socket?: TLSSocket }> {
  return new Promise((resolve) => {
    let sock: TLSSocket;
    const timer = setTimeout(() => {
      sock?.destroy();
      resolve({ ok: false, error: `no handshake within ${HANDSHAKE_MS} ms` });
    }, HANDSHAKE_MS);
    try {
      sock = connect({ host: ep.host, port: ep.port, ...(ep.servername ? { servername: ep.servername } : {}), ...opts }, () => {
        clearTimeout(timer);
        resolve({ ok: true, protocol: sock.getProtocol() ?? undefined, cipher: sock.getCipher()?.name, socket: sock });
      });
      sock.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({ ok: false, error: `${e.code ? e.code + ': ' : ''}${e.message.split('\n')[0]}` });
      });
    } catch (e) {
      clearTimeout(timer);
      resolve({ ok: false, error: (e as Error).message });
    }
  });
}

/** Probe one version or suite family: offered at all by this client? then negotiated by the server? */
async function attempt(ep: Endpoint, label: string, opts: ConnectionOptions, offers: (h: Hello) => boolean): Promise<Handshake> {
  const hello = await helloOf(opts);
  if (!hello || !offers(hello)) return { label, offered: false, ok: false, error: hello ? 'not in this client\'s ClientHello' : 'this client cannot make such a ClientHello' };
  const r = await handshake(ep, { ...opts, rejectUnauthorized: false });
  r.socket?.destroy();
  return { label, offered: true, ok: r.ok, protocol: r.protocol, cipher: r.cipher, error: r.error };
}

const versionOpts = (v: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'): ConnectionOptions => ({ minVersion: v, maxVersion: v, ciphers: 'DEFAULT@SECLEVEL=0' });

export async function tlsProbe(run: ModuleRun, step: StepDef): Promise<void> {
  const issuer = new URL(run.ctx.issuer);
  if (issuer.protocol !== 'https:') throw new NotApplicable(`the issuer ${issuer.origin} is not https: TLS modules apply to an https issuer (plan provider.tls, or an https issuer with provider.ca)`);
  const host = issuer.hostname.replace(/^\[|\]$/g, '');
  const ep: Endpoint = { host, port: Number(issuer.port || 443), ...(isIP(host) ? {} : { servername: host }) };
  const probe = (step.with?.probe as string | undefined) ?? 'certificate';
  if (probe === 'certificate') {
    const r = await handshake(ep, { ...(run.ctx.ca ? { ca: run.ctx.ca } : {}), rejectUnauthorized: false });
    const peer = r.socket?.getPeerCertificate();
    const name = (o: unknown) => (o && typeof o === 'object' ? Object.entries(o).map(([k, v]) => `${k}=${v}`).join(', ') : undefined);
    run.add(tlsCertificateValid({
      host,
      authorized: r.socket?.authorized ?? false,
      authorizationError: r.socket?.authorizationError ? String(r.socket.authorizationError) : undefined,
      error: r.error,
      subject: name(peer?.subject),
      subjectaltname: peer?.subjectaltname,
      issuer: name(peer?.issuer),
      validFrom: peer?.valid_from,
      validTo: peer?.valid_to,
    }));
    r.socket?.destroy();
    return;
  }
  if (probe === 'versions') {
    const at = (v: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3', label: string) => attempt(ep, label, versionOpts(v), (h) => h.maxVersion === VERSION_CODES[v]);
    run.add(tlsModernVersion({ attempts: [await at('TLSv1.2', 'TLS 1.2'), await at('TLSv1.3', 'TLS 1.3')] }));
    const old = [await at('TLSv1', 'TLS 1.0'), await at('TLSv1.1', 'TLS 1.1')];
    if (!old.some((a) => a.offered)) throw new NotApplicable('this client cannot offer TLS 1.0 or 1.1 (its OpenSSL lacks them): the refusal cannot be probed');
    run.add(tlsDeprecatedVersionsRefused({ attempts: old }));
    return;
  }
  if (probe === 'ciphers') {
    const family = async ([label, list]: [string, string]) => attempt(ep, `${label} (${list})`, { minVersion: 'TLSv1', maxVersion: 'TLSv1.2', ciphers: `${list}@SECLEVEL=0` }, (h) => h.suites.length > 0);
    const forbidden = await Promise.all(FORBIDDEN_SUITES.map(family));
    const discouraged = await Promise.all(DISCOURAGED_SUITES.map(family));
    if (![...forbidden, ...discouraged].some((a) => a.offered)) throw new NotApplicable('this client cannot offer any weak suite family: the refusal cannot be probed');
    if (forbidden.some((a) => a.offered)) run.add(tlsForbiddenCiphersRefused({ attempts: forbidden }));
    if (discouraged.some((a) => a.offered)) run.add(tlsDiscouragedCiphersRefused({ attempts: discouraged }));
    return;
  }
  // plain-http: the endpoints discovery names (read here over verified TLS). When the certificate
  // does not verify, that is the finding (RFC 6749 §10.9) and only the discovery URL is probed.
  const discoveryUrl = `${run.ctx.issuer}/.well-known/openid-configuration`;
  const targets: { endpoint: string; url: string }[] = [{ endpoint: 'discovery', url: discoveryUrl }];
  const dex = await run.http.send(discoveryUrl, { step: step.id!, label: 'discovery (endpoints to probe over plain http)' });
  const certError = /\b(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID)\b/.exec(dex.error ?? '');
  if (certError) run.add(tlsCertificateValid({ host, authorized: false, authorizationError: certError[1] }, dex.id));
  const meta = dex.response?.json && typeof dex.response.json === 'object' ? (dex.response.json as Record<string, unknown>) : {};
  if (!certError && !dex.response?.json) run.response(dex); // aborts, naming why discovery could not be read
  const names = ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'pushed_authorization_request_endpoint', 'revocation_endpoint', 'introspection_endpoint',
    'device_authorization_endpoint', 'backchannel_authentication_endpoint', 'registration_endpoint', 'jwks_uri'];
  for (const n of names) if (typeof meta[n] === 'string' && URL.canParse(meta[n] as string)) targets.push({ endpoint: n, url: meta[n] as string });
  const plain = targets.flatMap((t) => {
    const u = new URL(t.url);
    if (u.protocol !== 'https:') return [];
    u.protocol = 'http:';
    if (!u.port) u.port = '443';
    return [{ ...t, url: u.toString() }];
  });
  if (plain.length === 0) throw new StepAbort('no https endpoint to probe over plain HTTP');
  const http = new HttpClient(new Set(plain.map((t) => new URL(t.url).origin)), { ...run.ctx.limits, timeoutMs: Math.min(run.ctx.limits.timeoutMs, HANDSHAKE_MS) });
  const main = (() => {
    try {
      return run.client('main');
    } catch {
      return undefined;
    }
  })();
  const clientId = main?.client_id ?? 'touchstone';
  const answers: PlainHttpAnswer[] = [];
  try {
    for (const t of plain) {
      // A request the endpoint would serve over TLS: GET for pages and documents, a form POST (no
      // credentials) for the back-channel endpoints.
      const get = ['discovery', 'authorization_endpoint', 'jwks_uri', 'userinfo_endpoint'].includes(t.endpoint);
      const url = t.endpoint === 'authorization_endpoint' ? `${t.url}${t.url.includes('?') ? '&' : '?'}${new URLSearchParams({ response_type: 'code', client_id: clientId, ...(main?.redirect_uri ? { redirect_uri: main.redirect_uri } : {}), scope: 'openid', state: 'tls-probe' })}` : t.url;
      const ex = await http.send(url, { step: step.id!, label: `${t.endpoint} over plain http`, ...(get ? {} : { body: { grant_type: 'client_credentials', client_id: clientId, token: 'tls-probe' } }) });
      const r = ex.response;
      answers.push({ endpoint: t.endpoint, url, status: r?.status, location: r?.headers.location, contentType: r?.headers['content-type'], wwwAuthenticate: r?.headers['www-authenticate'], json: r?.json, error: ex.error });
    }
  } finally {
    run.http.exchanges.push(...http.exchanges);
    await http.close();
  }
  run.add(httpsRequired({ answers }));
}

/** `with` of `tls-probe`. */
export const tlsProbeOptions = options({ probe: enumOf('certificate', 'versions', 'ciphers', 'plain-http') });
