// The provider's HTTPS listener (config `tls: { cert, key }`, each a PEM text or a file path):
// issuer https://127.0.0.1:<port>. `tls.mtls` (issue 14, RFC 8705): the listener requests (never
// requires) a client certificate; `tls.mtls.ca` are the CAs a tls_client_auth certificate must
// chain to (self-signed certificates, §2.2, are matched by the client's registered x5c instead).
// rejectUnauthorized is off so that a handshake without a certificate, or with an untrusted one,
// completes: the endpoint decides (provider/mtls.ts), and a browser at /authorize is never asked.
//
// Versions: TLS 1.2 minimum (RFC 9325 §3.1.1: TLS 1.0 and 1.1 MUST NOT be negotiated), TLS 1.3 the
// maximum (Node's defaults, stated here so a Node upgrade cannot change them).
// Ciphers: TLS 1.3's three AEAD suites, and for TLS 1.2 only ECDHE with AES-GCM or ChaCha20-Poly1305,
// RFC 9325 §4.2's recommended suites. Node's own default list also has static-RSA and CBC/SHA-1
// suites (e.g. AES128-SHA, which RFC 9325 §4.1 says SHOULD NOT be negotiated), so it is not used.
//
// Fault switches (provider/faults.ts):
// - tls-accept-deprecated-versions: minVersion TLSv1 and OpenSSL security level 0 (TLS 1.0/1.1
//   need SHA-1 handshake signatures, refused at Node's default level 1+);
// - tls-accept-weak-ciphers: static-RSA key transport suites (AES128-SHA, AES256-SHA, AES128-GCM-SHA256,
//   AES256-GCM-SHA384) are offered. Node 24's OpenSSL cannot negotiate NULL, anonymous, RC4, DES
//   or 3DES suites at all (its build refuses them even at security level 0), so no switch can open them;
// - tls-untrusted-certificate: a certificate from a CA made at start (openssl, harness/engine/test-ca.ts)
//   instead of the configured one;
// - tls-answer-plain-http: the TLS port also answers plain HTTP (the first byte of a connection is
//   not a TLS handshake record: the same app serves it unencrypted).
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { Faults } from './faults.ts';

export interface TlsConfig {
  /** The server certificate chain: PEM text, or the path of a PEM file. */
  cert: string;
  /** Its private key: PEM text, or the path of a PEM file. */
  key: string;
  /** Mutual TLS (RFC 8705): request client certificates; `ca` (PEM text or file) for tls_client_auth. */
  mtls?: { ca?: string };
}

/** RFC 9325 §4.2: TLS 1.3's suites, then ECDHE + AEAD for TLS 1.2 (forward secrecy, no CBC, no static RSA). */
export const STRONG_CIPHERS = [
  'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** What fault tls-accept-weak-ciphers adds: static RSA key transport (RFC 9325 §4.1: SHOULD NOT). */
export const WEAK_CIPHERS = 'AES128-SHA:AES256-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384';

const pem = (v: string): string => (v.includes('-----BEGIN') ? v : readFileSync(v, 'utf8'));

/**
 * Fault tls-untrusted-certificate: a certificate for the same hosts from a CA made here (a
 * counterfeit server, RFC 6819 §4.2.1), not the configured one: it chains to no CA a client trusts.
 */
async function counterfeitCertificate(): Promise<{ cert: string; key: string }> {
  const { makeTestCa } = await import('../harness/engine/test-ca.ts');
  const ca = await makeTestCa({ name: 'Counterfeit CA', days: 1 });
  try {
    const leaf = await ca.issueServer(['127.0.0.1', 'localhost']);
    return { cert: leaf.certPem, key: leaf.keyPem };
  } finally {
    await ca.remove();
  }
}

/** The https options for Fastify (node:https createServer). */
export async function httpsOptions(tls: TlsConfig, faults: Faults): Promise<TlsOptions & SecureContextOptions> {
  const old = faults.on('tls-accept-deprecated-versions');
  const weak = faults.on('tls-accept-weak-ciphers');
  const served = faults.on('tls-untrusted-certificate') ? await counterfeitCertificate() : { cert: pem(tls.cert), key: pem(tls.key) };
  return {
    ...served,
    minVersion: old ? 'TLSv1' : 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    ciphers: STRONG_CIPHERS + (weak ? ':' + WEAK_CIPHERS : '') + (old ? ':ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0' : ''),
    honorCipherOrder: true,
    ...(tls.mtls ? { requestCert: true, rejectUnauthorized: false, ...(tls.mtls.ca ? { ca: pem(tls.mtls.ca) } : {}) } : {}),
  };
}

/**
 * Fault tls-answer-plain-http: the listening TLS server's connections are sniffed; one whose first
 * byte is not 0x16 (a TLS handshake record) is handed to a plain node:http server with the same
 * request handler. Without the fault, plain HTTP on the port gets no answer (the TLS layer drops it).
 */
export function answerPlainHttp(server: NetServer): void {
  const tlsListeners = server.listeners('connection') as ((s: Socket) => void)[];
  const handler = server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
  const plain = createHttpServer(handler);
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    socket.once('readable', () => {
      const first = socket.read(1) as Buffer | null;
      if (first) socket.unshift(first);
      if (first && first[0] !== 0x16) plain.emit('connection', socket);
      else for (const l of tlsListeners) l.call(server, socket);
    });
  });
}
