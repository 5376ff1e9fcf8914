// A local test certificate authority made at run time (issue 13 TLS; issue 14's mTLS reuses it for
// client certificates). openssl from the system (/usr/bin/openssl, or TOUCHSTONE_OPENSSL) writes a
// CA (EC P-256, self-signed) and leaf certificates it signs, in a private temp directory (0700) that
// `remove()` deletes. No private key is ever committed: every run makes its own.
//   const ca = await makeTestCa();
//   const server = await ca.issueServer(['127.0.0.1', 'localhost']);  // SAN IP + DNS, serverAuth
//   const client = await ca.issueClient('CN=client-1');                 // clientAuth (mTLS, issue 14)
//   const own = await selfSignedClient('CN=client-2');                  // RFC 8705 §2.2 (no CA)
//   ... ca.certPem is what a client (or the harness) trusts ... await ca.remove();
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class TestCaUnavailableError extends Error {
  override name = 'TestCaUnavailableError';
}

/** A certificate and its private key, as files in the CA's directory and as PEM text. */
export interface IssuedCert {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
}

export interface TestCa {
  dir: string;
  certFile: string;
  certPem: string;
  /**
   * A server certificate for these hosts (IP addresses and DNS names, in the SAN; the first is the
   * CN). `key: 'rsa'` (default) makes an RSA-2048 key so every key exchange the server allows can
   * be probed (static-RSA suites need an RSA key); `'ec'` a P-256 key.
   */
  issueServer(hosts: string[], opts?: { key?: 'rsa' | 'ec'; name?: string }): Promise<IssuedCert>;
  /**
   * A client certificate (extendedKeyUsage clientAuth) with this subject, e.g. `CN=client-1,O=Touchstone`
   * (RDNs in the order given, the first outermost). `sans`: subjectAltName entries, each
   * `DNS:host`, `URI:https://...`, `email:a@b`, `IP:127.0.0.1` (RFC 8705 §2.1.2's SAN fields); a
   * bare value is an IP address or a DNS name.
   */
  issueClient(subject: string, opts?: { key?: 'rsa' | 'ec'; name?: string; sans?: string[] }): Promise<IssuedCert>;
  remove(): Promise<void>;
}

export function opensslPath(): string {
  return process.env.TOUCHSTONE_OPENSSL || '/usr/bin/openssl';
}

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(opensslPath(), args, { cwd, timeout: 20_000 }, (err, _out, stderr) => {
      if (err) reject(new TestCaUnavailableError(`openssl ${args[0]} failed: ${(stderr || err.message).trim().split('\n').pop()}`));
      else resolve();
    });
  });
}

const keyArgs = (key: 'rsa' | 'ec'): string[] => (key === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);

/** `CN=a,O=b` -> `/CN=a/O=b` (openssl -subj). */
const subj = (dn: string): string => '/' + dn.split(',').map((s) => s.trim()).filter(Boolean).join('/');

/** subjectAltName entries: `TYPE:value` kept, a bare value typed as IP or DNS. */
const sanList = (entries: string[]): string =>
  entries.map((h) => (/^(DNS|URI|email|IP):/.test(h) ? h : isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');

const CLIENT_EXT = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth'];

let serial = 0;

export async function makeTestCa(opts: { days?: number; name?: string } = {}): Promise<TestCa> {
  const bin = opensslPath();
  if (!existsSync(bin)) throw new TestCaUnavailableError(`no openssl at ${bin} (set TOUCHSTONE_OPENSSL): the test CA cannot be made`);
  const dir = mkdtempSync(join(tmpdir(), 'touchstone-ca-')); // mkdtemp makes it 0700
  const days = String(opts.days ?? 2);
  const certFile = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  try {
    await openssl(['req', '-x509', ...keyArgs('ec'), '-nodes', '-keyout', caKey, '-out', certFile, '-days', days,
      '-subj', subj(`CN=${opts.name ?? 'Touchstone test CA'},O=Touchstone`),
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const issue = async (name: string, subject: string, ext: string[], key: 'rsa' | 'ec'): Promise<IssuedCert> => {
    const keyFile = join(dir, `${name}.key`);
    const csr = join(dir, `${name}.csr`);
    const out = join(dir, `${name}.pem`);
    const extFile = join(dir, `${name}.ext`);
    writeFileSync(extFile, ext.join('\n') + '\n', { mode: 0o600 });
    await openssl(['req', ...keyArgs(key), '-nodes', '-keyout', keyFile, '-out', csr, '-subj', subj(subject)], dir);
    await openssl(['x509', '-req', '-in', csr, '-CA', certFile, '-CAkey', caKey, '-set_serial', String(Date.now() * 100 + (serial++ % 100)),
      '-days', days, '-sha256', '-extfile', extFile, '-out', out], dir);
    return { certFile: out, keyFile, certPem: readFileSync(out, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
  };
  const san = sanList;
  return {
    dir,
    certFile,
    certPem: readFileSync(certFile, 'utf8'),
    issueServer: (hosts, o = {}) =>
      issue(o.name ?? `server-${serial}`, `CN=${hosts[0]}`, ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth', `subjectAltName=${san(hosts)}`], o.key ?? 'rsa'),
    issueClient: (subject, o = {}) =>
      issue(o.name ?? `client-${serial}`, subject, [...CLIENT_EXT, ...(o.sans?.length ? [`subjectAltName=${san(o.sans)}`] : [])], o.key ?? 'ec'),
    remove: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A self-signed client certificate (RFC 8705 §2.2: self_signed_tls_client_auth; the client
 * registers it in its jwks as x5c). Made in its own temp directory (0700), read, and deleted: only
 * the PEM texts remain, in memory.
 */
export async function selfSignedClient(subject: string, opts: { key?: 'rsa' | 'ec'; sans?: string[]; days?: number } = {}): Promise<{ certPem: string; keyPem: string }> {
  const bin = opensslPath();
  if (!existsSync(bin)) throw new TestCaUnavailableError(`no openssl at ${bin} (set TOUCHSTONE_OPENSSL): no self-signed client certificate can be made`);
  const dir = mkdtempSync(join(tmpdir(), 'touchstone-cert-'));
  try {
    const ext = [...CLIENT_EXT, ...(opts.sans?.length ? [`subjectAltName=${sanList(opts.sans)}`] : [])];
    await openssl(['req', '-x509', ...keyArgs(opts.key ?? 'ec'), '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', String(opts.days ?? 2),
      '-subj', subj(subject), ...ext.flatMap((e) => ['-addext', e])], dir);
    return { certPem: readFileSync(join(dir, 'cert.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
