// Probes for the TLS fault switches (issue 13, provider/tls.ts): each passes only with its switch
// on. The provider serves HTTPS with a certificate from a test CA made once for this test file.
import { rmSync } from 'node:fs';
import { connect, type ConnectionOptions } from 'node:tls';
import { request } from 'undici';
import type { FaultId } from '../../provider/faults.ts';
import type { RunningProvider } from '../../provider/server.ts';
import { makeTestCa } from '../../harness/engine/test-ca.ts';
import { rule, type Probe } from './probe.ts';

const ca = await makeTestCa();
const server = await ca.issueServer(['127.0.0.1', 'localhost']);
process.once('exit', () => rmSync(ca.dir, { recursive: true, force: true }));

/** The default clients, served over HTTPS. */
export const TLS_CONFIG: Record<string, unknown> = { tls: { cert: server.certPem, key: server.keyPem } };

/** A handshake with these options: the negotiated protocol and cipher, or undefined when refused. */
export function handshake(op: RunningProvider, opts: ConnectionOptions): Promise<string | undefined> {
  const port = Number(new URL(op.issuer).port);
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, ca: ca.certPem, ...opts }, () => {
      resolve(`${s.getProtocol()} ${s.getCipher().name}`);
      s.destroy();
    });
    s.on('error', () => resolve(undefined));
  });
}

type Ours = 'tls-accept-deprecated-versions' | 'tls-accept-weak-ciphers' | 'tls-answer-plain-http' | 'tls-untrusted-certificate';

export const TLS_PROBES: Record<Ours & FaultId, Probe> = {
  'tls-accept-deprecated-versions': { config: TLS_CONFIG, run: async (op) => {
    rule((await handshake(op, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })) ?? 'refused').toMatch(/^TLSv1(\.1)? /);
  } },
  'tls-accept-weak-ciphers': { config: TLS_CONFIG, run: async (op) => {
    rule((await handshake(op, { maxVersion: 'TLSv1.2', ciphers: 'kRSA@SECLEVEL=0' })) ?? 'refused').toMatch(/^TLSv1\.2 AES/);
  } },
  'tls-untrusted-certificate': { config: TLS_CONFIG, run: async (op) => {
    const port = Number(new URL(op.issuer).port);
    const error = await new Promise<string | undefined>((resolve) => {
      const s = connect({ host: '127.0.0.1', port, ca: ca.certPem }, () => (resolve(undefined), s.destroy()));
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code));
    });
    rule(error).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  } },
  'tls-answer-plain-http': { config: TLS_CONFIG, run: async (op) => {
    const url = op.issuer.replace(/^https:/, 'http:') + '/.well-known/openid-configuration';
    const status = await request(url).then((r) => (r.body.dump(), r.statusCode), () => undefined);
    rule(status).toBe(200);
  } },
};
