// TLS checks (issue 13): certificate, versions, weak suites, plain HTTP. The pure checks over
// hand-made probe results, and parseClientHello over a ClientHello node:tls really sends.
import { describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { connect, type ConnectionOptions } from 'node:tls';
import { httpsRequired, tlsCertificateValid, tlsDeprecatedVersionsRefused, tlsDiscouragedCiphersRefused, tlsForbiddenCiphersRefused, tlsModernVersion, type Handshake } from '../../harness/checks/index.ts';
import { parseClientHello } from '../../harness/engine/steps/tls-probe.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

const cert = { host: '127.0.0.1', authorized: true, subject: 'CN=127.0.0.1', subjectaltname: 'IP Address:127.0.0.1', issuer: 'CN=Test CA', validFrom: 'Dec  6 2026', validTo: 'Dec  8 2026' };
const refused = (label: string): Handshake => ({ label, offered: true, ok: false, error: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
const negotiated = (label: string, protocol = 'TLSv1.2', cipher = 'AES128-SHA'): Handshake => ({ label, offered: true, ok: true, protocol, cipher });
const notOffered = (label: string): Handshake => ({ label, offered: false, ok: false, error: 'this client cannot make such a ClientHello' });

describe('tlsCertificateValid (RFC 6749 §10.9)', () => {
  it('passes for a certificate Node verified against the trusted CA and the host', () => {
    const f = tlsCertificateValid(cert);
    expectPass(f);
    expect(f.citation.id).toBe('RFC6749-10.9-server-auth');
  });
  it('fails for an unverified chain, a wrong host, an expired certificate, or no handshake', () => {
    expectFail(tlsCertificateValid({ ...cert, authorized: false, authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), /does not: UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    expectFail(tlsCertificateValid({ ...cert, authorized: false, authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID' }), /ALTNAME/);
    expectFail(tlsCertificateValid({ ...cert, authorized: false, authorizationError: 'CERT_HAS_EXPIRED' }), /EXPIRED/);
    expectFail(tlsCertificateValid({ host: '127.0.0.1', authorized: false, error: 'ECONNREFUSED' }), /handshake .* failed/);
  });
});

describe('tlsModernVersion (RFC 9325 §3.1.1)', () => {
  it('passes when TLS 1.2 or TLS 1.3 (alone) is negotiated', () => {
    expectPass(tlsModernVersion({ attempts: [negotiated('TLS 1.2', 'TLSv1.2'), negotiated('TLS 1.3', 'TLSv1.3')] }));
    expectPass(tlsModernVersion({ attempts: [refused('TLS 1.2'), negotiated('TLS 1.3', 'TLSv1.3')] }));
  });
  it('fails when neither is negotiated', () => {
    expectFail(tlsModernVersion({ attempts: [refused('TLS 1.2'), refused('TLS 1.3')] }), /expected TLS 1.2 or 1.3/);
  });
});

describe('tlsDeprecatedVersionsRefused (RFC 9325 §3.1.1, RFC 8996)', () => {
  it('passes when TLS 1.0 and 1.1 are refused', () => {
    const f = tlsDeprecatedVersionsRefused({ attempts: [refused('TLS 1.0'), refused('TLS 1.1')] });
    expectPass(f);
    expect(f.citation.level).toBe('MUST');
  });
  it('fails when one is negotiated, naming it', () => {
    expectFail(tlsDeprecatedVersionsRefused({ attempts: [refused('TLS 1.0'), negotiated('TLS 1.1', 'TLSv1.1')] }), /negotiated TLS 1.1 \(TLSv1.1/);
  });
  it('never counts what the client could not offer as refused', () => {
    const f = tlsDeprecatedVersionsRefused({ attempts: [refused('TLS 1.1'), notOffered('TLS 1.0')] });
    expectPass(f);
    expect(f.message).toMatch(/refused: TLS 1.1; not probed .*TLS 1.0/);
    expectFail(tlsDeprecatedVersionsRefused({ attempts: [notOffered('TLS 1.0'), notOffered('TLS 1.1')] }), /nothing could be probed/);
  });
});

describe('weak cipher suites (RFC 9325 §4.1)', () => {
  it('pass when every offered family is refused', () => {
    expectPass(tlsForbiddenCiphersRefused({ attempts: [refused('NULL (eNULL)'), refused('anonymous (aNULL)'), notOffered('RC4')] }));
    expectPass(tlsDiscouragedCiphersRefused({ attempts: [refused('static RSA (kRSA)'), notOffered('3DES')] }));
  });
  it('fail when a family is negotiated: MUST NOT for NULL and the like, SHOULD NOT for static RSA', () => {
    const must = tlsForbiddenCiphersRefused({ attempts: [negotiated('NULL (eNULL)', 'TLSv1.2', 'NULL-SHA256')] });
    expectFail(must, /negotiated NULL \(eNULL\) \(TLSv1.2 NULL-SHA256\)/);
    expect(must.citation.level).toBe('MUST');
    const should = tlsDiscouragedCiphersRefused({ attempts: [negotiated('static RSA (kRSA)')] });
    expectFail(should, /static RSA/);
    expect(should.citation.level).toBe('SHOULD');
  });
});

describe('httpsRequired (RFC 6749 §3.1, §3.2)', () => {
  const url = 'http://127.0.0.1:8443/token';
  it('passes for no connection, a redirect to https, or a non-OAuth refusal page', () => {
    const f = httpsRequired({ answers: [
      { endpoint: 'token_endpoint', url, error: 'UND_ERR_SOCKET: other side closed' },
      { endpoint: 'discovery', url, status: 301, location: 'https://127.0.0.1:8443/.well-known/openid-configuration' },
      { endpoint: 'authorization_endpoint', url, status: 400, contentType: 'text/html' },
    ] });
    expectPass(f);
    expect(f.citation.id).toBe('RFC6749-3.1-tls-required');
  });
  it('fails for a 2xx, an OAuth JSON error, a Bearer challenge or a redirect that is not to https', () => {
    expectFail(httpsRequired({ answers: [{ endpoint: 'discovery', url, status: 200, contentType: 'application/json' }] }), /1 of 1 answered in clear: discovery .*HTTP 200/);
    expectFail(httpsRequired({ answers: [{ endpoint: 'token_endpoint', url, status: 401, json: { error: 'invalid_client' } }] }), /JSON body/);
    expectFail(httpsRequired({ answers: [{ endpoint: 'userinfo_endpoint', url, status: 401, wwwAuthenticate: 'Bearer realm="x"' }] }), /WWW-Authenticate/);
    expectFail(httpsRequired({ answers: [{ endpoint: 'authorization_endpoint', url, status: 302, location: 'https://client.example/cb?code=x'.replace('https', 'http') }] }), /redirect to/);
    expectFail(httpsRequired({ answers: [] }), /none was made/);
  });
});

describe('hostile input', () => {
  it.each(HOSTILE.map((v, i) => [i, v] as const))('#%s: every TLS check fails without throwing', (_i, v) => {
    for (const c of [tlsCertificateValid, tlsModernVersion, tlsDeprecatedVersionsRefused, tlsForbiddenCiphersRefused, tlsDiscouragedCiphersRefused, httpsRequired]) {
      expect(c(v as never).ok).toBe(false);
    }
  });
});

describe('parseClientHello (what the probe really offers)', () => {
  async function helloOf(opts: ConnectionOptions) {
    const server = createServer();
    const got = new Promise<Buffer>((resolve) => server.once('connection', (s) => {
      let buf = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) { resolve(buf); s.destroy(); }
      });
    }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const sock = connect({ ...opts, host: '127.0.0.1', port: (server.address() as AddressInfo).port, rejectUnauthorized: false });
    sock.on('error', () => {});
    const buf = await got;
    sock.destroy();
    server.close();
    return parseClientHello(buf)!;
  }
  it('reads the highest version (supported_versions for TLS 1.3) and the suites', async () => {
    expect((await helloOf({ minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).maxVersion).toBe(0x0302);
    expect((await helloOf({ maxVersion: 'TLSv1.3' })).maxVersion).toBe(0x0304);
    const rsa = await helloOf({ maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA@SECLEVEL=0' });
    expect(rsa.suites).toEqual([0x002f]); // TLS_RSA_WITH_AES_128_CBC_SHA, the SCSV left out
  });
  it('is undefined for what is not a ClientHello', () => {
    expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n'.repeat(4)))).toBeUndefined();
  });
});
